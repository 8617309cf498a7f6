"""Second-order information of a smooth loss at a point, on the quotient by ``X → XR``.

For ``F(UUᵀ)``-type losses the orbit ``{XR : R ∈ O(r)}`` is a set of equal values, with
tangent space ``{XΩ : Ω skew}`` (docs/math.md §3).  At a critical point the Hessian
vanishes there, so curvature is read on the orthogonal complement (the horizontal space).
Hessians are assembled from Hessian-vector products (``nr`` of them) up to
:data:`DENSE_MAX_NR`; beyond, the extreme eigenvalues come from Lanczos (scipy ``eigsh``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse.linalg

from ripcert.core.landscape import symmetry_directions
from ripcert.core.losses.base import Loss
from ripcert.core.vectorization import unvec, vec

#: largest n·r for which the Hessian is assembled densely
DENSE_MAX_NR = 1200


def vertical_basis(x: np.ndarray) -> np.ndarray:
    """Orthonormal basis (columns, column-major vec) of ``{XΩ : Ω skew}``; (nr, 0) if r = 1
    (:func:`ripcert.core.landscape.symmetry_directions`, rank decided at 1e-10)."""
    return symmetry_directions(x, tol=1e-10)


def dense_hessian(loss: Loss, x: np.ndarray) -> np.ndarray:
    """``∇²F(X)`` on column-major ``vec``, assembled from ``nr`` Hessian-vector products."""
    n, r = x.shape
    cols = [vec(loss.hvp(x, unvec(e, n, r))) for e in np.eye(n * r)]
    h = np.array(cols).T
    return 0.5 * (h + h.T)


@dataclass(frozen=True)
class Spectrum:
    """Extreme eigenvalues of ∇²F(X): overall and on the horizontal space, plus the
    horizontal eigenvectors whose eigenvalue is within ``null_tol`` of zero."""

    lambda_min: float
    lambda_max: float
    lambda_min_horizontal: float
    lambda_max_horizontal: float
    min_vector: np.ndarray
    null_vectors: np.ndarray


def spectrum(loss: Loss, x: np.ndarray, null_tol: float = 0.0) -> Spectrum:
    """Eigenvalues of ∇²F(X); ``null_vectors`` are horizontal eigenvectors with
    ``|λ| ≤ null_tol`` (the candidate directions of a degenerate critical point)."""
    n, r = x.shape
    ver = vertical_basis(x)
    if n * r <= DENSE_MAX_NR:
        h = dense_hessian(loss, x)
        lam = np.linalg.eigvalsh(h)
        comp = scipy.linalg.null_space(ver.T) if ver.shape[1] else np.eye(n * r)
        lam_c, vec_c = np.linalg.eigh(comp.T @ h @ comp)
        vecs = comp @ vec_c
        null = vecs[:, np.abs(lam_c) <= null_tol]
        return Spectrum(
            float(lam[0]), float(lam[-1]), float(lam_c[0]), float(lam_c[-1]), vecs[:, 0], null
        )
    return _lanczos_spectrum(loss, x, ver, null_tol)


def _lanczos_spectrum(loss: Loss, x: np.ndarray, ver: np.ndarray, null_tol: float) -> Spectrum:
    n, r = x.shape

    def hv(v: np.ndarray) -> np.ndarray:
        return vec(loss.hvp(x, unvec(v, n, r)))

    full = scipy.sparse.linalg.LinearOperator((n * r, n * r), matvec=hv, dtype=float)
    lmax = float(scipy.sparse.linalg.eigsh(full, k=1, which="LA", return_eigenvectors=False)[0])
    lmin_all, vmin_all = scipy.sparse.linalg.eigsh(full, k=1, which="SA")
    shift = 2.0 * abs(lmax) + 1.0

    def hv_h(v: np.ndarray) -> np.ndarray:
        pv = ver @ (ver.T @ v)
        w = hv(v - pv)
        return w - ver @ (ver.T @ w) + shift * pv

    hor = scipy.sparse.linalg.LinearOperator((n * r, n * r), matvec=hv_h, dtype=float)
    k = min(6, n * r - 1)
    lam_c, vec_c = scipy.sparse.linalg.eigsh(hor, k=k, which="SA")
    order = np.argsort(lam_c)
    lam_c, vec_c = lam_c[order], vec_c[:, order]
    null = vec_c[:, np.abs(lam_c) <= null_tol]
    return Spectrum(float(lmin_all[0]), lmax, float(lam_c[0]), lmax, vec_c[:, 0], null)


def horizontal_hvp(loss: Loss, x: np.ndarray, v: np.ndarray, weight: float) -> np.ndarray:
    """The quotient Hessian ``P_h ∇²F(X) P_h + weight·P_v`` applied to ``V`` (n×r).

    ``P_v`` projects onto the vertical space ``{XΩ}``: the added term makes the model
    nondegenerate along the symmetry orbit, so Newton steps stay horizontal."""
    n, r = x.shape
    ver = vertical_basis(x)
    if ver.shape[1] == 0:
        return loss.hvp(x, v)
    vv = vec(v)
    pv = ver @ (ver.T @ vv)
    w = vec(loss.hvp(x, unvec(vv - pv, n, r)))
    return unvec(w - ver @ (ver.T @ w) + weight * pv, n, r)


__all__ = [
    "DENSE_MAX_NR",
    "Spectrum",
    "dense_hessian",
    "horizontal_hvp",
    "spectrum",
    "vertical_basis",
]
