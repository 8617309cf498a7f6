"""Generate minimum-δ counterexamples (docs/math.md §3–§4): the engine's main entry point."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ripcert.certificate import Certificate, now
from ripcert.checkers.thresholds import numerically_one, numerically_one_message
from ripcert.checkers.verification import verify
from ripcert.core.operator import DENSE_LIMIT, KernelOperator, LiftedOperator
from ripcert.errors import NoCounterexampleError, SolverError
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
    """An SDP solution retrieved to the original problem's space.

    ``small_x``/``small_z`` is the pair the SDP was solved for: ``(s·QᵀX, s·QᵀZ)`` on the
    reduced path (Q = ``solve_basis``, an orthonormal basis of the span), ``(s·X, s·Z)``
    otherwise (``solve_basis`` None), with ``scale`` s.
    """

    operator: LiftedOperator | KernelOperator
    solution: SDPSolution
    margin: float
    reduced: bool
    small_x: np.ndarray
    small_z: np.ndarray
    scale: float
    solve_basis: np.ndarray | None = None


def solve_problem(
    problem: CounterexampleProblem, solver: str = "clarabel", reduce: bool = True
) -> Solved:
    """Normalise, optionally reduce to span([X Z]), solve the SDP and retrieve the operator."""
    problem.check_nondegenerate()
    normalised, norm = Normalize.reduce(problem)
    if not reduce:
        sol = solve(normalised, solver)
        return Solved(
            KernelOperator(sol.kernel),
            sol,
            problem.margin,
            reduced=False,
            small_x=normalised.x,
            small_z=normalised.z,
            scale=norm.factor,
        )
    small, span = SpanReduction.reduce(normalised)
    margin = span.lifted_margin(problem, problem.margin)
    if problem.margin > 0 and margin <= 0:
        raise NoCounterexampleError(
            "X is rank-deficient: directions outside span([X Z]) have zero curvature, "
            "so no strict local minimum exists for n > dim span([X Z])"
        )
    sol = solve(small, solver)
    return Solved(
        span.retrieve(sol.kernel),
        sol,
        margin,
        reduced=True,
        small_x=small.x,
        small_z=small.z,
        scale=norm.factor,
        solve_basis=span.basis,
    )


def generate_solved(
    x: np.ndarray,
    z: np.ndarray,
    margin: float = 0.0,
    solver: str = "clarabel",
    reduce: bool = True,
    self_check: bool = True,
) -> tuple[Certificate, Solved]:
    """:func:`generate`, also returning the :class:`Solved` SDP (kernel, η, multipliers).

    The makers of the rigorous sections take their multipliers from ``Solved.solution``, so
    that ``generate --exact`` solves each SDP once.
    """
    problem = CounterexampleProblem(x, z, margin)
    solved = solve_problem(problem, solver, reduce)
    lo, hi = solved.operator.spectrum_bounds()
    delta = (hi - lo) / (hi + lo) if hi + lo > 0 else 1.0
    if lo <= DELTA_ONE_TOL * hi or numerically_one(delta):
        raise NoCounterexampleError(numerically_one_message(delta))
    sensing = None
    if problem.n <= EXPLICIT_SENSING_MAX_N:
        sensing = np.array(list(solved.operator.sensing_matrices()))
    report = solved.solution.report.to_dict()
    eta = solved.solution.eta
    report.update(reduced=solved.reduced, delta_sdp=(1 - eta) / (1 + eta))
    cert = Certificate(
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
    if self_check:
        check_own_output(cert)
    return cert, solved


#: witness restarts of the generator's self-check (the verifier's default is larger)
SELF_CHECK_SAMPLES = 4


def check_own_output(cert: Certificate) -> None:
    """Run the independent float verifier on a generated certificate before anyone sees it.

    The generator writes only what ``ripcert verify`` accepts, with the verifier's own
    tolerances (:data:`ripcert.checkers.thresholds.DEFAULT_TOLERANCES`).  A failed
    spuriousness check means X is not spurious to working precision (XXᵀ = ZZᵀ, or
    f(X) = f(Z), to rounding):
    :class:`~ripcert.errors.NoCounterexampleError` (exit 3).  Any other failure means the
    solver's answer does not hold up: :class:`~ripcert.errors.SolverError` (exit 4).
    """
    rep = verify(cert, samples=SELF_CHECK_SAMPLES, seed=0)
    if rep.passed:
        return
    failed = ", ".join(f"{c.name} ({c.detail})" for c in rep.checks if not c.passed)
    if any(c.name == "spurious" and not c.passed for c in rep.checks):
        raise NoCounterexampleError(
            "X is not spurious to working precision (XXᵀ = ZZᵀ, or f(X) = f(Z), to rounding):"
            f" the generated operator fails the verifier's spuriousness check: {failed}"
        )
    raise SolverError(f"the generated certificate fails the independent verifier: {failed}")


def generate(
    x: np.ndarray,
    z: np.ndarray,
    margin: float = 0.0,
    solver: str = "clarabel",
    reduce: bool = True,
    self_check: bool = True,
) -> Certificate:
    """Smallest-δ operator making X a spurious second-order point for ground truth Z.

    Solves the SDP of Zhang, Josz, Sojoudi & Lavaei (NeurIPS 2018, arXiv:1805.10251) in
    η-form (docs/math.md §3), by default on the exact reduction to ``span([X Z])`` (§4), and
    returns a :class:`~ripcert.certificate.Certificate` whose ``delta`` is the
    scale-optimal RIP constant ``(L−ℓ)/(L+ℓ)`` of the operator's kernel spectrum
    ``[ℓ, L]`` and ``scale = 2/(L+ℓ)``.  With ``margin = μ > 0`` the claim is a strict
    spurious local minimum (Hessian ⪰ μ off the symmetry directions ``{XΩ}``).  The
    certificate is re-checked by the independent float verifier before it is returned
    (``self_check``; see :func:`check_own_output`).

    Raises :class:`~ripcert.errors.NoCounterexampleError` when no δ < 1 works
    (X = 0, XXᵀ = ZZᵀ, x ∥ z, or SDP optimum δ* numerically 1),
    :class:`~ripcert.errors.InvalidInputError` on malformed input and
    :class:`~ripcert.errors.SolverError` when no solver is accurate.

    >>> cert = generate([0.0, 2**-0.5], [1.0, 0.0])
    >>> round(cert.delta, 6), cert.claim
    (0.5, 'second_order_critical')
    """
    return generate_solved(x, z, margin, solver, reduce, self_check)[0]


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


__all__ = [
    "DENSE_LIMIT",
    "Solved",
    "check_own_output",
    "delta_star",
    "generate",
    "generate_solved",
    "solve_problem",
]
