"""Threshold search: the infimum of δ*(X, Z) over (X, Z) for given (r, r*) (docs/math.md §5, §7).

Theory (Zhang, Sojoudi & Lavaei, JMLR 20(114) 2019, arXiv:1901.01631, Theorem 3, for
r = r* = 1; R. Y. Zhang, arXiv:2104.10790, for r ≥ r*): under δ-RIP of order 2r with
``δ < 1/(1+√(r*/r))`` (strict) every second-order critical point X (∇f = 0, ∇²f ⪰ 0) has
``XXᵀ = ZZᵀ``, so δ* ≥ that bound; it is proved sharp for r = r* and for r* = 1 only.  The
SDP attains it at ``X = √t·[I_r; 0]``, ``Z = [0; I_r*]``, ``t = √r*/(√r+√r*)`` (computed).
A search that finds a value *below* the bound by more than the solver tolerance would
contradict the theorem; such results are flagged (``below_theory`` and a
:class:`ThresholdViolationWarning`), never hidden.

Reduced parameterisation.  δ* is invariant under ``(X, Z) ↦ (cQXR, cQZS)`` with Q, R, S
orthogonal and c > 0, and under the span reduction to ``k = r + r*`` (docs/math.md §4).  Taking
the SVD of Z and of the lower r×r block of X, every pair with rank Z = r* is equivalent to::

    Z = [diag(1, σ₂, …, σ_r*); 0_{r×r*}],     X = [A; diag(s)],   A ∈ R^{r*×r}, s ∈ R^r

so the search runs over ``(r* − 1) + r·r* + r`` parameters (2 for rank 1, 14 for r = r* = 3).

Each evaluation solves the η-form SDP of :mod:`ripcert.generator.sdp` directly with Clarabel
(:func:`fast_delta`, 1–100 ms; the cvxpy path is the fallback); its gradient in θ comes
for free from the SDP's dual by the envelope theorem (:func:`delta_and_gradient`), and a
seeded multistart of L-BFGS-B (or Nelder–Mead) searches minimises it.  The minimiser is
then certified by :func:`ripcert.generator.counterexample.generate` on the full checked path.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize

from ripcert.certificate import Certificate
from ripcert.core.closed_form import theory_threshold
from ripcert.core.landscape import lift_map, residual
from ripcert.core.vectorization import smat
from ripcert.errors import InvalidInputError, RipcertError
from ripcert.generator.counterexample import delta_star, generate
from ripcert.generator.sdp.backends import RawSolution
from ripcert.generator.sdp.cones import svec_c
from ripcert.generator.sdp.engine import (
    NoneAccepted,
    Rejected,
    backend_order,
    run_until_accepted,
    unstructured_program,
)

#: a found minimum below theory by more than this is flagged (solver tolerance, with slack)
VIOLATION_TOL = 1e-6
#: a start "reaches the threshold" when its local minimum is within this of the theory
REACH_TOL = 1e-3
#: solver settings inside the search (the minimiser is certified at full accuracy by
#: :func:`generate`): near the optimum the program is degenerate and SCS at 1e-8 took 925
#: iterations where 1e-6 took 225, for the same δ* to 2e-8 (a (4, 4) minimiser)
SEARCH_TOL = 1e-6
SEARCH_MAX_ITERS = 20_000


class ThresholdViolationWarning(RuntimeWarning):
    """A search found δ* below the proven threshold 1/(1+√(r*/r)): a bug or a solver error."""


def known_minimiser(r: int, r_star: int) -> np.ndarray:
    """docs/math.md §7's minimiser in the reduced parameters: A = 0, s = √t·1, σ = 1."""
    t = math.sqrt(r_star) / (math.sqrt(r) + math.sqrt(r_star))
    return np.concatenate([np.ones(r_star - 1), np.zeros(r_star * r), np.full(r, math.sqrt(t))])


def num_params(r: int, r_star: int) -> int:
    """Dimension of the reduced parameterisation: ``(r* − 1) + r·r* + r``."""
    return (r_star - 1) + r * r_star + r


def unpack(theta: np.ndarray, r: int, r_star: int) -> tuple[np.ndarray, np.ndarray]:
    """Reduced parameters → ``(X, Z)`` in ``R^{k×r} × R^{k×r*}``, ``k = r + r*``.

    >>> x, z = unpack(np.array([0.0, 0.5]), 1, 1)
    >>> x.ravel().tolist(), z.ravel().tolist()
    ([0.0, 0.5], [1.0, 0.0])
    """
    theta = np.asarray(theta, dtype=float)
    if theta.shape != (num_params(r, r_star),):
        raise InvalidInputError(f"expected {num_params(r, r_star)} parameters, got {theta.shape}")
    k = r + r_star
    sig = np.concatenate([[1.0], theta[: r_star - 1]])
    a = theta[r_star - 1 : r_star - 1 + r * r_star].reshape(r_star, r)
    s = theta[r_star - 1 + r * r_star :]
    z = np.zeros((k, r_star))
    z[np.arange(r_star), np.arange(r_star)] = sig
    x = np.vstack([a, np.diag(s)])
    return x, z


# -- direct Clarabel formulation of the η-form SDP (margin 0) ----------------------
def _normalised(x: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    z = np.asarray(z, dtype=float)
    scale = float(np.linalg.norm(z @ z.T))
    if not scale > 0:
        raise InvalidInputError("Z must be non-zero")
    return x / math.sqrt(scale), z / math.sqrt(scale)


def _theta_rows(x: np.ndarray, z: np.ndarray, h: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The (X, Z)-dependent rows of ``A·(v, η)`` for ``H = smat(v)`` and a fixed complement C
    (the engine's coordinate complement S): ``[Cᵀ𝒳ᵀHe; −svec_c(Cᵀ(𝒳ᵀH𝒳 + 2 I_r ⊗ mat(He))C)]``."""
    n, r = x.shape
    e = residual(x, z)
    lx = lift_map(x)
    he = h @ e
    brk = lx.T @ h @ lx + 2.0 * np.kron(np.eye(r), smat(he))
    brk = c.T @ brk @ c
    return np.concatenate([c.T @ (lx.T @ he), -svec_c(0.5 * (brk + brk.T))])


@dataclass(frozen=True)
class _Solve:
    delta: float
    eta: float
    ok: bool
    h: np.ndarray | None = None
    dual: np.ndarray | None = None
    comp: np.ndarray | None = None


def _solve_direct(x: np.ndarray, z: np.ndarray, loose: bool = False) -> _Solve:
    """The η-form SDP (margin 0) for normalised (X, Z) on a direct back-end (``auto``).

    The program is the engine's own (:func:`ripcert.generator.sdp.engine.unstructured_program`),
    solved under the ``search`` acceptance policy (``AlmostSolved`` is accepted inside the
    search; the final minimiser is certified by :func:`generate`).  Returns the raw kernel,
    and the multipliers of the first- and second-order blocks with the coordinate
    complement S they were built on, for the envelope gradient of :func:`delta_and_gradient`.
    ``loose=True`` solves with the search's settings (:data:`SEARCH_TOL`,
    :data:`SEARCH_MAX_ITERS`) instead of the certify defaults; the local searches use it, the
    value they report is re-evaluated at the defaults.
    """
    n, r = x.shape
    e = residual(x, z)
    if np.linalg.norm(x) < 1e-12 or np.linalg.norm(e) < 1e-12:
        return _Solve(1.0, 0.0, True)
    prog, layout, align = unstructured_program(x, z)

    def accept(raw: RawSolution) -> tuple[np.ndarray, dict[str, float]]:
        if raw.x is None or raw.y is None:
            raise Rejected("no primal or dual values")
        return raw.x, {}

    first = backend_order("auto", prog.num_vars)[:1]  # one back-end: the search falls back
    try:
        xs, _, duals = run_until_accepted(
            prog, first, "search", accept, *((SEARCH_TOL, SEARCH_MAX_ITERS) if loose else ())
        )
    except NoneAccepted:
        return _Solve(math.nan, math.nan, False)
    eta = min(max(layout.eta(xs), 0.0), 1.0)
    kern = layout.kernel(xs)
    comp = np.eye(n * r)[:, layout.geometry.keep]
    if align is not None:  # back to the caller's coordinates, uncompressed (alignment.py)
        kern, duals = align.kernel(kern), align.multipliers(duals, layout.geometry.keep)
        comp = np.eye(n * r)
    zd = np.concatenate([duals["first_order"], svec_c(duals["second_order"])])
    return _Solve((1.0 - eta) / (1.0 + eta), eta, True, kern, zd, comp)


def fast_delta(x: np.ndarray, z: np.ndarray, loose: bool = False) -> float:
    """δ*(X, Z) (margin 0) from the η-form SDP of :mod:`ripcert.generator.sdp`, built
    directly for Clarabel.

    Same constraints as :func:`ripcert.generator.sdp.build` — ``𝒳ᵀHe = 0``,
    ``𝒳ᵀH𝒳 + 2 I_r ⊗ mat(He) ⪰ 0``, ``ηI ⪯ H ⪯ I`` — with ``H = smat(v)``, without the
    cvxpy compilation; falls back to :func:`ripcert.generator.counterexample.delta_star` when
    Clarabel does not report success.  Returns 1.0 when no counterexample exists.

    >>> round(fast_delta(np.array([[0.0], [2**-0.5]]), np.array([[1.0], [0.0]])), 7)
    0.5
    """
    xn, zn = _normalised(x, z)
    sol = _solve_direct(xn, zn, loose)
    if sol.ok:
        return sol.delta
    try:
        return delta_star(xn, zn)
    except RipcertError:
        return 1.0


def delta_and_gradient(
    theta: np.ndarray, r: int, r_star: int, loose: bool = False
) -> tuple[float, np.ndarray]:
    """δ* at the reduced parameters θ and its gradient by the envelope theorem.

    For the conic program ``min qᵀw s.t. A(θ)w + s = b, s ∈ K`` with optimal primal w* and
    dual y*, the optimal value p*(θ) has ``∂p*/∂θᵢ = y*ᵀ (∂A/∂θᵢ) w*`` wherever it is
    differentiable (otherwise this is an element of the generalised gradient).  Here
    p* = −η* and δ* = (1−η*)/(1+η*), so ``∂δ*/∂θ = 2/(1+η*)² · ∂p*/∂θ``; ``(∂A/∂θᵢ)w*`` is
    a central difference of :func:`_theta_rows` at fixed ``H*`` (cheap: no SDP solve).
    If Clarabel fails, returns the checked-path value and a zero gradient.
    """
    x, z = _normalised(*unpack(theta, r, r_star))
    sol = _solve_direct(x, z, loose)
    if not sol.ok:
        return fast_delta(x, z, loose), np.zeros(len(theta))
    if sol.h is None:
        return sol.delta, np.zeros(len(theta))
    assert sol.dual is not None and sol.comp is not None
    h = sol.h
    grad = np.empty(len(theta))
    step = 1e-6
    for i in range(len(theta)):
        tp, tm = theta.copy(), theta.copy()
        tp[i] += step
        tm[i] -= step
        cp_ = _theta_rows(*_normalised(*unpack(tp, r, r_star)), h, sol.comp)
        cm_ = _theta_rows(*_normalised(*unpack(tm, r, r_star)), h, sol.comp)
        grad[i] = sol.dual @ (cp_ - cm_) / (2 * step)
    return sol.delta, 2.0 / (1.0 + sol.eta) ** 2 * grad


@dataclass(frozen=True)
class StartResult:
    """One local search: its kind (``random`` or ``known``), start, end and cost."""

    index: int
    kind: str
    theta0: np.ndarray
    theta: np.ndarray
    delta: float
    nfev: int
    seconds: float


@dataclass(frozen=True)
class ThresholdResult:
    """The search for one (r, r*): found minimum vs theory, minimiser and its certificate."""

    r: int
    r_star: int
    found: float
    theory: float
    x: np.ndarray
    z: np.ndarray
    certificate: Certificate | None
    certified_delta: float
    below_theory: bool
    starts: tuple[StartResult, ...]
    seconds: float
    protocol: dict = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """``found − theory`` (≥ 0 up to solver tolerance by the theorem)."""
        return self.found - self.theory

    @property
    def random_reached(self) -> int:
        """How many random (not seeded) starts ended within REACH_TOL of the theory."""
        return sum(
            1 for s in self.starts if s.kind == "random" and s.delta <= self.theory + REACH_TOL
        )

    @property
    def random_starts(self) -> int:
        return sum(1 for s in self.starts if s.kind == "random")

    def row(self) -> dict:
        """A flat summary (the table row)."""
        return {
            "r": self.r,
            "r_star": self.r_star,
            "found": self.found,
            "theory": self.theory,
            "gap": self.gap,
            "certified_delta": self.certified_delta,
            "below_theory": self.below_theory,
            "random_reached": self.random_reached,
            "random_starts": self.random_starts,
            "seconds": self.seconds,
        }


def random_start(rng: np.random.Generator, r: int, r_star: int) -> np.ndarray:
    """A random start: σ ~ U(0.5, 1.5), A ~ N(0, 0.5²), s ~ U(0.2, 1.2) (all i.i.d.)."""
    sig = rng.uniform(0.5, 1.5, r_star - 1)
    a = rng.normal(0.0, 0.5, r * r_star)
    s = rng.uniform(0.2, 1.2, r)
    return np.concatenate([sig, a, s])


def captured_columns(theta: np.ndarray, r: int, r_star: int) -> np.ndarray:
    """Columns j of ``X = [A; diag(s)]`` that lie mostly in span(Z): ``|s_j| < ‖A_{:,j}‖``.

    The local minima of δ*(X, Z) that are not global are *partial recoveries*: some columns of
    X are captured by span(Z) (``s_j → 0``, ``‖A_{:,j}‖`` of the order of Z's singular values)
    and the rest solve a smaller problem.  Measured: a (5, 3) search from a random start ends
    with one captured column at δ* = 0.58581 = 1/(1+√(2/4)), the threshold of (4, 2), where
    random perturbations of size 10⁻³ and 10⁻² all increase δ*.  The test is geometric and does
    not use the theoretical value.
    """
    x, _ = unpack(theta, r, r_star)
    a, s = x[:r_star], np.abs(np.diag(x[r_star:]))
    return np.flatnonzero(s < np.linalg.norm(a, axis=0))


def hop(theta: np.ndarray, rng: np.random.Generator, r: int, r_star: int) -> np.ndarray:
    """A basin-hopping move: redraw the captured columns (:func:`captured_columns`) from the
    distribution of :func:`random_start` (``A_{:,j} ~ N(0, 0.5²)``, ``s_j ~ U(0.2, 1.2)``),
    keeping the rest; with no captured column, a kick ``θ + N(0, 0.05²)``."""
    theta = np.asarray(theta, dtype=float).copy()
    cols = captured_columns(theta, r, r_star)
    if len(cols) == 0:
        return theta + rng.normal(0.0, 0.05, theta.shape)
    a_off, s_off = r_star - 1, r_star - 1 + r * r_star
    for j in cols:
        theta[a_off + j + r * np.arange(r_star)] = rng.normal(0.0, 0.5, r_star)  # A[:, j]
        theta[s_off + j] = rng.uniform(0.2, 1.2)
    return theta


METHODS = ("lbfgs", "lbfgs+bundle", "nelder-mead")


def _bundle_stage(theta: np.ndarray, r: int, r_star: int, maxfev: int) -> tuple[np.ndarray, int]:
    """:func:`ripcert.studies.nonsmooth.bundle_descent` from θ, on the scale-lifted parameters
    ``φ = (c, cθ)`` with ``θ = φ[1:]/c`` (c is Z's first singular value, which θ fixes at 1).

    δ* is invariant along the lift's extra direction, so the minima are unchanged; what changes
    is that moving σ₁ against the other singular values of Z is one coordinate instead of a
    joint move of all of θ (the stalled (6, 6) point of :mod:`.nonsmooth` descends along it).
    Chain rule: ``∂δ/∂φ_j = g_j / c`` (j ≥ 1) and ``∂δ/∂c = −gᵀθ / c``.
    """
    from ripcert.studies.nonsmooth import bundle_descent

    def fg(phi: np.ndarray) -> tuple[float, np.ndarray]:
        c = phi[0]
        if not c > 0:
            return math.inf, np.zeros(len(phi))
        th = phi[1:] / c
        val, grad = delta_and_gradient(th, r, r_star, True)
        return val, np.concatenate([[-(grad @ th) / c], grad / c])

    res = bundle_descent(fg, np.concatenate([[1.0], theta]), maxfev=maxfev)
    return res.x[1:] / res.x[0], res.nfev


def _local_search(
    theta0: np.ndarray, r: int, r_star: int, maxfev: int, method: str
) -> tuple[np.ndarray, float, int]:
    dim = len(theta0)
    if method in ("lbfgs", "lbfgs+bundle"):
        budget = maxfev if method == "lbfgs" else max(1, maxfev // 2)
        res = scipy.optimize.minimize(
            delta_and_gradient,
            theta0,
            args=(r, r_star, True),
            jac=True,
            method="L-BFGS-B",
            options={"maxfun": budget, "ftol": 1e-12, "gtol": 1e-9},
        )
        th, nfev = np.asarray(res.x), int(res.nfev)
        if method == "lbfgs+bundle" and maxfev - nfev > 1:
            th, more = _bundle_stage(th, r, r_star, maxfev - nfev)
            nfev += more
    else:

        def obj(th: np.ndarray) -> float:
            return fast_delta(*unpack(th, r, r_star), loose=True)

        simplex = np.vstack([theta0] + [theta0 + 0.1 * np.eye(dim)[i] for i in range(dim)])
        res = scipy.optimize.minimize(
            obj,
            theta0,
            method="Nelder-Mead",
            options={
                "maxfev": maxfev,
                "xatol": 1e-7,
                "fatol": 1e-10,
                "adaptive": dim > 4,
                "initial_simplex": simplex,
            },
        )
        th, nfev = np.asarray(res.x), int(res.nfev)
    # re-evaluate at the certify settings (the search used the loose ones; L-BFGS-B may also
    # return a non-final iterate's value)
    return th, fast_delta(*unpack(th, r, r_star)), nfev


def search(
    r: int,
    r_star: int,
    starts: int = 4,
    seed: int = 0,
    seed_known: bool = False,
    maxfev: int | None = None,
    certify: bool = True,
    method: str = "lbfgs",
    progress: bool = False,
    hops: int = 0,
) -> ThresholdResult:
    """Minimise δ*(X, Z) for (r, r*) by seeded multistart local search on the reduced
    parameterisation (module docstring).

    ``method="lbfgs"`` (default) runs scipy's L-BFGS-B on δ* with the envelope-theorem
    gradient of :func:`delta_and_gradient` (one SDP per evaluation);
    ``method="lbfgs+bundle"`` gives L-BFGS-B half of ``maxfev`` and continues from where it
    stops with the non-smooth descent of :mod:`ripcert.studies.nonsmooth` (L-BFGS-B stops at
    the kinks of δ*; measured on a (5, 5) point where restarted L-BFGS-B made no progress:
    0.503779 → 0.5000008 in 300 evaluations, the theorem's value being 1/2);
    ``method="nelder-mead"`` is derivative-free (adaptive for dim > 4).
    ``starts`` random starts (``numpy.random.default_rng(seed)``, :func:`random_start`);
    ``seed_known`` adds one start near docs/math.md §7's minimiser (perturbed by 0.05·N(0, 1)),
    which is reported separately: :attr:`ThresholdResult.random_reached` counts only
    random starts.  The best point is certified with
    :func:`ripcert.generator.counterexample.generate`.
    A value below the theory by more than :data:`VIOLATION_TOL` sets ``below_theory`` and
    warns with :class:`ThresholdViolationWarning`.
    ``progress`` shows a tqdm bar over the starts on stderr (only if it is a terminal).
    ``hops`` basin-hopping moves follow each start's local search (:func:`hop`: the columns
    of X captured by span(Z) are redrawn, then a new local search; the better point is
    kept), each with ``maxfev`` evaluations and its own seeded generator; a start's ``nfev``
    and ``seconds`` include its hops.
    """
    from tqdm import tqdm

    if not (1 <= r_star <= r):
        raise InvalidInputError(f"need 1 ≤ r* ≤ r, got r = {r}, r* = {r_star}")
    if starts < 0 or (starts == 0 and not seed_known):
        raise InvalidInputError("need at least one start")
    if method not in METHODS:
        raise InvalidInputError(f"unknown method {method!r}; choose from {METHODS}")
    if hops < 0:
        raise InvalidInputError(f"hops must be ≥ 0, got {hops}")
    if maxfev is not None and maxfev < 1:
        raise InvalidInputError(f"maxfev must be ≥ 1, got {maxfev}")
    dim = num_params(r, r_star)
    maxfev = maxfev or (300 if method.startswith("lbfgs") else 400 * dim)
    rng = np.random.default_rng([seed, r, r_star])
    inits = [("random", random_start(rng, r, r_star)) for _ in range(starts)]
    if seed_known:
        inits.append(("known", known_minimiser(r, r_star) + 0.05 * rng.normal(size=dim)))
    t_all = time.perf_counter()
    results = []
    bar = tqdm(
        total=len(inits),
        desc=f"(r, r*) = ({r}, {r_star})",
        unit="start",
        disable=not progress or None,  # None: also off when stderr is not a terminal
    )
    with bar:
        for i, (kind, th0) in enumerate(inits):
            t0 = time.perf_counter()
            th, val, nfev = _local_search(th0, r, r_star, maxfev, method)
            hop_rng = np.random.default_rng([seed, r, r_star, i])
            for _ in range(hops):
                th_h, val_h, nfev_h = _local_search(
                    hop(th, hop_rng, r, r_star), r, r_star, maxfev, method
                )
                nfev += nfev_h
                if val_h < val:
                    th, val = th_h, val_h
            results.append(StartResult(i, kind, th0, th, val, nfev, time.perf_counter() - t0))
            bar.set_postfix(best=f"{min(s.delta for s in results):.6f}")
            bar.update()
    best = min(results, key=lambda s: (s.delta, s.index))
    x, z = unpack(best.theta, r, r_star)
    theory = theory_threshold(r, r_star)
    cert, cdelta = None, math.nan
    if certify:
        try:
            cert = generate(x, z)
            cdelta = cert.delta
        except RipcertError:
            cert = None
    below = best.delta < theory - VIOLATION_TOL or (
        math.isfinite(cdelta) and cdelta < theory - VIOLATION_TOL
    )
    if below:
        warnings.warn(
            f"threshold search for (r, r*) = ({r}, {r_star}) found δ* = {best.delta:.9f} "
            f"(certified {cdelta:.9f}) below the theorem's {theory:.9f}: solver error or bug",
            ThresholdViolationWarning,
            stacklevel=2,
        )
    protocol = {
        "method": method,
        "parameters": dim,
        "maxfev": maxfev,
        "starts": starts,
        "seed": seed,
        "seed_known": seed_known,
        "hops": hops,
        "solver_tol": SEARCH_TOL,
        "solver_max_iters": SEARCH_MAX_ITERS,
        "init": "sigma~U(0.5,1.5), A~N(0,0.25), s~U(0.2,1.2)",
        "reach_tol": REACH_TOL,
    }
    return ThresholdResult(
        r=r,
        r_star=r_star,
        found=best.delta,
        theory=theory,
        x=x,
        z=z,
        certificate=cert,
        certified_delta=cdelta,
        below_theory=below,
        starts=tuple(results),
        seconds=time.perf_counter() - t_all,
        protocol=protocol,
    )


def all_pairs(max_rank: int = 3) -> list[tuple[int, int]]:
    """Every ``(r, r*)`` with ``1 ≤ r* ≤ r ≤ max_rank``."""
    return [(r, rs) for r in range(1, max_rank + 1) for rs in range(1, r + 1)]


def threshold_table(
    pairs: Iterable[tuple[int, int]] | None = None, progress: bool = False, **kwargs
) -> list[ThresholdResult]:
    """:func:`search` for each pair (default: every 1 ≤ r* ≤ r ≤ 3)."""
    from tqdm import tqdm

    pairs = list(pairs) if pairs is not None else all_pairs(3)
    return [search(r, rs, **kwargs) for r, rs in tqdm(pairs, disable=not progress, desc="pairs")]


def format_table(results: Iterable[ThresholdResult]) -> str:
    """A plain-text (Markdown) table of found minima vs theory."""
    lines = [
        "| r | r* | found min | theory 1/(1+√(r*/r)) | found − theory | certified δ "
        "| random starts reaching | time (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for res in results:
        flag = " **BELOW THEORY**" if res.below_theory else ""
        lines.append(
            f"| {res.r} | {res.r_star} | {res.found:.7f}{flag} | {res.theory:.7f} "
            f"| {res.gap:+.1e} | {res.certified_delta:.7f} "
            f"| {res.random_reached}/{res.random_starts} | {res.seconds:.1f} |"
        )
    return "\n".join(lines)


__all__ = [
    "METHODS",
    "REACH_TOL",
    "VIOLATION_TOL",
    "StartResult",
    "ThresholdResult",
    "ThresholdViolationWarning",
    "all_pairs",
    "captured_columns",
    "delta_and_gradient",
    "fast_delta",
    "format_table",
    "hop",
    "known_minimiser",
    "num_params",
    "random_start",
    "search",
    "theory_threshold",
    "threshold_table",
    "unpack",
]
