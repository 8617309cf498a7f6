"""The saddle certificate maker: a direction ΔU along which the ℓ1 loss leaves the ground truth.

Sign convention (residual ``rᵢ = yᵢ − ⟨Aᵢ, UUᵀ⟩``).  For ``ΔU U*ᵀ = 0``,
``rᵢ(U* + tΔU) = rᵢ − t²aᵢ`` with ``aᵢ = ⟨Aᵢ, ΔUΔUᵀ⟩`` and ``rᵢ = rᵢ(U*)``, so

    |rᵢ − t²aᵢ| − |rᵢ| = t²|aᵢ|              if rᵢ = 0 (inliers),
                        = −t² sign(rᵢ) aᵢ      if rᵢ ≠ 0 and t² sign(rᵢ)aᵢ ≤ |rᵢ|,

and ``L(U* + tΔU) − L(U*) = t² q(ΔU)`` for ``0 < t ≤ t_max`` with

    q(ΔU)  = (1/m) [Σ_{rᵢ=0} |aᵢ| − Σ_{rᵢ≠0} sign(rᵢ) aᵢ],
    t_max  = min { √(|rᵢ| / (sign(rᵢ)aᵢ)) : rᵢ ≠ 0, sign(rᵢ)aᵢ > 0 }.

(With ``sᵢ = rᵢ`` the outlier of measurement i, this is the seed's
``(1/m)[Σ_I |⟨Aᵢ,ΔUΔUᵀ⟩| + Σ_O …]`` with the sign written for residuals ``y − A(UUᵀ)``.)

Search, following J. Ma and S. Fattahi (arXiv:2302.10963), steps 1–3:

1. restrict to ``ΔU U*ᵀ = 0``: for ``U* = [U₀, 0]`` this is exactly ``ΔU = [0, V]``,
   V of size d×k, ``k = r′ − r*`` (in general ``ΔU = V Nᵀ`` with N a basis of ker U*);
2. minimise the outlier term ``⟨M, VVᵀ⟩``, ``M = −(1/m) Σ_{rᵢ≠0} sign(rᵢ) Sᵢ`` (``Sᵢ`` the
   symmetric part of ``Aᵢ``, a Gaussian process in V) over ``‖V‖_F = 1``: its minimisers are
   spanned by bottom eigenvectors of M; restarts start from the bottom ρ eigenvectors,
   ρ ∈ {1, 2, 4, …, k}, and from perturbations of them;
3. polish: Riemannian subgradient descent of the full q on the sphere, geometric steps
   ``η·decay^t``, vectorised over restarts; keep the best.

The best V is rounded to the dyadic grid ``2^-bits`` so that the exact re-check stays
small; q, t_max (shrunk by ``1 − shrink`` and rounded down to ``2^-24``) are recomputed from
the rounded direction, and the certificate is issued only after the checker's exact checks
pass (:func:`ripcert.checkers.robust.exact_robust_checks`).  The certificate also carries
multipliers λ witnessing ``0 ∈ ∂L(U*)`` (:func:`stationarity_multipliers`, a feasibility LP),
so that U* is shown to be a stationary point that is not a local minimum.  Optionally
(:func:`sdp_lower_bound`) the convex relaxation ``min q`` over ``{S ⪰ 0, tr S = 1}``
(``S = VVᵀ`` without the rank bound) gives a solver's lower bound on q over every admissible
direction: positive means no direction exists, up to the solver's accuracy.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, replace

import numpy as np
import scipy.linalg

from ripcert.certificate.io import now
from ripcert.certificate.robust import RobustCertificate
from ripcert.checkers.robust import exact_quantities, exact_robust_checks
from ripcert.errors import ExactCertificationError, InvalidInputError, SolverError
from ripcert.generator.robust.model import RobustInstance


@dataclass(frozen=True)
class SearchProtocol:
    """Parameters of the direction search (recorded in the certificate)."""

    restarts: int = 12
    iterations: int = 1500
    step: float = 0.05
    decay: float = 0.998
    perturbation: float = 0.3
    seed: int = 0
    bits: int = 20
    shrink: float = 2.0**-20

    def __post_init__(self) -> None:
        if self.restarts < 1 or self.iterations < 0:
            raise InvalidInputError("restarts must be ≥ 1 and iterations ≥ 0")
        if not (self.step > 0 and 0 < self.decay <= 1):
            raise InvalidInputError("need step > 0 and 0 < decay ≤ 1")
        if not (8 <= self.bits <= 40):
            raise InvalidInputError("bits must lie in [8, 40]")
        if not (0 < self.shrink < 0.5):
            raise InvalidInputError("shrink must lie in (0, 1/2)")


@dataclass(frozen=True)
class SaddleSearch:
    """Outcome of the search: ``found`` iff the rounded direction has ``q < 0``."""

    found: bool
    delta_u: np.ndarray
    q: float
    t_max: float
    outlier_eig: float
    best_per_restart: np.ndarray
    protocol: SearchProtocol
    seconds: float

    def to_dict(self) -> dict:
        return {
            "found": self.found,
            "q": self.q,
            "t_max": self.t_max if math.isfinite(self.t_max) else None,
            "outlier_term_min": self.outlier_eig,
            "best_q_per_restart": [float(v) for v in self.best_per_restart],
            "protocol": asdict(self.protocol),
            "method": "seed steps 1-3 (arXiv:2302.10963): outlier-term eigenvectors, then"
            " Riemannian subgradient polish of q on the sphere, geometric steps",
            "seconds": self.seconds,
        }


def _sym_flat(sensing: np.ndarray) -> np.ndarray:
    s = 0.5 * (sensing + np.swapaxes(sensing, 1, 2))
    return s.reshape(s.shape[0], -1)


def quadratic_form(sensing: np.ndarray, r: np.ndarray, delta_u: np.ndarray) -> float:
    """``q(ΔU) = (1/m)[Σ_{rᵢ=0} |aᵢ| − Σ_{rᵢ≠0} sign(rᵢ)aᵢ]``, ``aᵢ = ⟨Aᵢ, ΔUΔUᵀ⟩``."""
    a = sensing.reshape(sensing.shape[0], -1) @ (delta_u @ delta_u.T).reshape(-1)
    zero = r == 0
    return float((np.abs(a[zero]).sum() - np.sign(r[~zero]) @ a[~zero]) / len(r))


def step_limit(r: np.ndarray, a: np.ndarray) -> float:
    """``t_max = min √(|rᵢ|/(sign(rᵢ)aᵢ))`` over ``rᵢ ≠ 0, sign(rᵢ)aᵢ > 0`` (∞ if none)."""
    sa = np.sign(r) * a
    bind = (r != 0) & (sa > 0)
    if not np.any(bind):
        return math.inf
    return float(np.sqrt(np.min(np.abs(r[bind]) / sa[bind])))


def admissible_basis(u_star: np.ndarray) -> np.ndarray:
    """Columns N (r′×k) with ``U* N = 0``: coordinate vectors of exactly-zero columns of U*
    when they span the kernel (then ``ΔU U*ᵀ = 0`` holds exactly), else an SVD basis."""
    rp = u_star.shape[1]
    rank = int(np.linalg.matrix_rank(u_star))
    zero_cols = np.flatnonzero(~np.any(u_star != 0, axis=0))
    if len(zero_cols) == rp - rank:
        return np.eye(rp)[:, zero_cols]
    return scipy.linalg.null_space(u_star)


def _q_batch(
    sym: np.ndarray, zero: np.ndarray, sig: np.ndarray, v: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """q for a batch V (R, d, k): returns (q (R,), a (R, m))."""
    vv = np.einsum("rik,rjk->rij", v, v, optimize=False).reshape(v.shape[0], -1)
    a = np.einsum("rj,ij->ri", vv, sym, optimize=False)  # skinny: no BLAS threads
    m = sym.shape[0]
    q = (np.abs(a[:, zero]).sum(1) - a[:, ~zero] @ sig[~zero]) / m
    return q, a


def search_direction(
    sensing: np.ndarray,
    r: np.ndarray,
    u_star: np.ndarray,
    protocol: SearchProtocol | None = None,
    progress: bool = False,
) -> SaddleSearch:
    """Steps 1–3 of the module docstring for residuals ``r`` at ``U*``."""
    from tqdm.auto import tqdm

    pr = protocol or SearchProtocol()
    t0 = time.perf_counter()
    m, d = sensing.shape[0], sensing.shape[1]
    basis = admissible_basis(u_star)
    k = basis.shape[1]
    if k == 0:
        raise InvalidInputError(
            "no admissible direction: ΔU U*ᵀ = 0 forces ΔU = 0 when U* has full column rank"
            " (r′ = r*); the ground truth is then not a saddle of this kind"
        )
    sym = _sym_flat(sensing)
    zero = r == 0
    sig = np.sign(r)
    # step 2: the outlier term ⟨M, VVᵀ⟩ and its minimisers
    mo = -(sig[~zero] @ sym[~zero]).reshape(d, d) / m
    w, qv = np.linalg.eigh(0.5 * (mo + mo.T))
    rng = np.random.default_rng(pr.seed)
    ranks = [1]
    while ranks[-1] * 2 < k:
        ranks.append(ranks[-1] * 2)
    if ranks[-1] != k:
        ranks.append(k)
    v = np.zeros((pr.restarts, d, k))
    for j in range(pr.restarts):
        rho = ranks[j] if j < len(ranks) else int(rng.integers(1, k + 1))
        v0 = np.zeros((d, k))
        v0[:, :rho] = qv[:, :rho]
        if j >= len(ranks):
            v0[:, :rho] += pr.perturbation * rng.standard_normal((d, rho)) / math.sqrt(d)
        v[j] = v0 / np.linalg.norm(v0)
    # step 3: Riemannian subgradient polish of q on the sphere
    best_q, _ = _q_batch(sym, zero, sig, v)
    best_v = v.copy()
    bar = tqdm(range(pr.iterations), desc="saddle search", disable=not progress, leave=False)
    for it in bar:
        q, a = _q_batch(sym, zero, sig, v)
        better = q < best_q
        best_q = np.where(better, q, best_q)
        best_v[better] = v[better]
        wts = np.where(zero[None, :], np.sign(a), -sig[None, :]) / m
        g = 2.0 * np.einsum(
            "rij,rjk->rik",
            np.einsum("ri,ij->rj", wts, sym, optimize=False).reshape(-1, d, d),
            v,
            optimize=False,
        )
        g -= np.einsum("rjl,rjl->r", g, v)[:, None, None] * v
        v = v - pr.step * pr.decay**it * g
        v /= np.linalg.norm(v, axis=(1, 2))[:, None, None]
    q, _ = _q_batch(sym, zero, sig, v)
    better = q < best_q
    best_q = np.where(better, q, best_q)
    best_v[better] = v[better]
    j = int(np.argmin(best_q))
    vb = best_v[j] / np.linalg.norm(best_v[j])
    vb = np.round(vb * 2.0**pr.bits) / 2.0**pr.bits
    delta_u = vb @ basis.T
    qf = quadratic_form(sensing, r, delta_u)
    a = sensing.reshape(m, -1) @ (delta_u @ delta_u.T).reshape(-1)
    lim = step_limit(r, a)
    if math.isfinite(lim):
        t_max = math.floor(lim * (1.0 - pr.shrink) * 2.0**24) / 2.0**24
    else:
        t_max = 1.0  # no residual moves towards 0: every t > 0 is admissible
    return SaddleSearch(
        found=bool(qf < 0 and t_max > 0),
        delta_u=delta_u,
        q=qf,
        t_max=t_max,
        outlier_eig=float(w[0]),
        best_per_restart=best_q,
        protocol=pr,
        seconds=time.perf_counter() - t0,
    )


def sdp_lower_bound(
    sensing: np.ndarray, r: np.ndarray, solver: str = "SCS", eps: float = 1e-7
) -> dict:
    """``min q`` over ``{S ⪰ 0, tr S = 1}`` (``S = VVᵀ``, rank bound dropped): a lower bound
    on ``q(ΔU)/‖ΔU‖²_F`` over every ΔU with ``ΔU U*ᵀ = 0`` (any rank ≤ d).  The solver's value,
    with its status; SolverError unless the status is "optimal".  A convex problem, so this
    is the global minimum up to the solver's accuracy, not a proof."""
    import cvxpy as cp

    m, d = sensing.shape[0], sensing.shape[1]
    sym = _sym_flat(sensing)
    zero = r == 0
    s = cp.Variable((d, d), PSD=True)
    vec = cp.vec(s, order="C")
    obj = (cp.norm1(sym[zero] @ vec) - np.sign(r[~zero]) @ (sym[~zero] @ vec)) / m
    prob = cp.Problem(cp.Minimize(obj), [cp.trace(s) == 1])
    t0 = time.perf_counter()
    try:
        kw = {"eps": eps, "max_iters": 50_000} if solver == "SCS" else {}
        prob.solve(solver=solver, **kw)
    except cp.error.SolverError as exc:
        raise SolverError(f"{solver} failed on the relaxation: {exc}") from None
    if prob.status != "optimal" or s.value is None:
        raise SolverError(f"{solver} status {prob.status!r} on the relaxation")
    ev = np.linalg.eigvalsh(np.asarray(s.value))
    return {
        "value": float(prob.value),
        "status": prob.status,
        "solver": solver,
        "eps": eps,
        "rank": int(np.sum(ev > 1e-6 * max(ev[-1], 1e-300))),
        "seconds": time.perf_counter() - t0,
    }


def stationarity_multipliers(sensing: np.ndarray, r: np.ndarray, u_star: np.ndarray) -> np.ndarray:
    """λ (m) with ``λᵢ = sign(rᵢ)`` for ``rᵢ ≠ 0``, ``λᵢ ∈ [−1, 1]`` for ``rᵢ = 0`` and
    ``Σ λᵢ (Aᵢ + Aᵢᵀ) U* = 0`` — a witness of ``0 ∈ ∂L(U*)`` — from a feasibility LP (HiGHS,
    a vertex, so most inlier multipliers sit at ±1); SolverError when infeasible or failed."""
    from scipy.optimize import linprog

    m = sensing.shape[0]
    sym = sensing + np.swapaxes(sensing, 1, 2)
    g = np.einsum("ijk,kl->ijl", sym, u_star, optimize=False).reshape(m, -1)
    zero = r == 0
    lam = np.sign(r).astype(float)
    if not np.any(zero):
        return lam
    rows = np.any(g != 0, axis=0)
    res = linprog(
        np.zeros(int(zero.sum())),
        A_eq=g[zero][:, rows].T,
        b_eq=-(lam[~zero] @ g[~zero][:, rows]),
        bounds=(-1.0, 1.0),
        method="highs",
    )
    if res.status != 0 or res.x is None:
        raise SolverError(f"stationarity LP: {res.message}")
    lam[zero] = np.clip(res.x, -1.0, 1.0)
    return lam


def make_certificate(
    inst: RobustInstance,
    protocol: SearchProtocol | None = None,
    progress: bool = False,
    description: str = "",
) -> tuple[RobustCertificate | None, SaddleSearch]:
    """Search and, if a direction is found, issue the certificate after the exact checks.

    Returns ``(None, search)`` when no direction with q < 0 was found; raises
    ExactCertificationError if the float direction fails an exact check.
    """
    r = inst.residuals
    search = search_direction(inst.sensing, r, inst.u_star, protocol, progress)
    if not search.found:
        return None, search
    try:
        multipliers: np.ndarray | None = stationarity_multipliers(inst.sensing, r, inst.u_star)
    except SolverError:  # U* not stationary (or the LP failed): the descent claim stands alone
        multipliers = None
    cert = RobustCertificate(
        sensing=inst.sensing,
        y=inst.y,
        u_star=inst.u_star,
        delta_u=search.delta_u,
        q=search.q,
        t_max=search.t_max,
        multipliers=multipliers,
        model=inst.model.to_dict(),
        search=search.to_dict(),
        created=now(),
        description=description
        or (
            f"ground truth of a robust l1 sensing instance (d = {inst.model.d},"
            f" r* = {inst.model.r_star}, r' = {inst.model.r_prime}, m = {inst.model.m},"
            f" p = {inst.model.p}) is not a local minimum"
        ),
    )
    # the stored q is the double nearest to the exact q of the stored (rounded) direction
    cert = replace(cert, q=float(exact_quantities(cert).q))
    failed = [c.name for c in exact_robust_checks(cert) if not c.passed]
    if failed == ["exact_stationarity"]:  # the LP's vertex did not re-solve exactly: omit it
        cert = replace(cert, multipliers=None)
        failed = [c.name for c in exact_robust_checks(cert) if not c.passed]
    if failed:
        raise ExactCertificationError(f"exact re-check failed: {', '.join(failed)}")
    return cert, search


__all__ = [
    "SaddleSearch",
    "SearchProtocol",
    "admissible_basis",
    "make_certificate",
    "quadratic_form",
    "sdp_lower_bound",
    "search_direction",
    "stationarity_multipliers",
    "step_limit",
]
