"""The ℓ1 loss of robust matrix sensing (docs/math.md §8).

For measurement matrices ``A_1 … A_m`` (d×d, not necessarily symmetric) and data ``y``::

    L(U)  = (1/m) ‖y − A(UUᵀ)‖₁ = (1/m) Σᵢ |rᵢ(U)|,      rᵢ(U) = yᵢ − ⟨Aᵢ, UUᵀ⟩,

the objective of J. Ma and S. Fattahi, "Global convergence of sub-gradient method for robust
matrix recovery" (arXiv:2202.08788) and "On the optimization landscape of Burer–Monteiro
factorization" (arXiv:2302.10963).  ``⟨Aᵢ, UUᵀ⟩ = ⟨Sᵢ, UUᵀ⟩`` with ``Sᵢ = (Aᵢ + Aᵢᵀ)/2``.

* **Subgradient.**  ``∂rᵢ/∂U = −2 Sᵢ U``, so ``−(2/m) Σᵢ sign(rᵢ) Sᵢ U`` is a (Clarke)
  subgradient, with ``sign(0) = 0`` (any value in [−1, 1] is allowed for a zero residual).
* **Directional derivative.**  Along ``U + tV``, ``rᵢ(t) = rᵢ − t bᵢ − t² cᵢ`` with
  ``bᵢ = ⟨Aᵢ, UVᵀ + VUᵀ⟩`` and ``cᵢ = ⟨Aᵢ, VVᵀ⟩``; hence, exactly,

      L'(U; V) = (1/m) [ Σ_{rᵢ≠0} −sign(rᵢ) bᵢ + Σ_{rᵢ=0} |bᵢ| ].

* **Piecewise structure along a ray.**  ``t ↦ L(U + tV)`` is the sum of ``|quadratic|``
  pieces; it is a quadratic polynomial between consecutive *breakpoints*, the positive roots
  of ``rᵢ − t bᵢ − t² cᵢ`` (:class:`Ray`).

"Zero residual" is decided on the floats as given: for data designed to make inlier residuals
exactly zero (dyadic data, ``ripcert.generator.robust``) this is the exact structure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ripcert.errors import InvalidInputError


def _flat(sensing: np.ndarray) -> np.ndarray:
    return sensing.reshape(sensing.shape[0], -1)


@dataclass(frozen=True)
class Ray:
    """``t ↦ L(U + tV) = (1/m) Σᵢ |rᵢ − bᵢ t − cᵢ t²|`` (t ≥ 0) and its breakpoints."""

    r: np.ndarray
    b: np.ndarray
    c: np.ndarray

    def value(self, t: float | np.ndarray) -> np.ndarray:
        """``L(U + tV)`` for scalar or array ``t`` (same shape as ``t``)."""
        tt = np.asarray(t, dtype=float)[..., None]
        return np.mean(np.abs(self.r - self.b * tt - self.c * tt * tt), axis=-1)

    def breakpoints(self, t_hi: float = math.inf) -> np.ndarray:
        """Sorted roots ``t ∈ (0, t_hi]`` of some ``rᵢ − bᵢ t − cᵢ t²`` (where a residual
        changes sign or touches zero).  Residuals identically zero on the ray are skipped."""
        roots: list[np.ndarray] = []
        r, b, c = self.r, self.b, self.c
        quad = c != 0
        # cᵢ t² + bᵢ t − rᵢ = 0, stable form of the quadratic formula
        disc = b[quad] ** 2 + 4.0 * c[quad] * r[quad]
        ok = disc >= 0
        bq, cq, rq, sq = b[quad][ok], c[quad][ok], r[quad][ok], np.sqrt(disc[ok])
        qq = -0.5 * (bq + np.copysign(sq, bq))
        with np.errstate(divide="ignore", invalid="ignore"):
            t1 = qq / cq
            t2 = np.where(qq != 0, -rq / qq, np.nan)
        roots += [t1, t2]
        lin = (~quad) & (b != 0)
        roots.append(r[lin] / b[lin])
        allr = np.concatenate(roots) if roots else np.zeros(0)
        allr = allr[np.isfinite(allr) & (allr > 0) & (allr <= t_hi)]
        return np.unique(allr)

    def pieces(self, t_hi: float) -> list[tuple[float, float, tuple[float, float, float]]]:
        """On each interval ``[t_k, t_{k+1}]`` between breakpoints in ``[0, t_hi]``, the
        coefficients ``(α, β, γ)`` with ``L(U + tV) = α + βt + γt²`` there."""
        knots = np.concatenate([[0.0], self.breakpoints(t_hi), [t_hi]])
        out = []
        for lo, hi in zip(knots[:-1], knots[1:], strict=True):
            if hi <= lo:
                continue
            mid = 0.5 * (lo + hi)
            s = np.sign(self.r - self.b * mid - self.c * mid * mid)
            m = len(self.r)
            coef = (
                float(s @ self.r) / m,
                float(-(s @ self.b)) / m,
                float(-(s @ self.c)) / m,
            )
            out.append((float(lo), float(hi), coef))
        return out


@dataclass(frozen=True)
class L1Loss:
    """``L(U) = (1/m) ‖y − A(UUᵀ)‖₁`` for sensing matrices ``(m, d, d)`` and data ``y`` (m).

    >>> a = np.array([[[1.0, 0.0], [0.0, 0.0]], [[0.0, 1.0], [0.0, 0.0]]])
    >>> loss = L1Loss(a, np.array([1.0, 0.0]))
    >>> loss.value(np.array([[1.0], [0.0]])), loss.directional(np.array([[1.0], [0.0]]),
    ...                                                         np.array([[0.0], [1.0]]))
    (0.0, 0.5)
    """

    sensing: np.ndarray
    y: np.ndarray
    name: str = field(default="l1", init=False)
    smooth: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        a = np.asarray(self.sensing, dtype=float)
        y = np.asarray(self.y, dtype=float).reshape(-1)
        if a.ndim != 3 or a.shape[1] != a.shape[2] or a.shape[0] == 0:
            raise InvalidInputError(f"sensing matrices must have shape (m, d, d), got {a.shape}")
        if y.shape != (a.shape[0],):
            raise InvalidInputError(f"y has {y.size} entries for {a.shape[0]} measurements")
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(y))):
            raise InvalidInputError("sensing matrices and y must be finite")
        object.__setattr__(self, "sensing", a)
        object.__setattr__(self, "y", y)

    @property
    def m(self) -> int:
        return int(self.sensing.shape[0])

    @property
    def d(self) -> int:
        return int(self.sensing.shape[1])

    def _u(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        if u.ndim == 1:
            u = u[:, None]
        if u.ndim != 2 or u.shape[0] != self.d:
            raise InvalidInputError(f"U must have {self.d} rows, got shape {u.shape}")
        return u

    def measure(self, x: np.ndarray) -> np.ndarray:
        """``A(X) = (⟨Aᵢ, X⟩)ᵢ``."""
        return _flat(self.sensing) @ np.asarray(x, dtype=float).reshape(-1)

    def residuals(self, u: np.ndarray) -> np.ndarray:
        """``rᵢ = yᵢ − ⟨Aᵢ, UUᵀ⟩``."""
        u = self._u(u)
        return self.y - self.measure(u @ u.T)

    def value(self, u: np.ndarray) -> float:
        """``L(U) = (1/m) Σ |rᵢ|``."""
        return float(np.mean(np.abs(self.residuals(u))))

    def gradient(self, u: np.ndarray) -> np.ndarray:
        """One subgradient: ``−(1/m) Σ sign(rᵢ) (Aᵢ + Aᵢᵀ) U`` (``sign(0) = 0``)."""
        u = self._u(u)
        s = np.sign(self.residuals(u))
        g = (s @ _flat(self.sensing)).reshape(self.d, self.d)
        return -((g + g.T) @ u) / self.m

    def ray(self, u: np.ndarray, v: np.ndarray) -> Ray:
        """The exact piecewise-quadratic structure of ``t ↦ L(U + tV)``."""
        u, v = self._u(u), self._u(v)
        if v.shape != u.shape:
            raise InvalidInputError(f"V has shape {v.shape}, U has {u.shape}")
        uv = u @ v.T
        return Ray(
            r=self.residuals(u),
            b=self.measure(uv + uv.T),
            c=self.measure(v @ v.T),
        )

    def directional(self, u: np.ndarray, v: np.ndarray) -> float:
        """``L'(U; V) = (1/m)[Σ_{rᵢ≠0} −sign(rᵢ) bᵢ + Σ_{rᵢ=0} |bᵢ|]`` (exact one-sided)."""
        ray = self.ray(u, v)
        zero = ray.r == 0
        return float((np.sum(np.abs(ray.b[zero])) - np.sign(ray.r[~zero]) @ ray.b[~zero]) / self.m)

    def hvp(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """The ℓ1 loss is not twice differentiable: no Hessian-vector product."""
        raise NotImplementedError("the l1 loss is non-smooth: it has no Hessian")


__all__ = ["L1Loss", "Ray"]
