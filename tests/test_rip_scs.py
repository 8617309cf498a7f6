"""The SDP upper bound (c) through SCS's direct conic interface (issue 10, finding 6)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from ripcert.checkers.rip import (
    _dual_bound,
    _dual_conic_data,
    _realign_apply,
    _realign_map,
    _solve_dual,
)
from ripcert.core.vectorization import sdim, smat


def test_conic_data_encodes_the_three_psd_blocks():
    """b − Ax at an arbitrary (Y, t, s) must be svec of sI − Y, sI + Y, tI − (H − 𝓡*(Y))."""
    rng = np.random.default_rng(5)
    p, k = 2, 1
    d, n2 = sdim(p), p * p
    g = rng.standard_normal((d, d))
    h = g @ g.T
    a, b, c, cone = _dual_conic_data(h, p, k, +1.0)
    assert cone == {"l": 1, "s": [n2, n2, d]}
    y = rng.standard_normal((n2, n2))
    y = y + y.T
    t, s = 1.7, 0.3
    ia, ib = np.triu_indices(n2)
    x = np.concatenate([y[ia, ib], [t, s]])
    slack = b - a @ x
    assert slack[0] == s
    blocks = np.split(slack[1:], np.cumsum([sdim(n2), sdim(n2)]))
    eye = np.eye(n2)
    np.testing.assert_allclose(smat(blocks[0]), s * eye - y, atol=1e-12)
    np.testing.assert_allclose(smat(blocks[1]), s * eye + y, atol=1e-12)
    ry = _realign_apply(_realign_map(p), y)
    np.testing.assert_allclose(smat(blocks[2]), t * np.eye(d) - (h - ry), atol=1e-12)
    assert c @ x == t + k * s


def test_solver_proposal_is_re_evaluated_and_beats_y_zero():
    """A rank-1 operator on S² (p = 2, order 1): the certified bound lies between the best
    witness ratio and the spectral bound (Y = 0)."""
    rng = np.random.default_rng(8)
    g = rng.standard_normal((3, 3))
    h = g @ g.T + 0.1 * np.eye(3)
    tmap = _realign_map(2)
    y = _solve_dual(h, 2, 1, +1.0)
    assert y is not None and np.allclose(y, y.T)
    bound = _dual_bound(h, tmap, y, 1, +1.0)
    top = float(np.linalg.eigvalsh(h)[-1])
    assert bound <= top + 1e-9
    # a rank-1 witness ratio can never exceed a valid upper bound
    for _ in range(200):
        v = rng.standard_normal(2)
        m = np.outer(v, v)
        e = np.array([m[0, 0], np.sqrt(2) * m[0, 1], m[1, 1]])
        assert e @ h @ e / (e @ e) <= bound + 1e-9


def test_checker_side_runs_without_cvxpy():
    code = (
        "import sys; sys.modules['cvxpy'] = None\n"
        "import numpy as np\n"
        "from ripcert.checkers.rip import sdp_bound\n"
        "from ripcert.core.operator import KernelOperator\n"
        "rng = np.random.default_rng(1); g = rng.standard_normal((6, 6))\n"
        "b = sdp_bound(KernelOperator(g @ g.T + np.eye(6)), order=1)\n"
        "assert b.method.startswith('sdp') and 'failed' not in b.method, b.method\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
