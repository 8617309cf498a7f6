"""The ℓ2 loss ``f(U) = ‖A(UUᵀ − ZZᵀ)‖²`` of the Burer–Monteiro factor (docs/math.md §1).

With ``M = UUᵀ − ZZᵀ``, the normal operator ``𝒜 = A*A`` (``𝒜(S) = Σ⟨A_i, S⟩A_i``) and
``D = UVᵀ + VUᵀ``::

    f(U)          = ‖A(M)‖² = ⟨M, 𝒜(M)⟩
    ∇f(U)         = 4 𝒜(M) U
    f'(U; V)      = ⟨∇f(U), V⟩ = 2⟨A(M), A(D)⟩
    ∇²f(U)[V]     = 4 𝒜(D) U + 4 𝒜(M) V
    ∇²f(U)[V, V]  = 2‖A(D)‖² + 4⟨𝒜(M), VVᵀ⟩

(the same convention as :mod:`ripcert.core.landscape`: no factor ½, so these are twice the
derivatives of the ``½‖A(XXᵀ) − b‖²`` of Ma, Chen, Lavaei & Sojoudi, arXiv:2403.06056).

Every symmetric matrix is kept **factored**, ``S = A Bᵀ`` with n×p factors
(``M = [U Z][U −Z]ᵀ``, ``D = [U V][V U]ᵀ``), so that the lifted operator
``‖A(S)‖² = ‖S‖²_F + c(S)ᵀ(H_k − I)c(S)``, ``c(S) = svec(PᵀSP)``, is applied in
``O(n·(k + p)·p)`` time without ever forming an n×n matrix::

    𝒜(S) W = A(BᵀW) + P smat((H_k − I) c(S)) (PᵀW),   ‖S‖²_F = ⟨AᵀA, BᵀB⟩ (S symmetric).

Sensing-matrix and kernel operators form S (n×n) and apply ``Σ⟨A_i, S⟩A_i`` or
``smat(H svec(S))``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ripcert.core.operator import KernelOperator, LiftedOperator, Operator, SensingOperator
from ripcert.core.vectorization import smat, svec
from ripcert.errors import InvalidInputError


def _as_factor(u: np.ndarray, n: int, r: int, name: str) -> np.ndarray:
    u = np.asarray(u, dtype=float)
    if u.shape != (n, r):
        raise InvalidInputError(f"{name} must be {n}×{r}, got shape {u.shape}")
    return u


def normal_apply(op: Operator, a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``𝒜(S) W`` for the symmetric ``S = A Bᵀ`` (caller's responsibility), ``𝒜 = A*A``."""
    if isinstance(op, LiftedOperator):
        p = op.basis
        c = svec((p.T @ a) @ (p.T @ b).T)
        kc = op.kernel @ c - c
        return a @ (b.T @ w) + p @ (smat(kc) @ (p.T @ w))
    s = a @ b.T
    if isinstance(op, KernelOperator):
        return smat(op.kernel @ svec(s)) @ w
    if isinstance(op, SensingOperator):
        res = np.einsum("kij,ij->k", op.matrices, s)
        return np.einsum("k,kij->ij", res, op.matrices) @ w
    raise InvalidInputError(f"not an operator: {type(op).__name__}")


def norm_sq(op: Operator, a: np.ndarray, b: np.ndarray) -> float:
    """``‖A(S)‖²`` for the symmetric ``S = A Bᵀ`` (factored for lifted operators)."""
    if isinstance(op, LiftedOperator):
        p = op.basis
        c = svec((p.T @ a) @ (p.T @ b).T)
        fro = float(np.sum((a.T @ a) * (b.T @ b)))
        return fro + float(c @ (op.kernel @ c - c))
    s = a @ b.T
    if isinstance(op, KernelOperator):
        v = svec(s)
        return float(v @ op.kernel @ v)
    if isinstance(op, SensingOperator):
        return float(np.sum(np.einsum("kij,ij->k", op.matrices, s) ** 2))
    raise InvalidInputError(f"not an operator: {type(op).__name__}")


@dataclass(frozen=True)
class L2Loss:
    """``f(U) = ‖A(UUᵀ − ZZᵀ)‖²`` for any operator form (lifted ones matrix-free).

    >>> import numpy as np
    >>> from ripcert.core.examples import X_HALF, Z_HALF, talk_sensing_matrices
    >>> from ripcert.core.operator import SensingOperator
    >>> loss = L2Loss(SensingOperator(talk_sensing_matrices()), Z_HALF)
    >>> float(np.abs(loss.gradient(X_HALF)).max()) < 1e-12   # x = (0, 1/√2) is critical
    True
    """

    operator: Operator
    z: np.ndarray
    name = "l2"
    smooth = True

    def __post_init__(self) -> None:
        z = np.array(self.z, dtype=float)
        if z.ndim == 1:
            z = z[:, None]
        if z.ndim != 2 or z.shape[0] != self.operator.n or not np.all(np.isfinite(z)):
            raise InvalidInputError(
                f"Z must be a finite {self.operator.n}×r* matrix, got shape {z.shape}"
            )
        z.setflags(write=False)
        object.__setattr__(self, "z", z)

    @property
    def n(self) -> int:
        return int(self.z.shape[0])

    def _u(self, u: np.ndarray, name: str = "U") -> np.ndarray:
        u = np.asarray(u, dtype=float)
        if u.ndim == 1:
            u = u[:, None]
        return _as_factor(u, self.n, u.shape[1] if u.ndim == 2 else -1, name)

    def _m(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Factors of ``M = UUᵀ − ZZᵀ``."""
        return np.hstack([u, self.z]), np.hstack([u, -self.z])

    def value(self, u: np.ndarray) -> float:
        u = self._u(u)
        return norm_sq(self.operator, *self._m(u))

    def gradient(self, u: np.ndarray) -> np.ndarray:
        u = self._u(u)
        return 4.0 * normal_apply(self.operator, *self._m(u), u)

    def directional(self, u: np.ndarray, v: np.ndarray) -> float:
        u = self._u(u)
        v = _as_factor(v, u.shape[0], u.shape[1], "V")
        return float(np.sum(self.gradient(u) * v))

    def hvp(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        u = self._u(u)
        v = _as_factor(v, u.shape[0], u.shape[1], "V")
        op = self.operator
        d_term = normal_apply(op, np.hstack([u, v]), np.hstack([v, u]), u)
        return 4.0 * d_term + 4.0 * normal_apply(op, *self._m(u), v)


__all__ = ["L2Loss", "normal_apply", "norm_sq"]
