"""Reductions of the counterexample problem: each maps a problem to a smaller or
better-conditioned equivalent one, and maps its solution back (``reduce``/``retrieve``,
in the manner of cvxpy's ``reductions``).  docs/math.md §4.

:class:`Normalize` — scale (X, Z) by ``1/√‖ZZᵀ‖_F``.
    Keeps: δ* (the SDP is invariant under joint scaling), FOC, SOC and the relative
    margin μ (the margin is measured relative to ‖ZZᵀ‖_F).  The kernel is unchanged.

:class:`SpanReduction` — restrict to ``span([X Z])`` with an orthonormal basis P (n×k).
    reduce: ``(X, Z) ↦ (PᵀX, PᵀZ)`` with P the canonical orthonormal basis of the columns of
    ``[X Z]`` kept by a pivoted QR; retrieve: ``H_k ↦ LiftedOperator(P, H_k, columns)``
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
import scipy.linalg

from ripcert.core.operator import LiftedOperator, canonical_span_basis
from ripcert.core.vectorization import svec, svec_basis
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
    """Restrict to ``span([X Z])``.  ``basis`` is the orthonormal basis Q (n×k) in which the
    reduced SDP is solved: ``Q = PU`` with P the canonical basis the certificate names
    (``canonical``: :func:`canonical_span_basis` of ``columns`` of ``[X Z]``) and U the left
    singular vectors of ``Pᵀ[X Z]``; retrieve rotates the kernel back to P.

    Any orthonormal basis of the span gives an equivalent SDP (the kernel transforms by the
    orthogonal congruence ``T_U : svec(S) ↦ svec(USUᵀ)``), so δ*, FOC, SOC and the margin
    are kept; the singular basis aligns the coordinates with [X Z], which conditions the
    program better for first-order solvers on nearly degenerate instances, while the
    canonical P lets a certificate name its basis instead of storing it.
    """

    basis: np.ndarray
    canonical: np.ndarray | None = None
    columns: tuple[int, ...] = ()

    @classmethod
    def reduce(cls, problem: CounterexampleProblem) -> tuple[CounterexampleProblem, SpanReduction]:
        """Columns kept by a column-pivoted QR of ``[X Z]`` (rank decided at :data:`SPAN_TOL`)."""
        xz = np.hstack([problem.x, problem.z])
        _, rr, piv = scipy.linalg.qr(xz, mode="economic", pivoting=True)
        diag = np.abs(np.diag(rr))
        k = int(np.sum(diag > SPAN_TOL * diag[0]))
        cols = tuple(int(c) for c in piv[:k])  # pivot order: the largest column first
        p = canonical_span_basis(problem.x, problem.z, cols)
        q = p @ np.linalg.svd(p.T @ xz, full_matrices=False)[0]
        small = CounterexampleProblem(q.T @ problem.x, q.T @ problem.z, problem.margin)
        return small, cls(basis=q, canonical=p, columns=cols)

    def retrieve(self, kernel_k: np.ndarray) -> LiftedOperator:
        """``H_k`` in Q ↦ the lifted operator in P: ``T_U H_k T_Uᵀ`` with ``U = PᵀQ``."""
        if self.canonical is None:
            return LiftedOperator(basis=self.basis, kernel=kernel_k)
        u = self.canonical.T @ self.basis
        t_u = svec(u @ svec_basis(u.shape[0]) @ u.T).T  # column j: T_U e_j
        eye = np.eye(kernel_k.shape[0])
        # I + T_U (H − I) T_Uᵀ: the identity part (the lift's own spectrum) stays exact
        kernel_p = eye + t_u @ (kernel_k - eye) @ t_u.T
        return LiftedOperator(basis=self.canonical, kernel=kernel_p, columns=self.columns)

    def lifted_margin(self, problem: CounterexampleProblem, margin_k: float) -> float:
        """Margin kept by the lift (see module docstring)."""
        n, k = self.basis.shape
        if n == k:
            return margin_k
        sig = np.linalg.svd(problem.x, compute_uv=False)[-1]
        cross = 2.0 * sig**2 / outer_fro(problem.z)
        return min(margin_k, cross)
