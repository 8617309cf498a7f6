"""Rigorous dual lower bounds on δ*(X, Z) (MATH.md §3, issue 5).

The primal is the η-form SDP of :mod:`ripcert.sdp`, written in the rational *triangle
coordinates* of :mod:`ripcert.exact` (``G = WHW``, ``D = W²``, ``T`` the matrix of
``U ↦ t(XUᵀ + UXᵀ)``, ``S(G) = mat(He)``, ``t_E = t(XXᵀ − ZZᵀ)``, ``c = μ‖ZZᵀ‖_F``)::

    η* = max η  s.t.  S(G)·X = 0,   B(G) = TᵀGT + 2 I_r⊗S(G) ⪰ cΠ,   ηD ⪯ G ⪯ D.

Its Lagrange dual (multipliers ``Y ∈ R^{n×r}``, ``S₁ ⪰ 0`` (nr×nr), ``S₂ ⪰ 0`` (d×d))::

    min  ⟨R, D⟩ − c⟨S₁, Π⟩   s.t.  ⟨S₂, D⟩ = 1,   R ⪰ 0,
    R(Y, S₁, S₂) = S₂ + T S₁ Tᵀ + sym(w t_Eᵀ),   w = 2 t(Σ_a S₁^{aa}) + t(sym(Y Xᵀ)),

where ``R`` is the matrix with ``⟨R, G⟩ = ⟨S₂, G⟩ + ⟨S₁, B(G)⟩ + ⟨Y, S(G)X⟩`` for every
symmetric G (``Σ_a S₁^{aa}`` = sum of the diagonal n×n blocks).

Weak duality with a proven error term (Jansson-style).  Take *any* rational ``Y``, rational
``S₁ ⪰ 0``, ``S₂ ⪰ 0`` with ``⟨S₂, D⟩ = 1`` (checked exactly), and a rational ``τ ≥ 0`` with
``R + τD ⪰ 0`` (exact LDLᵀ).  For every primal-feasible (G, η)::

    η = ⟨S₂, ηD⟩ ≤ ⟨S₂, G⟩ ≤ ⟨S₂, G⟩ + ⟨S₁, B(G) − cΠ⟩ + ⟨Y, S(G)X⟩ = ⟨R, G⟩ − c⟨S₁, Π⟩
      = ⟨R + τD, G⟩ − τ⟨D, G⟩ − c⟨S₁,Π⟩ ≤ ⟨R + τD, D⟩ − τη⟨D, D⟩ − c_low⟨S₁, Π⟩

(``G ⪯ D``, ``G ⪰ ηD``, ``0 ≤ c_low ≤ c``), hence ``η* ≤ η_U = (⟨R,D⟩ + τ‖D‖² −
c_low⟨S₁,Π⟩)/(1 + τ‖D‖²)`` and ``δ* = (1−η*)/(1+η*) ≥ L = (1−η_U)/(1+η_U)`` (L = 1 when
η_U ≤ 0: no counterexample).  Everything is exact for the given float (X, Z), which are
binary rationals; (X, Z) are first scaled by a power of two (exact; δ* is invariant).
The multipliers come from solving this dual with cvxpy (Clarabel by default) and are then
rounded and shifted (``S ← S + σI``) until the exact checks pass.  The upper end ``U`` is
the δ of the primal certificate made exact by :func:`ripcert.exact.certify_exact`
(rigorous; ``details["upper_exact"]`` is its ``"p/q"``), or the floating primal value
:func:`ripcert.counterexample.delta_star` when exact certification fails (then
``upper_exact`` is None).

Lifted certificates (:func:`with_dual`): the bound is computed on the reduced instance
``(PᵀX, PᵀZ)``; compressing any feasible full-space kernel to ``span(P)`` gives a feasible
reduced kernel with the same margin and a spectrum inside the original, so the reduced δ*
is ≤ the full one and L bounds both (MATH.md §4).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import cvxpy as cp
import numpy as np
from flint import fmpq, fmpq_mat

from .errors import CertificateFormatError, InvalidInputError, SolverError
from .exact import (
    Check,
    _fixed,
    identity,
    ldl_psd,
    mat_str,
    parse_mat,
    parse_q,
    q,
    q_str,
    sqrt_low,
    symmetry_generators,
    t_lift,
    t_metric,
    t_weights,
    tindex,
    to_float,
    tvec,
)
from .operator import LiftedOperator
from .problem import CounterexampleProblem

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


def _projector(x: fmpq_mat) -> fmpq_mat:
    """Exact projector onto the complement of ``{XΩ}`` in vec coordinates."""
    n, r = x.nrows(), x.ncols()
    v = symmetry_generators(x)
    if v.ncols() == 0:
        return identity(n * r)
    return identity(n * r) - v * (v.transpose() * v).inv() * v.transpose()


def _r_matrix(xq, teq, tq, y, s1, s2) -> fmpq_mat:
    """``R = S₂ + T S₁ Tᵀ + sym(w t_Eᵀ)`` (module docstring), exactly."""
    n, r = xq.nrows(), xq.ncols()
    kb = fmpq_mat(n, n)
    for a in range(r):
        for i in range(n):
            for j in range(n):
                kb[i, j] += s1[a * n + i, a * n + j]
    km = y * xq.transpose()
    km = (km + km.transpose()) * fmpq(1, 2)
    w = tvec(kb) * fmpq(2) + tvec(km)
    outer = w * teq.transpose()
    return s2 + tq * s1 * tq.transpose() + (outer + outer.transpose()) * fmpq(1, 2)


def _psd_shift(m: np.ndarray, metric: fmpq_mat | None = None) -> tuple[fmpq_mat, fmpq] | None:
    """Round a float symmetric matrix and shift by σ·(I or metric) until exactly PSD."""
    m = 0.5 * (m + m.T)
    base = _fixed(m, MULTIPLIER_DEN)
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


def _bound(xq, zq, mu, y, s1, s2) -> tuple[fmpq, fmpq, list[Check]]:
    """Exact η_U and L from multipliers; the checks made on the way."""
    n = xq.nrows()
    dmat = t_metric(n)
    tq = t_lift(xq)
    teq = tvec(xq * xq.transpose() - zq * zq.transpose())
    checks = [Check("dual_s1_psd", *ldl_psd(s1)), Check("dual_s2_psd", *ldl_psd(s2))]
    norm = sum((dmat[a, a] * s2[a, a] for a in range(dmat.nrows())), fmpq(0))
    checks.append(Check("dual_s2_normalised", norm == 1, "⟨S₂, D⟩ = 1"))
    rm = _r_matrix(xq, teq, tq, y, s1, s2)
    return rm, dmat, checks


def _eta_upper(rm, dmat, tau, s1, c_low, pi) -> fmpq:
    d = dmat.nrows()
    rd = sum((rm[a, a] * dmat[a, a] for a in range(d)), fmpq(0))
    dd = sum((dmat[a, a] ** 2 for a in range(d)), fmpq(0))
    s1pi = sum((s1[i, j] * pi[i, j] for i in range(s1.nrows()) for j in range(s1.ncols())), fmpq(0))
    return (rd + tau * dd - c_low * s1pi) / (1 + tau * dd)


def _lower_from_eta(eta: fmpq) -> fmpq:
    if eta <= 0:
        return fmpq(1)
    if eta >= 1:
        return fmpq(0)
    return (1 - eta) / (1 + eta)


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
    pi = to_float(_projector(xq))
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

    :func:`ripcert.sdp.build` writes the primal in svec coordinates; with ``H = W⁻¹GW⁻¹``
    its multiplier ``Λ`` of ``H ⪰ ηI`` becomes ``S₂ = W⁻¹ΛW⁻¹``, the bracket's multiplier is
    ``S₁`` unchanged, and since ``𝒳ᵀHe = 2 vec(S(G)X)`` the FOC multiplier ``y`` gives
    ``Y = ±2 unvec(y)`` (cvxpy's sign convention is not relied on: both signs are tried).
    """
    from .landscape import complement_basis, lift_map
    from .sdp import _SOLVER_OPTIONS, build, first_order_rows

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
    y = _fixed(np.asarray(yf).reshape(n, r), MULTIPLIER_DEN)
    rm, dmat, checks = _bound(xq, zq, mu, y, s1, s2)
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
    c_low = _margin_low(mu, zq)
    pi = _projector(xq)
    eta_u = _eta_upper(rm, dmat, tau, s1, c_low, pi)
    low = _lower_from_eta(eta_u)
    record = {
        "multipliers": {"Y": mat_str(y), "S1": mat_str(s1), "S2": mat_str(s2), "tau": q_str(tau)},
        "shifts": {"sigma1": q_str(sig1), "sigma2": q_str(sig2)},
    }
    return record, eta_u, low


def _margin_low(mu: float, zq: fmpq_mat) -> fmpq:
    """A rational ``c_low ≤ c = μ‖ZZᵀ‖_F`` (exact square, rounded-down square root)."""
    m = zq * zq.transpose()
    fro_sq = sum((m[i, j] ** 2 for i in range(m.nrows()) for j in range(m.ncols())), fmpq(0))
    return q(mu) * sqrt_low(fro_sq)


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
    from .counterexample import delta_star, generate
    from .exact import ExactCertificationError, certify_exact, parse_q

    try:
        cert = generate(problem.x, problem.z, problem.margin, solver)
        ex = certify_exact(cert).extra["exact"]
        return float(parse_q(ex["delta"])), ex["delta"]
    except ExactCertificationError:
        return delta_star(problem.x, problem.z, problem.margin, solver), None


#: relative agreement required between a dual section's reduced (X, Z) and (PᵀX, PᵀZ)
REDUCED_TOL = 1e-9


def _reduced_pair(cert) -> tuple[np.ndarray, np.ndarray] | None:
    """``(PᵀX, PᵀZ)`` for a lifted operator with n > k, else None (full space)."""
    op = cert.operator
    if not isinstance(op, LiftedOperator) or op.basis.shape[0] == op.basis.shape[1]:
        return None
    return op.basis.T @ cert.x, op.basis.T @ cert.z


def with_dual(cert, solver: str = "clarabel"):
    """A copy of a certificate with a ``dual`` section for its (X, Z, margin).

    For a lifted operator (the reduced path) the bound is computed on the reduced instance
    ``(PᵀX, PᵀZ)`` in R^k, stored in the section as ``reduced_x``/``reduced_z``.  It is a
    lower bound for the full instance too: any feasible full-space kernel, compressed to
    ``span(P)``, is feasible for the reduced SDP with the same margin and a spectrum inside
    its own (MATH.md §4), so ``δ*_μ(reduced) ≤ δ*_μ(X, Z)``.  The step from (X, Z) to the
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


def _dual_pair(cert, du: dict) -> tuple[np.ndarray, np.ndarray, Check | None]:
    """The (X, Z) a dual section speaks of, and for a reduced one its consistency check."""
    if "reduced_x" not in du:
        return cert.x, cert.z, None
    try:
        xk = np.array(du["reduced_x"], dtype=float)
        zk = np.array(du["reduced_z"], dtype=float)
    except (KeyError, TypeError, ValueError) as exc:
        raise CertificateFormatError(f"dual section malformed: {exc}") from None
    pair = _reduced_pair(cert)
    if pair is None or xk.shape != pair[0].shape or zk.shape != pair[1].shape:
        raise CertificateFormatError("dual.reduced_x/z do not match the lifted operator's basis")
    if not (np.all(np.isfinite(xk)) and np.all(np.isfinite(zk))):
        raise CertificateFormatError("dual.reduced_x/z must be finite")
    scale = max(float(np.linalg.norm(cert.x)), float(np.linalg.norm(cert.z)))
    err = max(float(np.linalg.norm(xk - pair[0])), float(np.linalg.norm(zk - pair[1]))) / scale
    ok = err <= REDUCED_TOL
    return xk, zk, Check("dual_reduced_pair", ok, f"‖(PᵀX, PᵀZ) − stored‖/‖(X, Z)‖ = {err:.1e}")


def verify_dual(cert) -> list[Check]:
    """Re-check a certificate's ``dual`` section exactly from its stored multipliers."""
    du = cert.extra.get("dual")
    if not isinstance(du, dict):
        raise CertificateFormatError("certificate has no dual section")
    try:
        mult = du["multipliers"]
        power = int(du["scale_power"])
        mu = float(du["margin"])
        stated = parse_q(du["lower_exact"], "dual.lower_exact")
    except (KeyError, TypeError, ValueError) as exc:
        raise CertificateFormatError(f"dual section malformed: {exc}") from None
    if abs(power) > 1000:
        raise CertificateFormatError("dual.scale_power out of range")
    x0, z0, pair_check = _dual_pair(cert, du)
    xs, zs = x0 * 2.0**power, z0 * 2.0**power
    n, r = xs.shape
    xq = fmpq_mat(n, r, [q(v) for v in xs.ravel()])
    zq = fmpq_mat(n, zs.shape[1], [q(v) for v in zs.ravel()])
    d = n * (n + 1) // 2
    y = parse_mat(mult.get("Y"), "dual.Y", (n, r))
    s1 = parse_mat(mult.get("S1"), "dual.S1", (n * r, n * r))
    s2 = parse_mat(mult.get("S2"), "dual.S2", (d, d))
    tau = parse_q(mult.get("tau"), "dual.tau")
    rm, dmat, checks = _bound(xq, zq, mu, y, s1, s2)
    if pair_check is not None:
        checks.insert(0, pair_check)
    checks.append(Check("dual_margin", mu == cert.margin, f"dual margin {mu} / {cert.margin}"))
    checks.append(Check("dual_tau", tau >= 0 and ldl_psd(rm + dmat * tau)[0], "R + τD ⪰ 0"))
    if not all(c.passed for c in checks):
        return checks
    c_low = _margin_low(mu, zq)
    low = _lower_from_eta(_eta_upper(rm, dmat, tau, s1, c_low, _projector(xq)))
    checks.append(Check("dual_lower_value", low >= stated, f"L = {q_str(low)}"))
    ok = abs(float(du.get("lower", -1)) - float(stated)) <= 1e-12
    checks.append(Check("dual_lower_float", ok, "lower = float(lower_exact)"))
    ex = cert.extra.get("exact")
    if isinstance(ex, dict) and "delta" in ex:
        dq = parse_q(ex["delta"], "exact.delta")
        checks.append(Check("dual_below_exact", stated <= dq, "L ≤ certified δ"))
    return checks


__all__ = ["DualBound", "dual_bound", "verify_dual", "with_dual"]
