"""The counterexample problem (docs/math.md §3) and the checks on its input.

A :class:`CounterexampleProblem` is a validated pair ``(X, Z)`` with a margin
``μ ≥ 0``.  Validation is where bad input is turned into clear errors, before any
solver runs: non-finite entries, wrong shapes, ``r* > r``, and the cases in which
no counterexample with ``δ < 1`` can exist (X = 0, XXᵀ = ZZᵀ, rank-1 x ∥ z).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ripcert.checkers.thresholds import DEFAULT_TOLERANCES
from ripcert.errors import InvalidInputError, NoCounterexampleError

#: relative tolerance below which X = 0 or x ∥ z are taken as exact
DEGENERACY_TOL = 1e-9
#: ‖XXᵀ − ZZᵀ‖_F/‖ZZᵀ‖_F below this: X is (numerically) a global minimiser.  The verifier's
#: own threshold for "spurious", so that the generator never writes what verify rejects.
SPURIOUS_GAP_TOL = DEFAULT_TOLERANCES.spurious


def as_matrix(a: object, name: str) -> np.ndarray:
    """Coerce a vector or matrix to a finite float ``n×r`` array, or raise InvalidInputError."""
    try:
        arr = np.array(a, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{name} is not numeric: {exc}") from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise InvalidInputError(f"{name} must be a vector or a matrix, got {arr.ndim} dimensions")
    if arr.size == 0:
        raise InvalidInputError(f"{name} is empty")
    if not np.all(np.isfinite(arr)):
        raise InvalidInputError(f"{name} contains NaN or Inf")
    return arr


def outer_fro(x: np.ndarray) -> float:
    """``‖XXᵀ‖_F = ‖XᵀX‖_F``, without forming the n×n matrix."""
    return float(np.linalg.norm(x.T @ x))


def outer_diff_fro(x: np.ndarray, z: np.ndarray) -> float:
    """``‖XXᵀ − ZZᵀ‖_F`` in an orthonormal basis of ``span([X Z])``, in O(n(r + r*)²).

    ``[X Z] = Q [R_X R_Z]`` (Householder QR) gives ``XXᵀ − ZZᵀ = Q(R_X R_Xᵀ − R_Z R_Zᵀ)Qᵀ``:
    the norm of a small matrix, with rounding error O(ε‖X‖²) however small the gap.  (The
    Gram formula √(‖XᵀX‖² − 2‖XᵀZ‖² + ‖ZᵀZ‖²) cancels down to ~1e-8‖ZZᵀ‖: it let rotations
    X = [Z 0]R through as spurious and rounded true gaps of 6e-9‖ZZᵀ‖ to 0.)

    >>> z = np.array([[1.0], [0.0]]); c, s = np.cos(1.0), np.sin(1.0)
    >>> outer_diff_fro(np.array([[c, -s], [0.0, 0.0]]), z) < 1e-15
    True
    """
    r = x.shape[1]
    rr = np.asarray(np.linalg.qr(np.hstack([x, z]), mode="r"))
    a, b = rr[:, :r], rr[:, r:]
    return float(np.linalg.norm(a @ a.T - b @ b.T))


@dataclass(frozen=True)
class CounterexampleProblem:
    """Find the smallest δ such that some δ-RIP operator makes ``X`` spurious for ``Z``.

    Attributes
    ----------
    x : (n, r) candidate spurious point.
    z : (n, r*) ground truth, ``r* ≤ r``.
    margin : μ ≥ 0.  With μ > 0 the Hessian of ``γ·f`` at X must be ⪰ ``μ·‖ZZᵀ‖_F``
        on the complement of the symmetry directions ``{XΩ}`` (a strict local minimum);
        μ is relative to ``‖ZZᵀ‖_F`` so that it is invariant under scaling of (X, Z).
    """

    x: np.ndarray
    z: np.ndarray
    margin: float = 0.0

    def __post_init__(self) -> None:
        x = as_matrix(self.x, "X")
        z = as_matrix(self.z, "Z")
        if x.shape[0] != z.shape[0]:
            raise InvalidInputError(f"X has {x.shape[0]} rows but Z has {z.shape[0]}")
        if z.shape[1] > x.shape[1]:
            raise InvalidInputError(
                f"Z has rank r* = {z.shape[1]} > search rank r = {x.shape[1]}; need r ≥ r*"
            )
        m = float(self.margin)
        if not np.isfinite(m) or m < 0:
            raise InvalidInputError(f"margin must be a finite number ≥ 0, got {self.margin}")
        x.setflags(write=False)
        z.setflags(write=False)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "z", z)
        object.__setattr__(self, "margin", m)

    @property
    def n(self) -> int:
        return self.x.shape[0]

    @property
    def r(self) -> int:
        return self.x.shape[1]

    @property
    def r_star(self) -> int:
        return self.z.shape[1]

    def check_nondegenerate(self) -> None:
        """Raise :class:`NoCounterexampleError` when no δ < 1 counterexample can exist."""
        zz, xx = outer_fro(self.z), outer_fro(self.x)
        scale = max(zz, xx)
        if zz == 0:
            raise InvalidInputError("Z = 0: the ground truth must be non-zero")
        if xx <= DEGENERACY_TOL * scale:
            raise NoCounterexampleError("X = 0 is never a spurious local minimum with δ < 1")
        gap = outer_diff_fro(self.x, self.z) / zz
        if gap < SPURIOUS_GAP_TOL:
            raise NoCounterexampleError(
                f"XXᵀ = ZZᵀ numerically: ‖XXᵀ − ZZᵀ‖_F = {gap:.2g}·‖ZZᵀ‖_F <"
                f" {SPURIOUS_GAP_TOL:g} (the verifier's threshold); X is a global minimiser,"
                " not spurious"
            )
        if self.r == 1 and self.r_star == 1:
            xv, zv = self.x[:, 0], self.z[:, 0]
            c2 = (xv @ zv) ** 2 / ((xv @ xv) * (zv @ zv))
            if 1.0 - c2 <= DEGENERACY_TOL:
                raise NoCounterexampleError(
                    "x and z are collinear: no rank-1 counterexample with δ < 1 exists"
                )
