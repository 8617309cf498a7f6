"""Align the coordinates with X before building the SDP: ``X' = QᵀXV = [diag(σ); 0]`` exactly.

A reduction in the manner of :mod:`ripcert.generator.reductions`: ``reduce`` maps ``(X, Z)`` to
an equivalent pair whose X is diagonal, ``retrieve`` maps the kernel and the multipliers of
every block back to the caller's coordinates.

With the full SVD ``X = QΣVᵀ`` (Q n×n, V r×r orthogonal) the aligned pair is
``X' = [diag(σ); 0]`` (written exactly, not computed as ``QᵀXV``) and ``Z' = QᵀZ``.

Keeps (docs/math.md §3–§4):

* **the optimal value δ* and feasibility.**  Let ``T : svec(M) ↦ svec(QᵀMQ)`` (orthogonal on
  S^n) and ``K = Vᵀ ⊗ Qᵀ : vec(U) ↦ vec(QᵀUV)`` (orthogonal on R^{n×r}).  Then
  ``e' = T e``, ``𝒳' = T 𝒳 Kᵀ`` and, for ``H' = T H Tᵀ``: ``𝒳'ᵀH'e' = K 𝒳ᵀHe``,
  ``B'(H') = K B(H) Kᵀ`` (the bracket ``𝒳ᵀH𝒳 + 2 I_r ⊗ mat(He)``; the right factor V is a
  symmetry ``X ↦ XV`` of the problem), ``Π' = K Π Kᵀ`` and ``spec(H') = spec(H)``.  Every
  constraint of the η-form SDP holds for ``(H, η)`` iff it holds for ``(H', η)``.
* **the multipliers.**  The Lagrangian terms are invariant: ``⟨y', 𝒳'ᵀH'e'⟩ = ⟨Kᵀy', 𝒳ᵀHe⟩``,
  ``⟨W', B'⟩ = ⟨KᵀW'K, B⟩``, ``⟨Λ', H' − ηI⟩ = ⟨TᵀΛ'T, H − ηI⟩``; so the multipliers map
  back by the same orthogonal congruences and stay optimal for the caller's program.

Why: row (i, j) of 𝒳' has at most two non-zeros (``X'`` has one per column), so every entry of
the compressed bracket ``Sᵀ𝒳'ᵀH'𝒳'S`` involves at most four entries of H' instead of ``4r²``;
at r = r* = 10 (k = 20) the conic data shrink from 5.6·10⁶ to 3.7·10⁵ non-zeros and the sparse
factorisation of SCS's KKT matrix stops filling in (benchmarks/README.md).  Only the
unstructured program may be aligned: a kernel structure or a restricted isometry lives in the
caller's coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ripcert.core.vectorization import svec, svec_basis


@dataclass(frozen=True)
class Alignment:
    """``(X, Z) ↦ (QᵀXV, QᵀZ)`` with ``QᵀXV = [diag(σ); 0]``; see the module docstring."""

    q: np.ndarray
    v: np.ndarray

    @classmethod
    def reduce(cls, x: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, Alignment]:
        """The aligned pair ``(X', Z')`` and the reduction that maps solutions back.

        >>> x = np.array([[1.0], [1.0]]); z = np.array([[1.0], [0.0]])
        >>> xa, za, al = Alignment.reduce(x, z)
        >>> np.round(np.abs(xa.ravel()), 6).tolist()
        [1.414214, 0.0]
        """
        x = np.asarray(x, dtype=float)
        z = np.asarray(z, dtype=float)
        n, r = x.shape
        ux, sig, vt = np.linalg.svd(x, full_matrices=True)
        m = min(n, r)
        # the complement of range(X): singular vectors of the part of Z outside it first
        rest = ux[:, m:]
        if rest.shape[1]:
            rest = rest @ np.linalg.svd(rest.T @ z, full_matrices=True)[0]
        q = np.hstack([ux[:, :m], rest])
        xa = np.zeros((n, r))
        xa[np.arange(m), np.arange(m)] = sig[:m]
        return xa, q.T @ z, cls(q=q, v=vt.T)

    @property
    def n(self) -> int:
        return self.q.shape[0]

    @property
    def r(self) -> int:
        return self.v.shape[0]

    def svec_map(self) -> np.ndarray:
        """``T`` (d × d, orthogonal): ``T svec(M) = svec(QᵀMQ)`` (built once per alignment)."""
        return self._svec_map

    @cached_property
    def _svec_map(self) -> np.ndarray:
        t = svec(self.q.T @ svec_basis(self.n) @ self.q).T
        t.setflags(write=False)
        return t

    def vec_map(self) -> np.ndarray:
        """``K = Vᵀ ⊗ Qᵀ`` (nr × nr, orthogonal): ``K vec(U) = vec(QᵀUV)`` (column-major)."""
        return self._vec_map

    @cached_property
    def _vec_map(self) -> np.ndarray:
        k = np.kron(self.v.T, self.q.T)
        k.setflags(write=False)
        return k

    def kernel(self, h_aligned: np.ndarray) -> np.ndarray:
        """``H = Tᵀ H' T``: the aligned kernel in the caller's coordinates."""
        t = self.svec_map()
        h = t.T @ h_aligned @ t
        return 0.5 * (h + h.T)

    def multipliers(
        self, duals: dict[str, np.ndarray], keep: np.ndarray | None
    ) -> dict[str, np.ndarray]:
        """The block multipliers in the caller's coordinates (full, uncompressed).

        ``first_order`` (on the kept coordinates ``keep`` of vec(U')) becomes ``Kᵀ S y'`` on all
        of vec(U); ``second_order`` becomes ``Kᵀ S W' Sᵀ K``; the isometry blocks (on S^d)
        become ``Tᵀ Λ' T``; scalar blocks are unchanged.  The result pairs with the
        uncompressed constraints (``keep = None`` in :class:`~.solution.SDPSolution`).
        """
        nr = self.n * self.r
        kept = np.arange(nr) if keep is None else np.asarray(keep)
        kmat = self.vec_map()
        t = self.svec_map()
        out: dict[str, np.ndarray] = {}
        for name, val in duals.items():
            if name == "first_order":
                full = np.zeros(nr)
                full[kept] = val
                out[name] = kmat.T @ full
            elif name == "second_order":
                full = np.zeros((nr, nr))
                full[np.ix_(kept, kept)] = val
                w = kmat.T @ full @ kmat
                out[name] = 0.5 * (w + w.T)
            elif name.startswith("isometry"):
                lam = t.T @ val @ t
                out[name] = 0.5 * (lam + lam.T)
            else:
                out[name] = val
        return out


__all__ = ["Alignment"]
