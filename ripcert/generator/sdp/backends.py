"""Back-ends that solve a :class:`~ripcert.generator.sdp.cones.ConicProgram`.

Each back-end returns a :class:`RawSolution` with the primal ``x``, the dual ``y`` (one entry
per row, in the program's row convention: ``Aᵀy + c = 0``, ``y ∈ K*``), a status from one
vocabulary and its own statistics.  Solvers only *propose*: the caller checks the status
against an :class:`~ripcert.generator.sdp.policy.Acceptance` policy and re-checks residuals
with dense linear algebra.

* ``clarabel`` — Clarabel's interior-point method on the program as is (rows in any order;
  PSD cones in ``svec_c``).  Retried with a larger static regularisation when it stalls.
* ``scs`` — SCS 3 (operator splitting); PSD rows permuted to its lower-triangle convention.
  ``scs-indirect`` uses its matrix-free CG linear solver (no factorisation of the KKT
  matrix, for programs too large to factor).
* ``cvxpy:NAME`` — any solver cvxpy drives (e.g. ``cvxpy:MOSEK`` where installed): the
  conic data are handed to cvxpy as affine expressions.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp

from ripcert.errors import InvalidInputError
from ripcert.generator.sdp.cones import ConicProgram, smat_c, svec_c, to_lower_colmajor

Status = Literal[
    "optimal", "optimal_inaccurate", "infeasible", "unbounded", "max_iterations", "error"
]


@dataclass(frozen=True)
class RawSolution:
    """What a back-end returned, before any acceptance decision."""

    backend: str
    status: Status
    raw_status: str
    x: np.ndarray | None
    y: np.ndarray | None
    seconds: float
    iterations: int | None
    info: dict[str, float] = field(default_factory=dict)


def _version(module: str) -> str:
    try:
        mod = __import__(module)
    except ImportError:  # pragma: no cover - hard dependencies
        return "missing"
    return str(getattr(mod, "__version__", "unknown"))


def backend_version(name: str) -> str:
    base = name.split(":", 1)[0].split("-", 1)[0]
    return _version(base)


# ---------------------------------------------------------------------------------------
# Clarabel
# ---------------------------------------------------------------------------------------
_CLARABEL_STATUS: dict[str, Status] = {
    "Solved": "optimal",
    "AlmostSolved": "optimal_inaccurate",
    "PrimalInfeasible": "infeasible",
    "AlmostPrimalInfeasible": "infeasible",
    "DualInfeasible": "unbounded",
    "AlmostDualInfeasible": "unbounded",
    "MaxIterations": "max_iterations",
    "MaxTime": "max_iterations",
}


def solve_clarabel(prog: ConicProgram, tol: float = 1e-9) -> RawSolution:
    """Clarabel at tight tolerances; on a stall, retried with a larger regularisation."""
    import clarabel

    cones = []
    for cone in prog.cones:
        if cone.kind == "zero":
            cones.append(clarabel.ZeroConeT(cone.size))
        elif cone.kind == "nonneg":
            cones.append(clarabel.NonnegativeConeT(cone.size))
        else:
            cones.append(clarabel.PSDTriangleConeT(cone.size))
    p = sp.csc_matrix((prog.num_vars, prog.num_vars))
    t0 = time.perf_counter()
    last: RawSolution | None = None
    for reg in (1e-8, 1e-7, 1e-6):
        settings = clarabel.DefaultSettings()
        settings.verbose = False
        settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = tol
        settings.static_regularization_constant = reg
        try:
            solver = clarabel.DefaultSolver(p, prog.c, prog.a, prog.b, cones, settings)
            res = solver.solve()
        except Exception as exc:  # noqa: BLE001 - a solver failure is a status, not a crash
            last = RawSolution(
                "clarabel", "error", repr(exc)[:200], None, None, time.perf_counter() - t0, None
            )
            continue
        raw = str(res.status)
        status = _CLARABEL_STATUS.get(raw, "error")
        last = RawSolution(
            "clarabel",
            status,
            raw,
            np.asarray(res.x, dtype=float),
            np.asarray(res.z, dtype=float),
            time.perf_counter() - t0,
            int(res.iterations),
            {"regularization": reg},
        )
        if status in ("optimal", "infeasible"):
            break
    assert last is not None
    return last


# ---------------------------------------------------------------------------------------
# SCS
# ---------------------------------------------------------------------------------------
_SCS_STATUS: dict[str, Status] = {
    "solved": "optimal",
    "solved_inaccurate": "optimal_inaccurate",
    "infeasible": "infeasible",
    "infeasible_inaccurate": "infeasible",
    "unbounded": "unbounded",
    "unbounded_inaccurate": "unbounded",
}


def _scs_permutation(prog: ConicProgram) -> np.ndarray:
    """Row permutation from the program's convention to SCS's (PSD: lower, column-major)."""
    perm = []
    for name, cone in zip(prog.names, prog.cones, strict=True):
        rows = np.arange(prog.rows_of(name).start, prog.rows_of(name).stop)
        perm.append(rows[to_lower_colmajor(cone.size)] if cone.kind == "psd" else rows)
    return np.concatenate(perm)


#: SCS's certify settings (:func:`run_backend` passes looser ones only when asked)
SCS_EPS = 1e-8
SCS_MAX_ITERS = 200_000


def solve_scs(
    prog: ConicProgram,
    eps: float = SCS_EPS,
    max_iters: int = SCS_MAX_ITERS,
    indirect: bool = False,
) -> RawSolution:
    """SCS without Anderson acceleration (robust on degenerate instances with η* ≈ 0)."""
    import scs

    perm = _scs_permutation(prog)
    inv = np.empty_like(perm)
    inv[perm] = np.arange(len(perm))
    data = {"A": prog.a[perm].tocsc(), "b": prog.b[perm], "c": prog.c}
    cone = {
        "z": sum(c.size for c in prog.cones if c.kind == "zero"),
        "l": sum(c.size for c in prog.cones if c.kind == "nonneg"),
        "s": [c.size for c in prog.cones if c.kind == "psd"],
    }
    t0 = time.perf_counter()
    try:
        solver = scs.SCS(
            data,
            cone,
            eps_abs=eps,
            eps_rel=eps,
            max_iters=max_iters,
            acceleration_lookback=0,
            verbose=False,
            **({"linear_solver": "cpu_indirect"} if indirect else {}),
        )
        sol = solver.solve()
    except Exception as exc:  # noqa: BLE001
        return RawSolution(
            "scs", "error", repr(exc)[:200], None, None, time.perf_counter() - t0, None
        )
    info = sol["info"]
    raw = str(info.get("status", "unknown"))
    status = _SCS_STATUS.get(raw, "max_iterations" if "max" in raw else "error")
    return RawSolution(
        "scs-indirect" if indirect else "scs",
        status,
        raw,
        np.asarray(sol["x"], dtype=float),
        np.asarray(sol["y"], dtype=float)[inv],
        time.perf_counter() - t0,
        int(info.get("iter", 0)),
        {
            "res_pri": float(info.get("res_pri", np.nan)),
            "res_dual": float(info.get("res_dual", np.nan)),
        },
    )


# ---------------------------------------------------------------------------------------
# cvxpy
# ---------------------------------------------------------------------------------------
def solve_cvxpy(prog: ConicProgram, solver: str) -> RawSolution:
    """Hand the conic data to cvxpy (any installed solver) as affine expressions."""
    import cvxpy as cp

    x = cp.Variable(prog.num_vars)
    cons = []
    for name, cone in zip(prog.names, prog.cones, strict=True):
        rows = prog.rows_of(name)
        s = prog.b[rows] - prog.a[rows] @ x
        if cone.kind == "zero":
            cons.append(s == 0)
        elif cone.kind == "nonneg":
            cons.append(s >= 0)
        else:
            m = cone.size
            unvec = sp.csr_matrix(
                np.stack([smat_c(col, m).ravel(order="F") for col in np.eye(cone.rows)], axis=1)
            )
            mat = cp.reshape(unvec @ s, (m, m), order="F")
            cons.append(0.5 * (mat + mat.T) >> 0)
    prob = cp.Problem(cp.Minimize(prog.c @ x), cons)
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prob.solve(solver=solver.upper())
    except (cp.error.SolverError, ValueError) as exc:
        return RawSolution(
            f"cvxpy:{solver}", "error", str(exc)[:200], None, None, time.perf_counter() - t0, None
        )
    statuses: dict[str, Status] = {
        cp.OPTIMAL: "optimal",
        cp.OPTIMAL_INACCURATE: "optimal_inaccurate",
        cp.INFEASIBLE: "infeasible",
        cp.INFEASIBLE_INACCURATE: "infeasible",
        cp.UNBOUNDED: "unbounded",
        cp.UNBOUNDED_INACCURATE: "unbounded",
    }
    status: Status = statuses.get(str(prob.status), "error")
    y = None
    if x.value is not None:
        parts: list[np.ndarray] = []
        for con, cone in zip(cons, prog.cones, strict=True):
            dv = con.dual_value
            if dv is None:
                parts = []
                break
            parts.append(svec_c(np.asarray(dv)) if cone.kind == "psd" else np.atleast_1d(dv))
        y = np.concatenate(parts) if parts else None
    stats = prob.solver_stats
    return RawSolution(
        f"cvxpy:{solver}",
        status,
        str(prob.status),
        None if x.value is None else np.asarray(x.value, dtype=float),
        y,
        time.perf_counter() - t0,
        getattr(stats, "num_iters", None),
    )


BACKENDS = ("clarabel", "scs", "scs-indirect")


def run_backend(
    prog: ConicProgram, name: str, tol: float | None = None, max_iters: int | None = None
) -> RawSolution:
    """Solve with the named back-end (``clarabel``, ``scs``, ``scs-indirect``, ``cvxpy:NAME``).

    ``tol`` (Clarabel's gap and feasibility tolerances, SCS's ``eps``) and ``max_iters`` (SCS)
    default to the back-end's certify settings (1e-9; 1e-8 and 200,000); searches that
    certify their final point separately may pass looser ones.
    """
    eps = SCS_EPS if tol is None else tol
    iters = SCS_MAX_ITERS if max_iters is None else max_iters
    if name == "clarabel":
        return solve_clarabel(prog) if tol is None else solve_clarabel(prog, tol=tol)
    if name in ("scs", "scs-indirect"):
        return solve_scs(prog, eps=eps, max_iters=iters, indirect=name == "scs-indirect")
    if name.startswith("cvxpy:") and len(name) > 6:
        return solve_cvxpy(prog, name[6:])
    raise InvalidInputError(
        f"unknown SDP back-end {name!r}; choose from {', '.join(BACKENDS)} or cvxpy:SOLVER"
    )


__all__ = ["BACKENDS", "RawSolution", "Status", "backend_version", "run_backend"]
