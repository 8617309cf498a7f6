"""Make the ``dual`` section: a rigorous lower bound on δ*(X, Z) (docs/dual.md).

The bound is about the user's own (X, Z): it is computed on the exact reduced pair
``(2^s·C_X, 2^s·C_Z)`` of the rational basis B of span([X Z]) (:mod:`ripcert.exact.basis`)
with the metric ``G = BᵀB`` (:mod:`ripcert.exact.duality`).  Float multipliers are a
starting point only: either passed in (:class:`Multipliers`, e.g. the primal solve's duals,
so that no SDP is solved again) or, as a fallback, taken from a primal solve in orthonormal
coordinates of the span (``G = RᵀR``, ``X_o = R·2^s·C_X``) or from solving the dual SDP.  They
are carried to the B coordinates by the congruence of :func:`to_span`, rounded and shifted
(``S ← S + σI``) until the exact checks pass.  The upper end ``U`` is the δ of the primal
certificate made exact by :func:`ripcert.maker.exact.certify_exact` (about the same input),
or the floating primal value when exact certification fails (then ``upper_exact`` is None).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import cvxpy as cp
import numpy as np
import scipy.linalg
from flint import fmpq, fmpq_mat

from ripcert.errors import InvalidInputError, SolverError
from ripcert.exact.basis import SpanBasis, basis_matrix, exact_matrix, span_basis
from ripcert.exact.duality import (
    dual_checks,
    eta_upper,
    inner,
    lower_from_eta,
    margin_low,
    norm_form,
    projector,
)
from ripcert.exact.rational import (
    fixed,
    identity,
    ldl_psd,
    parse_q,
    q,
    t_congruence,
    t_lift,
    t_weights,
    tindex,
    to_float,
    tvec,
)
from ripcert.exact.sections import EXACT_MAX_K, DualSection
from ripcert.generator.problem import CounterexampleProblem
from ripcert.generator.sdp.solution import SDPSolution

#: common denominator of the rounded multipliers
MULTIPLIER_DEN = 10**12

_SHIFTS = (0.0, 1e-14, 1e-12, 1e-10, 1e-8)


@dataclass(frozen=True)
class DualBound:
    """Bracket ``lower ≤ δ*(X, Z) ≤ upper``; ``lower`` is rigorous (exact weak duality).

    ``section`` is the typed ``dual`` section; ``details`` its JSON form.
    """

    lower: float
    upper: float
    gap: float
    method: str
    section: DualSection
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The certificate's ``dual`` section (JSON-ready)."""
        return self.section.to_dict()


@dataclass(frozen=True)
class Multipliers:
    """Float multipliers ``(Y, S₁, S₂)`` of the η-form SDP, in *triangle* coordinates.

    Their meaning is that of :mod:`ripcert.exact.duality`: ``Y`` (k×r) pairs with
    ``S(G)·X``, ``S₁`` (kr×kr, vec column-major) with the full second-order bracket, ``S₂``
    (d×d, d = k(k+1)/2) with ``G ⪰ ηD``.  They belong to the pair the SDP was solved for,
    ``(scale·PᵀX, scale·PᵀZ)`` with ``basis`` P (n×k, orthonormal columns; None: P = I, the
    pair as given) — e.g. the primal solve's duals on the normalised, span-reduced problem.
    Use :meth:`from_svec` for a solver's svec-coordinate multiplier of ``H ⪰ ηI``.
    """

    y: np.ndarray
    s1: np.ndarray
    s2: np.ndarray
    basis: np.ndarray | None = None
    scale: float = 1.0

    @classmethod
    def from_svec(
        cls,
        y: np.ndarray,
        s1: np.ndarray,
        s2_svec: np.ndarray,
        basis: np.ndarray | None = None,
        scale: float = 1.0,
    ) -> Multipliers:
        """From a multiplier ``Λ`` of ``H ⪰ ηI`` in svec coordinates: ``S₂ = W⁻¹ΛW⁻¹``."""
        s2_svec = np.asarray(s2_svec, dtype=float)
        k = int(round((np.sqrt(8 * s2_svec.shape[0] + 1) - 1) / 2))
        w = t_weights(k)
        return cls(
            np.asarray(y, float), np.asarray(s1, float), s2_svec / np.outer(w, w), basis, scale
        )


def to_span(
    mult: tuple[np.ndarray, np.ndarray, np.ndarray], qm: np.ndarray, ratio: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Carry multipliers of the pair ``(Q·c_x, Q·c_z)·ratio`` to the pair ``(c_x, c_z)`` in B
    coordinates (``S_o = QSQᵀ``, so ``K = MᵀK_oM`` with M the matrix of ``t(S) ↦ t(QSQᵀ)``).

    Scaling (X, Z) by λ scales ``S(G)X`` by λ³ and the bracket by λ², so the multipliers of
    the pair scaled by ``ratio`` become ``Y·ratio³``, ``S₁·ratio²`` (``S₂`` unchanged).  The
    congruence then gives ``Y_B = Q⁻¹Y``, ``S₁ᴮ = J⁻¹S₁J⁻ᵀ`` (``J = I_r⊗Q``) and
    ``S₂ᴮ = M⁻¹S₂M⁻ᵀ``: with ``S_B(K) = QᵀS_o(K_o)Q`` and ``B_B = JᵀB_oJ`` every term of
    ``⟨R, K⟩`` is preserved.
    """
    y, s1, s2 = mult
    r = y.shape[1]
    qinv = np.linalg.inv(qm)
    jinv = np.kron(np.eye(r), qinv)
    minv = np.linalg.inv(t_congruence(qm))
    return qinv @ y * ratio**3, jinv @ s1 @ jinv.T * ratio**2, minv @ s2 @ minv.T


def _power(zc: np.ndarray, gram: np.ndarray) -> int:
    """s with ``‖(2^s C_Z)(2^s C_Z)ᵀ‖`` in the metric G ≈ 1 (δ* is scale-invariant)."""
    zz = zc @ zc.T
    fro = float(np.sqrt(max(np.trace(gram @ zz @ gram @ zz), 1e-300)))
    return int(round(-0.5 * math.log2(fro)))


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
    kb: Any = sum(s1[a * n : (a + 1) * n, a * n : (a + 1) * n] for a in range(r))
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
    """Multipliers ``(Y, S₁, S₂)`` in triangle coordinates from a primal solve's duals.

    The block engine (:mod:`ripcert.generator.sdp`) solves the primal under the ``search``
    policy (the multipliers are only a starting point, made rigorous exactly afterwards) and
    keeps the multiplier of every block; :func:`ripcert.maker.certify.multipliers_of` maps
    them: ``Y = 2 unvec(S y′)``, ``S₁ = S Z₁ Sᵀ``, ``S₂ = W⁻¹ΛW⁻¹``.
    """
    from ripcert.generator.sdp import solve

    sol = solve(CounterexampleProblem(x, z, mu), solver, policy="search")
    n, r = x.shape
    y, s1, s2_svec = solution_multipliers(sol, n, r)
    w = t_weights(n)
    return y, s1, s2_svec / np.outer(w, w), -sol.eta, sol.report.status


def solution_multipliers(
    sol: SDPSolution, n: int, r: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(Y, S₁, Λ)`` from an engine solution: Λ (the multiplier of ``H ⪰ ηI``) in svec.

    The engine's blocks are the first-order rows ``Sᵀ𝒳ᵀHe = 0`` and the compressed bracket
    ``SᵀBS`` on the kept coordinates S (:mod:`ripcert.generator.sdp.blocks`).  With
    ``𝒳ᵀHe = 2 vec(mat(He)·X)``, a multiplier y′ of the first-order rows pairs with
    ``mat(He)·X`` as ``Y = 2 unvec(S y′)``, and the bracket multiplier Z₁ is ``S₁ = S Z₁ Sᵀ`` on
    the full bracket.  Their sign convention is not relied on (both signs of Y are tried).
    """
    keep = sol.keep if sol.keep is not None else np.arange(n * r)
    sel = np.eye(n * r)[:, keep]
    y = 2.0 * (sel @ np.asarray(sol.duals["first_order"], float)).reshape((n, r), order="F")
    s1 = sel @ np.asarray(sol.duals["second_order"], float) @ sel.T
    return y, s1, np.asarray(sol.duals["isometry_lower"], float)


def _rigorous(
    xq: fmpq_mat, zq: fmpq_mat, gram: fmpq_mat | None, mu: float, yf, s1f, s2f
) -> tuple[dict, fmpq, fmpq] | None:
    """Round/shift the multipliers, find τ, and return (parts, η_U, L) or None."""
    k, r = xq.nrows(), xq.ncols()
    got1, got2 = _psd_shift(s1f), _psd_shift(s2f)
    if got1 is None or got2 is None:
        return None
    s1, sig1 = got1
    s2, sig2 = got2
    dform = norm_form(k, gram)
    norm = inner(s2, dform)
    if norm <= 0:
        return None
    s2 = s2 * (1 / norm)
    y = fixed(np.asarray(yf).reshape(k, r), MULTIPLIER_DEN)
    rm, dmat, checks = dual_checks(xq, zq, y, s1, s2, gram)
    if not all(c.passed for c in checks):
        return None
    rf, df = to_float(rm), to_float(dmat)
    lam = float(scipy.linalg.eigh(rf, df, eigvals_only=True)[0])
    size = max(float(np.max(np.abs(rf))), 1e-300) / max(float(np.max(np.abs(df))), 1e-300)
    for s in _SHIFTS:
        tau = q(max(0.0, -lam) + s * size) if (lam < 0 or s > 0) else fmpq(0)
        if ldl_psd(rm + dmat * tau)[0]:
            break
    else:
        return None
    c_low = margin_low(mu, zq, gram)
    eta_u = eta_upper(rm, dmat, tau, s1, c_low, projector(xq, gram))
    parts = {"y": y, "s1": s1, "s2": s2, "tau": tau, "sigma1": sig1, "sigma2": sig2}
    return parts, eta_u, lower_from_eta(eta_u)


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


def _float_multipliers(
    mult: str | Multipliers,
    sb: SpanBasis,
    bf: np.ndarray,
    power: int,
    mu: float,
    solver: str,
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], float | None, str, str]:
    """Float multipliers in the B coordinates of the pair ``2^power·(C_X, C_Z)``."""
    gram = bf.T @ bf
    s = 2.0**power
    if isinstance(mult, Multipliers):
        p = np.eye(bf.shape[0]) if mult.basis is None else np.asarray(mult.basis, float)
        if p.shape[0] != bf.shape[0]:
            raise InvalidInputError(f"multipliers for R^{p.shape[0]}, X is in R^{bf.shape[0]}")
        if p.shape[1] == sb.k:
            qm = p.T @ bf
            got = to_span((mult.y, mult.s1, mult.s2), qm, mult.scale / s)
            return got, None, "given", "passed in"
        # multipliers of a larger space (a full-space solve, k < n): not a congruence of the
        # span's problem; fall back to the primal path on the span
        mult = "primal"
    rmat = np.linalg.cholesky(gram).T  # G = RᵀR: P_o = B R⁻¹ is orthonormal, Q = R
    xo, zo = rmat @ to_float(sb.x_coords) * s, rmat @ to_float(sb.z_coords) * s
    if mult == "primal":
        yf, s1f, s2f, val, status = _duals_from_primal(xo, zo, mu, solver)
    elif mult == "dual":
        yf, s1f, s2f, val, status = _solve_dual(xo, zo, mu, solver)
    else:
        raise InvalidInputError(
            f"multipliers must be 'primal', 'dual' or a Multipliers, got {mult!r}"
        )
    return to_span((yf, s1f, s2f), rmat), val, status, mult


def _full_space(mult: str | Multipliers, n: int, k: int) -> bool:
    """True for multipliers of a solve on S^n itself (no basis, n×r Y) when n > k."""
    if not isinstance(mult, Multipliers) or mult.basis is not None or n <= k:
        return False
    if n > EXACT_MAX_K:
        raise InvalidInputError(f"full-space multipliers for n = {n} > {EXACT_MAX_K} refused")
    return np.shape(mult.y)[0] == n


def dual_bound(
    x: np.ndarray,
    z: np.ndarray,
    margin: float = 0.0,
    solver: str = "clarabel",
    multipliers: str | Multipliers = "primal",
    upper_exact: str | None = None,
) -> DualBound:
    """Bracket ``[L, U]`` of δ*(X, Z): L rigorous (exact weak duality), U the exact primal δ.

    Both are about the given (X, Z) themselves, at any n (module docstring; the proof is in
    :mod:`ripcert.exact.duality`).  ``multipliers``: a :class:`Multipliers` (e.g. the primal
    solve's duals — nothing is solved here), or the fallback ``"primal"`` (default: solve
    the primal SDP once more and take its dual variables) or ``"dual"`` (solve the dual SDP
    as written; often only ``optimal_inaccurate`` for k ≥ 3, so the bound is looser).
    Either way the bound is rigorous.  ``upper_exact`` (a ``"p/q"`` δ already certified
    exactly for this instance and margin) is used as U instead of generating and certifying
    again.  Raises :class:`~ripcert.errors.NoCounterexampleError` for degenerate input
    (X = 0, XXᵀ = ZZᵀ, x ∥ z), :class:`~ripcert.errors.SolverError` if the dual cannot be
    made rigorous.

    >>> b = dual_bound([0.0, 2**-0.5], [1.0, 0.0])
    >>> b.lower <= 0.5 <= b.upper + 1e-9, b.gap < 1e-6
    (True, True)
    """
    problem = CounterexampleProblem(x, z, margin)
    problem.check_nondegenerate()
    sb: SpanBasis | None = span_basis(problem.x, problem.z)
    assert sb is not None
    gram: fmpq_mat | None
    if _full_space(multipliers, problem.n, sb.k):
        # multipliers of a full-space solve (P = I_n, n > k): the bound on S^n itself
        assert isinstance(multipliers, Multipliers)
        sb, gram = None, None
        power = _power(problem.z, np.eye(problem.n))
        ratio = multipliers.scale / 2.0**power
        yf, s1f, s2f = to_span(
            (multipliers.y, multipliers.s1, multipliers.s2), np.eye(problem.n), ratio
        )
        val, status, how = None, "given", "passed in"
        xq, zq = exact_matrix(problem.x), exact_matrix(problem.z)
    else:
        bq = basis_matrix(exact_matrix(problem.x), exact_matrix(problem.z), sb.columns, sb.powers)
        gram = bq.transpose() * bq
        bf = to_float(bq)
        power = _power(to_float(sb.z_coords), bf.T @ bf)
        (yf, s1f, s2f), val, status, how = _float_multipliers(
            multipliers, sb, bf, power, problem.margin, solver.lower()
        )
        xq, zq = sb.x_coords, sb.z_coords
    two = fmpq(2) ** power if power >= 0 else fmpq(1) / fmpq(2) ** (-power)
    xq, zq = xq * two, zq * two
    got = None
    for sign in (1.0, -1.0):
        cand = _rigorous(xq, zq, gram, problem.margin, sign * yf, s1f, s2f)
        if cand is not None and (got is None or cand[2] > got[2]):
            got = cand
    if got is None:
        raise SolverError("the dual multipliers could not be made exactly feasible")
    parts, eta_u, low = got
    up_q: fmpq | None
    if upper_exact is not None:
        up_q = parse_q(upper_exact, "upper_exact")
        upper = float(up_q)
    else:
        upper, up_q = _upper(problem, solver.lower())
    section = DualSection(
        lower=float(low),
        upper=upper,
        lower_exact=low,
        upper_exact=up_q,
        eta_upper=eta_u,
        scale_power=power,
        margin=problem.margin,
        span=sb,
        solver={
            "name": solver.lower(),
            "status": status,
            "multipliers": how,
            "dual_value_float": val,
        },
        **parts,
    )
    return DualBound(
        lower=section.lower,
        upper=upper,
        gap=section.gap,
        method=section.method,
        section=section,
        details=section.to_dict(),
    )


def _upper(problem: CounterexampleProblem, solver: str) -> tuple[float, fmpq | None]:
    """U: the exactly certified δ of the primal certificate, else the float SDP δ."""
    from ripcert.errors import ExactCertificationError
    from ripcert.generator.counterexample import delta_star, generate
    from ripcert.maker.exact import certify_exact

    try:
        cert = generate(problem.x, problem.z, problem.margin, solver)
        dq = parse_q(certify_exact(cert, solver=solver).extra["exact"]["delta"])
        return float(dq), dq
    except ExactCertificationError:
        return delta_star(problem.x, problem.z, problem.margin, solver), None


def with_dual(cert, solver: str = "clarabel", multipliers: str | Multipliers = "primal"):
    """A copy of a certificate with a ``dual`` section for its own (X, Z, margin).

    The bound is computed in the exact basis of span([X Z]) at any n (module docstring), so
    it is about the certificate's X, Z exactly; the checker re-derives the basis from the
    stored floats.  U is the certificate's exact δ when its ``exact`` section is about the
    input itself (``basis`` span/identity), else that of a fresh exact section.
    """
    from ripcert.errors import ExactCertificationError
    from ripcert.maker.exact import certify_exact

    ex = cert.extra.get("exact")
    known = None
    if isinstance(ex, dict) and ex.get("basis") in ("span", "identity"):
        known = ex.get("delta")
    else:
        try:
            known = certify_exact(cert, solver=solver).extra["exact"]["delta"]
        except ExactCertificationError:
            known = None
    bound = dual_bound(cert.x, cert.z, cert.margin, solver, multipliers, upper_exact=known)
    return cert.with_extra(dual=bound.to_dict())
