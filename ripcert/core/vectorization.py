"""Symmetric vectorisation (docs/math.md §1): the one place where svec/smat live.

Convention ("svec-triu-rowmajor"): for a symmetric ``n×n`` matrix ``M``,

    svec(M) = [M_ij · w_ij  for (i, j) in triu_indices(n)],  w_ii = 1, w_ij = √2 (i < j),

so ``svec`` is an isometry from (S^n, ⟨·,·⟩_F) onto R^{n(n+1)/2}:
``⟨svec A, svec B⟩ = ⟨A, B⟩_F``.  Matrices ``U ∈ R^{n×r}`` are vectorised
column-major (``vec(U)`` stacks the columns), which is the convention under which
the Hessian term in docs/math.md reads ``I_r ⊗ mat(He)``.

Every other module goes through these functions; none re-derives the index map.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

CONVENTION = "svec-triu-rowmajor"


def sdim(n: int) -> int:
    """Dimension ``n(n+1)/2`` of the space of symmetric ``n×n`` matrices."""
    return n * (n + 1) // 2


def order_from_sdim(d: int) -> int:
    """Inverse of :func:`sdim`; raises ``ValueError`` if ``d`` is not triangular."""
    n = int((np.sqrt(8 * d + 1) - 1) // 2)
    for cand in (n - 1, n, n + 1):
        if cand >= 0 and sdim(cand) == d:
            return cand
    raise ValueError(f"{d} is not a triangular number n(n+1)/2")


@lru_cache(maxsize=64)
def _index(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    i, j = np.triu_indices(n)
    w = np.where(i == j, 1.0, np.sqrt(2.0))
    for a in (i, j, w):
        a.setflags(write=False)
    return i, j, w


def svec(m: np.ndarray) -> np.ndarray:
    """Isometric vectorisation of a symmetric matrix (or a stack ``(..., n, n)``)."""
    m = np.asarray(m, dtype=float)
    n = m.shape[-1]
    i, j, w = _index(n)
    return m[..., i, j] * w


def smat(v: np.ndarray) -> np.ndarray:
    """Inverse of :func:`svec` (also for a stack ``(..., d)``)."""
    v = np.asarray(v, dtype=float)
    n = order_from_sdim(v.shape[-1])
    i, j, w = _index(n)
    out = np.zeros(v.shape[:-1] + (n, n))
    vals = v / w
    out[..., i, j] = vals
    out[..., j, i] = vals
    return out


def vec(u: np.ndarray) -> np.ndarray:
    """Column-major vectorisation of an ``n×r`` matrix."""
    return np.asarray(u, dtype=float).reshape(-1, order="F")


def unvec(v: np.ndarray, n: int, r: int) -> np.ndarray:
    """Inverse of :func:`vec`."""
    return np.asarray(v, dtype=float).reshape((n, r), order="F")


def svec_basis(n: int) -> np.ndarray:
    """The orthonormal basis ``smat(e_k)`` of S^n, as an array ``(d, n, n)``."""
    return smat(np.eye(sdim(n)))
