"""Sensing operators, in the three forms a certificate may carry (docs/math.md §1, §3, §4).

* :class:`KernelOperator` — the kernel ``H = Σ svec(A_i) svec(A_i)ᵀ`` as a dense matrix;
* :class:`LiftedOperator` — the structured form of the span reduction: an orthonormal
  basis ``P`` (n×k) and a small kernel ``H_k``, with identity on the complement::

      ‖A(M)‖² = ‖M‖²_F + svec(PᵀMP)ᵀ (H_k − I) svec(PᵀMP)

  Nothing of size n² is ever stored, so n in the thousands is cheap;
* :class:`SensingOperator` — explicit sensing matrices ``A_1 … A_m`` (e.g. written by
  hand from a paper).

All three expose :meth:`norm_sq` (‖A(M)‖²), :meth:`spectrum_bounds` (extreme eigenvalues
of the kernel on the whole of Sⁿ, which bound δ of every order) and
:meth:`sensing_matrices` (``A_i = √λ_i smat(u_i)``, m = rank of the kernel, lazily).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from ripcert.core.vectorization import sdim, smat, svec

#: eigenvalues below this fraction of the largest count as zero when extracting sensing matrices
RANK_TOL = 1e-12
#: largest n for which a dense kernel is formed on request
DENSE_LIMIT = 200


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


def _eig_sensing(kernel: np.ndarray) -> Iterator[np.ndarray]:
    lam, vecs = np.linalg.eigh(kernel)
    cut = RANK_TOL * max(lam[-1], 0.0)
    for k in range(len(lam) - 1, -1, -1):
        if lam[k] > cut:
            yield np.sqrt(lam[k]) * smat(vecs[:, k])


def _rank(kernel: np.ndarray) -> int:
    lam = np.linalg.eigvalsh(kernel)
    return int(np.sum(lam > RANK_TOL * max(lam[-1], 0.0)))


@dataclass(frozen=True)
class KernelOperator:
    """Operator given by its dense kernel ``H`` in svec coordinates."""

    kernel: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "kernel", _frozen(0.5 * (self.kernel + np.asarray(self.kernel).T)))

    @property
    def n(self) -> int:
        from ripcert.core.vectorization import order_from_sdim

        return order_from_sdim(self.kernel.shape[0])

    def dense_kernel(self) -> np.ndarray:
        return self.kernel

    def norm_sq(self, m: np.ndarray) -> float:
        v = svec(m)
        return float(v @ self.kernel @ v)

    def spectrum_bounds(self) -> tuple[float, float]:
        ev = np.linalg.eigvalsh(self.kernel)
        return float(ev[0]), float(ev[-1])

    @property
    def num_measurements(self) -> int:
        return _rank(self.kernel)

    def sensing_matrices(self) -> Iterator[np.ndarray]:
        return _eig_sensing(self.kernel)


@dataclass(frozen=True)
class SensingOperator:
    """Operator given by explicit symmetric sensing matrices, array ``(m, n, n)``."""

    matrices: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "matrices", _frozen(self.matrices))

    @property
    def n(self) -> int:
        return self.matrices.shape[-1]

    def dense_kernel(self) -> np.ndarray:
        s = svec(self.matrices)  # (m, d)
        return s.T @ s

    def norm_sq(self, m: np.ndarray) -> float:
        return float(np.sum(np.einsum("kij,ij->k", self.matrices, m) ** 2))

    def spectrum_bounds(self) -> tuple[float, float]:
        ev = np.linalg.eigvalsh(self.dense_kernel())
        return float(ev[0]), float(ev[-1])

    @property
    def num_measurements(self) -> int:
        return self.matrices.shape[0]

    def sensing_matrices(self) -> Iterator[np.ndarray]:
        return iter(self.matrices)


def canonical_span_basis(x: np.ndarray, z: np.ndarray, columns: tuple[int, ...]) -> np.ndarray:
    """The orthonormal basis ``Q`` of ``B = [X Z][:, columns]`` from its Householder QR,
    with signs fixed so that ``diag(R) > 0``: the unique ``Q`` with ``B = QR``, R upper
    triangular with positive diagonal, so writer and reader of a certificate agree on it.
    Raises ValueError when the columns are out of range, repeated or (numerically) dependent.
    """
    xz = np.hstack([np.asarray(x, dtype=float), np.asarray(z, dtype=float)])
    cols = list(columns)
    if not cols or len(set(cols)) != len(cols) or min(cols) < 0 or max(cols) >= xz.shape[1]:
        raise ValueError(
            f"span columns {cols} must be distinct indices into the {xz.shape[1]} columns of [X Z]"
        )
    if len(cols) > xz.shape[0]:
        raise ValueError(f"{len(cols)} span columns exceed n = {xz.shape[0]}")
    q, r = np.linalg.qr(xz[:, cols])
    diag = np.diag(r)
    if np.min(np.abs(diag)) <= 1e-12 * max(float(np.max(np.abs(diag))), 1e-300):
        raise ValueError(f"span columns {cols} of [X Z] are linearly dependent")
    return q * np.sign(diag)


@dataclass(frozen=True)
class LiftedOperator:
    """Identity off span(P) and ``H_k`` on it: the retrieve step of the span reduction.

    ``basis`` is ``P`` (n×k, orthonormal columns) and ``kernel`` is ``H_k`` (svec
    coordinates of S^k).  The kernel of the lifted operator is
    ``H = I + E (H_k − I) Eᵀ`` with the isometry ``E : svec(S) ↦ svec(P S Pᵀ)``.
    ``columns``, when set, says that P is the canonical basis of those columns of ``[X Z]``
    (:func:`canonical_span_basis`), so a certificate need not store P: a reader rebuilds it.
    """

    basis: np.ndarray
    kernel: np.ndarray
    columns: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "basis", _frozen(self.basis))
        object.__setattr__(self, "kernel", _frozen(0.5 * (self.kernel + np.asarray(self.kernel).T)))

    @property
    def n(self) -> int:
        return self.basis.shape[0]

    @property
    def k(self) -> int:
        return self.basis.shape[1]

    def embedding(self) -> np.ndarray:
        """Matrix of ``E : svec(S) ↦ svec(P S Pᵀ)``, shape ``(n(n+1)/2, k(k+1)/2)``."""
        p = self.basis
        basis_k = smat(np.eye(sdim(self.k)))  # (dk, k, k)
        return svec(p @ basis_k @ p.T).T

    def dense_kernel(self) -> np.ndarray:
        if self.n > DENSE_LIMIT:
            raise MemoryError(f"dense kernel of n = {self.n} refused (limit {DENSE_LIMIT})")
        e = self.embedding()
        return np.eye(sdim(self.n)) + e @ (self.kernel - np.eye(self.kernel.shape[0])) @ e.T

    def compress(self, m: np.ndarray) -> np.ndarray:
        """``svec(PᵀMP)`` of a symmetric n×n matrix."""
        return svec(self.basis.T @ m @ self.basis)

    def norm_sq(self, m: np.ndarray) -> float:
        c = self.compress(m)
        return float(np.sum(m * m) + c @ (self.kernel - np.eye(len(c))) @ c)

    def norm_sq_factored(self, f: np.ndarray, signs: np.ndarray) -> float:
        """``‖A(M)‖²`` for ``M = F diag(signs) Fᵀ`` in O(n·k·cols) time, M never formed."""
        g = (f.T @ f) * signs[None, :]
        fro = float(np.sum(g * g.T))  # ‖M‖² = tr(S G S G) with G = FᵀF, S = diag(signs)
        pf = self.basis.T @ f
        c = svec((pf * signs) @ pf.T)
        return fro + float(c @ (self.kernel - np.eye(len(c))) @ c)

    def spectrum_bounds(self) -> tuple[float, float]:
        ev = np.linalg.eigvalsh(self.kernel)
        lo, hi = float(ev[0]), float(ev[-1])
        if self.n > self.k:  # the complement of the PP block is non-empty: eigenvalue 1
            lo, hi = min(lo, 1.0), max(hi, 1.0)
        return lo, hi

    @property
    def num_measurements(self) -> int:
        return _rank(self.kernel) + sdim(self.n) - sdim(self.k)

    def _completion_column(self, raw: tuple[np.ndarray, np.ndarray], b: int) -> np.ndarray:
        """Column b of the Householder completion Q = [P', P⊥] (Q e_b, O(n·k))."""
        qr, tau = raw
        v = np.zeros(self.n)
        v[b] = 1.0
        for i in range(self.k - 1, -1, -1):
            h = np.zeros(self.n)
            h[i] = 1.0
            h[i + 1 :] = qr[i + 1 :, i]
            v -= tau[i] * h * (h @ v)
        return v

    def sensing_matrices(self) -> Iterator[np.ndarray]:
        """Lazily: ``√λ P smat(u) Pᵀ`` from ``H_k``, then an orthonormal basis of
        ``{M : PᵀMP = 0}`` (eigenvalue 1), built from a Householder completion of P."""
        p = self.basis
        for a in _eig_sensing(self.kernel):
            yield p @ a @ p.T
        if self.n == self.k:
            return
        raw, _ = scipy.linalg.qr(p, mode="raw")
        # columns 0..k-1 of the completion span range(P); columns ≥ k span its complement
        cols: dict[int, np.ndarray] = {}

        def q(b: int) -> np.ndarray:
            if b not in cols:
                cols[b] = self._completion_column(raw, b)
            return cols[b]

        for col in range(self.k, self.n):
            qb = q(col)
            for i in range(col + 1):
                qa = q(i)
                if i == col:
                    yield np.outer(qb, qb)
                else:
                    yield (np.outer(qa, qb) + np.outer(qb, qa)) / np.sqrt(2.0)


Operator = KernelOperator | SensingOperator | LiftedOperator
