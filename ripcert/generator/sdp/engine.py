"""Solve the counterexample SDP of a :class:`~ripcert.generator.problem.CounterexampleProblem`.

The program is assembled once from its blocks (:mod:`.blocks`, :mod:`.program`) and handed to
the back-ends in order (the requested one first, then the others).  A solve is accepted only
when its status passes the acceptance policy and, under ``certify``, when the kernel — first
projected exactly onto the first-order constraint — passes ripcert's own residual checks
(dense linear algebra: FOC, minimum eigenvalue of the bracket, RIP violations).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np

from ripcert.checkers.thresholds import numerically_one_message
from ripcert.core.landscape import complement_projector, lift_map, residual
from ripcert.core.vectorization import smat
from ripcert.errors import InvalidInputError, NoCounterexampleError, SolverError
from ripcert.generator.problem import CounterexampleProblem, outer_fro
from ripcert.generator.sdp.alignment import Alignment
from ripcert.generator.sdp.backends import RawSolution, backend_version, run_backend
from ripcert.generator.sdp.blocks import Isometry
from ripcert.generator.sdp.cones import ConicProgram
from ripcert.generator.sdp.policy import Acceptance, accepts
from ripcert.generator.sdp.program import KernelParametrisation, Layout, counterexample_program
from ripcert.generator.sdp.solution import Attempt, SDPSolution, SolverReport
from ripcert.generator.solvers import SOLVERS

#: residuals above these (relative) values make a solve "inaccurate"
FOC_TOL = 1e-6
PSD_TOL = 1e-6
#: an optimal η* at or below this means δ* = 1: no counterexample
ETA_ZERO_TOL = 1e-7
#: with ``solver="auto"``, programs with more variables than this go to SCS first: its
#: per-iteration cost is a sparse factorisation solve and small eigendecompositions, while
#: Clarabel's KKT system holds dense scaling blocks of every PSD cone (benchmarks/README.md:
#: r = r* = 4, k = 8, 666 variables: SCS 0.1 s against Clarabel 1.8 s)
AUTO_SCS_VARS = 500


#: unstructured programs with more variables than this are solved in X-aligned coordinates
#: (:mod:`.alignment`).  Above it the alignment cuts SCS's time 2–8× (k ≥ 8; r = r* = 10:
#: 101 s → 3 s); below it the program is small and the [X Z]-singular basis of the span
#: reduction converges in fewer SCS iterations on nearly degenerate instances (40 random
#: 4×2 / 4×1 pairs: median 1,838 against 3,100 iterations).  benchmarks/README.md.
ALIGN_MIN_VARS = AUTO_SCS_VARS


def _kernel_vars(n: int) -> int:
    """Number of entries of the kernel H on ``S^n``: ``d(d+1)/2`` with ``d = n(n+1)/2``."""
    d = n * (n + 1) // 2
    return d * (d + 1) // 2


def unstructured_program(
    x: np.ndarray, z: np.ndarray, margin_abs: float = 0.0
) -> tuple[ConicProgram, Layout, Alignment | None]:
    """The unstructured program (full-space RIP, every kernel), in X-aligned coordinates when
    it has more than :data:`ALIGN_MIN_VARS` variables (then the :class:`Alignment` is returned
    to map the kernel and the multipliers back; otherwise ``None``)."""
    if _kernel_vars(x.shape[0]) > ALIGN_MIN_VARS:
        xa, za, align = Alignment.reduce(x, z)
        prog, layout = counterexample_program(xa, za, margin_abs)
        return prog, layout, align
    prog, layout = counterexample_program(x, z, margin_abs)
    return prog, layout, None


def backend_order(solver: str, num_vars: int) -> list[str]:
    """The back-ends to try, in order: the requested one first, then the other built-ins."""
    name = solver.lower()
    if name == "auto":
        first = "scs" if num_vars > AUTO_SCS_VARS else "clarabel"
        return [first] + [s for s in SOLVERS if s != first]
    if name not in SOLVERS and not name.startswith(("cvxpy:", "scs-")):
        raise InvalidInputError(
            f"unknown solver {solver!r}; choose from auto, {', '.join(SOLVERS)}"
        )
    return [name] + [s for s in SOLVERS if s != name]


def residuals(problem: CounterexampleProblem, kernel: np.ndarray, eta: float) -> dict[str, float]:
    """Residuals of a candidate kernel against the three SDP constraints, relative to scale."""
    x, z = problem.x, problem.z
    e = residual(x, z)
    lx = lift_map(x)
    he = kernel @ e
    scale = outer_fro(z)
    foc = np.linalg.norm(lx.T @ he) / (np.linalg.norm(lx, 2) * np.linalg.norm(he) + 1e-300)
    bracket = lx.T @ kernel @ lx + 2.0 * np.kron(np.eye(problem.r), smat(he))
    target = problem.margin * scale * complement_projector(x)
    soc = np.linalg.eigvalsh(bracket - target)[0] / max(np.linalg.norm(bracket, 2), 1e-300)
    ev = np.linalg.eigvalsh(kernel)
    return {
        "first_order_rel": float(foc),
        "second_order_min_eig_rel": float(soc),
        "rip_lower_violation": float(max(0.0, eta - ev[0])),
        "rip_upper_violation": float(max(0.0, ev[-1] - 1.0)),
    }


def project_first_order(problem: CounterexampleProblem, kernel: np.ndarray) -> np.ndarray:
    """Least-change symmetric correction of ``H`` so that ``𝒳ᵀ H e = 0`` holds to rounding.

    The constraint is linear, ``𝒜(H) = 𝒳ᵀHe``, with adjoint ``𝒜*(y) = sym(𝒳 y eᵀ)``; the
    Frobenius-nearest feasible kernel is ``H − 𝒜*((𝒜𝒜*)⁺ 𝒜(H))`` with
    ``𝒜𝒜* = ½[(eᵀe)𝒳ᵀ𝒳 + (𝒳ᵀe)(𝒳ᵀe)ᵀ]``.  The other constraints move by at most the size
    of the correction (of the order of the solver's feasibility tolerance); they are
    re-checked afterwards.
    """
    e = residual(problem.x, problem.z)
    lx = lift_map(problem.x)
    b = lx.T @ kernel @ e
    lte = lx.T @ e
    gram = 0.5 * ((e @ e) * (lx.T @ lx) + np.outer(lte, lte))
    y = np.linalg.lstsq(gram, b, rcond=1e-13)[0]
    ly = lx @ y
    return kernel - 0.5 * (np.outer(ly, e) + np.outer(e, ly))


def _accurate(res: dict[str, float]) -> bool:
    ok = res["first_order_rel"] <= FOC_TOL and res["second_order_min_eig_rel"] >= -PSD_TOL
    return ok and max(res["rip_lower_violation"], res["rip_upper_violation"]) <= PSD_TOL


class Rejected(Exception):
    """Raised by an ``accept`` callback of :func:`run_until_accepted`: the caller's own checks
    refuse this solve (the message is recorded as the attempt's reason)."""


class NoneAccepted(Exception):
    """No back-end was accepted; ``attempts`` records what each one did."""

    def __init__(self, attempts: list[Attempt]) -> None:
        super().__init__("; ".join(map(str, attempts)))
        self.attempts = attempts

    @property
    def statuses(self) -> list[str]:
        return [a.status for a in self.attempts]


T = TypeVar("T")


def run_until_accepted(
    prog: ConicProgram,
    order: list[str],
    policy: Acceptance,
    accept: Callable[[RawSolution], tuple[T, dict[str, float]]],
    tol: float | None = None,
    max_iters: int | None = None,
) -> tuple[T, SolverReport, dict[str, np.ndarray]]:
    """The one solve loop: the back-ends in ``order`` until one is accepted.

    A solve is accepted when ``policy`` accepts its status and ``accept(raw)`` returns
    ``(value, residuals)`` instead of raising :class:`Rejected`; ``accept`` may also raise a
    :class:`~ripcert.errors.RipcertError` that ends the search (e.g. δ* = 1).  Returns the
    value, the :class:`SolverReport` (with every attempt) and the block multipliers; raises
    :class:`NoneAccepted` when no back-end is accepted.
    """
    attempts: list[Attempt] = []
    for backend in order:
        raw = run_backend(prog, backend, tol, max_iters)
        if not accepts(policy, raw.status) or raw.x is None:
            why = f"status {raw.raw_status}"
            attempts.append(Attempt(raw.backend, raw.status, raw.seconds, raw.iterations, why))
            continue
        try:
            value, res = accept(raw)
        except Rejected as exc:
            attempts.append(Attempt(raw.backend, raw.status, raw.seconds, raw.iterations, str(exc)))
            continue
        attempts.append(Attempt(raw.backend, raw.status, raw.seconds, raw.iterations))
        report = SolverReport(
            name=raw.backend,
            version=backend_version(raw.backend),
            status=raw.status,
            seconds=raw.seconds,
            iterations=raw.iterations,
            residuals=res,
            attempts=tuple(attempts),
        )
        return value, report, prog.split(raw.y) if raw.y is not None else {}
    raise NoneAccepted(attempts)


def solve(
    problem: CounterexampleProblem,
    solver: str = "clarabel",
    policy: Acceptance = "certify",
    isometry: Isometry | None = None,
    kernel: KernelParametrisation | None = None,
) -> SDPSolution:
    """Solve the η-form SDP once per back-end until one is accepted.

    ``solver`` is tried first, then the other built-in solvers (``"auto"``: Clarabel for small
    programs, SCS first above :data:`AUTO_SCS_VARS` variables).  Raises
    :class:`~ripcert.errors.NoCounterexampleError` when the optimum is δ* = 1 (or, with a
    margin, when a solver proves infeasibility and none found an optimum) and
    :class:`~ripcert.errors.SolverError` when no back-end is accepted.  Residual checks
    (:func:`residuals`) apply to the full-space, unstructured program (the default
    ``isometry`` and ``kernel``).
    """
    backend_order(solver, 0)  # reject an unknown name before any work
    checked = isometry is None and kernel is None
    margin_abs = problem.margin * outer_fro(problem.z)
    align: Alignment | None = None
    if checked:
        prog, layout, align = unstructured_program(problem.x, problem.z, margin_abs)
    else:
        prog, layout = counterexample_program(problem.x, problem.z, margin_abs, isometry, kernel)

    def accept(raw: RawSolution) -> tuple[tuple[np.ndarray, float], dict[str, float]]:
        assert raw.x is not None
        eta = layout.eta(raw.x)
        if eta <= ETA_ZERO_TOL:
            what = "strict local minimum" if problem.margin else "second-order point"
            raise NoCounterexampleError(
                f"{numerically_one_message((1 - eta) / (1 + eta))} (η* = {eta:.2e} with"
                f" {raw.backend}; X as a spurious {what})"
            )
        kern = layout.kernel(raw.x)
        if align is not None:
            kern = align.kernel(kern)
        res: dict[str, float] = {}
        if checked:
            kern = project_first_order(problem, kern)
            res = residuals(problem, kern, eta)
            if policy == "certify" and not _accurate(res):
                raise Rejected(f"residuals too large {res}")
        return (kern, eta), res

    try:
        (kern, eta), report, duals = run_until_accepted(
            prog, backend_order(solver, prog.num_vars), policy, accept
        )
    except NoneAccepted as none:
        if problem.margin > 0 and "infeasible" in none.statuses and "optimal" not in none.statuses:
            raise NoCounterexampleError(
                f"no operator with δ < 1 makes X a strict local minimum with margin μ = "
                f"{problem.margin:g} (the SDP is infeasible: {none})"
            ) from None
        raise SolverError(f"SDP not solved accurately: {none}") from None
    if align is not None:
        return SDPSolution(kern, eta, report, align.multipliers(duals, layout.geometry.keep))
    return SDPSolution(kern, eta, report, duals, layout.geometry.keep)


__all__ = [
    "ETA_ZERO_TOL",
    "FOC_TOL",
    "PSD_TOL",
    "NoneAccepted",
    "Rejected",
    "project_first_order",
    "residuals",
    "run_until_accepted",
    "solve",
    "unstructured_program",
]
