"""Re-check a certificate's ``exact`` section from its rationals alone (docs/exact.md)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ripcert.certificate import Certificate
from ripcert.checkers.dual import verify_dual
from ripcert.core.operator import LiftedOperator
from ripcert.core.report import Check, proved
from ripcert.core.vectorization import sdim
from ripcert.errors import CertificateFormatError, RipcertError
from ripcert.exact.instance import ExactInstance, check_instance, float_reduced
from ripcert.exact.rational import kernel_from_t, parse_mat, parse_q, q_str, to_float

#: float agreement required between the exact section and the float certificate
CONSISTENCY_TOL = 1e-6


@dataclass(frozen=True)
class ExactReport:
    """Result of :func:`verify_exact`: per-check outcomes, the certified rational δ."""

    checks: tuple[Check, ...]
    delta: str
    claim: str

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "delta": self.delta,
            "claim": self.claim,
            "checks": [
                {"name": c.name, "passed": c.passed, "detail": c.detail} for c in self.checks
            ],
        }


def instance_from_section(ex: dict, n_full: int) -> ExactInstance:
    """Parse an ``exact`` section (CertificateFormatError if malformed)."""
    if not isinstance(ex, dict):
        raise CertificateFormatError("exact section must be an object")
    try:
        y = parse_mat(ex["x_factor"], "exact.x_factor", (None, None))
        k, r = y.nrows(), y.ncols()
        gam = parse_mat(ex["x_gram"], "exact.x_gram", (r, r))
        zzt = parse_mat(ex["zzT"], "exact.zzT", (k, k))
        g = parse_mat(ex["kernel_t"], "exact.kernel_t", (sdim(k), sdim(k)))
        lo = parse_q(ex["rip_lower"], "exact.rip_lower")
        hi = parse_q(ex["rip_upper"], "exact.rip_upper")
        claim = ex["claim"]
        margin = parse_q(ex.get("margin", "0"), "exact.margin")
    except KeyError as exc:
        raise CertificateFormatError(f"exact section lacks {exc}") from None
    if margin < 0:
        raise CertificateFormatError("exact.margin must be ≥ 0")
    return ExactInstance(y, gam, zzt, g, lo, hi, claim, n_full, margin)


def _consistency(cert: Certificate, inst: ExactInstance, ex: dict) -> list[Check]:
    """Float checks that the rationals describe *this* certificate (not exact claims)."""
    out = []
    try:
        xk, zk, hk, coords = float_reduced(cert)
    except (MemoryError, ValueError) as exc:
        return [Check("consistency", False, str(exc))]
    space = ex.get("space", {})
    out.append(
        Check(
            "same_space",
            xk.shape[0] == inst.k
            and space.get("reduced") == (coords == "reduced")
            and space.get("n") == cert.n,
            f"k = {inst.k}, coordinates {coords}",
        )
    )
    if not out[-1].passed:
        return out
    scale = max(float(np.linalg.norm(zk.T @ zk)), 1e-300)
    yf = to_float(inst.x_factor)
    dx = np.linalg.norm(xk @ xk.T - yf @ to_float(inst.x_gram) @ yf.T) / scale
    dz = np.linalg.norm(zk @ zk.T - to_float(inst.zzt)) / scale
    out.append(Check("matches_x", dx <= CONSISTENCY_TOL, f"‖XXᵀ − YΓYᵀ‖/‖ZZᵀ‖ = {dx:.1e}"))
    out.append(Check("matches_z", dz <= CONSISTENCY_TOL, f"‖ZZᵀ − zzT‖/‖ZZᵀ‖ = {dz:.1e}"))
    hq = kernel_from_t(to_float(inst.kernel))
    dh = np.linalg.norm(hk - hq) / max(np.linalg.norm(hk), 1e-300)
    out.append(Check("matches_kernel", dh <= 1e-4, f"relative kernel difference {dh:.1e}"))
    if isinstance(cert.operator, LiftedOperator):
        p = cert.operator.basis
        orth = np.linalg.norm(p.T @ p - np.eye(p.shape[1]))
        res = np.linalg.norm(cert.x - p @ xk) + np.linalg.norm(cert.z - p @ zk)
        ok = orth <= 1e-8 and res <= 1e-8 * max(1.0, np.linalg.norm(cert.z))
        out.append(Check("lift_basis", ok, f"‖PᵀP − I‖ = {orth:.1e}, X, Z ∈ span P: {res:.1e}"))
    dq = float(inst.delta)
    out.append(
        Check(
            "matches_delta",
            abs(cert.delta - dq) <= CONSISTENCY_TOL,
            f"float δ = {cert.delta:.12g}, exact δ ≈ {dq:.12g}",
        )
    )
    out.append(Check("matches_claim", cert.claim == inst.claim, f"{cert.claim} / {inst.claim}"))
    mq = float(inst.margin)
    ok = mq <= cert.margin and mq >= cert.margin * (1 - 1e-5)
    out.append(Check("matches_margin", ok, f"float μ = {cert.margin:.6g}, exact μ ≈ {mq:.6g}"))
    return out


def verify_exact(cert: Certificate) -> ExactReport:
    """Re-check the ``exact`` section of a certificate from its rationals alone.

    Exact checks (see :func:`check_instance`), plus: the stated ``delta``/``scale`` equal
    ``(L−ℓ)/(L+ℓ)``, ``2/(L+ℓ)``; and float consistency of the rationals with the
    certificate (x, z, kernel within 1e-6/1e-4, |δ_float − δ_exact| ≤ 1e-6, same claim).
    Returns an :class:`ExactReport`; ``report.ok`` is False on any failure.  Raises
    CertificateFormatError when there is no (well-formed) ``exact`` section.  A ``dual``
    section, if present, is re-checked too (:func:`ripcert.checkers.dual.verify_dual`).
    """
    ex = cert.extra.get("exact")
    if ex is None:
        raise CertificateFormatError("certificate has no exact section (generate with --exact)")
    inst = instance_from_section(ex, cert.n)
    checks = check_instance(inst)
    try:
        d_ok = parse_q(ex.get("delta"), "exact.delta") == inst.delta
        s_ok = parse_q(ex.get("scale"), "exact.scale") == inst.scale
    except CertificateFormatError as exc:
        d_ok = s_ok = False
        checks.append(Check("format", False, str(exc)))
    checks.append(proved("delta_value", d_ok, f"δ = (L−ℓ)/(L+ℓ) = {q_str(inst.delta)}"))
    checks.append(proved("scale_value", s_ok, f"γ = 2/(L+ℓ) = {q_str(inst.scale)}"))
    checks.extend(_consistency(cert, inst, ex))
    if "dual" in cert.extra:
        checks.extend(verify_dual(cert))
    return ExactReport(checks=tuple(checks), delta=q_str(inst.delta), claim=inst.claim)


def exact_check(cert: Certificate) -> Check:
    """The ``exact`` and ``dual`` sections re-checked from their rationals, as one check.

    A certificate without an ``exact`` section gives a *skipped* check (it passes: there is
    nothing exact to refute); ``ripcert certify FILE`` adds one.
    """
    if "exact" not in cert.extra:
        return Check(
            "exact",
            True,
            "skipped: no exact section (add one with `ripcert certify`)",
            evidence="skipped",
        )
    t0 = time.perf_counter()
    try:
        rep = verify_exact(cert)
    except RipcertError as exc:  # malformed exact/dual section
        return Check("exact", False, str(exc), evidence="exact")
    bad = ", ".join(f"{c.name} ({c.detail})" for c in rep.failures)
    detail = f"δ = {rep.delta} exactly; {len(rep.checks)} exact checks"
    du = cert.extra.get("dual")
    if isinstance(du, dict) and "lower" in du and "upper" in du:
        detail += f"; dual bracket δ* ∈ [{du['lower']:.10g}, {du['upper']:.10g}]"
    detail += f"; failed: {bad}" if bad else f" ({time.perf_counter() - t0:.2f} s)"
    return Check("exact", rep.ok, detail, value=float(Fraction(rep.delta)), evidence="exact")
