"""Tests of the RIP bounds (ripcert.checkers.rip): spectral (a), witnesses (b), SDP (c)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
from hypothesis import given, settings
from hypothesis import strategies as st

from ripcert.checkers.rip import (
    delta_as_is,
    delta_from_ratios,
    rayleigh,
    rip_bracket,
    sdp_bound,
    spectral_bound,
    witness_bound,
)
from ripcert.core.operator import KernelOperator, LiftedOperator, SensingOperator
from ripcert.errors import InvalidInputError


def talk_operator() -> SensingOperator:
    """docs/math.md §6: kernel eigenvalues {1, 3, 3}, δ = 1/2 with γ = 1/2."""
    r2, s = np.sqrt(2.0), np.sqrt(1.5)
    return SensingOperator(np.array([[[r2, 0], [0, 1 / r2]], [[0, s], [s, 0]], [[0, 0], [0, s]]]))


def gaussian_operator(n: int, m: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((m, n, n))
    return (a + np.swapaxes(a, 1, 2)) / 2


def ratio_by_hand(a: np.ndarray, m: np.ndarray) -> float:
    """‖A(M)‖²/‖M‖²_F straight from the definition A(M)_i = ⟨A_i, M⟩."""
    return sum(float(np.sum(ai * m)) ** 2 for ai in a) / float(np.sum(m * m))


# ---------------------------------------------------------------------------------------
# formulas
# ---------------------------------------------------------------------------------------
def test_delta_from_ratios_known_values():
    assert delta_from_ratios(1.0, 3.0) == 0.5  # docs/math.md §6
    assert delta_from_ratios(2.0, 2.0) == 0.0
    assert delta_from_ratios(0.0, 1.0) == 1.0
    assert delta_from_ratios(-1e-3, 1.0) == 1.0
    assert delta_as_is(1.0, 3.0) == 2.0
    assert delta_as_is(0.5, 1.2) == 0.5


# ---------------------------------------------------------------------------------------
# the talk's δ = 1/2 operator
# ---------------------------------------------------------------------------------------
def test_talk_operator_spectral_bound_is_one_half():
    spec = spectral_bound(talk_operator())
    assert spec.lo == pytest.approx(1.0, abs=1e-12) and spec.hi == pytest.approx(3.0, abs=1e-12)
    assert spec.delta == pytest.approx(0.5, abs=1e-6)
    assert spec.scale == pytest.approx(0.5, abs=1e-12)


def test_talk_operator_sampling_lower_bound_reaches_one_half():
    op = talk_operator()
    wit = witness_bound(op, order=2, samples=4, seed=0)
    assert wit.delta == pytest.approx(0.5, abs=1e-6)
    # the witnesses are real: their ratio from the definition of A
    for w in (wit.hi, wit.lo):
        assert ratio_by_hand(op.matrices, w.matrix()) == pytest.approx(w.ratio, rel=1e-12)
    assert wit.hi.ratio == pytest.approx(3.0, abs=1e-9)
    assert wit.lo.ratio == pytest.approx(1.0, abs=1e-9)


def test_talk_operator_rank_one_witnesses():
    # rank-1 RIP of the talk operator: ρ(vvᵀ) = 2(√2 v1² + v2²/√2)² / ... checked by a grid
    op = talk_operator()
    wit = witness_bound(op, order=1, samples=8, seed=1)
    grid = np.linspace(0, np.pi, 20001)
    vals = [ratio_by_hand(op.matrices, np.outer(v, v)) for v in np.c_[np.cos(grid), np.sin(grid)]]
    assert wit.hi.ratio == pytest.approx(max(vals), rel=1e-6)
    assert wit.lo.ratio == pytest.approx(min(vals), rel=1e-6)
    assert wit.hi.rank == 1 and wit.lo.rank == 1


# ---------------------------------------------------------------------------------------
# random Gaussian operator: n = 6, r = 1 (order 2), m = 40
# ---------------------------------------------------------------------------------------
def independent_search(a: np.ndarray, restarts: int, seed: int) -> tuple[float, float]:
    """The test's own search: BFGS on M = F diag(s) Fᵀ (F ∈ R^{n×2}) from random starts."""
    n = a.shape[1]
    rng = np.random.default_rng(seed)
    flat = a.reshape(a.shape[0], -1)

    def rho(theta, s):
        f = theta.reshape(n, 2)
        m = (f * s) @ f.T
        return float(np.sum((flat @ m.ravel()) ** 2) / np.sum(m * m))

    hi, lo = -np.inf, np.inf
    for i in range(restarts):
        s = np.array([1.0, 1.0]) if i % 2 else np.array([1.0, -1.0])
        res = scipy.optimize.minimize(lambda t, s=s: -rho(t, s), rng.standard_normal(2 * n))
        hi = max(hi, -res.fun)
        res = scipy.optimize.minimize(lambda t, s=s: rho(t, s), rng.standard_normal(2 * n))
        lo = min(lo, res.fun)
    return lo, hi


@pytest.fixture(scope="module")
def gaussian():
    a = gaussian_operator(6, 40, seed=2024)
    op = SensingOperator(a)
    return a, op, rip_bracket(op, order=2, samples=16, seed=0)


def test_gaussian_independent_search_never_beats_the_upper_bound(gaussian):
    a, _, b = gaussian
    lo, hi = independent_search(a, restarts=40, seed=1)
    assert hi <= b.sdp.hi * (1 + 1e-9)
    assert lo >= b.sdp.lo * (1 - 1e-9)
    assert delta_from_ratios(lo, hi) <= b.delta_upper + 1e-9


def test_gaussian_lower_bound_reaches_95_percent_of_independent_search(gaussian):
    a, _, b = gaussian
    lo, hi = independent_search(a, restarts=40, seed=2)
    assert b.delta_lower >= 0.95 * delta_from_ratios(lo, hi)


def test_gaussian_bracket_is_ordered_and_tighter_than_spectral(gaussian):
    _, _, b = gaussian
    assert b.delta_lower <= b.delta_upper <= b.spectral.delta + 1e-12
    assert b.sdp.method.startswith("sdp")
    # rank-2 RIP is strictly better than the full-space bound for this operator
    assert b.delta_upper < b.spectral.delta - 1e-3
    assert not b.notes


def test_gaussian_witnesses_are_rank_two_and_real(gaussian):
    a, _, b = gaussian
    for w in (b.witnesses.hi, b.witnesses.lo):
        m = w.matrix()
        assert np.linalg.matrix_rank(m, tol=1e-9 * np.abs(m).max()) <= 2
        assert ratio_by_hand(a, m) == pytest.approx(w.ratio, rel=1e-10)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 4), order=st.integers(1, 2))
def test_lower_never_exceeds_upper(seed, n, order):
    a = gaussian_operator(n, 2 * n, seed)
    b = rip_bracket(SensingOperator(a), order=order, samples=3, seed=seed)
    assert b.witnesses.hi.ratio <= b.sdp.hi * (1 + 1e-9) + 1e-12
    assert b.witnesses.lo.ratio >= b.sdp.lo * (1 - 1e-9) - 1e-12
    assert b.delta_lower <= b.delta_upper + 1e-12


# ---------------------------------------------------------------------------------------
# lifted operators: exact reduction, large n
# ---------------------------------------------------------------------------------------
def random_lifted(n: int, k: int, seed: int) -> LiftedOperator:
    rng = np.random.default_rng(seed)
    p, _ = np.linalg.qr(rng.standard_normal((n, k)))
    b = rng.standard_normal((k * (k + 1) // 2,) * 2)
    return LiftedOperator(p, b @ b.T / k + 0.2 * np.eye(len(b)))


def test_lifted_spectral_bound_matches_dense_kernel():
    op = random_lifted(5, 2, seed=0)
    ev = np.linalg.eigvalsh(op.dense_kernel())  # the core's dense construction
    spec = spectral_bound(op)
    assert spec.lo == pytest.approx(ev[0], abs=1e-10)
    assert spec.hi == pytest.approx(ev[-1], abs=1e-10)


def test_lifted_bracket_agrees_with_dense_kernel_form():
    op = random_lifted(4, 2, seed=3)
    dense = KernelOperator(op.dense_kernel())
    bl = rip_bracket(op, order=2, samples=8, seed=0)
    bd = rip_bracket(dense, order=2, samples=8, seed=0)
    assert bl.delta_lower == pytest.approx(bd.delta_lower, abs=1e-6)
    assert bd.delta_lower <= bl.delta_upper + 1e-9
    assert bl.delta_upper <= bd.delta_upper + 1e-9


def test_lifted_large_n_bracket_is_exact_and_cheap():
    op = random_lifted(10_000, 2, seed=1)
    b = rip_bracket(op, order=2, samples=4, seed=0)
    ev = np.linalg.eigvalsh(op.kernel)
    expected = delta_from_ratios(min(ev[0], 1.0), max(ev[-1], 1.0))
    assert b.delta_lower == pytest.approx(expected, abs=1e-9)
    assert b.delta_upper == pytest.approx(expected, abs=1e-9)
    assert b.witnesses.hi.factor.shape[0] == 10_000


def test_rayleigh_lifted_factored_matches_dense():
    op = random_lifted(6, 3, seed=4)
    rng = np.random.default_rng(0)
    f = rng.standard_normal((6, 2))
    s = np.array([1.0, -1.0])
    m = (f * s) @ f.T
    assert rayleigh(op, f, s) == pytest.approx(op.norm_sq(m) / np.sum(m * m), rel=1e-12)


# ---------------------------------------------------------------------------------------
# misc
# ---------------------------------------------------------------------------------------
def test_deterministic_for_a_seed():
    op = SensingOperator(gaussian_operator(4, 10, seed=9))
    a = witness_bound(op, order=2, samples=3, seed=5)
    b = witness_bound(op, order=2, samples=3, seed=5)
    assert a.hi.ratio == b.hi.ratio and a.lo.ratio == b.lo.ratio
    np.testing.assert_array_equal(a.hi.factor, b.hi.factor)


def test_sdp_skipped_above_size_limit_falls_back_to_spectral():
    op = SensingOperator(gaussian_operator(5, 12, seed=3))
    b = sdp_bound(op, order=2, max_n=4)
    spec = spectral_bound(op)
    assert b.method.startswith("spectral")
    assert (b.lo, b.hi) == (spec.lo, spec.hi)


def test_bad_arguments():
    with pytest.raises(InvalidInputError):
        witness_bound(talk_operator(), order=0)
    with pytest.raises(InvalidInputError):
        witness_bound(talk_operator(), order=2, samples=0)
    with pytest.raises(InvalidInputError):
        rayleigh(talk_operator(), np.zeros((2, 1)), np.ones(1))
