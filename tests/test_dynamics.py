"""Dynamics: f and ∇f from sensing matrices vs finite differences and the kernel form,
GD convergence near z, the rate/interval arithmetic on known cases, protocol checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ripcert.core.landscape import objective as kernel_objective
from ripcert.core.vectorization import svec
from ripcert.errors import InvalidInputError
from ripcert.generator.counterexample import generate
from ripcert.studies import dynamics as D

L = D.talk_landscape()


def test_talk_operator_kernel_and_critical_point():
    # docs/math.md §6: kernel eigenvalues {1, 3, 3}; x is a critical point with f(x) = 3/2
    s = svec(L.matrices)
    np.testing.assert_allclose(np.linalg.eigvalsh(s.T @ s), [1, 3, 3], atol=1e-12)
    assert D.objective(L, L.x_bad[None])[0] == pytest.approx(1.5)
    np.testing.assert_allclose(D.gradient(L, L.x_bad[None]), 0, atol=1e-12)
    assert D.objective(L, L.z[None])[0] == 0


def test_objective_matches_kernel_form():
    s = svec(L.matrices)
    kernel = s.T @ s
    rng = np.random.default_rng(0)
    u = rng.normal(size=(6, 2, 1))
    want = [kernel_objective(kernel, ui, L.z) for ui in u]
    np.testing.assert_allclose(D.objective(L, u), want, rtol=1e-12)


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    land = D.Landscape(
        np.array([(a + a.T) / 2 for a in rng.normal(size=(5, 3, 3))]),
        rng.normal(size=(3, 2)),
        rng.normal(size=(3, 2)),
    )
    u = rng.normal(size=(2, 3, 2))
    g = D.gradient(land, u)
    h = 1e-6
    fd = np.zeros_like(u)
    for idx in np.ndindex(3, 2):
        e = np.zeros((3, 2))
        e[idx] = h
        fd[:, idx[0], idx[1]] = (D.objective(land, u + e) - D.objective(land, u - e)) / (2 * h)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("method", ["gd", "sgd"])
def test_one_step_is_the_update_rule(method):
    rng = np.random.default_rng(2)
    u0 = rng.normal(size=(50, 2, 1))
    proto = D.Protocol(method, method, step=1e-3, iterations=1)
    u1 = D.descend(L, u0, proto, np.random.default_rng(9))
    if method == "gd":
        np.testing.assert_allclose(u1, u0 - 1e-3 * D.gradient(L, u0), atol=1e-14)
    else:  # reproduce the sampled index: unbiased one-measurement gradient 4·m·yᵢ·Aᵢ·U
        idx = np.random.default_rng(9).integers(0, 3, size=50)
        y = D.measurements(L, u0)[np.arange(50), idx]
        g = 4 * 3 * y[:, None, None] * L.matrices[idx] @ u0
        np.testing.assert_allclose(u1, u0 - 1e-3 * g, atol=1e-14)


def test_sgd_gradient_is_unbiased():
    u = np.random.default_rng(3).normal(size=(1, 2, 1))
    y = D.measurements(L, u)[0]
    mean = sum(4 * 3 * y[i] * L.matrices[i] @ u[0] for i in range(3)) / 3
    np.testing.assert_allclose(mean, D.gradient(L, u)[0], atol=1e-12)


def test_gd_from_near_z_converges_to_plus_minus_z():
    rng = np.random.default_rng(4)
    signs = rng.choice([-1.0, 1.0], size=200)
    u0 = signs[:, None, None] * L.z[None] + 0.1 * rng.normal(size=(200, 2, 1))
    proto = D.Protocol("gd", "gd", step=1e-2, iterations=3000)
    u = D.descend(L, u0, proto, rng)
    np.testing.assert_allclose(np.abs(u[:, 0, 0]), 1.0, atol=1e-6)
    np.testing.assert_allclose(u[:, 1, 0], 0.0, atol=1e-6)
    np.testing.assert_array_equal(np.sign(u[:, 0, 0]), signs)  # stays in its basin


def test_gd_started_at_x_bad_stays_there():
    proto = D.Protocol("gd", "gd", step=1e-3, iterations=100, init="mix", gamma=0.0)
    res = D.run(L, proto, trials=10)
    assert res.successes == 0 and res.trapped == 10
    np.testing.assert_allclose(res.errors, math.sqrt(1 + 0.5), atol=1e-9)  # ‖x − (±z)‖


def test_all_from_truth_succeed_and_rate_is_zero():
    proto = D.Protocol("gd", "gd", step=1e-3, iterations=10, init="mix", gamma=0.0)
    land = D.Landscape(L.matrices, L.z, L.z)  # "X_bad" = z: every start is the truth
    res = D.run(land, proto, trials=7)
    assert res.failures == 0 and res.failure_rate == 0.0
    assert res.ci[0] == pytest.approx(0.0, abs=1e-12) and res.ci[1] == pytest.approx(
        1.96**2 / (7 + 1.96**2), rel=1e-3
    )


def test_wilson_interval_known_values():
    # Wilson (1927): 95% interval for 0/10 is [0, 0.2775]; for 87,947/100,000 ± 0.2 %
    lo, hi = D.wilson_interval(0, 10)
    assert lo == pytest.approx(0.0, abs=1e-12) and hi == pytest.approx(0.27753, abs=1e-4)
    lo, hi = D.wilson_interval(12_053, 100_000)
    assert lo == pytest.approx(0.1185, abs=3e-4) and hi == pytest.approx(0.1226, abs=3e-4)
    with pytest.raises(InvalidInputError):
        D.wilson_interval(3, 2)


def test_distance_to_truth_is_sign_invariant():
    u = np.array([[[-1.0], [0.0]], [[0.0], [1.0]]])
    np.testing.assert_allclose(D.distance_to_truth(L, u), [0.0, math.sqrt(2)])


def test_gamma_sweep_endpoints():
    proto = D.Protocol("sgd", "sgd", step=1e-3, iterations=200, seed=3)
    gs = D.gamma_sweep(L, proto, [0.0, 1.0], trials=50)
    assert gs.quantiles.shape == (2, 5)
    assert gs.failure_rates[0] == 1.0  # γ = 0 starts exactly at the critical point x
    assert np.all(np.diff(gs.quantiles, axis=1) >= 0)


def test_runs_are_seeded():
    proto = D.Protocol("sgd", "sgd", iterations=100, seed=5)
    a, b = D.run(L, proto, trials=100), D.run(L, proto, trials=100)
    np.testing.assert_array_equal(a.errors, b.errors)


def test_from_certificate():
    cert = generate([0.0, 2**-0.5], [1.0, 0.0])
    land = D.from_certificate(cert)
    assert D.objective(land, land.x_bad[None])[0] > 0
    np.testing.assert_allclose(D.gradient(land, land.x_bad[None]), 0, atol=1e-7)


def test_bad_protocols():
    with pytest.raises(InvalidInputError):
        D.Protocol(method="adam")
    with pytest.raises(InvalidInputError):
        D.Protocol(step=-1.0)
    with pytest.raises(InvalidInputError):
        D.run(L, D.Protocol(), trials=0)
