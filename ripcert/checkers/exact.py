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
from ripcert.errors import CertificateFormatError, RipcertError
from ripcert.exact.basis import basis_matrix, exact_matrix
from ripcert.exact.instance import ExactInstance, check_instance, float_reduced
from ripcert.exact.rational import (
    float_gram_metric,
    kernel_from_t,
    kernel_to_t,
    q_str,
    t_congruence,
    t_weights,
    to_float,
)
from ripcert.exact.sections import ExactSection

#: float agreement required between the exact section and the float certificate (δ, X, Z)
CONSISTENCY_TOL = 1e-6

#: relative float distance allowed between the exact operator and the certificate's float one
KERNEL_TOL = 1e-6


@dataclass(frozen=True)
class ExactReport:
    """Result of :func:`verify_exact`: per-check outcomes, the certified rational δ."""

    checks: tuple[Check, ...]
    delta: str
    claim: str
    about: str = "the certificate's own X, Z"

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
            "about": self.about,
            "checks": [
                {"name": c.name, "passed": c.passed, "detail": c.detail} for c in self.checks
            ],
        }


def instance_from_section(
    ex: dict, n_full: int, x: np.ndarray | None = None, z: np.ndarray | None = None
) -> ExactInstance:
    """The exact instance of an ``exact`` section (CertificateFormatError if malformed).

    ``x``, ``z`` (the certificate's floats) are needed for ``span``/``identity`` sections;
    a snapped section carries its own rationals.
    """
    r = 1 if x is None else x.shape[1]
    rs = 1 if z is None else z.shape[1]
    sec = ExactSection.from_dict(ex, n_full, r, rs)
    if sec.basis != "snapped" and (x is None or z is None):
        raise CertificateFormatError(f"a {sec.basis!r} exact section needs the certificate's X, Z")
    xx = np.zeros((n_full, r)) if x is None else x
    zz = np.zeros((n_full, rs)) if z is None else z
    return sec.instance(xx, zz)[0]


def _numerical(name: str, ok: bool, detail: str) -> Check:
    """A floating-point consistency check, labelled as such (not part of the proof)."""
    return Check(name, bool(ok), f"numerical consistency, not part of the proof: {detail}")


def _basis_float(sec: ExactSection, cert: Certificate) -> np.ndarray:
    """Float B of a span/identity section (B = I for identity)."""
    if sec.span is None:
        return np.eye(cert.n)
    b = to_float(basis_matrix(exact_matrix(cert.x), exact_matrix(cert.z), sec.span.columns,
                              sec.span.powers))  # fmt: skip
    return b


def operator_distance(sec: ExactSection, cert: Certificate) -> tuple[float, str]:
    """Relative distance between the section's exact operator and the certificate's float one.

    Both are compared on ``𝒱 = {BSBᵀ}`` in the section's coordinates: a lifted float operator
    ``(P, H_k)`` restricted to 𝒱 has kernel ``D_G + Mᵀ(G_P − D)M`` (``M`` the matrix of
    ``t(S) ↦ t(QSQᵀ)``, ``Q = PᵀB``, ``G_P`` = H_k in triangle coordinates); on the complement
    both are the identity once ``span P = span B``, which is measured too.  Returns
    ``(distance, detail)``; ``inf`` when the float operator has another shape.
    """
    op = cert.operator
    kq = to_float(sec.kernel)
    scale = max(float(np.linalg.norm(kq)), 1e-300)
    if sec.basis == "span":
        if not isinstance(op, LiftedOperator) or op.k != sec.k:
            return float("inf"), "the float operator is not lifted from a k-dimensional span"
        b = _basis_float(sec, cert)
        qm = op.basis.T @ b
        off = float(np.linalg.norm(b - op.basis @ qm)) / max(float(np.linalg.norm(b)), 1e-300)
        m = t_congruence(qm)
        dp = np.diag(t_weights(op.k) ** 2)
        g = float_gram_metric(b.T @ b) + m.T @ (kernel_to_t(np.asarray(op.kernel)) - dp) @ m
        dist = max(float(np.linalg.norm(g - kq)) / scale, off)
        return dist, f"‖K − K_float‖/‖K‖ on span B, span(P) vs span(B) {off:.1e}"
    if isinstance(op, LiftedOperator) and op.k == op.n:
        qm = op.basis.T
        m = t_congruence(qm)
        g = m.T @ kernel_to_t(np.asarray(op.kernel)) @ m
    else:
        g = kernel_to_t(np.asarray(op.dense_kernel()))
    if g.shape != kq.shape:
        return float("inf"), f"float kernel of shape {g.shape}, exact {kq.shape}"
    return float(np.linalg.norm(g - kq)) / scale, "‖K − K_float‖/‖K‖ on S^n"


def _snapped_consistency(cert: Certificate, inst: ExactInstance, sec: ExactSection) -> list[Check]:
    """A snapped section is about a nearby instance: how near (floating point)."""
    out = []
    try:
        xk, zk, hk, coords = float_reduced(cert)
    except (MemoryError, ValueError) as exc:
        return [Check("consistency", False, str(exc))]
    ok = xk.shape[0] == inst.k
    out.append(_numerical("same_space", ok, f"k = {inst.k}, {coords}"))
    if not out[-1].passed:
        return out
    scale = max(float(np.linalg.norm(zk.T @ zk)), 1e-300)
    yf = to_float(inst.x_factor)
    dx = np.linalg.norm(xk @ xk.T - yf @ to_float(inst.x_gram) @ yf.T) / scale
    dz = np.linalg.norm(zk @ zk.T - to_float(inst.zzt)) / scale
    out.append(
        _numerical("matches_x", bool(dx <= CONSISTENCY_TOL), f"‖XXᵀ − YΓYᵀ‖/‖ZZᵀ‖ = {dx:.1e}")
    )
    out.append(
        _numerical("matches_z", bool(dz <= CONSISTENCY_TOL), f"‖ZZᵀ − zzT‖/‖ZZᵀ‖ = {dz:.1e}")
    )
    hq = kernel_from_t(to_float(inst.kernel))
    dh = float(np.linalg.norm(hk - hq)) / max(float(np.linalg.norm(hk)), 1e-300)
    out.append(_numerical("matches_kernel", dh <= KERNEL_TOL, f"relative kernel distance {dh:.1e}"))
    if isinstance(cert.operator, LiftedOperator):
        p = cert.operator.basis
        orth = float(np.linalg.norm(p.T @ p - np.eye(p.shape[1])))
        res = float(np.linalg.norm(cert.x - p @ xk) + np.linalg.norm(cert.z - p @ zk))
        ok = orth <= 1e-8 and res <= 1e-8 * max(1.0, float(np.linalg.norm(cert.z)))
        detail = f"‖PᵀP − I‖ = {orth:.1e}, X, Z ∈ span P: {res:.1e}"
        out.append(_numerical("lift_basis", ok, detail))
    return out


def _consistency(cert: Certificate, inst: ExactInstance, sec: ExactSection) -> list[Check]:
    """Float checks that the rationals describe *this* certificate (not exact claims)."""
    if sec.basis == "snapped":
        out = _snapped_consistency(cert, inst, sec)
    else:
        dist, what = operator_distance(sec, cert)
        out = [_numerical("float_operator", dist <= KERNEL_TOL, f"{what}: {dist:.1e}")]
    dq = float(inst.delta)
    ok = abs(cert.delta - dq) <= CONSISTENCY_TOL
    out.append(_numerical("matches_delta", ok, f"float δ = {cert.delta:.12g}, exact ≈ {dq:.12g}"))
    out.append(Check("matches_claim", cert.claim == inst.claim, f"{cert.claim} / {inst.claim}"))
    mq = float(inst.margin)
    ok = mq <= cert.margin and mq >= cert.margin * (1 - 1e-5)
    out.append(Check("matches_margin", ok, f"float μ = {cert.margin:.6g}, exact μ ≈ {mq:.6g}"))
    return out


def verify_exact(cert: Certificate) -> ExactReport:
    """Re-check the ``exact`` section of a certificate from its rationals alone.

    Exact checks: for a ``span`` section, that the certificate's X, Z equal ``B·C_X``,
    ``B·C_Z`` over ℚ; then :func:`check_instance` (FOC, SOC, strictness, margin and the RIP
    bounds of the exact lifted operator); the stated ``delta``/``scale`` equal
    ``(L−ℓ)/(L+ℓ)``, ``2/(L+ℓ)``.  Numerical consistency (labelled so): the float operator is
    within 1e-6 of the exact one, |δ_float − δ_exact| ≤ 1e-6, same claim and margin; for a
    snapped section, the distance of the snapped instance.  Returns an :class:`ExactReport`
    (``report.ok`` False on any failure).  Raises CertificateFormatError when there is no
    (well-formed) ``exact`` section.  A ``dual`` section, if present, is re-checked too
    (:func:`ripcert.checkers.dual.verify_dual`).
    """
    ex = cert.extra.get("exact")
    if ex is None:
        raise CertificateFormatError("certificate has no exact section (generate with --exact)")
    sec = ExactSection.from_dict(ex, cert.n, cert.r, cert.r_star)
    inst, checks = sec.instance(cert.x, cert.z)
    if all(c.passed for c in checks):
        checks += check_instance(inst)
    checks.append(
        proved("delta_value", sec.delta == inst.delta, f"δ = (L−ℓ)/(L+ℓ) = {q_str(inst.delta)}")
    )
    checks.append(
        proved("scale_value", sec.scale == inst.scale, f"γ = 2/(L+ℓ) = {q_str(inst.scale)}")
    )
    checks.extend(_consistency(cert, inst, sec))
    if "dual" in cert.extra:
        checks.extend(verify_dual(cert))
    return ExactReport(
        checks=tuple(checks), delta=q_str(inst.delta), claim=inst.claim, about=_about(sec)
    )


def _about(sec: ExactSection) -> str:
    """What the exact claim is about, in words (reports must not overstate it)."""
    if sec.basis == "span":
        return f"the certificate's own X, Z (exact basis of span([X Z]), k = {sec.k}, lifted)"
    if sec.basis == "identity":
        return f"the certificate's own X, Z on S^{sec.n}"
    assert sec.snap is not None
    return (
        f"a SNAPPED instance near X, Z (distance {sec.snap.x_distance:.1e} in XXᵀ, "
        f"{sec.snap.z_distance:.1e} in ZZᵀ, relative to ‖ZZᵀ‖_F), not the stored floats"
    )


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
    detail = f"δ = {rep.delta} exactly for {rep.about}; {len(rep.checks)} checks"
    du = cert.extra.get("dual")
    if isinstance(du, dict) and "lower" in du and "upper" in du:
        detail += f"; dual bracket δ* ∈ [{du['lower']:.10g}, {du['upper']:.10g}]"
    detail += f"; failed: {bad}" if bad else f" ({time.perf_counter() - t0:.2f} s)"
    return Check("exact", rep.ok, detail, value=float(Fraction(rep.delta)), evidence="exact")
