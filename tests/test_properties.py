"""Invariances of δ*(X, Z) (hypothesis): orthogonal change of basis, joint scaling,
embedding in a larger n, right rotation X → XR, and the full vs reduced path."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ripcert.core.closed_form import rank1_delta
from ripcert.generator.counterexample import delta_star

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def instances(draw, max_n=5, max_r=2):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(2, max_n))
    r = draw(st.integers(1, min(max_r, n)))
    rs = draw(st.integers(1, r))
    x, z = rng.standard_normal((n, r)), rng.standard_normal((n, rs))
    return x, z, rng


def _orth(rng, n):
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return q


@SETTINGS
@given(instances())
def test_orthogonal_change_of_basis(inst):
    x, z, rng = inst
    q = _orth(rng, x.shape[0])
    assert abs(delta_star(q @ x, q @ z) - delta_star(x, z)) < 1e-6


@SETTINGS
@given(instances(), st.floats(0.01, 100.0))
def test_joint_scaling(inst, s):
    x, z, _ = inst
    assert abs(delta_star(s * x, s * z) - delta_star(x, z)) < 1e-6


@SETTINGS
@given(instances(max_n=4), st.integers(1, 30))
def test_embedding_into_larger_n(inst, extra):
    x, z, rng = inst
    n = x.shape[0]
    big = _orth(rng, n + extra)[:, :n]  # isometric embedding Rⁿ → R^{n+extra}
    assert abs(delta_star(big @ x, big @ z) - delta_star(x, z)) < 1e-6


@SETTINGS
@given(instances())
def test_right_rotation_of_x(inst):
    x, z, rng = inst
    r = _orth(rng, x.shape[1])
    assert abs(delta_star(x @ r, z) - delta_star(x, z)) < 1e-6


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(2, 40))
def test_rank1_matches_closed_form(seed, n):
    rng = np.random.default_rng(seed)
    x, z = rng.standard_normal(n), rng.standard_normal(n)
    assert abs(delta_star(x, z) - rank1_delta(x, z)) < 1e-6
