"""Generator-side gradient and Hessian against central finite differences of f."""

import numpy as np
import pytest

from ripcert.core.landscape import (
    gradient,
    hessian,
    lift_map,
    objective,
    residual,
    restricted_min_eig,
    symmetry_directions,
)
from ripcert.core.vectorization import sdim, unvec, vec


def _random_kernel(rng, n):
    g = rng.standard_normal((sdim(n), sdim(n)))
    return g @ g.T / sdim(n) + 0.1 * np.eye(sdim(n))


@pytest.mark.parametrize("n,r,rs", [(2, 1, 1), (3, 2, 1), (4, 2, 2)])
def test_gradient_matches_finite_differences(rng, n, r, rs):
    h, x, z = _random_kernel(rng, n), rng.standard_normal((n, r)), rng.standard_normal((n, rs))
    eps = 1e-6
    fd = np.zeros(n * r)
    for k in range(n * r):
        d = unvec(np.eye(n * r)[k], n, r)
        fd[k] = (objective(h, x + eps * d, z) - objective(h, x - eps * d, z)) / (2 * eps)
    np.testing.assert_allclose(vec(gradient(h, x, z)), fd, rtol=1e-6, atol=1e-7)
    # the matrix form 2𝒳ᵀHe of docs/math.md §1 is the same vector
    np.testing.assert_allclose(2 * lift_map(x).T @ h @ residual(x, z), fd, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("n,r,rs", [(2, 1, 1), (3, 2, 1), (3, 2, 2)])
def test_hessian_matches_finite_differences(rng, n, r, rs):
    h, x, z = _random_kernel(rng, n), rng.standard_normal((n, r)), rng.standard_normal((n, rs))
    eps = 1e-4
    p = n * r
    fd = np.zeros((p, p))
    f0 = objective(h, x, z)
    for a in range(p):
        for b in range(p):
            da, db = unvec(np.eye(p)[a], n, r), unvec(np.eye(p)[b], n, r)
            fpp = objective(h, x + eps * (da + db), z)
            fpm = objective(h, x + eps * (da - db), z)
            fmp = objective(h, x - eps * (da - db), z)
            fmm = objective(h, x - eps * (da + db), z)
            fd[a, b] = (fpp - fpm - fmp + fmm) / (4 * eps**2)
    assert f0 > 0
    np.testing.assert_allclose(hessian(h, x, z), fd, rtol=1e-5, atol=1e-5)


def test_symmetry_directions_span_x_omega(rng):
    x = rng.standard_normal((5, 3))
    q = symmetry_directions(x)
    assert q.shape == (15, 3)  # dim of skew 3×3 is 3
    np.testing.assert_allclose(q.T @ q, np.eye(3), atol=1e-12)
    om = np.array([[0, 1.0, -2], [-1, 0, 0.5], [2, -0.5, 0]])
    v = vec(x @ om)
    np.testing.assert_allclose(q @ (q.T @ v), v, atol=1e-12)
    assert symmetry_directions(x[:, :1]).shape == (5, 0)


def test_restricted_min_eig_ignores_symmetry_directions(rng):
    x = rng.standard_normal((3, 2))
    q = symmetry_directions(x)
    h = np.eye(6) - 5 * (q @ q.T)  # very negative only along the symmetry direction
    assert np.linalg.eigvalsh(h)[0] == pytest.approx(-4)
    assert restricted_min_eig(h, x) == pytest.approx(1)
