"""The rank-1 closed form against the hand-computed values of docs/math.md §5."""

import numpy as np
import pytest

from ripcert.core.closed_form import rank1_delta


@pytest.mark.parametrize(
    "x,z,expected",
    [
        ((0.0, 2**-0.5), (1.0, 0.0), 0.5),
        ((0.0, 1.0), (1.0, 0.0), 2**-0.5),
        ((0.5, 0.5), (1.0, 0.0), 3**0.5 / 2),
        ((2**-0.5 * np.cos(np.pi / 3), 2**-0.5 * np.sin(np.pi / 3)), (1.0, 0.0), 11 / 15),
    ],
)
def test_known_values(x, z, expected):
    """docs/math.md §5: the four hand-computed values (the last is ‖x‖² = ½‖z‖² at 60°)."""
    assert rank1_delta(np.array(x), np.array(z)) == pytest.approx(expected, abs=1e-12)


def test_collinear_and_zero_give_one():
    assert rank1_delta(np.array([2.0, 0]), np.array([1.0, 0])) == 1.0
    assert rank1_delta(np.zeros(3), np.ones(3)) == 1.0


def test_global_minimum_is_one_half():
    phis = np.linspace(0.05, np.pi / 2, 60)
    rhos = np.linspace(0.2, 2.0, 60)
    vals = [
        rank1_delta(r * np.array([np.cos(p), np.sin(p)]), np.array([1.0, 0]))
        for p in phis
        for r in rhos
    ]
    assert min(vals) >= 0.5 - 1e-12
