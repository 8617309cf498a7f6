"""Strict-saddle bounds far from the ground truth: Theorems 3 and 6 of Ma, Chen, Lavaei &
Sojoudi, arXiv:2403.06056 (AISTATS 2024), evaluated on a given operator.

**Theorem 3.**  If A is δ-RIP of order ``r + r*`` and X̂ is a first-order critical point of
``f_s(X) = ½‖A(XXᵀ − M*)‖²`` with

    D² := ‖X̂X̂ᵀ − M*‖²_F > 2 (1+δ)/(1−δ) · tr(M*) · σ_r(X̂)²                   (4)

then ∇²f_s(X̂) has an eigenvalue ≤ ``2(1+δ)σ_r(X̂)² − D²(1−δ)/tr(M*)`` (< 0)      (5).

**Theorem 6.**  For ``f^l_λ = f_s + λ(1/l)‖A(XXᵀ) − b‖_l^l`` (l ≥ 2 even), with
``C(l) = m^{(2−l)/2}((2^l − 1)/l − 1)`` (m measurements), if

    D² ≥ tr(M*)σ_r² · [(1+δ) + λ(l−1)(1+δ)^{l/2}D^{l−2}] / [(1−δ)/2 + λC(l)(1−δ)^{l/2}D^{l−2}]  (10)

then ∇²f^l_λ(X̂) has an eigenvalue ≤
``[2(1+δ)σ_r² − D²(1−δ)/tr M*] + λD^{l−2}[2(1+δ)^{l/2}(l−1)σ_r² − 2(1−δ)^{l/2}C(l)D²/tr M*]``
(11).

**Units.**  The theorems assume ``(1−δ)‖M‖² ≤ ‖A(M)‖² ≤ (1+δ)‖M‖²`` on rank ≤ r + r*.
ripcert's RIP constants are scale-optimal: ``(1−δ)‖M‖² ≤ γ‖A(M)‖² ≤ (1+δ)‖M‖²``
(:mod:`ripcert.checkers.rip`), so the theorems apply to ``√γ A``.  Our losses are
``F = ‖A(M)‖² + (λ/l)‖A(M)‖_l^l`` (no ½); with ``A_γ = √γ A``,
``(γ/2)·F = ½‖A_γ(M)‖² + (λ_s/l)‖A_γ(M)‖_l^l`` where ``λ_s = λ/(2γ^{l/2−1})``.
Critical points coincide and ``∇²f^l_{λ_s}[A_γ] = (γ/2)∇²F``, so the measured λ_min of our
Hessian is compared after multiplication by γ/2 (and the bound is also reported in our
units, divided by γ/2).  δ comes from the *upper* end of the operator's RIP bracket
(:func:`ripcert.checkers.rip.rip_bracket`, order ``r + r*``): both (4)/(10) and (5)/(11)
are monotone in δ in the direction that keeps the conclusion valid for any δ' ≥ δ_true.
The order of the measurements (m) is the number of sensing matrices of the operator.

A covered point whose measured λ_min exceeds the bound contradicts the theorem (or the
RIP bracket, or the numerics): :func:`strict_saddle_report` warns loudly with the numbers.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

#: relative slack on "measured ≤ bound" (in units of |bound| + the Hessian's scale)
CONTRADICTION_TOL = 1e-6


class TheoremContradiction(UserWarning):
    """A measured curvature violates a theorem's guaranteed bound."""


@dataclass(frozen=True)
class RipInput:
    """δ and γ with ``(1−δ)‖M‖² ≤ γ‖A(M)‖² ≤ (1+δ)‖M‖²`` on rank ≤ ``order``."""

    delta: float
    scale: float
    order: int
    measurements: int
    source: str


def rip_input(operator: object, order: int, samples: int = 8, seed: int = 0) -> RipInput:
    """Upper end of the RIP bracket of ``operator`` at ``order`` (sound for the theorems)."""
    from ripcert.checkers.rip import rip_bracket

    br = rip_bracket(operator, order, samples=samples, seed=seed)  # type: ignore[arg-type]
    lo, hi = br.sdp.lo, br.sdp.hi
    scale = 2.0 / (lo + hi) if lo + hi > 0 else math.inf
    m = int(operator.num_measurements)  # type: ignore[attr-defined]
    return RipInput(float(br.delta_upper), float(scale), order, m, br.sdp.method)


@dataclass(frozen=True)
class StrictSaddleBound:
    """Theorem 3 (``lam = 0``) or Theorem 6 at one first-order point, with the measurement."""

    theorem: str
    delta: float
    scale: float
    order: int
    l: int
    lam_seed: float
    distance_sq: float
    sigma_r_sq: float
    trace_m: float
    condition_lhs: float
    condition_rhs: float
    covered: bool
    bound_seed: float
    bound: float
    measured: float
    contradiction: bool

    def to_dict(self) -> dict:
        def num(v: float) -> float | None:
            return float(v) if math.isfinite(v) else None

        return {
            "theorem": self.theorem,
            "delta": num(self.delta),
            "scale": num(self.scale),
            "order": self.order,
            "l": self.l,
            "lambda_seed": self.lam_seed,
            "D_sq": self.distance_sq,
            "sigma_r_sq": self.sigma_r_sq,
            "trace_M": self.trace_m,
            "condition_lhs": num(self.condition_lhs),
            "condition_rhs": num(self.condition_rhs),
            "covered": self.covered,
            "bound_seed_units": num(self.bound_seed),
            "bound": num(self.bound),
            "measured_lambda_min": self.measured,
            "contradiction": self.contradiction,
        }

    def summary(self) -> str:
        if not self.covered:
            return (
                f"Theorem {self.theorem}: not covered (D² = {self.condition_lhs:.4g}"
                f" vs {self.condition_rhs:.4g}, δ = {self.delta:.4g})"
            )
        tag = "CONTRADICTED" if self.contradiction else "holds"
        return (
            f"Theorem {self.theorem} {tag}: λ_min = {self.measured:.6g} ≤ bound"
            f" {self.bound:.6g}? (δ = {self.delta:.6g}, γ = {self.scale:.6g})"
        )


def c_of_l(l_: int, m: int) -> float:
    """``C(l) = m^{(2−l)/2}((2^l − 1)/l − 1)`` of Theorem 6."""
    return float(m ** ((2.0 - l_) / 2.0) * ((2.0**l_ - 1.0) / l_ - 1.0))


def theorem_values(
    x: np.ndarray,
    z: np.ndarray,
    delta: float,
    l_: int = 2,
    lam_seed: float = 0.0,
    m: int = 1,
) -> tuple[float, float, float, float, float, float]:
    """``(D², σ_r², tr M*, lhs, rhs, bound)`` of (4)/(5) (``lam_seed = 0``) or (10)/(11),
    in the seed's units (loss ``½‖A(M)‖² + λ_s(1/l)‖A(M)‖_l^l``, A δ-RIP as is)."""
    gram = x.T @ x
    d_sq = float(max(np.sum(gram**2) - 2 * np.sum((x.T @ z) ** 2) + np.sum((z.T @ z) ** 2), 0.0))
    sig = float(max(np.linalg.eigvalsh(gram)[0], 0.0))
    tr = float(np.sum(z * z))
    if lam_seed == 0.0:
        rhs = 2.0 * (1 + delta) / (1 - delta) * tr * sig if delta < 1 else math.inf
        bound = 2.0 * (1 + delta) * sig - d_sq * (1 - delta) / tr
        return d_sq, sig, tr, d_sq, rhs, bound
    dd = math.sqrt(d_sq) ** (l_ - 2)
    c = c_of_l(l_, m)
    num = (1 + delta) + lam_seed * (l_ - 1) * (1 + delta) ** (l_ / 2) * dd
    den = (1 - delta) / 2 + lam_seed * c * (1 - delta) ** (l_ / 2) * dd
    rhs = tr * sig * num / den if den > 0 else math.inf
    bound = (2 * (1 + delta) * sig - d_sq * (1 - delta) / tr) + lam_seed * dd * (
        2 * (1 + delta) ** (l_ / 2) * (l_ - 1) * sig - 2 * (1 - delta) ** (l_ / 2) * c * d_sq / tr
    )
    return d_sq, sig, tr, d_sq, rhs, bound


def strict_saddle_report(
    x: np.ndarray,
    z: np.ndarray,
    measured_lambda_min: float,
    rip: RipInput,
    l_: int = 2,
    lam: float = 0.0,
    hessian_scale: float = 1.0,
    warn: bool = True,
) -> StrictSaddleBound:
    """Evaluate Theorem 3 (``lam = 0``) or 6 at a first-order point X of our loss
    ``‖A(M)‖² + (λ/l)‖A(M)‖_l^l``; ``measured_lambda_min`` is λ_min of *our* Hessian.

    ``hessian_scale`` (our units) sets the slack of the contradiction test.  A covered
    point with ``measured > bound`` emits a :class:`TheoremContradiction` warning."""
    g = rip.scale
    lam_seed = lam / (2.0 * g ** (l_ / 2.0 - 1.0)) if lam else 0.0
    d_sq, sig, tr, lhs, rhs, bound_s = theorem_values(
        x, z, rip.delta, l_, lam_seed, rip.measurements
    )
    ok_rip = rip.delta < 1 and math.isfinite(g)
    covered = bool(ok_rip and (lhs > rhs if lam_seed == 0.0 else lhs >= rhs) and tr > 0)
    bound = bound_s / (g / 2.0) if ok_rip else math.inf
    slack = CONTRADICTION_TOL * (abs(bound) + abs(hessian_scale))
    contradiction = bool(covered and measured_lambda_min > bound + slack)
    rep = StrictSaddleBound(
        theorem="3" if lam_seed == 0.0 else "6",
        delta=rip.delta,
        scale=g,
        order=rip.order,
        l=l_,
        lam_seed=lam_seed,
        distance_sq=d_sq,
        sigma_r_sq=sig,
        trace_m=tr,
        condition_lhs=lhs,
        condition_rhs=rhs,
        covered=covered,
        bound_seed=bound_s,
        bound=bound,
        measured=float(measured_lambda_min),
        contradiction=contradiction,
    )
    if contradiction and warn:
        warnings.warn(
            f"THEOREM {rep.theorem} CONTRADICTED at a first-order point: measured λ_min(∇²F)"
            f" = {measured_lambda_min:.10g} > guaranteed bound {bound:.10g} (our units;"
            f" D² = {d_sq:.6g}, σ_r² = {sig:.6g}, tr M* = {tr:.6g}, δ = {rip.delta:.10g},"
            f" γ = {g:.6g}, order {rip.order})",
            TheoremContradiction,
            stacklevel=2,
        )
    return rep


__all__ = [
    "RipInput",
    "StrictSaddleBound",
    "TheoremContradiction",
    "c_of_l",
    "rip_input",
    "strict_saddle_report",
    "theorem_values",
]
