"""Re-check a certificate's ``dual`` section exactly from its stored multipliers (docs/dual.md)."""

from __future__ import annotations

import numpy as np
from flint import fmpq_mat

from ripcert.core.operator import LiftedOperator
from ripcert.core.report import Check, proved
from ripcert.errors import CertificateFormatError
from ripcert.exact.duality import dual_checks, eta_upper, lower_from_eta, margin_low, projector
from ripcert.exact.rational import ldl_psd, parse_mat, parse_q, q, q_str

#: relative agreement required between a dual section's reduced (X, Z) and (PᵀX, PᵀZ)
REDUCED_TOL = 1e-9


def _reduced_pair(cert) -> tuple[np.ndarray, np.ndarray] | None:
    """``(PᵀX, PᵀZ)`` for a lifted operator with n > k, else None (full space)."""
    op = cert.operator
    if not isinstance(op, LiftedOperator) or op.basis.shape[0] == op.basis.shape[1]:
        return None
    return op.basis.T @ cert.x, op.basis.T @ cert.z


def _dual_pair(cert, du: dict) -> tuple[np.ndarray, np.ndarray, Check | None]:
    """The (X, Z) a dual section speaks of, and for a reduced one its consistency check."""
    if "reduced_x" not in du:
        return cert.x, cert.z, None
    try:
        xk = np.array(du["reduced_x"], dtype=float)
        zk = np.array(du["reduced_z"], dtype=float)
    except (KeyError, TypeError, ValueError) as exc:
        raise CertificateFormatError(f"dual section malformed: {exc}") from None
    pair = _reduced_pair(cert)
    if pair is None or xk.shape != pair[0].shape or zk.shape != pair[1].shape:
        raise CertificateFormatError("dual.reduced_x/z do not match the lifted operator's basis")
    if not (np.all(np.isfinite(xk)) and np.all(np.isfinite(zk))):
        raise CertificateFormatError("dual.reduced_x/z must be finite")
    scale = max(float(np.linalg.norm(cert.x)), float(np.linalg.norm(cert.z)))
    err = max(float(np.linalg.norm(xk - pair[0])), float(np.linalg.norm(zk - pair[1]))) / scale
    ok = err <= REDUCED_TOL
    return xk, zk, Check("dual_reduced_pair", ok, f"‖(PᵀX, PᵀZ) − stored‖/‖(X, Z)‖ = {err:.1e}")


def verify_dual(cert) -> list[Check]:
    """Re-check a certificate's ``dual`` section exactly from its stored multipliers."""
    du = cert.extra.get("dual")
    if not isinstance(du, dict):
        raise CertificateFormatError("certificate has no dual section")
    try:
        mult = du["multipliers"]
        power = int(du["scale_power"])
        mu = float(du["margin"])
        stated = parse_q(du["lower_exact"], "dual.lower_exact")
    except (KeyError, TypeError, ValueError) as exc:
        raise CertificateFormatError(f"dual section malformed: {exc}") from None
    if abs(power) > 1000:
        raise CertificateFormatError("dual.scale_power out of range")
    x0, z0, pair_check = _dual_pair(cert, du)
    xs, zs = x0 * 2.0**power, z0 * 2.0**power
    n, r = xs.shape
    xq = fmpq_mat(n, r, [q(v) for v in xs.ravel()])
    zq = fmpq_mat(n, zs.shape[1], [q(v) for v in zs.ravel()])
    d = n * (n + 1) // 2
    y = parse_mat(mult.get("Y"), "dual.Y", (n, r))
    s1 = parse_mat(mult.get("S1"), "dual.S1", (n * r, n * r))
    s2 = parse_mat(mult.get("S2"), "dual.S2", (d, d))
    tau = parse_q(mult.get("tau"), "dual.tau")
    rm, dmat, checks = dual_checks(xq, zq, mu, y, s1, s2)
    if pair_check is not None:
        checks.insert(0, pair_check)
    checks.append(Check("dual_margin", mu == cert.margin, f"dual margin {mu} / {cert.margin}"))
    checks.append(proved("dual_tau", tau >= 0 and ldl_psd(rm + dmat * tau)[0], "R + τD ⪰ 0"))
    if not all(c.passed for c in checks):
        return checks
    c_low = margin_low(mu, zq)
    low = lower_from_eta(eta_upper(rm, dmat, tau, s1, c_low, projector(xq)))
    checks.append(proved("dual_lower_value", low >= stated, f"L = {q_str(low)}"))
    ok = abs(float(du.get("lower", -1)) - float(stated)) <= 1e-12
    checks.append(Check("dual_lower_float", ok, "lower = float(lower_exact)"))
    ex = cert.extra.get("exact")
    if isinstance(ex, dict) and "delta" in ex:
        dq = parse_q(ex["delta"], "exact.delta")
        checks.append(proved("dual_below_exact", stated <= dq, "L ≤ certified δ"))
    return checks
