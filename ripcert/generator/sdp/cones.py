"""Conic data of an SDP in one convention, and its per-solver translations.

A :class:`ConicProgram` is ``min cᵀx  s.t.  s = b − A x ∈ K`` with ``K`` a product of a zero
cone, a non-negative orthant and PSD cones, in that order (SCS requires it; Clarabel accepts
it).  A PSD cone of order m holds ``svec_c(M)``: the upper triangle of M in column-major
order, off-diagonal entries scaled by √2 (Clarabel's convention, an isometry of S^m).  Each
constraint block keeps the rows it owns, so the solution's dual vector splits back into one
multiplier per block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import scipy.sparse as sp

ConeKind = Literal["zero", "nonneg", "psd"]


@dataclass(frozen=True)
class Cone:
    """One cone: ``kind`` and ``size`` (number of rows; for a PSD cone, the matrix order)."""

    kind: ConeKind
    size: int

    @property
    def rows(self) -> int:
        return self.size * (self.size + 1) // 2 if self.kind == "psd" else self.size


@dataclass(frozen=True)
class BlockRows:
    """The affine rows ``s = b − A x`` of one named constraint block, in one cone."""

    name: str
    a: sp.csr_matrix
    b: np.ndarray
    cone: Cone


@dataclass(frozen=True)
class ConicProgram:
    """``min cᵀx s.t. b − A x ∈ K``; ``blocks`` name the row ranges (zero, nonneg, psd order)."""

    a: sp.csc_matrix
    b: np.ndarray
    c: np.ndarray
    cones: tuple[Cone, ...]
    names: tuple[str, ...]
    offsets: tuple[int, ...]

    @property
    def num_vars(self) -> int:
        return self.a.shape[1]

    def rows_of(self, name: str) -> slice:
        i = self.names.index(name)
        return slice(self.offsets[i], self.offsets[i] + self.cones[i].rows)

    def split(self, vector: np.ndarray) -> dict[str, np.ndarray]:
        """A row vector (slack or dual) cut into its blocks; PSD blocks as symmetric matrices."""
        out: dict[str, np.ndarray] = {}
        for name, cone in zip(self.names, self.cones, strict=True):
            part = np.asarray(vector[self.rows_of(name)], dtype=float)
            out[name] = smat_c(part, cone.size) if cone.kind == "psd" else part
        return out


_ORDER = {"zero": 0, "nonneg": 1, "psd": 2}


def assemble(blocks: list[BlockRows], c: np.ndarray) -> ConicProgram:
    """Stack blocks (sorted zero → nonneg → psd, stable) into one program."""
    ordered = sorted(blocks, key=lambda blk: _ORDER[blk.cone.kind])
    offsets, off = [], 0
    for blk in ordered:
        if blk.a.shape[0] != blk.cone.rows or blk.b.shape != (blk.cone.rows,):
            raise ValueError(f"block {blk.name}: rows do not match its cone")
        offsets.append(off)
        off += blk.cone.rows
    a = sp.vstack([blk.a for blk in ordered], format="csc")
    b = np.concatenate([blk.b for blk in ordered])
    return ConicProgram(
        a=a,
        b=b,
        c=np.asarray(c, dtype=float),
        cones=tuple(blk.cone for blk in ordered),
        names=tuple(blk.name for blk in ordered),
        offsets=tuple(offsets),
    )


@lru_cache(maxsize=128)
def triu_colmajor(m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, cols, weights)`` of ``svec_c``: upper triangle, column-major, √2 off-diagonal."""
    cols: list[int] = []
    rows: list[int] = []
    for j in range(m):
        rows.extend(range(j + 1))
        cols.extend([j] * (j + 1))
    r, c = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)
    w = np.where(r == c, 1.0, math.sqrt(2.0))
    for arr in (r, c, w):
        arr.setflags(write=False)
    return r, c, w


def tri_index(i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Row of entry (i, j) (any order) in ``svec_c``: ``q(q+1)/2 + p`` with p ≤ q."""
    p, q = np.minimum(i, j), np.maximum(i, j)
    return q * (q + 1) // 2 + p


def svec_c(m: np.ndarray) -> np.ndarray:
    """``svec_c`` of a symmetric matrix."""
    r, c, w = triu_colmajor(m.shape[-1])
    return np.asarray(m)[..., r, c] * w


def smat_c(v: np.ndarray, m: int) -> np.ndarray:
    """Inverse of :func:`svec_c`."""
    r, c, w = triu_colmajor(m)
    out = np.zeros((m, m))
    out[r, c] = v / w
    out[c, r] = v / w
    return out


@lru_cache(maxsize=128)
def to_lower_colmajor(m: int) -> np.ndarray:
    """Permutation ``perm`` with ``svec_scs = svec_c[perm]`` (SCS: lower triangle, column-major)."""
    rows: list[int] = []
    cols: list[int] = []
    for j in range(m):
        rows.extend(range(j, m))
        cols.extend([j] * (m - j))
    perm = tri_index(np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64))
    perm.setflags(write=False)
    return perm
