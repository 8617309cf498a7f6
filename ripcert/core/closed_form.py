"""Rank-1 closed form for δ*(x, z) (docs/math.md §5), an oracle for the SDP.

Derived for this project, not quoted from a paper: the tests cross-check it against
the SDP on random instances; neither replaces the other.
"""

from __future__ import annotations

import math

import numpy as np


def theory_threshold(r: int, r_star: int) -> float:
    """``1/(1+√(r*/r))``: the RIP threshold for rank r ≥ r*.

    Proved sufficient for r ≥ r* (R. Y. Zhang, arXiv:2104.10790: δ-RIP of order 2r with δ
    below it leaves no spurious second-order critical point) and proved sharp for r = r*
    (1/2; Zhang, Sojoudi & Lavaei, arXiv:1901.01631, for r = 1) and for r* = 1.  For the other
    pairs the paper's necessary bound is weaker; the explicit family of docs/math.md §7
    attains this value (a computed observation with checkable certificates, not a theorem).

    >>> theory_threshold(1, 1), round(theory_threshold(3, 1), 6)
    (0.5, 0.633975)
    """
    return 1.0 / (1.0 + math.sqrt(r_star / r))


def rank1_delta(x: np.ndarray, z: np.ndarray) -> float:
    """δ*(x, z) for rank-1 ``x, z ∈ Rⁿ``; returns 1.0 when no counterexample exists.

    With ``a = ‖x‖²/‖z‖²`` and ``c² = cos²∠(x, z)``, ``s² = 1 − c²``::

        E = (a − c²)² + 2c²s²,   N = √(a² − 2ac² + 1)
        u* = √E (N − √E)/s²,     u₀ = ½[−(a−1+3c²) + √((a−1+3c²)² + 8c²s²)]
        u = max(u*, u₀),         η = u(s² − u)/(E + s²u),   δ* = (1−η)/(1+η)

    >>> round(rank1_delta(np.array([0.0, 2**-0.5]), np.array([1.0, 0.0])), 12)
    0.5
    """
    x = np.asarray(x, dtype=float).ravel()
    z = np.asarray(z, dtype=float).ravel()
    xx, zz = float(x @ x), float(z @ z)
    if xx == 0.0 or zz == 0.0:
        return 1.0
    a = xx / zz
    c2 = min(1.0, float(x @ z) ** 2 / (xx * zz))
    s2 = 1.0 - c2
    if s2 <= 1e-15:
        return 1.0
    e = (a - c2) ** 2 + 2 * c2 * s2
    nn = math.sqrt(a * a - 2 * a * c2 + 1)
    u_star = math.sqrt(e) * (nn - math.sqrt(e)) / s2
    b = a - 1 + 3 * c2
    u0 = 0.5 * (-b + math.sqrt(b * b + 8 * c2 * s2))
    u = max(u_star, u0)
    eta = u * (s2 - u) / (e + s2 * u)
    return (1 - eta) / (1 + eta)
