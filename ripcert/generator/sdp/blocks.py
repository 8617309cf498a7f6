"""The counterexample SDP as composable constraint blocks over the kernel H (docs/math.md §3).

Variables ``x = (φ, η)``: the kernel is ``svec(H) = θ = Pφ`` for a *kernel parametrisation*
P (the identity, or a sparsity/equality structure), ``θ`` in the svec coordinates of
:mod:`ripcert.core.vectorization` on ``S^d``, ``d = n(n+1)/2``, so that
``H = Σ_t θ_t E_t`` with ``E_t = s_t (e_a e_bᵀ + e_b e_aᵀ)``, ``s_t = 1/√2`` (a < b) or ``1/2``
(a = b).  Every block is an affine map of ``(θ, η)`` into one cone:

* :class:`FirstOrder` — ``Sᵀ𝒳ᵀHe = 0`` (zero cone);
* :class:`SecondOrder` — ``Sᵀ(𝒳ᵀH𝒳 + 2 I_r⊗mat(He))S ⪰ μ‖ZZᵀ‖_F·SᵀΠS`` (PSD);
* :class:`Isometry` — ``ηI ⪯ QᵀHQ ⪯ I`` with ``Q = I`` (RIP on all of S^n) or an orthonormal
  ``Q`` (RIP restricted to a subspace, e.g. ``{P M Pᵀ}``) (two PSD cones);
* :class:`EtaFloor` — ``η ≥ −1`` (keeps the program bounded).

``S`` is a *coordinate* complement of the symmetry directions ``{XΩ : Ω skew}``: the columns
of the identity at the coordinates kept after dropping ``r(r−1)/2`` of them, chosen by a
pivoted QR of a basis of ``{vec(XΩ)}`` so that the dropped block of that basis is invertible.
Exactness of both compressions (they keep the feasible set and the optimal value):

* every ``vec(XΩ)`` lies in the kernel of 𝒳, so the rows of ``g = 𝒳ᵀHe`` obey ``wᵀg = 0`` for
  ``w ∈ {vec(XΩ)}``; with the dropped block of the basis invertible, ``Sᵀg = 0 ⇒ g = 0``
  (this removes the r(r−1)/2 redundant equalities that leave an interior-point KKT singular);
* at any H with ``g = 0`` the bracket B vanishes on ``{XΩ}`` (``𝒳 vec(XΩ) = 0``,
  ``mat(He)·X = 0``), so for ``w = Sc + v``, ``v ∈ {XΩ}``: ``wᵀBw = cᵀSᵀBSc`` and
  ``‖Πw‖ = ‖ΠSc‖``; hence ``B ⪰ μΠ ⇔ SᵀBS ⪰ μ SᵀΠS`` (the forced zero eigenvalues, which
  leave no Slater point, are gone).
A coordinate complement keeps the rows sparse: row (i, j) of 𝒳 has at most 2r non-zeros, so
``Sᵀ𝒳ᵀH𝒳S`` has O(r²) entries of θ per row instead of all of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from ripcert.core.landscape import complement_projector, residual
from ripcert.core.vectorization import _index, sdim
from ripcert.generator.sdp.cones import BlockRows, Cone, svec_c, tri_index, triu_colmajor

_SQRT2 = math.sqrt(2.0)
#: pairs of θ processed per chunk when building sparse rows (bounds peak memory)
_CHUNK = 4096


# ---------------------------------------------------------------------------------------
# geometry of (X, Z): sparse rows of 𝒳 on the kept coordinates
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Geometry:
    """What the blocks need from ``(X, Z)``: e, the kept coordinates and 𝒳's sparse rows.

    ``lcols[t], lvals[t]`` are the (kept-coordinate) column indices and values of row t of
    𝒳 (``2r`` slots, zero-padded); ``keep`` are the vec(U) coordinates kept by S.
    """

    x: np.ndarray
    z: np.ndarray
    e: np.ndarray
    keep: np.ndarray
    lcols: np.ndarray
    lvals: np.ndarray
    projector: np.ndarray = field(repr=False)

    @property
    def n(self) -> int:
        return self.x.shape[0]

    @property
    def r(self) -> int:
        return self.x.shape[1]

    @property
    def d(self) -> int:
        return sdim(self.n)

    @property
    def q(self) -> int:
        """Dimension of the compressed bracket (``n·r − r(r−1)/2`` for full-rank X)."""
        return len(self.keep)


def symmetry_generators(x: np.ndarray) -> np.ndarray:
    """Columns ``vec(XΩ_ab)`` (a < b), not orthonormalised, shape ``(n·r, r(r−1)/2)``."""
    n, r = x.shape
    cols = []
    for a in range(r):
        for b in range(a + 1, r):
            g = np.zeros((n, r))
            g[:, b] = x[:, a]
            g[:, a] = -x[:, b]
            cols.append(g.reshape(-1, order="F"))
    return np.array(cols).T if cols else np.zeros((n * r, 0))


def kept_coordinates(x: np.ndarray, tol: float = 1e-12) -> np.ndarray:
    """Coordinates of vec(U) kept by the complement S (sorted), by pivoted QR."""
    n, r = x.shape
    gens = symmetry_generators(x)
    if gens.shape[1] == 0:
        return np.arange(n * r)
    _, rr, piv = scipy.linalg.qr(gens.T, pivoting=True, mode="economic")
    diag = np.abs(np.diag(rr))
    rank = int(np.sum(diag > tol * max(1.0, float(diag.max(initial=0.0)))))
    return np.sort(piv[rank:])


def geometry(x: np.ndarray, z: np.ndarray) -> Geometry:
    """The :class:`Geometry` of ``(X, Z)``."""
    n, r = x.shape
    d = sdim(n)
    ii, jj, _ = _index(n)
    keep = kept_coordinates(x)
    pos = np.full(n * r, -1, dtype=np.int64)
    pos[keep] = np.arange(len(keep))
    cols = np.zeros((d, 2 * r), dtype=np.int64)
    vals = np.zeros((d, 2 * r))
    for c in range(r):
        diag = ii == jj
        # row t = (i, j) of 𝒳: column (c, i) gets w·x_jc, column (c, j) gets w·x_ic
        cols[:, c] = c * n + ii
        cols[:, r + c] = c * n + jj
        vals[:, c] = np.where(diag, 2.0 * x[ii, c], _SQRT2 * x[jj, c])
        vals[:, r + c] = np.where(diag, 0.0, _SQRT2 * x[ii, c])
    mapped = pos[cols]
    vals = np.where(mapped >= 0, vals, 0.0)
    mapped = np.where(mapped >= 0, mapped, 0)
    proj = complement_projector(x)[np.ix_(keep, keep)]
    return Geometry(x, z, residual(x, z), keep, mapped, vals, proj)


# ---------------------------------------------------------------------------------------
# sparse bilinear rows
# ---------------------------------------------------------------------------------------
def _pair_arrays(d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """θ's pairs ``(a, b)`` (a ≤ b, the svec order of S^d) and ``s_t`` (1/√2 or 1/2)."""
    ia, ib, _ = _index(d)
    return ia, ib, np.where(ia == ib, 0.5, 1.0 / _SQRT2)


def congruence_rows(lcols: np.ndarray, lvals: np.ndarray, m: int) -> sp.csr_matrix:
    """Matrix ``K`` (``m(m+1)/2 × D``) with ``svec_c(LᵀHL) = K θ``.

    L (d × m) is given by its sparse rows ``lcols, lvals`` (d × w, zero-padded).  Entry
    ``(p, q)`` of ``LᵀE_tL`` is ``s_t(L_ap L_bq + L_bp L_aq)`` for ``t = (a, b)``.
    """
    d = lcols.shape[0]
    ia, ib, st = _pair_arrays(d)
    _, _, wtri = triu_colmajor(m)
    rows_all, cols_all, vals_all = [], [], []
    for lo in range(0, len(ia), _CHUNK):
        sl = slice(lo, lo + _CHUNK)
        a, b, s = ia[sl], ib[sl], st[sl]
        t = np.arange(lo, lo + len(a))
        for first, second in ((a, b), (b, a)):
            p = lcols[first][:, :, None]
            q = lcols[second][:, None, :]
            v = s[:, None, None] * lvals[first][:, :, None] * lvals[second][:, None, :]
            p, q = np.broadcast_arrays(p, q)
            tt = np.broadcast_to(t[:, None, None], p.shape)
            mask = (p <= q) & (v != 0)
            rows = tri_index(p[mask], q[mask])
            rows_all.append(rows)
            cols_all.append(tt[mask])
            vals_all.append(v[mask] * wtri[rows])
    rows = np.concatenate(rows_all) if rows_all else np.zeros(0, dtype=np.int64)
    cols = np.concatenate(cols_all) if cols_all else np.zeros(0, dtype=np.int64)
    vals = np.concatenate(vals_all) if vals_all else np.zeros(0)
    out = sp.coo_matrix((vals, (rows, cols)), shape=(m * (m + 1) // 2, len(ia)))
    return out.tocsr()


def _he_rows(e: np.ndarray) -> sp.csr_matrix:
    """Matrix ``J`` (d × D) with ``He = J θ``: ``E_t e = s_t(e_b·δ_a + e_a·δ_b)``."""
    d = len(e)
    ia, ib, st = _pair_arrays(d)
    t = np.arange(len(ia))
    rows = np.concatenate([ia, ib])
    cols = np.concatenate([t, t])
    vals = np.concatenate([st * e[ib], st * e[ia]])  # a = b: both halves add up to e_a
    return sp.coo_matrix((vals, (rows, cols)), shape=(d, len(ia))).tocsr()


def _with_eta(a: sp.spmatrix, eta: np.ndarray | None = None) -> sp.csr_matrix:
    col = sp.csr_matrix(eta[:, None]) if eta is not None else sp.csr_matrix((a.shape[0], 1))
    return sp.hstack([a, col], format="csr")


# ---------------------------------------------------------------------------------------
# the blocks
# ---------------------------------------------------------------------------------------
class Block(Protocol):
    """A constraint block: a name and its rows in the variables ``(θ, η)``."""

    name: str

    def rows(self, geo: Geometry) -> BlockRows: ...


@dataclass(frozen=True)
class FirstOrder:
    """``Sᵀ𝒳ᵀHe = 0``: X is a first-order point (∇f(X) = 2𝒳ᵀHe = 0)."""

    name: str = "first_order"

    def rows(self, geo: Geometry) -> BlockRows:
        d = geo.d
        ia, ib, st = _pair_arrays(d)
        t = np.arange(len(ia))
        w = geo.lcols.shape[1]
        rows = np.concatenate([geo.lcols[ia].ravel(), geo.lcols[ib].ravel()])
        cols = np.concatenate([np.repeat(t, w), np.repeat(t, w)])
        v1 = (st * geo.e[ib])[:, None] * geo.lvals[ia]
        v2 = (st * geo.e[ia])[:, None] * geo.lvals[ib]
        vals = np.concatenate([v1.ravel(), v2.ravel()])
        nz = vals != 0
        a = sp.coo_matrix((vals[nz], (rows[nz], cols[nz])), shape=(geo.q, len(ia))).tocsr()
        return BlockRows(self.name, _with_eta(a), np.zeros(geo.q), Cone("zero", geo.q))


@dataclass(frozen=True)
class SecondOrder:
    """``Sᵀ(𝒳ᵀH𝒳 + 2 I_r⊗mat(He))S ⪰ μ_abs·SᵀΠS`` with ``μ_abs = μ‖ZZᵀ‖_F``."""

    margin_abs: float = 0.0
    name: str = "second_order"

    def rows(self, geo: Geometry) -> BlockRows:
        n, r, q = geo.n, geo.r, geo.q
        k1 = congruence_rows(geo.lcols, geo.lvals, q)
        # 2 I_r ⊗ mat(He) on the kept coordinates: entry ((i,c),(j,c)) = 2 (He)_t / w_t
        ii, jj, wt = _index(n)
        pos = np.full(n * r, -1, dtype=np.int64)
        pos[geo.keep] = np.arange(q)
        _, _, wtri = triu_colmajor(q)
        jmat = _he_rows(geo.e).tocoo()
        rows_l, cols_l, vals_l = [], [], []
        for c in range(r):
            p = pos[c * n + ii[jmat.row]]
            pp = pos[c * n + jj[jmat.row]]
            ok = (p >= 0) & (pp >= 0)
            tri = tri_index(p[ok], pp[ok])
            rows_l.append(tri)
            cols_l.append(jmat.col[ok])
            vals_l.append(2.0 * jmat.data[ok] / wt[jmat.row[ok]] * wtri[tri])
        k2 = sp.coo_matrix(
            (np.concatenate(vals_l), (np.concatenate(rows_l), np.concatenate(cols_l))),
            shape=k1.shape,
        ).tocsr()
        b = -self.margin_abs * svec_c(geo.projector)
        return BlockRows(self.name, _with_eta(-(k1 + k2)), b, Cone("psd", q))


@dataclass(frozen=True)
class Isometry:
    """``ηI ⪯ QᵀHQ ⪯ I``: RIP on all of S^n (``basis=None``) or on ``range(Q)``.

    ``basis`` is ``Q`` (d × m, orthonormal columns in svec coordinates), e.g. the svec image
    of ``{P M Pᵀ : M ∈ S^k}`` for an orthonormal P (restricted isometry).
    """

    basis: np.ndarray | None = None
    name: str = "isometry"

    def rows_pair(self, geo: Geometry) -> tuple[BlockRows, BlockRows]:
        d = geo.d
        if self.basis is None:
            m = d
            ia, ib, _ = _pair_arrays(d)
            # svec_c(H)[tri(a,b)] = w·H_ab = θ_t exactly (both isometries of S^d)
            k = sp.coo_matrix(
                (np.ones(len(ia)), (tri_index(ia, ib), np.arange(len(ia)))),
                shape=(sdim(d), len(ia)),
            ).tocsr()
        else:
            qb = np.asarray(self.basis, dtype=float)
            if qb.shape[0] != d:
                raise ValueError(f"isometry basis has {qb.shape[0]} rows, kernel order is {d}")
            m = qb.shape[1]
            cols = np.broadcast_to(np.arange(m), qb.shape).copy()
            k = congruence_rows(cols, qb, m)
        eye = svec_c(np.eye(m))
        lower = BlockRows(
            f"{self.name}_lower", _with_eta(-k, eye), np.zeros(len(eye)), Cone("psd", m)
        )
        upper = BlockRows(f"{self.name}_upper", _with_eta(k), eye.copy(), Cone("psd", m))
        return lower, upper


@dataclass(frozen=True)
class EtaFloor:
    """``η ≥ −1``: only keeps the program bounded (η* ≤ 0 means no counterexample)."""

    name: str = "eta_floor"

    def rows(self, geo: Geometry) -> BlockRows:
        a = sp.csr_matrix(([-1.0], ([0], [sdim(geo.d)])), shape=(1, sdim(geo.d) + 1))
        return BlockRows(self.name, a, np.ones(1), Cone("nonneg", 1))


__all__ = [
    "Block",
    "EtaFloor",
    "FirstOrder",
    "Geometry",
    "Isometry",
    "SecondOrder",
    "congruence_rows",
    "geometry",
    "kept_coordinates",
    "symmetry_generators",
]
