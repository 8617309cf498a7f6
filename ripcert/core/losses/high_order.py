"""The high-order loss ``F(U) = f(U) + (λ/l)‖A(UUᵀ) − b‖_l^l`` for even l (docs/math.md §8).

Ma, Chen, Lavaei & Sojoudi, "Absence of spurious solutions far from ground truth: a
low-rank analysis with high-order losses", arXiv:2403.06056 (AISTATS 2024), eq. (8)–(9):
``f^l_λ = f + λ f^l`` with ``f^l(X) = (1/l)‖A(XXᵀ) − b‖_l^l``, ``b = A(ZZᵀ)``.  Here ``f`` is
:class:`~ripcert.core.losses.l2.L2Loss` (``‖A(M)‖²``, no ½), so ``F`` equals twice the seed's
``f^l_{λ'}`` with ``λ' = λ/2`` (for the operator as given).

With the measurement residual ``ρ = A(UUᵀ − ZZᵀ) ∈ R^m``, ``D = UVᵀ + VUᵀ`` and the adjoint
``A*(w) = Σ w_i A_i``::

    ∇F(U)      = ∇f(U) + 2λ A*(ρ^{l−1}) U
    ∇²F(U)[V]  = ∇²f(U)[V] + 2λ(l−1) A*(ρ^{l−2} ∘ A(D)) U + 2λ A*(ρ^{l−1}) V

(powers elementwise).  Unlike ``‖A(M)‖²``, ``‖A(M)‖_l`` for l > 2 depends on the individual
measurements, not only on the kernel: a kernel or lifted operator is measured through its
canonical sensing matrices :meth:`~ripcert.core.operator.KernelOperator.sensing_matrices`
(eigen-decomposition of the kernel; for lifted operators the eigen-decomposition of ``H_k``
on ``range P`` and the orthonormal basis of ``{S : PᵀSP = 0}`` from the Householder
completion ``Q = [P', P⊥]`` of P).  Lifted operators are measured without any (n²)×(n²)
object: ``QᵀSQ`` costs O(n²·p) for ``S = ABᵀ`` with n×p factors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.linalg

from ripcert.core.losses.l2 import L2Loss, _as_factor
from ripcert.core.operator import (
    RANK_TOL,
    KernelOperator,
    LiftedOperator,
    Operator,
    SensingOperator,
)
from ripcert.core.vectorization import sdim, smat, svec
from ripcert.errors import InvalidInputError


def _eig_rows(kernel: np.ndarray) -> np.ndarray:
    """Rows ``√λ_i u_iᵀ`` (largest first) with ``⟨A_i, S⟩ = √λ_i u_iᵀ svec(S)``."""
    lam, vecs = np.linalg.eigh(kernel)
    cut = RANK_TOL * max(lam[-1], 0.0)
    keep = [k for k in range(len(lam) - 1, -1, -1) if lam[k] > cut]
    return np.sqrt(lam[keep])[:, None] * vecs[:, keep].T


@dataclass(frozen=True)
class Measurements:
    """The map ``S ↦ A(S) = (⟨A_i, S⟩)_i`` and its adjoint for one operator form.

    Symmetric inputs are given factored, ``S = A Bᵀ``.  For a kernel or lifted operator the
    A_i are those of its ``sensing_matrices()`` (same order for kernel, same set for lifted).
    """

    operator: Operator
    rows: np.ndarray = field(init=False, repr=False)
    completion: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        op = self.operator
        rows = np.zeros((0, 0))
        completion = np.zeros((0, 0))
        if isinstance(op, KernelOperator):
            rows = _eig_rows(op.kernel)
        elif isinstance(op, LiftedOperator):
            rows = _eig_rows(op.kernel)
            if op.n > op.k:
                completion = scipy.linalg.qr(op.basis, mode="full")[0]
        elif not isinstance(op, SensingOperator):
            raise InvalidInputError(f"not an operator: {type(op).__name__}")
        for a in (rows, completion):
            a.setflags(write=False)
        object.__setattr__(self, "rows", rows)
        object.__setattr__(self, "completion", completion)

    @property
    def count(self) -> int:
        """m, the number of measurements."""
        op = self.operator
        if isinstance(op, SensingOperator):
            return int(op.matrices.shape[0])
        extra = sdim(op.n) - sdim(op.k) if isinstance(op, LiftedOperator) else 0
        return int(self.rows.shape[0]) + extra

    def _offblock(self, t: np.ndarray) -> np.ndarray:
        """Coordinates of ``T = QᵀSQ`` outside its leading k×k block, in the order of
        :meth:`LiftedOperator.sensing_matrices` (column b ≥ k, row a ≤ b; √2 off-diagonal)."""
        k = self.operator.k  # type: ignore[union-attr]
        n = t.shape[0]
        iu, ju = np.triu_indices(n)
        sel = ju >= k
        order = np.lexsort((iu[sel], ju[sel]))
        ii, jj = iu[sel][order], ju[sel][order]
        return t[ii, jj] * np.where(ii == jj, 1.0, np.sqrt(2.0))

    def _offblock_adjoint(self, w: np.ndarray) -> np.ndarray:
        k = self.operator.k  # type: ignore[union-attr]
        n = self.operator.n
        iu, ju = np.triu_indices(n)
        sel = ju >= k
        order = np.lexsort((iu[sel], ju[sel]))
        ii, jj = iu[sel][order], ju[sel][order]
        vals = w / np.where(ii == jj, 1.0, np.sqrt(2.0))
        t = np.zeros((n, n))
        t[ii, jj] = vals
        t[jj, ii] = vals
        return t

    def measure(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``A(S)`` for the symmetric ``S = A Bᵀ``."""
        op = self.operator
        if isinstance(op, SensingOperator):
            return np.einsum("kij,ij->k", op.matrices, a @ b.T)
        if isinstance(op, KernelOperator):
            return self.rows @ svec(a @ b.T)
        assert isinstance(op, LiftedOperator)
        p = op.basis
        head = self.rows @ svec((p.T @ a) @ (p.T @ b).T)
        if op.n == op.k:
            return head
        q = self.completion
        return np.concatenate([head, self._offblock((q.T @ a) @ (q.T @ b).T)])

    def adjoint_apply(self, w: np.ndarray, x: np.ndarray) -> np.ndarray:
        """``A*(w) X = Σ w_i A_i X``."""
        op = self.operator
        if isinstance(op, SensingOperator):
            return np.einsum("k,kij->ij", w, op.matrices) @ x
        if isinstance(op, KernelOperator):
            return smat(self.rows.T @ w) @ x
        assert isinstance(op, LiftedOperator)
        p = op.basis
        mk = self.rows.shape[0]
        out = p @ (smat(self.rows.T @ w[:mk]) @ (p.T @ x))
        if op.n > op.k:
            q = self.completion
            out = out + q @ (self._offblock_adjoint(w[mk:]) @ (q.T @ x))
        return out


@dataclass(frozen=True)
class HighOrderLoss:
    """``F(U) = ‖A(UUᵀ − ZZᵀ)‖² + (λ/l)‖A(UUᵀ − ZZᵀ)‖_l^l`` for even ``l ≥ 2``, ``λ ≥ 0``.

    >>> import numpy as np
    >>> from ripcert.core.examples import Z_HALF, talk_sensing_matrices
    >>> from ripcert.core.operator import SensingOperator
    >>> loss = HighOrderLoss(SensingOperator(talk_sensing_matrices()), Z_HALF, order=4, lam=5.0)
    >>> loss.value(Z_HALF)
    0.0
    """

    operator: Operator
    z: np.ndarray
    order: int = 4
    lam: float = 1.0
    name = "high-order"
    smooth = True
    l2: L2Loss = field(init=False, repr=False)
    measurements: Measurements = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.order, bool) or int(self.order) != self.order or self.order < 2:
            raise InvalidInputError(f"the order l must be an even integer ≥ 2, got {self.order}")
        if int(self.order) % 2:
            raise InvalidInputError(f"the order l must be even, got {self.order}")
        if not np.isfinite(self.lam) or self.lam < 0:
            raise InvalidInputError(f"λ must be finite and ≥ 0, got {self.lam}")
        object.__setattr__(self, "order", int(self.order))
        object.__setattr__(self, "lam", float(self.lam))
        l2 = L2Loss(self.operator, self.z)
        object.__setattr__(self, "z", l2.z)
        object.__setattr__(self, "l2", l2)
        object.__setattr__(self, "measurements", Measurements(self.operator))

    @property
    def n(self) -> int:
        return self.l2.n

    def residual(self, u: np.ndarray) -> np.ndarray:
        """``ρ = A(UUᵀ) − b = A(UUᵀ − ZZᵀ)``."""
        u = self.l2._u(u)
        return self.measurements.measure(np.hstack([u, self.z]), np.hstack([u, -self.z]))

    def value(self, u: np.ndarray) -> float:
        rho = self.residual(u)
        return self.l2.value(u) + self.lam / self.order * float(np.sum(rho**self.order))

    def gradient(self, u: np.ndarray) -> np.ndarray:
        u = self.l2._u(u)
        rho = self.residual(u)
        extra = self.measurements.adjoint_apply(rho ** (self.order - 1), u)
        return self.l2.gradient(u) + 2.0 * self.lam * extra

    def directional(self, u: np.ndarray, v: np.ndarray) -> float:
        u = self.l2._u(u)
        v = _as_factor(v, u.shape[0], u.shape[1], "V")
        return float(np.sum(self.gradient(u) * v))

    def hvp(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        u = self.l2._u(u)
        v = _as_factor(v, u.shape[0], u.shape[1], "V")
        base = self.l2.hvp(u, v)
        if self.lam == 0.0:
            return base
        meas, l_ = self.measurements, self.order
        rho = self.residual(u)
        ad = meas.measure(np.hstack([u, v]), np.hstack([v, u]))
        t1 = meas.adjoint_apply(rho ** (l_ - 2) * ad, u)
        t2 = meas.adjoint_apply(rho ** (l_ - 1), v)
        return base + 2.0 * self.lam * ((l_ - 1) * t1 + t2)


__all__ = ["HighOrderLoss", "Measurements"]
