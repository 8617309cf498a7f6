"""Reductions of the counterexample problem: each maps a problem to a smaller or
better-conditioned equivalent one, and maps its solution back (``reduce``/``retrieve``,
in the manner of cvxpy's ``reductions``).  docs/math.md §4.

:class:`Normalize` — scale (X, Z) by ``1/√‖ZZᵀ‖_F``.
    Keeps: δ* (the SDP is invariant under joint scaling), FOC, SOC and the relative
    margin μ (the margin is measured relative to ‖ZZᵀ‖_F).  The kernel is unchanged.

:class:`SpanReduction` — restrict to ``span([X Z])`` with an orthonormal basis P (n×k).
    reduce: ``(X, Z) ↦ (PᵀX, PᵀZ)``; retrieve: ``H_k ↦ LiftedOperator(P, H_k)``
    (identity on the orthogonal complement).
    Keeps: δ* (compressing a feasible H to the span is feasible for the small problem;
    lifting keeps FOC and SOC, the cross directions V ⊥ span getting curvature
    ``2‖XVᵀ‖² ≥ 0``), hence the same optimal value.  With a margin μ > 0 the lifted
    cross directions have curvature ``2σ_r(X)²‖V‖²`` in ½∇²f̂ units, so the certified
    margin of the lifted operator is ``min(μ, 2σ_r(X)²/‖ZZᵀ‖_F)`` when n > k.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ripcert.core.operator import LiftedOperator
from ripcert.generator.problem import CounterexampleProblem, outer_fro

#: singular values below this fraction of the largest are dropped from span([X Z])
SPAN_TOL = 1e-10


@dataclass(frozen=True)
class Normalize:
    """Scale (X, Z) so that ‖ZZᵀ‖_F = 1."""

    factor: float

    @classmethod
    def reduce(cls, problem: CounterexampleProblem) -> tuple[CounterexampleProblem, Normalize]:
        s = outer_fro(problem.z) ** -0.5
        small = CounterexampleProblem(problem.x * s, problem.z * s, problem.margin)
        return small, cls(factor=s)

    def retrieve(self, kernel: np.ndarray) -> np.ndarray:
        return kernel  # δ and the kernel are scale-invariant


@dataclass(frozen=True)
class SpanReduction:
    """Restrict to ``span([X Z])``; ``basis`` is P (n×k, orthonormal)."""

    basis: np.ndarray

    @classmethod
    def reduce(cls, problem: CounterexampleProblem) -> tuple[CounterexampleProblem, SpanReduction]:
        xz = np.hstack([problem.x, problem.z])
        u, s, _ = np.linalg.svd(xz, full_matrices=False)
        k = int(np.sum(s > SPAN_TOL * s[0]))
        p = u[:, :k]
        small = CounterexampleProblem(p.T @ problem.x, p.T @ problem.z, problem.margin)
        return small, cls(basis=p)

    def retrieve(self, kernel_k: np.ndarray) -> LiftedOperator:
        return LiftedOperator(basis=self.basis, kernel=kernel_k)

    def lifted_margin(self, problem: CounterexampleProblem, margin_k: float) -> float:
        """Margin kept by the lift (see module docstring)."""
        n, k = self.basis.shape
        if n == k:
            return margin_k
        sig = np.linalg.svd(problem.x, compute_uv=False)[-1]
        cross = 2.0 * sig**2 / outer_fro(problem.z)
        return min(margin_k, cross)
