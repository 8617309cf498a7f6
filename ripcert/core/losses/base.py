"""The loss interface shared by smooth and non-smooth losses of the factor U.

A loss is a function ``L : R^{n×r} → R`` of the factor ``U`` for a fixed operator and data.
Smooth losses (ℓ2, high-order) provide :meth:`Loss.hvp`; non-smooth ones (ℓ1) set
``smooth = False``, return *a* subgradient from :meth:`Loss.gradient`, and give the exact
one-sided directional derivative ``L'(U; V) = lim_{t↓0} (L(U + tV) − L(U))/t`` from
:meth:`Loss.directional`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Loss(Protocol):
    """Value, (sub)gradient, directional derivative and (smooth) Hessian-vector product."""

    #: short name used on the command line and in JSON (e.g. ``"l2"``, ``"high-order"``)
    name: str
    #: True when the loss is twice continuously differentiable in U
    smooth: bool

    def value(self, u: np.ndarray) -> float:
        """``L(U)``."""
        ...

    def gradient(self, u: np.ndarray) -> np.ndarray:
        """``∇L(U)`` (n×r); for a non-smooth loss, one subgradient."""
        ...

    def directional(self, u: np.ndarray, v: np.ndarray) -> float:
        """The one-sided directional derivative ``L'(U; V)``."""
        ...

    def hvp(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """``∇²L(U)[V]`` (n×r); raises NotImplementedError for a non-smooth loss."""
        ...
