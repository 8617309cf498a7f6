"""δ(R): the smallest structured δ over a neighbourhood of a nominal point (docs/math.md §3).

Molybog, Sojoudi, Lavaei (arXiv:2012.10297 §6) ask how close to a nominal operating point
``ω`` a spurious point can be for an operator with a given structure::

    δ(R) = min δ*(x, z)  over  ‖x − ω‖ ≤ R (ball) or ‖x − ω‖ = R (sphere),  ‖z − ω‖ ≤ R

where ``δ*(x, z)`` is the structured SDP value (:mod:`ripcert.generator.sdp.structured`):
with ``mode="ball"`` x is a critical point of f (``LMI_P``), with ``mode="sphere"`` a local
minimum of f over the ball lying on its boundary (``LMI_P_dB``, with the exact
second-order condition).  The RIP is restricted to ``span([x z])`` (``rip="span"``, as in
the paper) or on all of Sⁿ (``rip="full"``).  Their code minimises with black-box Bayesian
optimisation over polar coordinates; here the SDP's dual gives the derivative.

**Protocol.**  ``starts`` points ``(x₀, z₀)`` are drawn with the seed: z uniform in the ball
``B(ω, R)``, x uniform in the ball or on the sphere.  From each, projected gradient descent
on ``δ*``: the gradient ``∇δ*(x, z)`` is the envelope-theorem derivative from the SDP's
multipliers (:meth:`~ripcert.generator.sdp.structured.StructuredSolution.delta_gradient`);
the step ``(x, z) ← Proj(x − t∇ₓδ*, z − t∇_zδ*)`` (projection onto the ball/sphere) is
accepted under the Armijo condition ``δ*_new ≤ δ* − 10⁻⁴·⟨∇δ*, old − new⟩``, else t is halved;
t grows by 2 after an accepted step.  A start stops after ``iterations`` accepted steps,
when ``t·‖∇δ*‖ < 10⁻⁶R``, or when the SDP reports δ* = 1 (no counterexample: value 1,
as in ``LMI_P.m``).  Solves inside the search accept ``optimal_inaccurate``; the best point
is re-solved under the ``certify`` policy and that value is returned (``certified=False``
when that re-solve fails: the value is then the search's own, from an ``optimal_inaccurate``
solve).  :func:`radius_curve` runs increasing radii with the previous best as an extra start.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ripcert.core.structure import KernelStructure, VecStructure
from ripcert.errors import InvalidInputError, NoCounterexampleError, SolverError
from ripcert.generator.sdp.molybog import MolybogProblem, MolybogSolution, solve_molybog
from ripcert.generator.sdp.structured import (
    Rip,
    StructuredProblem,
    StructuredSolution,
    solve_structured,
)

Mode = Literal["ball", "sphere"]
#: Armijo constant and the relative step below which a start stops
ARMIJO = 1e-4
STEP_TOL = 1e-6


@dataclass(frozen=True)
class Evaluation:
    """δ* at a point and its gradient (zero when δ* = 1 or the solve failed)."""

    delta: float
    gx: np.ndarray
    gz: np.ndarray
    solution: StructuredSolution | MolybogSolution | None


@dataclass(frozen=True)
class StartResult:
    """One local search: start, end, δ along the accepted steps, number of solves."""

    x0: np.ndarray
    z0: np.ndarray
    x: np.ndarray
    z: np.ndarray
    delta: float
    history: tuple[float, ...]
    solves: int


@dataclass(frozen=True)
class RadiusResult:
    """The best δ over all starts, its (x, z), and the per-start record."""

    delta: float
    x: np.ndarray
    z: np.ndarray
    mode: Mode
    radius: float
    rip: Rip
    starts: tuple[StartResult, ...] = field(repr=False)
    seconds: float = 0.0
    certified: bool = True

    def to_dict(self) -> dict:
        return {
            "delta": self.delta,
            "x": self.x.ravel().tolist(),
            "z": self.z.ravel().tolist(),
            "mode": self.mode,
            "radius": self.radius,
            "rip": self.rip,
            "certified": self.certified,
            "starts": len(self.starts),
            "solves": sum(s.solves for s in self.starts),
            "seconds": self.seconds,
            "start_deltas": [s.delta for s in self.starts],
        }


def _project(v: np.ndarray, omega: np.ndarray, radius: float, sphere: bool) -> np.ndarray:
    d = v - omega
    nrm = float(np.linalg.norm(d))
    if sphere:
        if nrm == 0.0:
            d = np.ones_like(d)
            nrm = float(np.linalg.norm(d))
        return omega + radius * d / nrm
    return v if nrm <= radius else omega + radius * d / nrm


def _draw(rng: np.random.Generator, omega: np.ndarray, radius: float, sphere: bool) -> np.ndarray:
    g = rng.standard_normal(omega.shape)
    g /= np.linalg.norm(g)
    rho = radius if sphere else radius * rng.random() ** (1.0 / omega.size)
    return omega + rho * g


def evaluate(
    structure: KernelStructure | VecStructure,
    x: np.ndarray,
    z: np.ndarray,
    omega: np.ndarray,
    mode: Mode,
    rip: Rip,
    solver: str = "clarabel",
    policy: Literal["certify", "search"] = "search",
) -> Evaluation:
    """δ*(x, z) and its gradient; δ* = 1 with a zero gradient when no counterexample exists."""
    zero = np.zeros_like(x)
    if isinstance(structure, VecStructure):
        try:
            mprob = MolybogProblem(
                x,
                z,
                structure,
                critical="sphere" if mode == "sphere" else "plain",
                omega=omega if mode == "sphere" else None,
            )
            msol = solve_molybog(mprob, solver=solver, policy=policy)
        except NoCounterexampleError:
            return Evaluation(1.0, zero, zero.copy(), None)
        except SolverError:
            return Evaluation(float("inf"), zero, zero.copy(), None)
        mgx, mgz = msol.delta_gradient()
        return Evaluation(msol.delta, mgx, mgz, msol)
    try:
        prob = StructuredProblem(
            x,
            z,
            structure,
            rip=rip,
            critical="sphere" if mode == "sphere" else "plain",
            omega=omega if mode == "sphere" else None,
        )
        sol = solve_structured(prob, solver=solver, policy=policy)
    except NoCounterexampleError:
        return Evaluation(1.0, zero, zero.copy(), None)
    except SolverError:
        return Evaluation(float("inf"), zero, zero.copy(), None)
    gx, gz = sol.delta_gradient()
    return Evaluation(sol.delta, gx, gz, sol)


def local_search(
    evaluate_at: Callable[[np.ndarray, np.ndarray], Evaluation],
    x0: np.ndarray,
    z0: np.ndarray,
    omega: np.ndarray,
    radius: float,
    sphere: bool,
    iterations: int = 30,
) -> StartResult:
    """Projected gradient descent with Armijo backtracking from one start (module doc)."""
    x, z = x0, z0
    cur = evaluate_at(x, z)
    solves = 1
    history = [cur.delta]
    gnorm = float(np.sqrt(np.sum(cur.gx**2) + np.sum(cur.gz**2)))
    t = 0.25 * radius / gnorm if gnorm > 0 else 0.0
    accepted = 0
    while accepted < iterations and cur.solution is not None and gnorm > 0:
        if t * gnorm < STEP_TOL * radius:
            break
        xn = _project(x - t * cur.gx, omega, radius, sphere)
        zn = _project(z - t * cur.gz, omega, radius, False)
        new = evaluate_at(xn, zn)
        solves += 1
        decrease = float(np.sum(cur.gx * (x - xn)) + np.sum(cur.gz * (z - zn)))
        if new.delta <= cur.delta - ARMIJO * max(decrease, 0.0) and new.delta < cur.delta:
            x, z, cur = xn, zn, new
            history.append(cur.delta)
            accepted += 1
            gnorm = float(np.sqrt(np.sum(cur.gx**2) + np.sum(cur.gz**2)))
            t *= 2.0
        else:
            t *= 0.5
    return StartResult(x0, z0, x, z, cur.delta, tuple(history), solves)


def radius_search(
    structure: KernelStructure | VecStructure,
    omega: np.ndarray,
    radius: float,
    mode: Mode = "ball",
    starts: int = 8,
    seed: int = 0,
    rip: Rip = "span",
    iterations: int = 30,
    solver: str = "clarabel",
    progress: Callable[[int, float], None] | None = None,
    warm: Sequence[tuple[np.ndarray, np.ndarray]] = (),
) -> RadiusResult:
    """Minimise δ*(x, z) over the ball/sphere of radius R around ω (module docstring).

    ``warm`` are extra starts (projected onto the feasible set), searched before the random
    ones — :func:`radius_curve` passes the previous radius's best point.

    A :class:`~ripcert.core.structure.VecStructure` runs Molybog's own programs instead
    (:mod:`ripcert.generator.sdp.molybog`: ``LMI_P``/``LMI_P_dB``, for comparison with the
    published curves; ``rip`` is then ``span`` by construction).

    ``omega`` is an n-vector (rank r = 1, as in the paper).  ``progress(k, best)`` is called
    after each start.  Raises ``InvalidInputError`` on bad arguments.
    """
    om = np.asarray(omega, dtype=float).reshape(-1, 1)
    if om.shape[0] != structure.n:
        raise InvalidInputError(
            f"centre has {om.shape[0]} entries, structure has n = {structure.n}"
        )
    if not np.all(np.isfinite(om)):
        raise InvalidInputError("centre contains NaN or Inf")
    if not (np.isfinite(radius) and radius > 0):
        raise InvalidInputError(f"radius must be positive, got {radius}")
    if mode not in ("ball", "sphere"):
        raise InvalidInputError(f"mode must be 'ball' or 'sphere', got {mode!r}")
    if starts < 1 or iterations < 0:
        raise InvalidInputError("starts must be ≥ 1 and iterations ≥ 0")
    sphere = mode == "sphere"
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()

    def at(x: np.ndarray, z: np.ndarray) -> Evaluation:
        return evaluate(structure, x, z, om, mode, rip, solver)

    results = []
    best: StartResult | None = None
    points = [
        (
            _project(np.asarray(wx, float).reshape(-1, 1), om, radius, sphere),
            _project(np.asarray(wz, float).reshape(-1, 1), om, radius, False),
        )
        for wx, wz in warm
    ]
    points += [
        (_draw(rng, om, radius, sphere), _draw(rng, om, radius, False)) for _ in range(starts)
    ]
    for k, (x0, z0) in enumerate(points):
        res = local_search(at, x0, z0, om, radius, sphere, iterations)
        results.append(res)
        if best is None or res.delta < best.delta:
            best = res
        if progress is not None:
            progress(k + 1, best.delta)
    assert best is not None
    final = evaluate(structure, best.x, best.z, om, mode, rip, solver, policy="certify")
    certified = bool(np.isfinite(final.delta))
    return RadiusResult(
        delta=float(final.delta if certified else best.delta),
        certified=certified,
        x=best.x,
        z=best.z,
        mode=mode,
        radius=float(radius),
        rip=rip,
        starts=tuple(results),
        seconds=time.perf_counter() - t0,
    )


def radius_curve(
    structure: KernelStructure | VecStructure,
    omega: np.ndarray,
    radii: Sequence[float],
    mode: Mode = "ball",
    starts: int = 4,
    seed: int = 0,
    rip: Rip = "span",
    iterations: int = 20,
    solver: str = "clarabel",
) -> list[RadiusResult]:
    """δ(R) over increasing radii by continuation: each radius also starts from the previous
    radius's best point (feasible for the larger ball; projected onto the sphere)."""
    out: list[RadiusResult] = []
    for k, radius in enumerate(sorted(radii)):
        warm = [(out[-1].x, out[-1].z)] if out else []
        out.append(
            radius_search(
                structure,
                omega,
                radius,
                mode,
                starts,
                seed + k,
                rip,
                iterations,
                solver,
                warm=warm,
            )
        )
    return out


__all__ = [
    "Evaluation",
    "Mode",
    "RadiusResult",
    "StartResult",
    "evaluate",
    "local_search",
    "radius_curve",
    "radius_search",
]
