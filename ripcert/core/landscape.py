"""The Burer–Monteiro landscape in svec coordinates (docs/math.md §1).

For a kernel ``H`` (acting on svec coordinates) and ground truth ``Z``::

    f(U)     = e(U)ᵀ H e(U),            e(U) = svec(UUᵀ − ZZᵀ)
    ∇f(X)    = 2 𝒳ᵀ H e                 𝒳 : vec(U) ↦ svec(XUᵀ + UXᵀ)
    ∇²f(X)   = 2 [𝒳ᵀ H 𝒳 + 2 I_r ⊗ mat(He)]

These are the generator's formulas: the SDP is written with them.  The verifier
(:mod:`ripcert.checkers.verification`) deliberately recomputes f, ∇f and ∇²f on its own
path from the sensing matrices, and the tests check both against finite differences.
"""

from __future__ import annotations

import numpy as np

from ripcert.core.vectorization import sdim, smat, svec, vec


def residual(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``e = svec(XXᵀ − ZZᵀ)``."""
    return svec(x @ x.T - z @ z.T)


def lift_map(x: np.ndarray) -> np.ndarray:
    """Matrix of 𝒳 : vec(U) ↦ svec(XUᵀ + UXᵀ), shape ``(n(n+1)/2, n·r)``.

    Column ``(a, i)`` (column-major index ``a·n + i``) is ``svec(X e_a e_iᵀ... )``,
    i.e. the image of the unit matrix ``U = e_i e_aᵀ``.
    """
    n, r = x.shape
    cols = np.empty((sdim(n), n * r))
    k = 0
    for a in range(r):
        for i in range(n):
            u = np.zeros((n, r))
            u[i, a] = 1.0
            m = x @ u.T
            cols[:, k] = svec(m + m.T)
            k += 1
    return cols


def curvature_basis(n: int, r: int) -> np.ndarray:
    """Tensor ``B`` with ``B[:, :, j] = I_r ⊗ smat(e_j)``, so ``I_r ⊗ mat(w) = B @ w``."""
    d = sdim(n)
    mats = smat(np.eye(d))  # (d, n, n)
    out = np.zeros((n * r, n * r, d))
    for a in range(r):
        out[a * n : (a + 1) * n, a * n : (a + 1) * n, :] = np.moveaxis(mats, 0, -1)
    return out


def objective(kernel: np.ndarray, u: np.ndarray, z: np.ndarray) -> float:
    """``f(U) = e(U)ᵀ H e(U)``."""
    e = residual(u, z)
    return float(e @ kernel @ e)


def gradient(kernel: np.ndarray, x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``∇f(X) = 2 𝒳ᵀ H e`` as an ``n×r`` matrix (equivalently ``4·mat(He)·X``)."""
    he = kernel @ residual(x, z)
    return 4.0 * smat(he) @ x


def hessian(kernel: np.ndarray, x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``∇²f(X) = 2[𝒳ᵀH𝒳 + 2 I_r ⊗ mat(He)]`` on column-major ``vec(U)``."""
    n, r = x.shape
    lx = lift_map(x)
    s = smat(kernel @ residual(x, z))
    return 2.0 * (lx.T @ kernel @ lx + 2.0 * np.kron(np.eye(r), s))


def symmetry_directions(x: np.ndarray, tol: float = 1e-12) -> np.ndarray:
    """Orthonormal basis (columns, in vec coordinates) of ``{XΩ : Ω skew}``.

    Along these directions ``UUᵀ`` is constant to first order, so at any
    first-order point the Hessian has zero curvature there (docs/math.md §3).
    Empty (shape ``(n·r, 0)``) for ``r = 1``.
    """
    n, r = x.shape
    gens = []
    for a in range(r):
        for b in range(a + 1, r):
            om = np.zeros((r, r))
            om[a, b], om[b, a] = 1.0, -1.0
            gens.append(vec(x @ om))
    if not gens:
        return np.zeros((n * r, 0))
    g = np.array(gens).T
    u, s, _ = np.linalg.svd(g, full_matrices=False)
    keep = s > tol * max(1.0, s.max(initial=0.0))
    return u[:, keep]


def complement_projector(x: np.ndarray) -> np.ndarray:
    """Orthogonal projector onto the complement of :func:`symmetry_directions`."""
    n, r = x.shape
    q = symmetry_directions(x)
    return np.eye(n * r) - q @ q.T


def complement_basis(x: np.ndarray) -> np.ndarray:
    """Orthonormal basis (columns) of the complement of :func:`symmetry_directions`."""
    n, r = x.shape
    q = symmetry_directions(x)
    if q.shape[1] == 0:
        return np.eye(n * r)
    u = np.linalg.svd(np.eye(n * r) - q @ q.T)[0]
    return u[:, : n * r - q.shape[1]]


def restricted_min_eig(hess: np.ndarray, x: np.ndarray) -> float:
    """Smallest eigenvalue of ``hess`` on the complement of the symmetry directions."""
    full = complement_basis(x)
    return float(np.linalg.eigvalsh(full.T @ hess @ full)[0]) if full.shape[1] else np.inf
