"""The ℓ1 loss against finite differences and brute-force evaluation (docs/math.md §8)."""

from __future__ import annotations

import numpy as np
import pytest

from ripcert.core.losses.base import Loss
from ripcert.core.losses.l1 import L1Loss
from ripcert.errors import InvalidInputError


def _instance(seed: int, m: int = 40, d: int = 6, r: int = 3, zeros: int = 0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((m, d, d))
    u = rng.standard_normal((d, r))
    y = np.einsum("kij,ij->k", a, u @ u.T) + rng.standard_normal(m)
    if zeros:  # make the first `zeros` residuals exactly zero at U = 0
        y[:zeros] = 0.0
    return a, y, rng


def test_protocol_and_flags():
    a, y, _ = _instance(0)
    loss = L1Loss(a, y)
    assert isinstance(loss, Loss)
    assert loss.smooth is False and loss.name == "l1"
    with pytest.raises(NotImplementedError):
        loss.hvp(np.zeros((6, 2)), np.zeros((6, 2)))


def test_value_is_mean_absolute_residual():
    a, y, rng = _instance(1)
    u = rng.standard_normal((6, 2))
    direct = np.mean([abs(y[i] - np.trace(a[i].T @ u @ u.T)) for i in range(len(y))])
    assert L1Loss(a, y).value(u) == pytest.approx(direct, rel=1e-13)


@pytest.mark.parametrize("seed", range(5))
def test_directional_derivative_matches_one_sided_quotients(seed):
    """At a generic point L is differentiable: L'(U; V) = ⟨∇L, V⟩ = lim (L(U+hV) − L(U))/h."""
    a, y, rng = _instance(seed)
    loss = L1Loss(a, y)
    u, v = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    dd = loss.directional(u, v)
    quotients = [(loss.value(u + h * v) - loss.value(u)) / h for h in (1e-5, 1e-6, 1e-7)]
    assert quotients[-1] == pytest.approx(dd, rel=1e-4, abs=1e-7)
    assert float(np.sum(loss.gradient(u) * v)) == pytest.approx(dd, rel=1e-10, abs=1e-12)


def test_directional_derivative_at_a_kink_is_one_sided():
    """At a U interpolating most measurements exactly (dyadic data: the float evaluation of
    ⟨A_i, UUᵀ⟩ is exact), L has a kink: L'(U; V) + L'(U; −V) = (2/m) Σ_{r_i=0} |b_i| > 0, and
    each one-sided derivative matches its own difference quotient."""
    rng = np.random.default_rng(7)
    m, d = 30, 5
    a = np.round(rng.standard_normal((m, d, d)) * 256) / 256
    u0 = np.round(rng.standard_normal((d, 2)) * 256) / 256
    y = np.einsum("kij,ij->k", a, u0 @ u0.T)
    y[:5] += rng.standard_normal(5)  # five outliers; the other residuals are exactly 0
    loss = L1Loss(a, y)
    zero = loss.residuals(u0) == 0
    assert zero.sum() == m - 5
    v = rng.standard_normal((d, 2))
    dplus, dminus = loss.directional(u0, v), loss.directional(u0, -v)
    ray = loss.ray(u0, v)
    assert dplus + dminus == pytest.approx(2 * np.abs(ray.b[zero]).sum() / m, rel=1e-12)
    assert dplus + dminus > 0.1
    for dv, w in ((dplus, v), (dminus, -v)):
        quot = (loss.value(u0 + 1e-7 * w) - loss.value(u0)) / 1e-7
        assert quot == pytest.approx(dv, rel=1e-4, abs=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_ray_pieces_reproduce_the_loss(seed):
    a, y, rng = _instance(seed, m=25)
    loss = L1Loss(a, y)
    u, v = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    ray = loss.ray(u, v)
    ts = np.linspace(0.0, 1.5, 61)
    direct = np.array([loss.value(u + t * v) for t in ts])
    np.testing.assert_allclose(ray.value(ts), direct, rtol=1e-11, atol=1e-11)
    # each residual changes sign exactly at a breakpoint
    bps = ray.breakpoints(1.5)
    for t in bps:
        res = ray.r - ray.b * t - ray.c * t * t
        assert np.min(np.abs(res)) <= 1e-8 * (1 + np.max(np.abs(ray.r)))
    # the loss is a quadratic on each piece: check at interior points
    for lo, hi, (al, be, ga) in ray.pieces(1.5):
        for s in (0.25, 0.5, 0.75):
            t = lo + s * (hi - lo)
            assert al + be * t + ga * t * t == pytest.approx(loss.value(u + t * v), abs=1e-10)
    # between breakpoints no residual changes sign: count sign changes on a fine grid
    grid = np.linspace(0, 1.5, 3001)
    vals = ray.r[None, :] - ray.b[None, :] * grid[:, None] - ray.c[None, :] * grid[:, None] ** 2
    changes = int(np.sum(np.diff(np.sign(vals), axis=0) != 0, axis=0).sum())
    assert changes <= 2 * len(bps) and (len(bps) == 0) == (changes == 0)


def test_bad_input():
    with pytest.raises(InvalidInputError):
        L1Loss(np.zeros((3, 2, 3)), np.zeros(3))
    with pytest.raises(InvalidInputError):
        L1Loss(np.zeros((3, 2, 2)), np.zeros(4))
    with pytest.raises(InvalidInputError):
        L1Loss(np.full((1, 2, 2), np.nan), np.zeros(1))
