"""The convex relaxation ``min tr(M) s.t. A(M) = b, M ⪰ 0`` on a given operator.

Yalcin, Ma, Lavaei & Sojoudi, "Semidefinite programming versus Burer–Monteiro factorization
for matrix sensing", AAAI 2023 (arXiv:2208.07469): an operator can have spurious local
minima for the factored problem while the convex relaxation still recovers ``M* = ZZᵀ``.
The solver (cvxpy) only proposes M; the verdict is re-established in dense linear algebra:
feasibility ``‖A(M) − b‖``, ``λ_min(M)``, ``tr M`` against ``tr ZZᵀ`` (ZZᵀ is feasible, so the
optimum is ≤ tr ZZᵀ) and the distance ``‖M − ZZᵀ‖_F/‖ZZᵀ‖_F``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ripcert.core.operator import Operator
from ripcert.errors import InvalidInputError, SolverError

#: relative distance to ZZᵀ below which the relaxation "recovers" it
RECOVERY_TOL = 1e-4
#: relative feasibility residual accepted from the solver
FEAS_TOL = 1e-6
#: λ_min(M) ≥ −PSD_TOL·λ_max(M) accepted from the solver
PSD_TOL = 1e-6
#: largest n for the relaxation (an n×n PSD variable with up to n(n+1)/2 constraints)
RELAXATION_MAX_N = 30


@dataclass(frozen=True)
class RelaxationResult:
    """The relaxation's solution and the dense re-checks."""

    recovered: bool
    distance_rel: float
    trace: float
    trace_truth: float
    feasibility_rel: float
    min_eig: float
    status: str
    solver: str
    rank: int

    def to_dict(self) -> dict:
        return {
            "recovered": self.recovered,
            "distance_rel": self.distance_rel,
            "trace": self.trace,
            "trace_truth": self.trace_truth,
            "feasibility_rel": self.feasibility_rel,
            "min_eig": self.min_eig,
            "status": self.status,
            "solver": self.solver,
            "rank": self.rank,
        }


def convex_relaxation(op: Operator, z: np.ndarray, solver: str = "CLARABEL") -> RelaxationResult:
    """Solve ``min tr M s.t. ⟨A_i, M⟩ = ⟨A_i, ZZᵀ⟩ (all i), M ⪰ 0`` and re-check it.

    Raises :class:`~ripcert.errors.SolverError` when the solver fails or its answer is not
    feasible to :data:`FEAS_TOL` (checked here, not trusted)."""
    import cvxpy as cp

    n = op.n
    if n > RELAXATION_MAX_N:
        raise InvalidInputError(f"convex relaxation limited to n ≤ {RELAXATION_MAX_N}, got {n}")
    z = np.asarray(z, dtype=float).reshape(n, -1)
    mats = np.array(list(op.sensing_matrices()))
    mstar = z @ z.T
    b = np.einsum("kij,ij->k", mats, mstar)
    m_var = cp.Variable((n, n), PSD=True)
    flat = mats.reshape(mats.shape[0], n * n)
    cons = [flat @ cp.vec(m_var, order="C") == b]
    prob = cp.Problem(cp.Minimize(cp.trace(m_var)), cons)
    try:
        prob.solve(solver=solver)
    except cp.error.SolverError as exc:
        raise SolverError(f"convex relaxation: {solver} failed: {exc}") from None
    if prob.status not in ("optimal", "optimal_inaccurate") or m_var.value is None:
        raise SolverError(f"convex relaxation: solver status {prob.status}")
    m = 0.5 * (m_var.value + m_var.value.T)
    feas = float(
        np.linalg.norm(np.einsum("kij,ij->k", mats, m) - b) / max(float(np.linalg.norm(b)), 1e-300)
    )
    if feas > FEAS_TOL:
        raise SolverError(f"convex relaxation: solution infeasible ({feas:.2e} > {FEAS_TOL})")
    lam = np.linalg.eigvalsh(m)
    if lam[0] < -PSD_TOL * max(float(lam[-1]), 1e-300):
        raise SolverError(f"convex relaxation: solution not PSD (λ_min = {lam[0]:.2e})")
    zz = float(np.linalg.norm(mstar))
    dist = float(np.linalg.norm(m - mstar)) / zz
    return RelaxationResult(
        recovered=bool(dist <= RECOVERY_TOL),
        distance_rel=dist,
        trace=float(np.trace(m)),
        trace_truth=float(np.trace(mstar)),
        feasibility_rel=feas,
        min_eig=float(lam[0]),
        status=str(prob.status),
        solver=solver,
        rank=int(np.sum(lam > 1e-6 * max(lam[-1], 1e-300))),
    )


__all__ = ["RECOVERY_TOL", "RelaxationResult", "convex_relaxation"]
