"""Built-in instances (docs/math.md §5–§7), shared by the demo, the curated certificates,
the tests and the sweeps."""

from __future__ import annotations

import numpy as np

from ripcert.core.closed_form import theory_threshold

#: the talk's δ = 1/2 instance (docs/math.md §6; Zhang, Josz, Sojoudi & Lavaei 2018)
X_HALF = np.array([[0.0], [2**-0.5]])
Z_HALF = np.array([[1.0], [0.0]])


def talk_sensing_matrices() -> np.ndarray:
    """A1, A2, A3 of the talk (docs/math.md §6): kernel spectrum {1, 3, 3}, δ = 1/2 with γ = 1/2."""
    s = np.sqrt(1.5)
    return np.array(
        [
            [[np.sqrt(2.0), 0.0], [0.0, 1 / np.sqrt(2.0)]],
            [[0.0, s], [s, 0.0]],
            [[0.0, 0.0], [0.0, s]],
        ]
    )


def overparameterised(r: int, r_star: int) -> tuple[np.ndarray, np.ndarray, float]:
    """R. Y. Zhang (2021–2022), docs/math.md §7: ``t = √r*/(√r+√r*)``, ``X = √t [I_r; 0]``,
    ``Z = [0; I_r*]`` in ``n = r + r*``, with threshold ``δ = 1/(1+√(r*/r))``.

    >>> x, z, delta = overparameterised(2, 2)
    >>> x.shape, z.shape, delta
    ((4, 2), (4, 2), 0.5)
    """
    if not 1 <= r_star <= r:
        raise ValueError(f"need 1 ≤ r* ≤ r, got r = {r}, r* = {r_star}")
    t = np.sqrt(r_star) / (np.sqrt(r) + np.sqrt(r_star))
    x = np.sqrt(t) * np.vstack([np.eye(r), np.zeros((r_star, r))])
    z = np.vstack([np.zeros((r, r_star)), np.eye(r_star)])
    return x, z, theory_threshold(r, r_star)


def random_pair(n: int, r: int, r_star: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian (X, Z) of the given shape from ``np.random.default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, r)), rng.standard_normal((n, r_star))
