"""RIP bounds of a sensing operator (docs/math.md §2): spectral, witness (lower) and SDP (upper).

An operator ``A`` satisfies δ-RIP of order k with scale γ when
``(1−δ)‖M‖² ≤ γ‖A(M)‖² ≤ (1+δ)‖M‖²`` for every symmetric M of rank ≤ k.  With
``ℓ_k = min ρ(M)`` and ``L_k = max ρ(M)`` over such M, where ``ρ(M) = ‖A(M)‖²/‖M‖²_F``
is the Rayleigh quotient of the kernel H, the best constant is the *scale-optimal*
``δ_k = (L_k − ℓ_k)/(L_k + ℓ_k)`` (γ = 2/(L_k + ℓ_k)); the *as-is* constant for γ = 1 is
``max(L_k − 1, 1 − ℓ_k)``.  ``(L − ℓ)/(L + ℓ)`` increases with L and decreases with ℓ,
so any ``ρ_lo ≥ ℓ_k`` and ``ρ_hi ≤ L_k`` give a lower bound on δ_k and any ``u_lo ≤ ℓ_k``,
``u_hi ≥ L_k`` an upper bound.  This module computes three such bounds:

(a) :func:`spectral_bound` — the extreme eigenvalues of H on the whole of Sⁿ bound δ_k for
    every k and are exact for k = n.
(b) :func:`witness_bound` — a *lower* bound on δ_k from explicit rank-k witnesses M: random
    rank-k starts ``M = F diag(s) Fᵀ`` improved by a truncated power iteration (the low-rank
    analogue of the truncated power method of Yuan & Zhang, JMLR 2013): ``M ← P_k(B M)``
    with ``B = H`` (max) or ``B = λ_max I − H`` (min), both PSD, ``P_k`` the best rank-k
    approximation, followed each step by the exact optimum of ρ over ``{U S Uᵀ}`` on the
    column space U of the new iterate.  For unit m and ``m' = P_k(Bm)/‖P_k(Bm)‖`` (the unit
    rank-k matrix maximising ``⟨·, Bm⟩``), ``⟨m', Bm⟩ ≥ ⟨m, Bm⟩``; with B PSD,
    ``(m'−m)ᵀB(m'−m) ≥ 0`` then gives ``m'ᵀBm' ≥ 2m'ᵀBm − mᵀBm ≥ mᵀBm``: the iteration is
    monotone (and the polish can only improve it).  Every reported ratio is re-evaluated on
    the witness itself.
(c) :func:`sdp_bound` — an *upper* bound on δ_k from a convex relaxation.  With
    ``W = vec(M)vec(M)ᵀ`` (unit ‖M‖_F, rank ≤ k): ``W ⪰ 0``, ``tr W = 1`` and, through the
    realignment ``𝓡(W)_{(a,c),(b,d)} = W_{(a,b),(c,d)}`` which maps ``W`` to ``M ⊗ M``,
    ``‖𝓡(W)‖_* = ‖M‖_*² ≤ k‖M‖²_F = k`` (the nuclear-norm surrogate of the rank).  Hence
    ``L_k ≤ max{⟨H, W⟩ : W ⪰ 0, tr W = 1, ‖𝓡(W)‖_* ≤ k}``.  By weak duality, for **any**
    matrix Y, ``⟨H, W⟩ = ⟨H − 𝓡*(Y), W⟩ + ⟨Y, 𝓡(W)⟩ ≤ λ_max(H − 𝓡*(Y)) + k‖Y‖₂`` on that
    set, and symmetrically ``ℓ_k ≥ λ_min(H − 𝓡*(Y)) − k‖Y‖₂``.  The SDP solver (SCS, direct
    conic data) only *proposes* Y; the bound is re-evaluated with dense eigenvalues, so its validity
    does not depend on the solver's accuracy (Y = 0 gives back the spectral bound (a), and
    the reported bound is never worse than (a)).

Lifted operators (``‖A(M)‖² = ‖M‖² + c(M)ᵀ(H_k − I)c(M)``, ``c(M) = svec(PᵀMP)``) reduce
exactly: writing ``C = PᵀMP`` (rank C ≤ rank M, ‖C‖ ≤ ‖M‖),
``ρ(M) = (1 − w)·1 + w·ρ_{H_k}(C)`` with ``w = ‖C‖²/‖M‖² ∈ [0, 1]``, and every rank-j
``C`` lifts to the rank-j ``PCPᵀ`` with the same ratio, while ``vvᵀ`` with ``v ⊥ range P``
has ratio 1.  So ``L_k = max(L_k(H_k), 1)`` and ``ℓ_k = min(ℓ_k(H_k), 1)`` (the 1 only when
n > dim P): all three bounds run on the k×k problem, and n = 10,000 costs nothing.

Everything is deterministic for a seed (``numpy.random.default_rng(seed)``).

>>> import numpy as np
>>> from ripcert.core.operator import SensingOperator
>>> a = np.array([[[2**0.5, 0], [0, 2**-0.5]], [[0, 1.5**0.5], [1.5**0.5, 0]],
...               [[0, 0], [0, 1.5**0.5]]])
>>> b = rip_bracket(SensingOperator(a), order=2)
>>> round(b.delta_lower, 9), round(b.delta_upper, 9)
(0.5, 0.5)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse

from ripcert.checkers.thresholds import DEFAULT_SAMPLES
from ripcert.core.operator import KernelOperator, LiftedOperator, Operator, SensingOperator
from ripcert.core.vectorization import order_from_sdim, sdim, smat, svec, svec_basis
from ripcert.errors import InvalidInputError

#: the SDP relaxation (c) is solved for kernels on Sⁿ with n up to this (N = n² sized LMIs)
SDP_MAX_N = 8
#: iterations of the truncated power method per restart (stops earlier on convergence)
DEFAULT_ITERS = 200
#: relative improvement below which a restart is considered converged
CONVERGED = 1e-14


# ---------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------
def delta_from_ratios(lo: float, hi: float) -> float:
    """Scale-optimal ``δ = (hi − lo)/(hi + lo)`` for Rayleigh quotients in ``[lo, hi]``.

    ``lo ≤ 0`` means no scale works: δ = 1.

    >>> delta_from_ratios(1.0, 3.0)
    0.5
    """
    lo = max(float(lo), 0.0)
    hi = float(hi)
    if hi <= 0 or hi + lo <= 0:
        return 1.0
    return min(1.0, max(0.0, (hi - lo) / (hi + lo)))


def delta_as_is(lo: float, hi: float) -> float:
    """As-is RIP constant for γ = 1: ``max(hi − 1, 1 − lo)``."""
    return float(max(hi - 1.0, 1.0 - lo))


@dataclass(frozen=True)
class SpectralBound:
    """Full-space bound (a): the kernel's eigenvalue extremes ``[ℓ, L]`` on Sⁿ."""

    lo: float
    hi: float

    @property
    def delta(self) -> float:
        """Scale-optimal δ (valid for every order, exact for order n)."""
        return delta_from_ratios(self.lo, self.hi)

    @property
    def scale(self) -> float:
        """The optimal scale γ = 2/(ℓ + L)."""
        return 2.0 / (self.lo + self.hi) if self.lo + self.hi > 0 else float("inf")

    @property
    def delta_as_is(self) -> float:
        return delta_as_is(self.lo, self.hi)

    def to_dict(self) -> dict:
        return {
            "lo": self.lo,
            "hi": self.hi,
            "delta": self.delta,
            "scale": self.scale,
            "delta_as_is": self.delta_as_is,
        }


@dataclass(frozen=True)
class Witness:
    """A symmetric matrix ``M = F diag(signs) Fᵀ`` (kept factored) and its ratio ρ(M)."""

    factor: np.ndarray
    signs: np.ndarray
    ratio: float

    @property
    def rank(self) -> int:
        return int(self.factor.shape[1])

    def matrix(self) -> np.ndarray:
        """The n×n witness (dense: only for small n)."""
        return (self.factor * self.signs) @ self.factor.T

    def to_dict(self, with_factor: bool = True) -> dict:
        out: dict = {"ratio": self.ratio, "rank": self.rank}
        if with_factor and self.factor.shape[0] <= 50:
            out["factor"] = self.factor.tolist()
            out["signs"] = self.signs.tolist()
        return out


@dataclass(frozen=True)
class WitnessBound:
    """Lower bound (b) on δ_k: the best witnesses for the max and the min of ρ."""

    order: int
    hi: Witness
    lo: Witness
    samples: int
    seed: int

    @property
    def delta(self) -> float:
        """Scale-optimal lower bound on δ_k: ``(ρ_hi − ρ_lo)/(ρ_hi + ρ_lo)``."""
        return delta_from_ratios(self.lo.ratio, self.hi.ratio)

    @property
    def delta_as_is(self) -> float:
        """Lower bound on the γ = 1 constant."""
        return delta_as_is(self.lo.ratio, self.hi.ratio)

    def to_dict(self) -> dict:
        return {
            "order": self.order,
            "delta": self.delta,
            "delta_as_is": self.delta_as_is,
            "samples": self.samples,
            "seed": self.seed,
            "witness_max": self.hi.to_dict(),
            "witness_min": self.lo.to_dict(),
        }


@dataclass(frozen=True)
class SDPBound:
    """Upper bound (c) on δ_k: ``ℓ_k ≥ lo`` and ``L_k ≤ hi`` (each certified by weak duality)."""

    order: int
    lo: float
    hi: float
    method: str

    @property
    def delta(self) -> float:
        return delta_from_ratios(self.lo, self.hi)

    @property
    def delta_as_is(self) -> float:
        return delta_as_is(self.lo, self.hi)

    def to_dict(self) -> dict:
        return {
            "order": self.order,
            "lo": self.lo,
            "hi": self.hi,
            "delta": self.delta,
            "delta_as_is": self.delta_as_is,
            "method": self.method,
        }


@dataclass(frozen=True)
class RipBracket:
    """``δ_k ∈ [delta_lower, delta_upper]`` with the spectral (a), witness (b), SDP (c) parts."""

    order: int
    spectral: SpectralBound
    witnesses: WitnessBound
    sdp: SDPBound
    notes: tuple[str, ...] = field(default=())

    @property
    def delta_lower(self) -> float:
        return self.witnesses.delta

    @property
    def delta_upper(self) -> float:
        return self.sdp.delta

    def to_dict(self) -> dict:
        return {
            "order": self.order,
            "delta_lower": self.delta_lower,
            "delta_upper": self.delta_upper,
            "spectral": self.spectral.to_dict(),
            "witnesses": self.witnesses.to_dict(),
            "sdp": self.sdp.to_dict(),
            "notes": list(self.notes),
        }


# ---------------------------------------------------------------------------------------
# the operator's kernel, on this module's own path
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Reduced:
    """A dense kernel ``h`` on S^p plus, for lifted operators, the lift data.

    ``basis`` is None for dense operators; for lifted ones it is P (n×p) and
    ``complement`` says whether ``range(P)⊥`` is non-trivial (ratio 1 attainable).
    """

    h: np.ndarray
    p: int
    basis: np.ndarray | None
    complement: bool


def sensing_kernel(matrices: np.ndarray) -> np.ndarray:
    """``H = Σ svec(A_i) svec(A_i)ᵀ`` of (symmetrised) sensing matrices ``(m, n, n)``."""
    a = np.asarray(matrices, dtype=float)
    s = svec(0.5 * (a + np.swapaxes(a, -1, -2)))
    return s.T @ s


def _reduce(op: Operator) -> _Reduced:
    if isinstance(op, LiftedOperator):
        h = 0.5 * (op.kernel + op.kernel.T)
        return _Reduced(h, op.k, np.asarray(op.basis), op.n > op.k)
    if isinstance(op, KernelOperator):
        h = 0.5 * (op.kernel + op.kernel.T)
        return _Reduced(h, order_from_sdim(h.shape[0]), None, False)
    if isinstance(op, SensingOperator):
        return _Reduced(sensing_kernel(op.matrices), op.n, None, False)
    raise InvalidInputError(f"not an operator: {type(op).__name__}")


def _extremes(h: np.ndarray) -> tuple[float, float]:
    ev = np.linalg.eigvalsh(h)
    return float(ev[0]), float(ev[-1])


def spectral_bound(op: Operator) -> SpectralBound:
    """Bound (a): extreme eigenvalues of the kernel on all of Sⁿ (never forms n×n for lifted).

    For a lifted operator the kernel is ``I + E(H_k − I)Eᵀ`` with E an isometry, so its
    spectrum is ``spec(H_k) ∪ {1}`` (the 1 when n > k).
    """
    red = _reduce(op)
    lo, hi = _extremes(red.h)
    if red.complement:
        lo, hi = min(lo, 1.0), max(hi, 1.0)
    return SpectralBound(lo, hi)


def rayleigh(op: Operator, factor: np.ndarray, signs: np.ndarray) -> float:
    """``ρ(M) = ‖A(M)‖²/‖M‖²_F`` for ``M = F diag(s) Fᵀ``.

    Dense operators form M (n×n); lifted operators use ``‖M‖² = tr(SGSG)``, ``G = FᵀF``,
    and ``c = svec((PᵀF) S (PᵀF)ᵀ)``: O(n·k·j), M never formed.
    """
    f = np.asarray(factor, dtype=float)
    s = np.asarray(signs, dtype=float)
    if isinstance(op, LiftedOperator):
        g = (f.T @ f) * s[None, :]
        fro = float(np.sum(g * g.T))
        pf = op.basis.T @ f
        c = svec((pf * s) @ pf.T)
        kern = 0.5 * (op.kernel + op.kernel.T)
        num = fro + float(c @ (kern - np.eye(len(c))) @ c)
    else:
        m = (f * s) @ f.T
        fro = float(np.sum(m * m))
        if isinstance(op, SensingOperator):
            a = 0.5 * (op.matrices + np.swapaxes(op.matrices, -1, -2))
            num = float(np.sum(np.einsum("kij,ij->k", a, m) ** 2))
        else:
            v = svec(m)
            num = float(v @ _reduce(op).h @ v)
    if fro <= 0:
        raise InvalidInputError("the zero matrix has no Rayleigh quotient")
    return num / fro


# ---------------------------------------------------------------------------------------
# (b) witnesses
# ---------------------------------------------------------------------------------------
def _factor(m: np.ndarray, j: int) -> tuple[np.ndarray, np.ndarray]:
    """Best rank-j approximation of symmetric m as ``F diag(s) Fᵀ`` (top |eigenvalues|)."""
    lam, vec = np.linalg.eigh(m)
    idx = np.argsort(-np.abs(lam), kind="stable")[:j]
    lam, vec = lam[idx], vec[:, idx]
    return vec * np.sqrt(np.abs(lam)), np.where(lam >= 0, 1.0, -1.0)


def _subspace_optimum(
    h: np.ndarray, u: np.ndarray, sign: float
) -> tuple[float, np.ndarray, np.ndarray]:
    """Exact max (sign=+1) or min (−1) of ρ over ``{U S Uᵀ : S ∈ S^j}``, U orthonormal p×j."""
    j = u.shape[1]
    emb = svec(u @ svec_basis(j) @ u.T).T  # (d_p, d_j), orthonormal columns
    hc = emb.T @ h @ emb
    lam, vec = np.linalg.eigh(0.5 * (hc + hc.T))
    k = -1 if sign > 0 else 0
    s = smat(vec[:, k])
    f, sg = _factor(u @ s @ u.T, j)
    return float(lam[k]), f, sg


def _search(
    h: np.ndarray, p: int, j: int, sign: float, rng: np.random.Generator, samples: int, iters: int
) -> tuple[float, np.ndarray, np.ndarray]:
    """Truncated power method with subspace polish; returns the best (ratio, F, s).

    When ``j ≥ p`` the rank constraint is void and the optimum is the extreme eigenvector
    of H itself (as a p×p matrix): returned directly, no search.
    """
    if j >= p:
        lam, vec = np.linalg.eigh(h)
        k = -1 if sign > 0 else 0
        f, s = _factor(smat(vec[:, k]), j)
        return float(lam[k]), f, s
    top = float(np.linalg.eigvalsh(h)[-1])
    b = h if sign > 0 else top * np.eye(h.shape[0]) - h
    best: tuple[float, np.ndarray, np.ndarray] = (
        -np.inf if sign > 0 else np.inf,
        np.zeros((p, j)),
        np.ones(j),
    )
    for _ in range(samples):
        f = rng.standard_normal((p, j))
        s = rng.choice([-1.0, 1.0], size=j)
        v = svec((f * s) @ f.T)
        prev = None
        for _ in range(iters):
            w = b @ v
            if not np.any(w):
                w = v
            fw, _sw = _factor(smat(w), j)
            q, _ = np.linalg.qr(fw)
            val, f, s = _subspace_optimum(h, q, sign)
            v = svec((f * s) @ f.T)
            v /= np.linalg.norm(v)
            if prev is not None and abs(val - prev) <= CONVERGED * max(abs(top), 1.0):
                break
            prev = val
        if (sign > 0 and val > best[0]) or (sign < 0 and val < best[0]):
            best = (val, f, s)
    return best


def _complement_vector(basis: np.ndarray) -> np.ndarray:
    """A unit vector orthogonal to range(P), from the coordinate axis least inside it."""
    lever = np.sum(basis * basis, axis=1)
    e = np.zeros(basis.shape[0])
    e[int(np.argmin(lever))] = 1.0
    v = e - basis @ (basis.T @ e)
    v -= basis @ (basis.T @ v)
    return v / np.linalg.norm(v)


def witness_bound(
    op: Operator,
    order: int,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    iters: int = DEFAULT_ITERS,
) -> WitnessBound:
    """Bound (b): a lower bound on δ of the given order from explicit rank-``order`` witnesses.

    ``samples`` random restarts for each of max ρ and min ρ (see the module docstring);
    lifted operators are searched on their k×k kernel and the witnesses lifted by P
    (plus ``vvᵀ``, v ⊥ P, of ratio exactly 1).  The returned ratios are recomputed with
    :func:`rayleigh` on the original operator.
    """
    if order < 1:
        raise InvalidInputError(f"RIP order must be ≥ 1, got {order}")
    if samples < 1 or iters < 1:
        raise InvalidInputError(f"samples and iters must be ≥ 1, got {samples}, {iters}")
    rng = np.random.default_rng(seed)
    red = _reduce(op)
    j = min(order, red.p)
    found = []
    for sign in (1.0, -1.0):
        _, f, s = _search(red.h, red.p, j, sign, rng, samples, iters)
        if red.basis is not None:
            f = red.basis @ f
        cand = [Witness(f, s, rayleigh(op, f, s))]
        if red.complement and red.basis is not None:
            v = _complement_vector(red.basis)[:, None]
            cand.append(Witness(v, np.ones(1), rayleigh(op, v, np.ones(1))))
        pick = max if sign > 0 else min
        found.append(pick(cand, key=lambda w: w.ratio))
    return WitnessBound(order=order, hi=found[0], lo=found[1], samples=samples, seed=seed)


# ---------------------------------------------------------------------------------------
# (c) SDP relaxation
# ---------------------------------------------------------------------------------------
def _realign_map(p: int) -> scipy.sparse.csr_matrix:
    """Matrix T with ``T · vec_F(Y) = vec_F(Vᵀ 𝓡(Y) V)`` (V: svec → row-major vec of S^p)."""
    d = sdim(p)
    v4 = svec_basis(p).transpose(1, 2, 0)  # v4[a, b, q] = (column q of V) at (a, b)
    # (Vᵀ 𝓡(Y) V)[q, t] = Σ v4[a,b,q] Y[(a,c),(b,d)] v4[c,d,t]
    t6 = np.einsum("abq,cdt->qtacbd", v4, v4)  # indices (q, t, a, c, b, d)
    n2 = p * p
    t4 = t6.reshape(d, d, n2, n2)  # (q, t, i=(a,c), j=(b,d))
    # F-order vectorisation of both sides: out[q + t d] , in[i + j n2]
    return scipy.sparse.csr_matrix(t4.transpose(1, 0, 3, 2).reshape(d * d, n2 * n2))


def _realign_apply(tmap: scipy.sparse.csr_matrix, y: np.ndarray) -> np.ndarray:
    ds = int(round(np.sqrt(tmap.shape[0])))
    out = (tmap @ y.reshape(-1, order="F")).reshape(ds, ds, order="F")
    return 0.5 * (out + out.T)


def _dual_bound(
    h: np.ndarray, tmap: scipy.sparse.csr_matrix, y: np.ndarray, k: int, sign: float
) -> float:
    """Weak-duality bound: ``λ_max(H − 𝓡*(Y)) + k‖Y‖₂`` (sign +1) or ``λ_min(…) − k‖Y‖₂``."""
    ev = np.linalg.eigvalsh(h - _realign_apply(tmap, y))
    ny = float(np.linalg.norm(y, 2))
    return float(ev[-1] + k * ny) if sign > 0 else float(ev[0] - k * ny)


def _sym_svec_map(d: int) -> scipy.sparse.csr_matrix:
    """Sparse S with ``S · vec_F(M) = svec(½(M + Mᵀ))`` for d×d matrices M."""
    i, j = np.triu_indices(d)
    w = np.where(i == j, 1.0, np.sqrt(2.0))
    q = np.arange(len(i))
    rows = np.concatenate([q, q])
    cols = np.concatenate([i + j * d, j + i * d])
    vals = np.concatenate([w, w]) / 2.0
    return scipy.sparse.csr_matrix((vals, (rows, cols)), shape=(len(i), d * d))


def _dual_conic_data(
    h: np.ndarray, p: int, k: int, sign: float
) -> tuple[scipy.sparse.csc_matrix, np.ndarray, np.ndarray, dict]:
    """SCS data ``min cᵀx s.t. Ax + s = b, s ∈ K`` of the best weak-duality bound.

    Variables ``x = (y, t, s)`` with ``Y = Σ_q y_q E_q`` over the upper triangle of S^N
    (N = p², ``E_q = e_a e_bᵀ + e_b e_aᵀ`` or ``e_a e_aᵀ``).  For ``sign = +1``:
    minimise ``t + k s`` subject to ``sI − Y ⪰ 0``, ``sI + Y ⪰ 0``, ``tI − (H − 𝓡*(Y)) ⪰ 0``,
    ``s ≥ 0`` (then ``L_k ≤ t + k s``); for ``sign = −1``: maximise ``t − k s`` subject to
    ``(H − 𝓡*(Y)) − tI ⪰ 0`` instead.  SCS writes a PSD block ``b − Ax`` as the lower
    triangle, column by column, off-diagonals ×√2 — for a symmetric matrix the same vector
    as this package's ``svec`` (upper triangle, row by row), which is used throughout.
    """
    n2 = p * p
    d = sdim(p)
    ia, ib = np.triu_indices(n2)
    nv = len(ia)
    q = np.arange(nv)
    # vec_F(E_q), N² × nv
    rows = np.concatenate([ia + ib * n2, (ib + ia * n2)[ia != ib]])
    cols = np.concatenate([q, q[ia != ib]])
    vec_e = scipy.sparse.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(n2 * n2, nv))
    # svec(E_q) in S^N: √2 (off-diagonal) or 1 at position q
    w = np.where(ia == ib, 1.0, np.sqrt(2.0))
    e_svec = scipy.sparse.diags(w, format="csc")
    eye_n = scipy.sparse.csc_matrix(svec(np.eye(n2))[:, None])
    eye_d = scipy.sparse.csc_matrix(svec(np.eye(d))[:, None])
    realigned = (_sym_svec_map(d) @ _realign_map(p) @ vec_e).tocsc()  # svec(𝓡*(E_q))
    zero_n = scipy.sparse.csc_matrix((sdim(n2), 1))
    zero_d = scipy.sparse.csc_matrix((sdim(d), 1))
    # coefficient blocks G (PSD expression = G0 + G x); SCS wants A = −G, b = G0
    g_orth = scipy.sparse.csc_matrix(([1.0], ([0], [nv + 1])), shape=(1, nv + 2))
    g1 = scipy.sparse.hstack([-e_svec, zero_n, eye_n])  # sI − Y
    g2 = scipy.sparse.hstack([e_svec, zero_n, eye_n])  # sI + Y
    if sign > 0:
        g3 = scipy.sparse.hstack([realigned, eye_d, zero_d])  # tI − H + 𝓡*(Y)
        b3 = -svec(h)
        c = np.concatenate([np.zeros(nv), [1.0, float(k)]])
    else:
        g3 = scipy.sparse.hstack([-realigned, -eye_d, zero_d])  # H − 𝓡*(Y) − tI
        b3 = svec(h)
        c = np.concatenate([np.zeros(nv), [-1.0, float(k)]])
    a = -scipy.sparse.vstack([g_orth, g1, g2, g3]).tocsc()
    b = np.concatenate([[0.0], np.zeros(2 * sdim(n2)), b3])
    cone = {"l": 1, "s": [n2, n2, d]}
    return a, b, c, cone


def _solve_dual(h: np.ndarray, p: int, k: int, sign: float) -> np.ndarray | None:
    """Let SCS propose the Y of the best weak-duality bound (None if it fails).

    Direct conic data (:func:`_dual_conic_data`), no modelling layer.  The solver only
    proposes: :func:`_dual_bound` re-evaluates the bound of the returned Y with dense
    eigenvalues, so an inaccurate solve costs tightness, never validity.
    """
    import scs

    a, b, c, cone = _dual_conic_data(h, p, k, sign)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        solver = scs.SCS(
            {"A": a, "b": b, "c": c},
            cone,
            verbose=False,
            eps_abs=1e-8,
            eps_rel=1e-8,
            max_iters=20_000,
        )
        sol = solver.solve()
    status = str(sol["info"].get("status", ""))
    x = np.asarray(sol["x"], dtype=float)
    if not status.startswith("solved") or not np.all(np.isfinite(x)):
        return None
    n2 = p * p
    ia, ib = np.triu_indices(n2)
    y = np.zeros((n2, n2))
    y[ia, ib] = x[: len(ia)]
    y[ib, ia] = x[: len(ia)]
    return y


def sdp_bound(op: Operator, order: int, max_n: int = SDP_MAX_N) -> SDPBound:
    """Bound (c): certified ``ℓ_k ≥ lo``, ``L_k ≤ hi`` from the realignment relaxation.

    Exact (the spectrum) when ``order ≥`` the dimension of the (reduced) space, which is
    always the case for lifted rank-r certificates (k = dim span[X Z] ≤ 2r).  Falls back
    to the spectral bound when that dimension exceeds ``max_n``.  Never worse than (a).
    """
    if order < 1:
        raise InvalidInputError(f"RIP order must be ≥ 1, got {order}")
    red = _reduce(op)
    lo, hi = _extremes(red.h)
    if order >= red.p:
        method = "exact: order ≥ dimension, the spectrum"
    elif red.p > max_n:
        method = f"spectral: dimension {red.p} > {max_n}, SDP skipped"
    else:
        tmap = _realign_map(red.p)
        method = "sdp: realignment nuclear-norm relaxation, weak-duality certified"
        for sign in (1.0, -1.0):
            y = _solve_dual(red.h, red.p, order, sign)
            if y is None:
                method += f" (solver failed on the {'max' if sign > 0 else 'min'} side)"
                continue
            bound = _dual_bound(red.h, tmap, y, order, sign)
            if sign > 0:
                hi = min(hi, bound)
            else:
                lo = max(lo, bound)
    if red.complement:
        lo, hi = min(lo, 1.0), max(hi, 1.0)
    return SDPBound(order=order, lo=float(lo), hi=float(hi), method=method)


def rip_bracket(
    op: Operator,
    order: int,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    iters: int = DEFAULT_ITERS,
    max_n: int = SDP_MAX_N,
) -> RipBracket:
    """The bracket ``[lower, upper]`` for the scale-optimal δ of the given order.

    ``lower`` from witnesses (b), ``upper`` from the SDP relaxation (c), both beside the
    full-space spectral bound (a).  For certificates of search rank r use ``order = 2r``.
    """
    spec = spectral_bound(op)
    wit = witness_bound(op, order, samples=samples, seed=seed, iters=iters)
    sdp = sdp_bound(op, order, max_n=max_n)
    notes = []
    if wit.hi.ratio > sdp.hi * (1 + 1e-9) + 1e-12 or wit.lo.ratio < sdp.lo * (1 - 1e-9) - 1e-12:
        notes.append("a witness lies outside the certified interval: numerical trouble")
    return RipBracket(order=order, spectral=spec, witnesses=wit, sdp=sdp, notes=tuple(notes))


__all__ = [
    "DEFAULT_SAMPLES",
    "RipBracket",
    "SDPBound",
    "SpectralBound",
    "Witness",
    "WitnessBound",
    "delta_as_is",
    "delta_from_ratios",
    "rayleigh",
    "rip_bracket",
    "sdp_bound",
    "sensing_kernel",
    "spectral_bound",
    "witness_bound",
]
