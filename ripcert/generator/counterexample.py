"""Generate minimum-δ counterexamples (docs/math.md §3–§4): the engine's main entry point."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ripcert.certificate import Certificate, now
from ripcert.core.operator import DENSE_LIMIT, KernelOperator, LiftedOperator
from ripcert.errors import NoCounterexampleError
from ripcert.generator.problem import CounterexampleProblem
from ripcert.generator.reductions import Normalize, SpanReduction
from ripcert.generator.sdp import SDPSolution, solve
from ripcert.version import __version__

#: kernels with ℓ/L at or below this are reported as "no counterexample with δ < 1"
DELTA_ONE_TOL = 1e-7
#: certificates for n up to this carry an explicit copy of their sensing matrices
EXPLICIT_SENSING_MAX_N = 6


@dataclass(frozen=True)
class Solved:
    """An SDP solution retrieved to the original problem's space."""

    operator: LiftedOperator | KernelOperator
    solution: SDPSolution
    margin: float
    reduced: bool


def solve_problem(
    problem: CounterexampleProblem, solver: str = "clarabel", reduce: bool = True
) -> Solved:
    """Normalise, optionally reduce to span([X Z]), solve the SDP and retrieve the operator."""
    problem.check_nondegenerate()
    normalised, _ = Normalize.reduce(problem)
    if not reduce:
        sol = solve(normalised, solver)
        return Solved(KernelOperator(sol.kernel), sol, problem.margin, reduced=False)
    small, span = SpanReduction.reduce(normalised)
    margin = span.lifted_margin(problem, problem.margin)
    if problem.margin > 0 and margin <= 0:
        raise NoCounterexampleError(
            "X is rank-deficient: directions outside span([X Z]) have zero curvature, "
            "so no strict local minimum exists for n > dim span([X Z])"
        )
    sol = solve(small, solver)
    return Solved(span.retrieve(sol.kernel), sol, margin, reduced=True)


def generate(
    x: np.ndarray,
    z: np.ndarray,
    margin: float = 0.0,
    solver: str = "clarabel",
    reduce: bool = True,
) -> Certificate:
    """Smallest-δ operator making X a spurious second-order point for ground truth Z.

    Solves the SDP of Zhang, Josz, Sojoudi & Lavaei (NeurIPS 2018) in η-form
    (docs/math.md §3), by default on the exact reduction to ``span([X Z])`` (§4), and
    returns a :class:`~ripcert.certificate.Certificate` whose ``delta`` is the
    scale-optimal RIP constant ``(L−ℓ)/(L+ℓ)`` of the operator's kernel spectrum
    ``[ℓ, L]`` and ``scale = 2/(L+ℓ)``.  With ``margin = μ > 0`` the claim is a strict
    spurious local minimum (Hessian ⪰ μ off the symmetry directions ``{XΩ}``).

    Raises :class:`~ripcert.errors.NoCounterexampleError` when no δ < 1 works
    (X = 0, XXᵀ = ZZᵀ, x ∥ z, or SDP optimum δ* = 1),
    :class:`~ripcert.errors.InvalidInputError` on malformed input and
    :class:`~ripcert.errors.SolverError` when no solver is accurate.

    >>> cert = generate([0.0, 2**-0.5], [1.0, 0.0])
    >>> round(cert.delta, 6), cert.claim
    (0.5, 'second_order_critical')
    """
    problem = CounterexampleProblem(x, z, margin)
    solved = solve_problem(problem, solver, reduce)
    lo, hi = solved.operator.spectrum_bounds()
    if lo <= DELTA_ONE_TOL * hi:
        raise NoCounterexampleError("SDP optimum δ* = 1: no counterexample with δ < 1 exists")
    delta = (hi - lo) / (hi + lo)
    sensing = None
    if problem.n <= EXPLICIT_SENSING_MAX_N:
        sensing = np.array(list(solved.operator.sensing_matrices()))
    report = solved.solution.report.to_dict()
    eta = solved.solution.eta
    report.update(reduced=solved.reduced, delta_sdp=(1 - eta) / (1 + eta))
    return Certificate(
        x=problem.x,
        z=problem.z,
        delta=delta,
        scale=2.0 / (hi + lo),
        claim="strict_local_min" if problem.margin > 0 else "second_order_critical",
        margin=solved.margin,
        operator=solved.operator,
        sensing_matrices=sensing,
        solver=report,
        ripcert_version=__version__,
        created=now(),
    )


def delta_star(
    x: np.ndarray, z: np.ndarray, margin: float = 0.0, solver: str = "clarabel", reduce: bool = True
) -> float:
    """δ*(X, Z) from the SDP; 1.0 when no counterexample exists (X = 0, x ∥ z, …)."""
    try:
        solved = solve_problem(CounterexampleProblem(x, z, margin), solver, reduce)
    except NoCounterexampleError:
        return 1.0
    eta = solved.solution.eta
    return float((1 - eta) / (1 + eta))


__all__ = ["generate", "delta_star", "solve_problem", "Solved", "DENSE_LIMIT"]
