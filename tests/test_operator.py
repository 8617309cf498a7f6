"""Operator forms against each other: dense kernel, lifted (structured) and sensing matrices."""

import numpy as np
import pytest

from ripcert.core.operator import KernelOperator, LiftedOperator, SensingOperator
from ripcert.core.vectorization import sdim, svec
from ripcert.generator.reductions import SpanReduction


def _lifted(rng, n=5, k=2):
    p, _ = np.linalg.qr(rng.standard_normal((n, k)))
    g = rng.standard_normal((sdim(k), sdim(k)))
    return LiftedOperator(basis=p, kernel=g @ g.T / sdim(k) + 0.2 * np.eye(sdim(k)))


def _sym(rng, n):
    a = rng.standard_normal((n, n))
    return a + a.T


def test_lifted_norm_matches_math_formula_and_dense_kernel(rng):
    op = _lifted(rng)
    m = _sym(rng, op.n)
    c = svec(op.basis.T @ m @ op.basis)
    expected = np.sum(m * m) + c @ (op.kernel - np.eye(len(c))) @ c  # docs/math.md §4
    assert op.norm_sq(m) == pytest.approx(expected, rel=1e-12)
    assert svec(m) @ op.dense_kernel() @ svec(m) == pytest.approx(expected, rel=1e-12)


def test_lifted_factored_norm(rng):
    op = _lifted(rng, n=7, k=3)
    f = rng.standard_normal((7, 3))
    s = np.array([1.0, 1.0, -1.0])
    assert op.norm_sq_factored(f, s) == pytest.approx(op.norm_sq(f @ np.diag(s) @ f.T), rel=1e-10)


@pytest.mark.parametrize("n,k", [(2, 2), (4, 2), (6, 3)])
def test_lazy_sensing_matrices_reproduce_the_kernel(rng, n, k):
    op = _lifted(rng, n, k)
    mats = np.array(list(op.sensing_matrices()))
    assert len(mats) == op.num_measurements == sdim(n)
    np.testing.assert_allclose(mats, np.swapaxes(mats, 1, 2), atol=1e-14)
    s = svec(mats)
    np.testing.assert_allclose(s.T @ s, op.dense_kernel(), atol=1e-12)
    assert SensingOperator(mats).spectrum_bounds() == pytest.approx(op.spectrum_bounds())


def test_kernel_operator_sensing_and_rank(rng):
    g = rng.standard_normal((sdim(3), 4))
    op = KernelOperator(g @ g.T)  # rank 4
    mats = np.array(list(op.sensing_matrices()))
    assert len(mats) == op.num_measurements == 4
    m = _sym(rng, 3)
    assert SensingOperator(mats).norm_sq(m) == pytest.approx(op.norm_sq(m), rel=1e-10)


def test_permuting_measurements_changes_nothing(rng):
    mats = np.array([_sym(rng, 3) for _ in range(8)])
    perm = rng.permutation(8)
    a, b = SensingOperator(mats), SensingOperator(mats[perm])
    np.testing.assert_allclose(a.dense_kernel(), b.dense_kernel(), atol=1e-12)


def test_span_reduction_round_trip(rng):
    from ripcert.generator.problem import CounterexampleProblem

    x, z = rng.standard_normal((6, 2)), rng.standard_normal((6, 1))
    small, red = SpanReduction.reduce(CounterexampleProblem(x, z))
    assert small.n == 3
    np.testing.assert_allclose(red.basis.T @ red.basis, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(red.basis @ small.x, x, atol=1e-12)  # X lies in the span
    assert red.retrieve(np.eye(sdim(3))).spectrum_bounds() == (1.0, 1.0)
