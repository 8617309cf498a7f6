"""Shared fixtures and independent reference values (docs/math.md §5–§7)."""

from __future__ import annotations

import numpy as np
import pytest


def overparam_pair(r: int, r_star: int) -> tuple[np.ndarray, np.ndarray, float]:
    """The over-parameterised instance of docs/math.md §7 and its theoretical δ = 1/(1+√(r*/r))."""
    t = np.sqrt(r_star) / (np.sqrt(r) + np.sqrt(r_star))
    x = np.sqrt(t) * np.vstack([np.eye(r), np.zeros((r_star, r))])
    z = np.vstack([np.zeros((r, r_star)), np.eye(r_star)])
    return x, z, 1.0 / (1.0 + np.sqrt(r_star / r))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20181203)


#: the talk's δ = 1/2 instance (docs/math.md §6)
X_HALF = np.array([0.0, 2**-0.5])
Z_HALF = np.array([1.0, 0.0])
