"""Re-check a certificate's ``dual`` section exactly from its stored multipliers (docs/dual.md).

The section is about the certificate's own (X, Z): its reduced pair ``(C_X, C_Z)`` is tied to
the stored floats by the exact identities ``X = B·C_X``, ``Z = B·C_Z``
(:func:`ripcert.exact.basis.span_checks`, reported as ``dual_reduced_pair``), and the weak
duality bound of :mod:`ripcert.exact.duality` is re-derived in the metric ``G = BᵀB``.
"""

from __future__ import annotations

from flint import fmpq, fmpq_mat

from ripcert.core.report import Check, proved
from ripcert.errors import CertificateFormatError
from ripcert.exact.basis import exact_matrix, span_checks
from ripcert.exact.duality import dual_checks, eta_upper, lower_from_eta, margin_low, projector
from ripcert.exact.rational import ldl_psd, parse_q, q_str
from ripcert.exact.sections import DualSection


def _pow2(p: int) -> fmpq:
    return fmpq(2) ** p if p >= 0 else fmpq(1) / fmpq(2) ** (-p)


def verify_dual(cert) -> list[Check]:
    """Re-check a certificate's ``dual`` section exactly from its stored multipliers."""
    if not isinstance(cert.extra.get("dual"), dict):
        raise CertificateFormatError("certificate has no dual section")
    du = DualSection.from_dict(cert.extra["dual"], cert.r, cert.r_star, cert.n)
    s = _pow2(du.scale_power)
    gram: fmpq_mat | None
    if du.span is None:  # identity basis: the pair is (X, Z) itself on S^n
        gram = None
        xq, zq = exact_matrix(cert.x) * s, exact_matrix(cert.z) * s
        checks = [proved("dual_reduced_pair", True, "identity basis: the stored X, Z on S^n")]
    else:
        tie, gram = span_checks(du.span, cert.x, cert.z)
        ok = all(c.passed for c in tie)
        detail = "; ".join(f"{c.name}: {c.detail}" for c in tie)
        checks = [proved("dual_reduced_pair", ok, detail)]
        if not ok:
            return checks
        xq, zq = du.span.x_coords * s, du.span.z_coords * s
    rm, dmat, more = dual_checks(xq, zq, du.y, du.s1, du.s2, gram)
    checks += more
    checks.append(
        Check("dual_margin", du.margin == cert.margin, f"dual margin {du.margin} / {cert.margin}")
    )
    checks.append(proved("dual_tau", du.tau >= 0 and ldl_psd(rm + dmat * du.tau)[0], "R + τD ⪰ 0"))
    if not all(c.passed for c in checks):
        return checks
    c_low = margin_low(du.margin, zq, gram)
    low = lower_from_eta(eta_upper(rm, dmat, du.tau, du.s1, c_low, projector(xq, gram)))
    checks.append(proved("dual_lower_value", low >= du.lower_exact, f"L = {q_str(low)}"))
    ok = abs(du.lower - float(du.lower_exact)) <= 1e-12
    checks.append(Check("dual_lower_float", ok, "lower = float(lower_exact)"))
    ex = cert.extra.get("exact")
    if isinstance(ex, dict) and "delta" in ex and ex.get("basis") in ("span", "identity"):
        dq = parse_q(ex["delta"], "exact.delta")
        checks.append(proved("dual_below_exact", du.lower_exact <= dq, "L ≤ certified δ"))
    return checks
