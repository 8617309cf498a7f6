"""Losses of the factor U (ripcert.core.losses): every derivative against finite differences,
on every operator form, and the values against independent paths (the verifier's landscape,
the explicit sensing matrices)."""

from __future__ import annotations

import numpy as np
import pytest

from ripcert.checkers.verification import Landscape
from ripcert.core.losses.base import Loss
from ripcert.core.losses.high_order import HighOrderLoss, Measurements
from ripcert.core.losses.l2 import L2Loss
from ripcert.core.operator import KernelOperator, LiftedOperator, SensingOperator
from ripcert.core.vectorization import sdim
from ripcert.errors import InvalidInputError

RTOL = 1e-6


def _lifted(n: int, k: int, seed: int) -> LiftedOperator:
    rng = np.random.default_rng(seed)
    p = np.linalg.qr(rng.standard_normal((n, k)))[0]
    g = rng.standard_normal((sdim(k), sdim(k)))
    return LiftedOperator(p, g @ g.T / sdim(k) + 0.3 * np.eye(sdim(k)))


def _operators(n: int, seed: int) -> dict[str, object]:
    lif = _lifted(n, 3, seed)
    rng = np.random.default_rng(seed + 100)
    g = rng.standard_normal((7, n, n))
    return {
        "lifted": lif,
        "lifted_full": _lifted(3, 3, seed + 1) if n == 3 else _lifted(n, n, seed + 1),
        "kernel": KernelOperator(lif.dense_kernel()),
        "sensing_explicit": SensingOperator(np.array(list(lif.sensing_matrices()))),
        "sensing_gaussian": SensingOperator((g + np.swapaxes(g, 1, 2)) / 2),
    }


def _losses(op, z):
    return [
        L2Loss(op, z),
        HighOrderLoss(op, z, order=4, lam=0.7),
        HighOrderLoss(op, z, order=6, lam=0.05),
        HighOrderLoss(op, z, order=2, lam=1.5),
    ]


CASES = [
    (form, n, r, rs)
    for form in ("lifted", "lifted_full", "kernel", "sensing_explicit", "sensing_gaussian")
    for (n, r, rs) in ((5, 2, 1), (4, 1, 2), (3, 3, 2))
]


def _rel(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


def _fd5(fun, h: float):
    """Five-point central difference of t ↦ fun(t) at 0 (error O(h⁴))."""
    return (-fun(2 * h) + 8 * fun(h) - 8 * fun(-h) + fun(-2 * h)) / (12 * h)


@pytest.mark.parametrize("form,n,r,rs", CASES)
def test_derivatives_match_finite_differences(form, n, r, rs):
    op = _operators(n, seed=n + r)[form]
    rng = np.random.default_rng(7 * n + r)
    z = rng.standard_normal((op.n, rs))
    for loss in _losses(op, z):
        assert isinstance(loss, Loss) and loss.smooth
        u = 0.7 * rng.standard_normal((op.n, r))
        for _ in range(3):
            v = rng.standard_normal((op.n, r))
            h = 1e-3 / max(1.0, float(np.linalg.norm(u)))
            d_fd = _fd5(lambda t, f=loss.value, u=u, v=v: f(u + t * v), h)
            assert abs(loss.directional(u, v) - d_fd) <= RTOL * max(abs(d_fd), 1.0), loss
            assert abs(float(np.sum(loss.gradient(u) * v)) - d_fd) <= RTOL * max(abs(d_fd), 1.0)
            hv_fd = _fd5(lambda t, g=loss.gradient, u=u, v=v: g(u + t * v), h)
            assert _rel(loss.hvp(u, v), hv_fd) <= RTOL, (form, loss.name)


@pytest.mark.parametrize("form", ["lifted", "kernel", "sensing_explicit", "sensing_gaussian"])
def test_l2_matches_the_verifier_landscape(form):
    """The verifier computes f, ∇f, ∇²f[V,V] on its own path (ripcert.checkers.verification)."""
    op = _operators(5, seed=3)[form]
    rng = np.random.default_rng(11)
    z = rng.standard_normal((5, 2))
    u, v = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    land = Landscape.from_operator(op, z)
    loss = L2Loss(op, z)
    assert loss.value(u) == pytest.approx(land.objective(u), rel=1e-12)
    assert _rel(loss.gradient(u), land.gradient(u)) < 1e-12
    assert float(np.sum(loss.hvp(u, v) * v)) == pytest.approx(land.hessian_form(u, v), rel=1e-11)


@pytest.mark.parametrize("form", ["lifted", "lifted_full", "kernel", "sensing_gaussian"])
def test_measurements_are_those_of_the_sensing_matrices(form):
    """A(S) and A*(w) against the operator's explicit ``sensing_matrices()``, term by term."""
    op = _operators(5, seed=5)[form]
    mats = np.array(list(op.sensing_matrices()))
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((op.n, 3)), rng.standard_normal((op.n, 3))
    s = a @ b.T + b @ a.T
    meas = Measurements(op)
    got = meas.measure(np.hstack([a, b]), np.hstack([b, a]))
    assert meas.count == len(mats)
    np.testing.assert_allclose(got, np.einsum("kij,ij->k", mats, s), atol=1e-12)
    w, x = rng.standard_normal(len(mats)), rng.standard_normal((op.n, 2))
    np.testing.assert_allclose(
        meas.adjoint_apply(w, x), np.einsum("k,kij->ij", w, mats) @ x, atol=1e-12
    )


def test_high_order_value_is_the_sum_of_powers():
    op = _operators(4, seed=9)["lifted"]
    rng = np.random.default_rng(4)
    z, u = rng.standard_normal((4, 1)), rng.standard_normal((4, 1))
    res = np.array([np.sum(a * (u @ u.T - z @ z.T)) for a in op.sensing_matrices()])
    loss = HighOrderLoss(op, z, order=4, lam=3.0)
    assert loss.value(u) == pytest.approx(np.sum(res**2) + 3.0 / 4 * np.sum(res**4), rel=1e-12)
    assert HighOrderLoss(op, z, order=4, lam=0.0).value(u) == pytest.approx(
        L2Loss(op, z).value(u), rel=1e-14
    )


def test_talk_instance_closed_form():
    """docs/math.md §6, by hand: x = (0, 1/√2), z = (1, 0), M = diag(−1, ½), so
    ⟨A_1, M⟩ = −√2 + 1/(2√2), ⟨A_2, M⟩ = 0, ⟨A_3, M⟩ = √1.5/2; and x is critical."""

    from ripcert.core.examples import X_HALF, Z_HALF, talk_sensing_matrices

    loss = L2Loss(SensingOperator(talk_sensing_matrices()), Z_HALF)
    expected = (-np.sqrt(2) + 0.5 / np.sqrt(2)) ** 2 + 1.5 / 4
    assert loss.value(X_HALF) == pytest.approx(expected, rel=1e-14)
    assert np.abs(loss.gradient(X_HALF)).max() < 1e-14


@pytest.mark.parametrize(
    "kwargs", [{"order": 3}, {"order": 0}, {"order": 2.5}, {"lam": -1.0}, {"lam": float("nan")}]
)
def test_high_order_rejects_bad_parameters(kwargs):
    op = _operators(3, seed=1)["kernel"]
    with pytest.raises(InvalidInputError):
        HighOrderLoss(op, np.ones((3, 1)), **kwargs)


def test_shape_errors_are_invalid_input():
    op = _operators(3, seed=1)["kernel"]
    with pytest.raises(InvalidInputError):
        L2Loss(op, np.ones((4, 1)))
    loss = L2Loss(op, np.ones((3, 1)))
    with pytest.raises(InvalidInputError):
        loss.hvp(np.ones((3, 1)), np.ones((3, 2)))
