"""Make the ``dual`` section: a rigorous lower bound on δ*(X, Z) (docs/dual.md).

The multipliers come from the primal SDP's dual variables (or from solving the dual SDP),
are rounded and shifted (``S ← S + σI``) until the exact checks of
:mod:`ripcert.exact.duality` pass.  The upper end ``U`` is the δ of the primal certificate
made exact by :func:`ripcert.maker.exact.certify_exact`, or the floating primal value
when exact certification fails (then ``upper_exact`` is None).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import cvxpy as cp
import numpy as np
from flint import fmpq, fmpq_mat

from ripcert.checkers.dual import _reduced_pair
from ripcert.errors import InvalidInputError, SolverError
from ripcert.exact.duality import (
    dual_checks,
    eta_upper,
    lower_from_eta,
    margin_low,
    projector,
)
from ripcert.exact.rational import (
    fixed,
    identity,
    ldl_psd,
    mat_str,
    parse_q,
    q,
    q_str,
    t_lift,
    t_metric,
    t_weights,
    tindex,
    to_float,
    tvec,
)
from ripcert.generator.problem import CounterexampleProblem

#: common denominator of the rounded multipliers
MULTIPLIER_DEN = 10**12

_SHIFTS = (0.0, 1e-14, 1e-12, 1e-10, 1e-8)


@dataclass(frozen=True)
class DualBound:
    """Bracket ``lower ≤ δ*(X, Z) ≤ upper``; ``lower`` is rigorous (exact weak duality)."""

    lower: float
    upper: float
    gap: float
    method: str
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The certificate's ``dual`` section (JSON-ready)."""
        return {
            "lower": self.lower,
            "upper": self.upper,
            "gap": self.gap,
            "method": self.method,
            **self.details,
        }


def _scaled(x: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """(2^k X, 2^k Z) with ‖ZZᵀ‖_F ≈ 1 — exact in binary floating point."""
    k = int(round(-0.5 * math.log2(float(np.linalg.norm(z.T @ z)))))
    return x * 2.0**k, z * 2.0**k, k


def _psd_shift(m: np.ndarray, metric: fmpq_mat | None = None) -> tuple[fmpq_mat, fmpq] | None:
    """Round a float symmetric matrix and shift by σ·(I or metric) until exactly PSD."""
    m = 0.5 * (m + m.T)
    base = fixed(m, MULTIPLIER_DEN)
    base = (base + base.transpose()) * fmpq(1, 2)
    shape = identity(m.shape[0]) if metric is None else metric
    lam = float(np.linalg.eigvalsh(to_float(base))[0])
    size = max(float(np.max(np.abs(m))), 1e-300)
    for s in _SHIFTS:
        sigma = q(max(0.0, -lam) + s * size) if (lam < 0 or s > 0) else fmpq(0)
        cand = base + shape * sigma
        if ldl_psd(cand)[0]:
            return cand, sigma
    return None


def _solve_dual(x, z, mu, solver):
    """Float dual solution ``(Y, S₁, S₂)`` of the module docstring's dual SDP."""
    n, r = x.shape
    idx = tindex(n)
    d, p = len(idx), n * r
    xq = fmpq_mat(n, r, [q(v) for v in x.ravel()])
    zq = fmpq_mat(n, z.shape[1], [q(v) for v in z.ravel()])
    tf = to_float(t_lift(xq))
    te = to_float(tvec(xq * xq.transpose() - zq * zq.transpose()))[:, 0]
    dvec = np.array([1.0 if i == j else 2.0 for i, j in idx])
    pi = to_float(projector(xq))
    c = mu * float(np.linalg.norm(z @ z.T))
    ym = cp.Variable((n, r))
    s1 = cp.Variable((p, p), PSD=True)
    s2 = cp.Variable((d, d), PSD=True)
    kb = sum(s1[a * n : (a + 1) * n, a * n : (a + 1) * n] for a in range(r))
    km = ym @ x.T
    w = cp.hstack([2 * kb[i, j] + 0.5 * (km[i, j] + km[j, i]) for i, j in idx])
    outer = cp.reshape(w, (d, 1), order="C") @ te.reshape(1, d)
    rm = s2 + tf @ s1 @ tf.T + 0.5 * (outer + outer.T)
    cons = [cp.sum(cp.multiply(dvec, cp.diag(s2))) == 1, 0.5 * (rm + rm.T) >> 0]
    obj = cp.sum(cp.multiply(dvec, cp.diag(rm))) - c * cp.trace(pi @ s1)
    prob = cp.Problem(cp.Minimize(obj), cons)
    opts = {
        "clarabel": {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10},
        "scs": {"eps_abs": 1e-9, "eps_rel": 1e-9, "max_iters": 200_000},
    }
    _solve_quietly(prob, solver, opts, "dual SDP")
    if s1.value is None:
        raise SolverError(f"dual SDP status {prob.status}")
    return ym.value, s1.value, s2.value, float(prob.value), prob.status


def _duals_from_primal(x, z, mu, solver):
    """Multipliers ``(Y, S₁, S₂)`` in triangle coordinates from the primal SDP's duals.

    :func:`ripcert.generator.sdp.build` writes the primal in svec coordinates; with ``H = W⁻¹GW⁻¹``
    its multiplier ``Λ`` of ``H ⪰ ηI`` becomes ``S₂ = W⁻¹ΛW⁻¹``, the bracket's multiplier is
    ``S₁`` unchanged, and since ``𝒳ᵀHe = 2 vec(S(G)X)`` the FOC multiplier ``y`` gives
    ``Y = ±2 unvec(y)`` (cvxpy's sign convention is not relied on: both signs are tried).
    """
    from ripcert.core.landscape import complement_basis, lift_map
    from ripcert.generator.sdp import _SOLVER_OPTIONS, build, first_order_rows

    problem = CounterexampleProblem(x, z, mu)
    prob, _, _ = build(problem)
    _solve_quietly(prob, solver, _SOLVER_OPTIONS, "SDP")
    foc, lower, soc = prob.constraints[0], prob.constraints[1], prob.constraints[-1]
    n, r = x.shape
    w = t_weights(n)
    s2 = np.asarray(lower.dual_value) / np.outer(w, w)
    # build() imposes FOC as V·He = 0 (V: orthonormal row space of 𝒳ᵀ) and the bracket
    # compressed to the complement C of {XΩ}; map the multipliers back to 𝒳ᵀHe = 0 and the
    # full bracket: 𝒳 y = Vᵀy' (solvable, Vᵀy' lies in the range of 𝒳) and S₁ = C S₁' Cᵀ.
    lx = lift_map(problem.x)
    y_v = first_order_rows(lx).T @ np.atleast_1d(np.asarray(foc.dual_value))
    y = 2.0 * np.linalg.lstsq(lx, y_v, rcond=None)[0].reshape((n, r), order="F")
    comp = complement_basis(problem.x)
    s1 = comp @ np.atleast_2d(np.asarray(soc.dual_value)) @ comp.T
    return y, s1, s2, float(prob.value), prob.status


def _rigorous(xs, zs, mu, yf, s1f, s2f) -> tuple[dict, fmpq, fmpq] | None:
    """Round/shift the multipliers, find τ, and return (record, η_U, L) or None."""
    n, r = xs.shape
    xq = fmpq_mat(n, r, [q(v) for v in xs.ravel()])
    zq = fmpq_mat(n, zs.shape[1], [q(v) for v in zs.ravel()])
    dmat = t_metric(n)
    got1, got2 = _psd_shift(s1f), _psd_shift(s2f)
    if got1 is None or got2 is None:
        return None
    s1, sig1 = got1
    s2, sig2 = got2
    norm = sum((dmat[a, a] * s2[a, a] for a in range(dmat.nrows())), fmpq(0))
    if norm <= 0:
        return None
    s2 = s2 * (1 / norm)
    y = fixed(np.asarray(yf).reshape(n, r), MULTIPLIER_DEN)
    rm, dmat, checks = dual_checks(xq, zq, mu, y, s1, s2)
    if not all(c.passed for c in checks):
        return None
    wts = np.sqrt(np.diag(to_float(dmat)))
    rf = to_float(rm) / np.outer(wts, wts)
    lam = float(np.linalg.eigvalsh(rf)[0])
    size = max(float(np.max(np.abs(rf))), 1e-300)
    for s in _SHIFTS:
        tau = q(max(0.0, -lam) + s * size) if (lam < 0 or s > 0) else fmpq(0)
        if ldl_psd(rm + dmat * tau)[0]:
            break
    else:
        return None
    c_low = margin_low(mu, zq)
    pi = projector(xq)
    eta_u = eta_upper(rm, dmat, tau, s1, c_low, pi)
    low = lower_from_eta(eta_u)
    record = {
        "multipliers": {"Y": mat_str(y), "S1": mat_str(s1), "S2": mat_str(s2), "tau": q_str(tau)},
        "shifts": {"sigma1": q_str(sig1), "sigma2": q_str(sig2)},
    }
    return record, eta_u, low


def _solve_quietly(prob: cp.Problem, solver: str, options: dict[str, dict], what: str) -> None:
    """Solve ``prob`` with ``options[solver]``; OPTIMAL_INACCURATE is accepted here because
    the multipliers are only a starting point, made rigorous exactly afterwards."""
    if solver not in options:
        raise InvalidInputError(f"unknown solver {solver!r}; choose from clarabel, scs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            prob.solve(solver=solver.upper(), **options[solver])
        except cp.error.SolverError as exc:
            raise SolverError(f"{what} failed: {exc}") from None
    if prob.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
        raise SolverError(f"{what} status {prob.status}")


def dual_bound(
    x: np.ndarray,
    z: np.ndarray,
    margin: float = 0.0,
    solver: str = "clarabel",
    multipliers: str = "primal",
    upper_exact: str | None = None,
) -> DualBound:
    """Bracket ``[L, U]`` of δ*(X, Z): L rigorous (exact weak duality), U the exact primal δ.

    See the module docstring for the dual and the proof.  ``multipliers="primal"`` (default)
    takes them from the primal SDP's dual variables (Clarabel solves the primal to full
    accuracy); ``"dual"`` solves the dual SDP as written above (often only
    ``optimal_inaccurate`` for n ≥ 3, so the bound is looser).  Either way the bound is
    rigorous.  ``upper_exact`` (a ``"p/q"`` δ already certified exactly for this instance
    and margin) is used as U instead of generating and certifying again.  Raises
    :class:`~ripcert.errors.NoCounterexampleError` for degenerate input (X = 0, XXᵀ = ZZᵀ,
    x ∥ z), :class:`~ripcert.errors.SolverError` if the dual cannot be made rigorous.

    >>> b = dual_bound([0.0, 2**-0.5], [1.0, 0.0])
    >>> b.lower <= 0.5 <= b.upper + 1e-9, b.gap < 1e-6
    (True, True)
    """
    problem = CounterexampleProblem(x, z, margin)
    problem.check_nondegenerate()
    xs, zs, power = _scaled(problem.x, problem.z)
    if multipliers == "primal":
        found = _duals_from_primal(xs, zs, problem.margin, solver.lower())
    elif multipliers == "dual":
        found = _solve_dual(xs, zs, problem.margin, solver.lower())
    else:
        raise InvalidInputError(f"multipliers must be 'primal' or 'dual', got {multipliers!r}")
    yf, s1f, s2f, dual_val, status = found
    got = None
    for sign in (1.0, -1.0):
        cand = _rigorous(xs, zs, problem.margin, sign * yf, s1f, s2f)
        if cand is not None and (got is None or cand[2] > got[2]):
            got = cand
    if got is None:
        raise SolverError("the dual multipliers could not be made exactly feasible")
    record, eta_u, low = got
    if upper_exact is not None:
        upper = float(parse_q(upper_exact, "upper_exact"))
    else:
        upper, upper_exact = _upper(problem, solver.lower())
    lower = float(low)
    details = {
        "upper_exact": upper_exact,
        "lower_exact": q_str(low),
        "eta_upper": q_str(eta_u),
        "scale_power": power,
        "margin": problem.margin,
        "solver": {
            "name": solver.lower(),
            "status": status,
            "multipliers": multipliers,
            "dual_value_float": dual_val,
        },
        **record,
    }
    return DualBound(
        lower=lower,
        upper=upper,
        gap=upper - lower,
        method="exact weak duality (Jansson-style shift), python-flint fmpq",
        details=details,
    )


def _upper(problem: CounterexampleProblem, solver: str) -> tuple[float, str | None]:
    """U: the exactly certified δ of the primal certificate (``"p/q"``), else the float SDP δ."""
    from ripcert.errors import ExactCertificationError
    from ripcert.generator.counterexample import delta_star, generate
    from ripcert.maker.exact import certify_exact

    try:
        cert = generate(problem.x, problem.z, problem.margin, solver)
        ex = certify_exact(cert).extra["exact"]
        return float(parse_q(ex["delta"])), ex["delta"]
    except ExactCertificationError:
        return delta_star(problem.x, problem.z, problem.margin, solver), None


def with_dual(cert, solver: str = "clarabel"):
    """A copy of a certificate with a ``dual`` section for its (X, Z, margin).

    For a lifted operator (the reduced path) the bound is computed on the reduced instance
    ``(PᵀX, PᵀZ)`` in R^k, stored in the section as ``reduced_x``/``reduced_z``.  It is a
    lower bound for the full instance too: any feasible full-space kernel, compressed to
    ``span(P)``, is feasible for the reduced SDP with the same margin and a spectrum inside
    its own (docs/math.md §4), so ``δ*_μ(reduced) ≤ δ*_μ(X, Z)``.  The step from (X, Z) to the
    stored reduced pair is an orthogonal change of basis up to rounding (P is orthonormal to
    ~1e-16), checked in floating point by :func:`verify_dual`; everything else is exact.
    """
    ex = cert.extra.get("exact")
    known = ex.get("delta") if isinstance(ex, dict) else None  # U: this operator's exact δ
    pair = _reduced_pair(cert)
    if pair is None:
        bound = dual_bound(cert.x, cert.z, cert.margin, solver, upper_exact=known)
        return cert.with_extra(dual=bound.to_dict())
    xk, zk = pair
    section = dual_bound(xk, zk, cert.margin, solver, upper_exact=known).to_dict()
    section.update(reduced_x=xk.tolist(), reduced_z=zk.tolist())
    return cert.with_extra(dual=section)
