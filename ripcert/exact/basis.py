"""An exact rational basis of span([X Z]) for the user's own (float) input.

Every float is a binary rational, so the certificate's X (n×r) and Z (n×r*) are exact
rational data.  The basis is ``B = [X Z][:, J]·diag(2^p)``: the columns ``J`` of ``[X Z]``
that are pivots of its exact row-reduced form (so B has full column rank
``k = rank [X Z]``, decided exactly), each scaled by a power of two (exact) so that its
norm lies in ``[1/2, 2)`` and the reduced data are well scaled.  The coordinates
``C = [C_X C_Z]`` with ``[X Z] = B·C`` are read off the same reduced form.  The checker never
trusts them: it rebuilds B from the stored floats and ``J, p`` and checks ``X = B·C_X`` and
``Z = B·C_Z`` as identities over ℚ (:func:`span_checks`).

The rank is that of the Gram matrix ``MᵀM`` (``M = [X Z]``, (r+r*)×(r+r*)): ``MᵀMv = 0 ⇔
Mv = 0``, so the two have the same pivots and the same dependencies, and the exact work is
``(r+r*)²`` dot products of length n — cheap at n = 1,000.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from flint import fmpq, fmpq_mat

from ripcert.core.report import Check, proved
from ripcert.exact.rational import q, rref_pivots

#: largest |power| of the column scalings accepted by the checker (floats span 2^±1074)
MAX_POWER = 1100


def exact_matrix(a: np.ndarray) -> fmpq_mat:
    """The float matrix ``a`` as the rational matrix it is (every float is a binary rational)."""
    a = np.asarray(a, dtype=float)
    return fmpq_mat(a.shape[0], a.shape[1], [q(v) for v in a.ravel()])


def basis_matrix(x: fmpq_mat, z: fmpq_mat, columns: tuple[int, ...], powers: tuple[int, ...]):
    """``B = [X Z][:, columns]·diag(2^powers)``, exactly."""
    n, r = x.nrows(), x.ncols()
    out = fmpq_mat(n, len(columns))
    for c, (j, p) in enumerate(zip(columns, powers, strict=True)):
        f = fmpq(2) ** p if p >= 0 else fmpq(1) / fmpq(2) ** (-p)
        for i in range(n):
            out[i, c] = (x[i, j] if j < r else z[i, j - r]) * f
    return out


@dataclass(frozen=True)
class SpanBasis:
    """``B = [X Z][:, columns]·diag(2^powers)`` with ``X = B·x_coords``, ``Z = B·z_coords``."""

    columns: tuple[int, ...]
    powers: tuple[int, ...]
    x_coords: fmpq_mat
    z_coords: fmpq_mat

    @property
    def k(self) -> int:
        return len(self.columns)


def span_basis(x: np.ndarray, z: np.ndarray) -> SpanBasis:
    """The exact basis of span([X Z]) described in the module docstring.

    >>> b = span_basis(np.array([[0.0], [0.5]]), np.array([[1.0], [0.0]]))
    >>> b.columns, b.powers, str(b.x_coords), str(b.z_coords)
    ((0, 1), (1, 0), '[1/2]\\n[  0]', '[0]\\n[1]')
    """
    xq, zq = exact_matrix(x), exact_matrix(z)
    r, rs = xq.ncols(), zq.ncols()
    m = fmpq_mat(xq.nrows(), r + rs)
    for i in range(xq.nrows()):
        for j in range(r):
            m[i, j] = xq[i, j]
        for j in range(rs):
            m[i, r + j] = zq[i, j]
    red, piv = rref_pivots(m.transpose() * m)
    norms = np.linalg.norm(np.hstack([np.asarray(x, float), np.asarray(z, float)]), axis=0)
    powers = tuple(-round(math.log2(float(norms[j]))) for j in piv)
    coords = fmpq_mat(len(piv), r + rs)
    for a, p in enumerate(powers):
        f = fmpq(2) ** (-p) if p <= 0 else fmpq(1) / fmpq(2) ** p
        for c in range(r + rs):
            coords[a, c] = red[a, c] * f
    cx = fmpq_mat(len(piv), r, [coords[a, c] for a in range(len(piv)) for c in range(r)])
    cz = fmpq_mat(len(piv), rs, [coords[a, r + c] for a in range(len(piv)) for c in range(rs)])
    return SpanBasis(tuple(piv), powers, cx, cz)


def span_checks(basis: SpanBasis, x: np.ndarray, z: np.ndarray) -> tuple[list[Check], fmpq_mat]:
    """Exact checks that ``basis`` describes *these* floats; returns them and ``G = BᵀB``.

    ``X = B·C_X`` and ``Z = B·C_Z`` as identities over ℚ, and ``G = BᵀB ≻ 0`` (B has full
    column rank, exact LDLᵀ).  Column indices and powers are range-checked first.
    """
    from ripcert.exact.rational import ldl_psd

    xq, zq = exact_matrix(x), exact_matrix(z)
    r, rs, k = xq.ncols(), zq.ncols(), basis.k
    ok = (
        len(set(basis.columns)) == k == len(basis.powers)
        and all(0 <= j < r + rs for j in basis.columns)
        and all(abs(p) <= MAX_POWER for p in basis.powers)
        and basis.x_coords.nrows() == k == basis.z_coords.nrows()
        and (basis.x_coords.ncols(), basis.z_coords.ncols()) == (r, rs)
    )
    out = [proved("basis_columns", ok, f"k = {k} distinct columns of [X Z] (r + r* = {r + rs})")]
    if not ok:
        return out, fmpq_mat(0, 0)
    b = basis_matrix(xq, zq, basis.columns, basis.powers)
    same = b * basis.x_coords == xq and b * basis.z_coords == zq
    out.append(proved("input_in_basis", same, "the certificate's X, Z equal B·C_X, B·C_Z over ℚ"))
    g = b.transpose() * b
    full, why = ldl_psd(g, strict=True)
    out.append(proved("basis_rank", full, f"BᵀB ≻ 0 (rank B = {k}): {why}"))
    return out, g
