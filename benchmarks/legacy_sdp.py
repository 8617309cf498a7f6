"""The previous counterexample-SDP engine (cvxpy canonicalisation), kept only so that
``bench_engine.py`` can measure the block engine against it side by side.  Not part of the
package; see :mod:`ripcert.generator.sdp` for the engine.

The original docstring follows.

The counterexample SDP (docs/math.md §3; Zhang, Josz, Sojoudi, Lavaei, NeurIPS 2018;
Zhang, Sojoudi, Lavaei, JMLR 2019)::

    η*(X, Z) = max η  over η, H ∈ S^{n(n+1)/2}
               s.t.  𝒳ᵀ H e = 0                                   (first order)
                     𝒳ᵀ H 𝒳 + 2 I_r ⊗ mat(He) ⪰ μ·‖ZZᵀ‖_F·Π        (second order, margin μ)
                     η I ⪯ H ⪯ I,  η ≥ −1                             (RIP, η-form)

and ``δ* = (1−η*)/(1+η*)`` with scale ``γ = 2/(1+η*)``.  ``Π`` is the projector onto
the complement of the symmetry directions ``{XΩ}``.  The bracket is ``½∇²f`` for the
operator normalised to ``λ_max(H) = 1``, so the margin reads
``½∇²f̂(X) ⪰ μ‖ZZᵀ‖_F`` off the symmetry directions, with ``f̂ = f/λ_max(H)``
(docs/math.md §3: μ = 1e-3 on the δ = 1/2 instance gives δ ≈ 0.50025).

The bound ``η ≥ −1`` only keeps the problem bounded: ``η* ≤ 0`` means no operator with
δ < 1 exists (with μ = 0, ``H = 0`` is always feasible, so η* ≥ 0 and the SDP is never
infeasible; with μ > 0 it can be).

Clarabel is the default solver, SCS the alternative; a solve whose status is not
``optimal`` or whose residuals are too large is retried with the other solver and then
reported as a :class:`~ripcert.errors.SolverError`, never returned.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import cvxpy as cp
import numpy as np

from ripcert.core.landscape import (
    complement_basis,
    curvature_basis,
    lift_map,
    residual,
)
from ripcert.core.vectorization import sdim
from ripcert.errors import InvalidInputError, NoCounterexampleError, SolverError
from ripcert.generator.problem import CounterexampleProblem, outer_fro
from ripcert.generator.sdp.engine import (  # shared with the engine, not copied
    ETA_ZERO_TOL,
    FOC_TOL,
    PSD_TOL,
    project_first_order,
    residuals,
)
from ripcert.generator.solvers import SOLVERS

#: Clarabel at its defaults (1e-8); tighter settings make it fail more often near η* = 0.
#: SCS without Anderson acceleration, which is what makes it robust on the degenerate
#: instances (η* ≈ 0, no Slater point) where interior-point methods struggle.
_SOLVER_OPTIONS: dict[str, dict] = {
    "clarabel": {},
    "scs": {"eps_abs": 1e-8, "eps_rel": 1e-8, "max_iters": 200_000, "acceleration_lookback": 0},
}


@dataclass(frozen=True)
class SolverReport:
    """What the solver did: name, version, status, our own residuals, wall time."""

    name: str
    version: str
    status: str
    seconds: float
    iterations: int | None
    residuals: dict[str, float] = field(default_factory=dict)
    attempts: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "version": self.version,
            "status": self.status,
            "seconds": self.seconds,
            "iterations": self.iterations,
            "residuals": dict(self.residuals),
            "attempts": list(self.attempts),
        }

    @classmethod
    def from_dict(cls, d: dict) -> SolverReport:
        return cls(
            name=d["name"],
            version=d.get("version", ""),
            status=d["status"],
            seconds=float(d.get("seconds", 0.0)),
            iterations=d.get("iterations"),
            residuals=dict(d.get("residuals", {})),
            attempts=tuple(d.get("attempts", ())),
        )


@dataclass(frozen=True)
class SDPSolution:
    """Optimal kernel ``H`` (η-form: ``ηI ⪯ H ⪯ I``) of a problem, with its solver report."""

    kernel: np.ndarray
    eta: float
    report: SolverReport


def _solver_version(name: str) -> str:
    try:
        if name == "clarabel":
            import clarabel

            return getattr(clarabel, "__version__", "unknown")
        import scs

        return getattr(scs, "__version__", "unknown")
    except ImportError:  # pragma: no cover - both are hard dependencies
        return "missing"


def first_order_rows(lx: np.ndarray, tol: float = 1e-12) -> np.ndarray:
    """Orthonormal rows ``V`` with ``𝒳ᵀv = 0 ⇔ Vv = 0``: the first-order condition without
    its redundant equations.

    ``𝒳ᵀHe = vec(2 mat(He) X)`` and ``Xᵀ·mat(He)·X`` is symmetric, so r(r−1)/2 of the n·r
    equations are implied by the others.  Linearly dependent equalities make the KKT system
    of an interior-point method singular (Clarabel stalled at ``AlmostSolved`` on random
    r = r* = 3 instances); ``V`` is the row space of ``𝒳ᵀ`` from its SVD.
    """
    _, s, vt = np.linalg.svd(lx.T, full_matrices=False)
    keep = s > tol * max(1.0, s.max(initial=0.0))
    return vt[keep]


def build(problem: CounterexampleProblem) -> tuple[cp.Problem, cp.Variable, cp.Variable]:
    """The cvxpy problem of the module docstring, with variables ``(H, η)``."""
    x, z = problem.x, problem.z
    n, r = x.shape
    d = sdim(n)
    p = n * r
    e = residual(x, z)
    lx = lift_map(x)
    curv = curvature_basis(n, r).reshape(p * p, d)
    scale = outer_fro(z)

    h = cp.Variable((d, d), symmetric=True, name="H")
    eta = cp.Variable(name="eta")
    he = h @ e
    bracket = lx.T @ h @ lx + 2.0 * cp.reshape(curv @ he, (p, p), order="C")
    # At a first-order point the bracket vanishes on the symmetry directions {XΩ}
    # (∇²f(X)[XΩ] = ∇f(X)Ω = 0), so "bracket ⪰ μ‖ZZᵀ‖Π" is equivalent to its compression
    # to the complement, CᵀBC ⪰ μ‖ZZᵀ‖I.  The compressed form drops the r(r−1)/2 forced
    # zero eigenvalues, which leave interior-point solvers without a Slater point
    # (Clarabel failed on random r = r* = 3 instances before this).
    comp = complement_basis(x)
    inner = comp.T @ bracket @ comp
    inner = 0.5 * (inner + inner.T)
    cons = [first_order_rows(lx) @ he == 0, h >> eta * np.eye(d), h << np.eye(d), eta >= -1]
    cons.append(inner >> problem.margin * scale * np.eye(comp.shape[1]))
    return cp.Problem(cp.Maximize(eta), cons), h, eta


def solve(problem: CounterexampleProblem, solver: str = "clarabel") -> SDPSolution:
    """Solve the SDP, falling back to the other solver; raise SolverError if both fail."""
    solver = solver.lower()
    if solver not in SOLVERS:
        raise InvalidInputError(f"unknown solver {solver!r}; choose from {', '.join(SOLVERS)}")
    order = [solver] + [s for s in SOLVERS if s != solver]
    prob, h, eta = build(problem)
    attempts: list[str] = []
    for name in order:
        t0 = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                prob.solve(solver=name.upper(), **_SOLVER_OPTIONS[name])
        except cp.error.SolverError as exc:
            attempts.append(f"{name}: error ({exc})")
            continue
        seconds = time.perf_counter() - t0
        status = prob.status
        if status != cp.OPTIMAL or h.value is None:
            attempts.append(f"{name}: {status}")
            continue
        kern = project_first_order(problem, 0.5 * (h.value + h.value.T))
        eval_ = float(eta.value)
        if eval_ <= ETA_ZERO_TOL:
            raise NoCounterexampleError(
                f"SDP optimum δ* = 1 (η* = {eval_:.2e} with {name}): no operator with δ < 1 makes "
                "X a spurious "
                + ("strict local minimum" if problem.margin else "second-order point")
            )
        res = residuals(problem, kern, eval_)
        ok = res["first_order_rel"] <= FOC_TOL and res["second_order_min_eig_rel"] >= -PSD_TOL
        ok = ok and max(res["rip_lower_violation"], res["rip_upper_violation"]) <= PSD_TOL
        if not ok:
            attempts.append(f"{name}: optimal but residuals too large {res}")
            continue
        attempts.append(f"{name}: {status}")
        stats = prob.solver_stats
        report = SolverReport(
            name=name,
            version=_solver_version(name),
            status=status,
            seconds=seconds,
            iterations=getattr(stats, "num_iters", None),
            residuals=res,
            attempts=tuple(attempts),
        )
        return SDPSolution(kernel=kern, eta=eval_, report=report)
    # With μ > 0 infeasibility is a real answer (not so with μ = 0, where H = 0 is
    # feasible): accept it when one solver says so cleanly and none found an optimum.
    verdicts = [a.split(": ", 1)[1] for a in attempts]
    if (
        problem.margin > 0
        and "infeasible" in verdicts
        and not any(v.startswith("optimal") for v in verdicts)
    ):
        raise NoCounterexampleError(
            f"no operator with δ < 1 makes X a strict local minimum with margin μ = "
            f"{problem.margin:g} (the SDP is infeasible: {'; '.join(attempts)})"
        )
    raise SolverError("SDP not solved accurately: " + "; ".join(attempts))
