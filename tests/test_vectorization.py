import numpy as np
import pytest

from ripcert.core.vectorization import order_from_sdim, sdim, smat, svec, svec_basis, unvec, vec


def _sym(rng, n):
    a = rng.standard_normal((n, n))
    return a + a.T


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_svec_is_an_isometry(rng, n):
    a, b = _sym(rng, n), _sym(rng, n)
    assert svec(a).shape == (sdim(n),)
    assert svec(a) @ svec(b) == pytest.approx(np.sum(a * b), rel=1e-12)


@pytest.mark.parametrize("n", [1, 2, 5])
def test_smat_inverts_svec_also_on_stacks(rng, n):
    stack = np.array([_sym(rng, n) for _ in range(4)])
    np.testing.assert_allclose(smat(svec(stack)), stack, atol=1e-14)
    v = rng.standard_normal(sdim(n))
    np.testing.assert_allclose(svec(smat(v)), v, atol=1e-14)


def test_explicit_convention_n2():
    # svec([[a, b], [b, c]]) = (a, √2 b, c): upper triangle, row-major
    np.testing.assert_allclose(svec(np.array([[1.0, 2.0], [2.0, 3.0]])), [1, 2 * np.sqrt(2), 3])


def test_basis_is_orthonormal():
    b = svec_basis(4).reshape(sdim(4), -1)
    np.testing.assert_allclose(b @ b.T, np.eye(sdim(4)), atol=1e-14)


def test_vec_is_column_major(rng):
    u = rng.standard_normal((3, 2))
    np.testing.assert_array_equal(vec(u)[:3], u[:, 0])
    np.testing.assert_array_equal(unvec(vec(u), 3, 2), u)


def test_order_from_sdim_rejects_non_triangular():
    assert order_from_sdim(10) == 4
    with pytest.raises(ValueError):
        order_from_sdim(7)
