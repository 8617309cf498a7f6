"""Multistart search for the critical points of a loss on a given operator (docs/math.md §1, §3).

For a loss ``F(U)`` of the Burer–Monteiro factor (:mod:`ripcert.core.losses`) and ground
truth Z, each start runs two second-order methods on the quotient by ``X → XR``:

* **minimisation** — scipy's trust-region Newton–Krylov (``trust-krylov``) with the quotient
  Hessian ``P_h∇²F P_h + w P_v`` (:func:`~ripcert.studies.landscape.hessian.horizontal_hvp`):
  it reaches local minima, global or spurious;
* **root finding** — Gauss–Newton / trust-region least squares on ``∇F(X) = 0`` (scipy
  ``least_squares``, ``trf`` with ``lsmr`` and the Hessian as Jacobian): it converges to the
  critical point of any index near its start, so it also finds saddles.

Starts are Gaussian (random scale), spectral (top-r eigenpairs of ``γ·A*A(ZZᵀ)``, then
perturbed) and near the truth (``ZR + noise``).  Every end point is polished by Newton steps
on the gradient, kept only when its relative gradient is below :data:`GRAD_TOL`, and merged
with the points already found when ``‖X₁X₁ᵀ − X₂X₂ᵀ‖_F`` is small (the orbit ``XR`` is one
point).  Each point is then classified from the Hessian's spectrum on the horizontal space:

* ``global_min``: ``F(X) ≈ 0`` (every loss here is ≥ 0 with ``F(Z) = 0``);
* ``spurious_local_min``: horizontal λ_min > 0 (``strict``), or λ_min ≈ 0 and no descent
  curve found by :func:`descent_curve` (``strict = False``; numerical evidence only);
* ``strict_saddle``: horizontal λ_min < 0;
* ``degenerate``: horizontal λ_min ≈ 0 and f decreases along a curve ``X + tv + w(t)``
  (``w(t) ⊥ v`` minimising), e.g. the δ = 1/2 second-order point (docs/math.md §6).

Units: eigenvalues are compared with ``unit = 2 λ_max(H) ‖ZZᵀ‖_F``, the verifier's unit
(:mod:`ripcert.checkers.verification`), gradients with ``unit·‖Z‖₂``.
"""

from __future__ import annotations

import dataclasses
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
import scipy.optimize
import scipy.sparse.linalg

from ripcert.core.losses.base import Loss
from ripcert.core.losses.l2 import normal_apply
from ripcert.core.operator import LiftedOperator, Operator
from ripcert.core.vectorization import unvec, vec
from ripcert.errors import InvalidInputError
from ripcert.studies.landscape.hessian import Spectrum, horizontal_hvp, spectrum, vertical_basis
from ripcert.studies.landscape.theory import StrictSaddleBound

KINDS = ("global_min", "spurious_local_min", "strict_saddle", "degenerate")
#: a point is first-order critical when ‖∇F‖ ≤ GRAD_TOL · unit · ‖Z‖₂
GRAD_TOL = 1e-7
#: horizontal eigenvalues with |λ|/unit ≤ this count as zero
NULL_TOL = 1e-6
#: F(X) ≤ VALUE_TOL · λ_max(H)‖ZZᵀ‖²_F counts as a global minimum
VALUE_TOL = 1e-10
#: two points are the same when ‖X₁X₁ᵀ − X₂X₂ᵀ‖_F ≤ SAME_TOL · max(‖X₁X₁ᵀ‖_F, ‖ZZᵀ‖_F)
SAME_TOL = 1e-4


@dataclass(frozen=True)
class DescentCurve:
    """``F(X + t v + w(t)) < F(X)`` for each t, ``w(t) ⊥ v`` minimising (a curve of descent)."""

    direction: np.ndarray
    t: tuple[float, ...]
    decrease: tuple[float, ...]
    correction: tuple[float, ...]
    points: tuple[np.ndarray, ...] = ()

    @property
    def found(self) -> bool:
        return bool(self.decrease) and all(d > 0 for d in self.decrease)

    def to_dict(self) -> dict:
        return {
            "found": self.found,
            "direction": self.direction.tolist(),
            "t": list(self.t),
            "decrease": list(self.decrease),
            "correction_norm": list(self.correction),
            "points": [pt.tolist() for pt in self.points],
        }


@dataclass(frozen=True)
class CriticalPoint:
    """One critical point (an orbit representative) and its classification."""

    x: np.ndarray
    kind: str
    strict: bool
    value: float
    grad_rel: float
    lambda_min: float
    lambda_min_full: float
    lambda_max: float
    lambda_min_rel: float
    gap_rel: float
    hits: int
    sources: tuple[str, ...]
    descent: DescentCurve | None = None
    theorem: StrictSaddleBound | None = None
    certificate: str | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        out = {
            "x": self.x.tolist(),
            "kind": self.kind,
            "strict": self.strict,
            "value": self.value,
            "grad_rel": self.grad_rel,
            "lambda_min": self.lambda_min,
            "lambda_min_full": self.lambda_min_full,
            "lambda_max": self.lambda_max,
            "lambda_min_rel": self.lambda_min_rel,
            "gap_rel": self.gap_rel,
            "hits": self.hits,
            "sources": list(self.sources),
            "certificate": self.certificate,
            "notes": list(self.notes),
        }
        if self.descent is not None:
            out["descent_curve"] = self.descent.to_dict()
        if self.theorem is not None:
            out["theorem"] = self.theorem.to_dict()
        return out


@dataclass(frozen=True)
class SearchOptions:
    """Knobs of :func:`search`; ``starts`` per kind are split 80/10/10 Gaussian/spectral/near."""

    starts: int = 50
    seed: int = 0
    rank: int | None = None
    saddles: bool = True
    max_iter: int = 300


@dataclass(frozen=True)
class SearchResult:
    """All distinct critical points found, with the search's bookkeeping."""

    points: tuple[CriticalPoint, ...]
    loss: str
    n: int
    r: int
    starts: int
    runs: int
    rejected: int
    seconds: float
    unit: float
    notes: tuple[str, ...] = field(default=())

    def of_kind(self, kind: str) -> tuple[CriticalPoint, ...]:
        return tuple(p for p in self.points if p.kind == kind)

    def to_dict(self) -> dict:
        return {
            "loss": self.loss,
            "n": self.n,
            "r": self.r,
            "starts": self.starts,
            "runs": self.runs,
            "rejected": self.rejected,
            "seconds": self.seconds,
            "hessian_unit": self.unit,
            "notes": list(self.notes),
            "points": [p.to_dict() for p in self.points],
        }


# ---------------------------------------------------------------------------------------
# scales and starts
# ---------------------------------------------------------------------------------------
_BOUNDS: dict[int, tuple[Operator, tuple[float, float]]] = {}


def spectrum_bounds(op: Operator) -> tuple[float, float]:
    """``op.spectrum_bounds()``, memoised per operator object (operators are immutable; the
    cache holds a reference, so an id is never reused while cached)."""
    hit = _BOUNDS.get(id(op))
    if hit is not None and hit[0] is op:
        return hit[1]
    bounds = op.spectrum_bounds()
    if len(_BOUNDS) >= 16:
        _BOUNDS.clear()
    _BOUNDS[id(op)] = (op, bounds)
    return bounds


def _lambda_max(op: Operator) -> float:
    return float(spectrum_bounds(op)[1])


def units(op: Operator, z: np.ndarray) -> tuple[float, float, float]:
    """``(Hessian unit, gradient unit, value unit)`` = ``(2Λ‖ZZᵀ‖, 2Λ‖ZZᵀ‖‖Z‖₂, Λ‖ZZᵀ‖²)``."""
    lam = _lambda_max(op)
    zz = float(np.linalg.norm(z.T @ z))
    zn = float(np.linalg.norm(z, 2))
    return 2.0 * lam * zz, 2.0 * lam * zz * zn, lam * zz * zz


def _normal_eig(op: Operator, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenpairs (decreasing) of ``γ𝒜(ZZᵀ)``, γ = 2/(ℓ + L) of the kernel spectrum."""
    lo, hi = spectrum_bounds(op)
    gamma = 2.0 / (lo + hi) if lo + hi > 0 else 1.0
    n = op.n
    if isinstance(op, LiftedOperator):
        # 𝒜(ZZᵀ) = ZZᵀ + P S Pᵀ has range in span([P Z]); complete to R^n with zeros
        q = np.linalg.qr(np.hstack([op.basis, z, np.eye(n)[:, : min(n, 4)]]))[0]
        small = q.T @ normal_apply(op, z, z, q)
        lam, v = np.linalg.eigh(gamma * 0.5 * (small + small.T))
        v = q @ v
    else:
        g = normal_apply(op, z, z, np.eye(n))
        lam, v = np.linalg.eigh(gamma * 0.5 * (g + g.T))
    idx = np.argsort(lam)[::-1]
    return lam[idx], v[:, idx]


def spectral_start(op: Operator, z: np.ndarray, r: int, which: int = 0) -> np.ndarray:
    """``V_S diag(√λ_S)`` for an r-subset S of the eigenpairs of ``γ𝒜(ZZᵀ)`` (docs/math.md §1).

    ``which = 0`` is the classical spectral initialisation (the top r); ``which = k > 0``
    replaces the last of them by the (r + k − 1)-th eigenvector, with a scale of at least
    half the top eigenvalue (spurious points often lie along such secondary directions,
    e.g. x = (0, 1/√2) of the δ = 1/2 instance)."""
    lam, v = _normal_eig(op, z)
    n = op.n
    avail = len(lam)  # n, or dim span([P Z e_1..e_4]) for lifted operators
    idx = list(range(min(r, avail)))
    if which > 0 and avail > r:
        idx[-1] = r - 1 + (which % (avail - r + 1))
    top = max(float(lam[0]), 1e-300)
    scales = np.sqrt(np.maximum(lam[idx], 0.5 * top if which > 0 else 0.0))
    out = v[:, idx] * scales
    if out.shape[1] < r:
        out = np.hstack([out, np.zeros((n, r - out.shape[1]))])
    return out


def make_starts(
    op: Operator, z: np.ndarray, r: int, count: int, rng: np.random.Generator
) -> list[tuple[str, np.ndarray]]:
    """``count`` labelled starts: ~20% (at least 2) spectral eigen-subsets, ~10% near
    truth, the rest Gaussian with a log-uniform scale."""
    n = op.n
    if count < 1:
        raise InvalidInputError(f"need at least one start, got {count}")
    zf = float(np.linalg.norm(z))
    distinct = n - r + 1  # eigen-subsets used by spectral_start
    n_spec = min(count, max(min(distinct, 2), count // 5))
    n_near = max(1, count // 10) if count - n_spec >= 2 else 0
    n_gauss = count - n_spec - n_near
    starts: list[tuple[str, np.ndarray]] = []
    for k in range(n_spec):
        base = spectral_start(op, z, r, which=k % distinct)
        jitter = 0.0 if k < distinct else 0.2 * zf / math.sqrt(n * r)
        starts.append(("spectral", base + jitter * rng.standard_normal((n, r))))
    rs = z.shape[1]
    for _ in range(n_near):
        q = scipy.linalg.qr(rng.standard_normal((max(r, rs), max(r, rs))))[0]
        padded = np.hstack([z, np.zeros((n, max(r, rs) - rs))]) @ q
        noise = 0.1 * zf / math.sqrt(n * r) * rng.standard_normal((n, r))
        starts.append(("near_truth", padded[:, :r] + noise))
    for _ in range(n_gauss):
        s = zf / math.sqrt(n * r) * math.exp(rng.uniform(math.log(0.3), math.log(2.0)))
        starts.append(("gaussian", s * rng.standard_normal((n, r))))
    return starts


# ---------------------------------------------------------------------------------------
# local solvers
# ---------------------------------------------------------------------------------------
def minimise(loss: Loss, x0: np.ndarray, weight: float, max_iter: int, gtol: float) -> np.ndarray:
    n, r = x0.shape

    def fun(v: np.ndarray) -> float:
        return loss.value(unvec(v, n, r))

    def jac(v: np.ndarray) -> np.ndarray:
        return vec(loss.gradient(unvec(v, n, r)))

    def hessp(v: np.ndarray, p: np.ndarray) -> np.ndarray:
        return vec(horizontal_hvp(loss, unvec(v, n, r), unvec(p, n, r), weight))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = scipy.optimize.minimize(
            fun,
            vec(x0),
            jac=jac,
            hessp=hessp,
            method="trust-krylov",
            options={"gtol": gtol, "maxiter": max_iter},
        )
    return unvec(res.x, n, r)


def root_find(loss: Loss, x0: np.ndarray, max_iter: int, gtol: float) -> np.ndarray:
    n, r = x0.shape

    def fun(v: np.ndarray) -> np.ndarray:
        return vec(loss.gradient(unvec(v, n, r)))

    def jac(v: np.ndarray) -> scipy.sparse.linalg.LinearOperator:
        x = unvec(v, n, r)

        def mv(p: np.ndarray) -> np.ndarray:
            return vec(loss.hvp(x, unvec(np.ravel(p), n, r)))

        return scipy.sparse.linalg.LinearOperator((n * r, n * r), matvec=mv, rmatvec=mv)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = scipy.optimize.least_squares(
            fun,
            vec(x0),
            jac=jac,
            method="trf",
            tr_solver="lsmr",
            xtol=1e-12,
            ftol=1e-12,
            gtol=1e-12,
            max_nfev=max_iter // 3,
        )
    return unvec(res.x, n, r)


def polish(loss: Loss, x: np.ndarray, weight: float, steps: int = 60) -> np.ndarray:
    """Newton steps on ``∇F = 0`` on the quotient (minimum-norm horizontal solves), while
    the gradient keeps decreasing (linear convergence at degenerate points needs many)."""
    n, r = x.shape
    best, best_g = x, float(np.linalg.norm(loss.gradient(x)))
    for _ in range(steps):
        g = vec(loss.gradient(x))
        if not np.all(np.isfinite(g)):
            break

        def mv(p: np.ndarray, x: np.ndarray = x) -> np.ndarray:
            return vec(horizontal_hvp(loss, x, unvec(np.ravel(p), n, r), weight))

        op = scipy.sparse.linalg.LinearOperator((n * r, n * r), matvec=mv, rmatvec=mv)
        step = scipy.sparse.linalg.lsmr(op, -g, atol=1e-15, btol=1e-15, maxiter=4 * n * r)[0]
        x = x + unvec(step, n, r)
        gn = float(np.linalg.norm(loss.gradient(x)))
        if not math.isfinite(gn):
            break
        if gn < best_g:
            best, best_g = x, gn
        else:
            break
    return best


# ---------------------------------------------------------------------------------------
# classification
# ---------------------------------------------------------------------------------------
def gram_distance(a: np.ndarray, b: np.ndarray) -> float:
    """``‖AAᵀ − BBᵀ‖_F`` from Gram matrices (no n×n matrix formed)."""
    sq = np.sum((a.T @ a) ** 2) - 2.0 * np.sum((a.T @ b) ** 2) + np.sum((b.T @ b) ** 2)
    return float(math.sqrt(max(float(sq), 0.0)))


def same_point(loss: Loss, x: np.ndarray, y: np.ndarray, zz: float, gtol: float) -> bool:
    """X and Y are the same critical point: ``‖XXᵀ − YYᵀ‖_F ≤ SAME_TOL·scale``, or they are
    numerically indistinguishable — within 1e-2·scale and the gradient stays below ``gtol``
    along the segment from X to the Procrustes-aligned YR (a flat, degenerate critical set
    resolved only to the cube root of the rounding error)."""
    scale = max(float(np.linalg.norm(y.T @ y)), zz)
    dist = gram_distance(x, y)
    if dist <= SAME_TOL * scale:
        return True
    if dist > 1e-2 * scale:
        return False
    u, _, vt = np.linalg.svd(y.T @ x)
    ya = y @ (u @ vt)
    for t in (0.25, 0.5, 0.75):
        if float(np.linalg.norm(loss.gradient((1 - t) * x + t * ya))) > gtol:
            return False
    return True


def descent_curve(
    loss: Loss, x: np.ndarray, v: np.ndarray, scales: tuple[float, ...] = (0.2, 0.1, 0.05, 0.025)
) -> DescentCurve:
    """Probe ``F`` along ``t ↦ X + t v + w(t)`` with ``w(t)`` minimising ``F`` over the
    horizontal complement of v (a local trust-region solve from ``w = 0``) for
    ``t ∈ scales·‖X‖_F`` and both signs of v; the sign with the larger decreases is kept.

    For a critical point with ``∇²F(X)v = 0`` the decrease is ``O(t⁴)`` (or ``O(t³)``) and
    ``‖w(t)‖ = O(t²)``: decreases at every t of a shrinking schedule, with corrections
    shrinking faster than t, are evidence of a curve of descent — X is not a local minimum."""
    n, r = x.shape
    v = np.asarray(v, dtype=float).reshape(n * r, order="F")
    v = v / np.linalg.norm(v)
    ver = vertical_basis(x)
    keep = np.hstack([v[:, None], ver])
    basis = scipy.linalg.null_space(keep.T)
    f0 = loss.value(x)
    xs = max(float(np.linalg.norm(x)), 1e-3)
    best: DescentCurve | None = None
    for sign in (1.0, -1.0):
        ts, decs, cors, pts = [], [], [], []
        w = np.zeros(basis.shape[1])
        for s in scales:
            t = s * xs
            base = x + unvec(sign * t * v, n, r)

            def fun(c: np.ndarray, base: np.ndarray = base) -> float:
                return loss.value(base + unvec(basis @ c, n, r))

            def jac(c: np.ndarray, base: np.ndarray = base) -> np.ndarray:
                return basis.T @ vec(loss.gradient(base + unvec(basis @ c, n, r)))

            def hessp(c: np.ndarray, p: np.ndarray, base: np.ndarray = base) -> np.ndarray:
                u = base + unvec(basis @ c, n, r)
                return basis.T @ vec(loss.hvp(u, unvec(basis @ p, n, r)))

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = scipy.optimize.minimize(
                    fun,
                    w * 0.25,
                    jac=jac,
                    hessp=hessp,
                    method="trust-krylov",
                    options={"gtol": 1e-13 * max(1.0, abs(f0)), "maxiter": 200},
                )
            w = res.x
            ts.append(sign * t)
            decs.append(f0 - float(res.fun))
            cors.append(float(np.linalg.norm(w)))
            pts.append(base + unvec(basis @ w, n, r))
        cur = DescentCurve(
            sign * v.reshape((n, r), order="F"), tuple(ts), tuple(decs), tuple(cors), tuple(pts)
        )
        if best is None or sum(cur.decrease) > sum(best.decrease):
            best = cur
    assert best is not None
    floor = 1e-12 * max(1.0, abs(f0))
    clipped = tuple(d if d > floor else min(d, 0.0) for d in best.decrease)
    return dataclasses.replace(best, decrease=clipped)


def classify(
    loss: Loss,
    x: np.ndarray,
    z: np.ndarray,
    op: Operator,
    hits: int = 1,
    sources: tuple[str, ...] = (),
) -> CriticalPoint:
    """Classify a first-order point X (see the module docstring)."""
    h_unit, g_unit, f_unit = units(op, z)
    val = loss.value(x)
    grad_rel = float(np.linalg.norm(loss.gradient(x))) / g_unit
    spec: Spectrum = spectrum(loss, x, null_tol=NULL_TOL * h_unit)
    lam_rel = spec.lambda_min_horizontal / h_unit
    gap = gram_distance(x, z) / float(np.linalg.norm(z.T @ z))
    descent = None
    strict = False
    notes: list[str] = []
    if val <= VALUE_TOL * f_unit:
        kind = "global_min"
        strict = lam_rel > NULL_TOL
        if gap > SAME_TOL:
            notes.append("F(X) = 0 but XXᵀ ≠ ZZᵀ: the operator does not identify ZZᵀ")
    elif lam_rel > NULL_TOL:
        kind, strict = "spurious_local_min", True
    elif lam_rel < -NULL_TOL:
        kind = "strict_saddle"
    else:
        kind = "spurious_local_min"
        for v in spec.null_vectors.T:
            cur = descent_curve(loss, x, v)
            if cur.found:
                descent = cur
                kind = "degenerate"
                notes.append(
                    "second-order point with a zero horizontal eigenvalue; F decreases"
                    " along a curve from it: not a local minimum"
                )
                break
            descent = descent or cur
        if kind == "spurious_local_min":
            notes.append(
                "degenerate second-order point, no descent curve found along its null"
                " directions: numerical evidence of a non-strict local minimum, not a proof"
            )
    return CriticalPoint(
        x=x,
        kind=kind,
        strict=strict,
        value=val,
        grad_rel=grad_rel,
        lambda_min=spec.lambda_min_horizontal,
        lambda_min_full=spec.lambda_min,
        lambda_max=spec.lambda_max,
        lambda_min_rel=lam_rel,
        gap_rel=gap,
        hits=hits,
        sources=sources,
        descent=descent,
        notes=tuple(notes),
    )


def _canonical(x: np.ndarray) -> np.ndarray:
    """A fixed representative of the orbit ``{XR}``: ``U Σ`` from the thin SVD, signs fixed
    so that the largest-magnitude entry of each column is positive."""
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    out = u * s
    for j in range(out.shape[1]):
        i = int(np.argmax(np.abs(out[:, j])))
        if out[i, j] < 0:
            out[:, j] = -out[:, j]
    return out


def search(
    loss: Loss,
    op: Operator,
    z: np.ndarray,
    options: SearchOptions = SearchOptions(),
    progress: Callable[[int, int], None] | None = None,
) -> SearchResult:
    """Find, deduplicate and classify the critical points of ``loss`` (see module docstring).

    ``progress(done, total)`` is called after each start."""
    t0 = time.perf_counter()
    z = np.asarray(z, dtype=float)
    if z.ndim == 1:
        z = z[:, None]
    if z.shape[0] != op.n:
        raise InvalidInputError(f"Z has {z.shape[0]} rows, the operator acts on n = {op.n}")
    r = options.rank or z.shape[1]
    if not 1 <= r <= op.n:
        raise InvalidInputError(f"search rank must be in [1, n = {op.n}], got {r}")
    rng = np.random.default_rng(options.seed)
    starts = make_starts(op, z, r, options.starts, rng)
    h_unit, g_unit, _ = units(op, z)
    weight = h_unit
    zz = float(np.linalg.norm(z.T @ z))
    found: list[tuple[np.ndarray, int, list[str]]] = []
    runs = rejected = 0
    for k, (label, x0) in enumerate(starts):
        ends = [("min", minimise(loss, x0, weight, options.max_iter, 1e-2 * GRAD_TOL * g_unit))]
        if options.saddles:
            ends.append(("root", root_find(loss, x0, options.max_iter, GRAD_TOL * g_unit)))
        for method, x in ends:
            runs += 1
            x = polish(loss, x, weight)
            g = float(np.linalg.norm(loss.gradient(x)))
            if not (math.isfinite(g) and g <= GRAD_TOL * g_unit):
                rejected += 1
                continue
            tag = f"{label}/{method}"
            for i, (y, hits, src) in enumerate(found):
                if same_point(loss, x, y, zz, GRAD_TOL * g_unit):
                    if tag not in src:
                        src.append(tag)
                    found[i] = (y, hits + 1, src)
                    break
            else:
                found.append((x, 1, [tag]))
        if progress is not None:
            progress(k + 1, len(starts))
    points = [classify(loss, _canonical(x), z, op, hits, tuple(src)) for x, hits, src in found]
    order = {k: i for i, k in enumerate(KINDS)}
    points.sort(key=lambda p: (order[p.kind], p.value))
    return SearchResult(
        points=tuple(points),
        loss=loss.name,
        n=op.n,
        r=r,
        starts=len(starts),
        runs=runs,
        rejected=rejected,
        seconds=time.perf_counter() - t0,
        unit=h_unit,
    )


__all__ = [
    "KINDS",
    "CriticalPoint",
    "DescentCurve",
    "SearchOptions",
    "SearchResult",
    "classify",
    "descent_curve",
    "gram_distance",
    "same_point",
    "make_starts",
    "minimise",
    "polish",
    "root_find",
    "search",
    "spectral_start",
    "units",
]
