"""Operator families: the grid measurement matrices against pypower's own power flow."""

from __future__ import annotations

import numpy as np
import pytest

from ripcert.core.families import family, random_mask
from ripcert.core.families.grids import grid_measurements, load_grid
from ripcert.errors import InvalidInputError

pp = pytest.importorskip("pypower.api")


def _pypower_quantities(grid_name: str) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """Run pypower's Newton power flow and return (V, measured values, n, branch rows)."""
    from pypower.idx_brch import PF, PT, QF, QT
    from pypower.idx_bus import PD, QD, VA, VM
    from pypower.idx_gen import GEN_BUS, GEN_STATUS, PG, QG

    grid = load_grid(grid_name)
    res, ok = pp.runpf(grid.case, pp.ppoption(VERBOSE=0, OUT_ALL=0, PF_TOL=1e-12))
    assert ok == 1
    bus, base, n = res["bus"], res["baseMVA"], grid.n
    v = bus[:, VM] * np.exp(1j * np.deg2rad(bus[:, VA]))
    s_gen = np.zeros(n, dtype=complex)
    for row in res["gen"]:
        if row[GEN_STATUS] > 0:
            s_gen[int(row[GEN_BUS])] += row[PG] + 1j * row[QG]
    s_inj = (s_gen - (bus[:, PD] + 1j * bus[:, QD])) / base
    br = res["branch"]
    flows = [br[:, col] / base for col in (PF, QF, PT, QT)]
    expected = np.concatenate([bus[:, VM] ** 2, s_inj.real, s_inj.imag, *flows])
    return v, expected, n, br


@pytest.mark.parametrize("name", ["case9", "case14", "case30"])
def test_grid_matrices_reproduce_pypower_power_flow(name: str) -> None:
    """⟨Y_k, vvᴴ⟩ = vᴴY_kv reproduces |V|², injections and both-end branch flows."""
    v, expected, n, br = _pypower_quantities(name)
    tmpl = grid_measurements(load_grid(name), "all")
    nl = br.shape[0]
    assert tmpl.m == 3 * n + 4 * nl
    vals = np.einsum("kij,i,j->k", tmpl.matrices, v.conj(), v)
    assert np.max(np.abs(vals.imag)) <= 1e-12 * np.max(np.abs(vals))  # Hermitian ⇒ real
    rel = np.abs(vals.real - expected) / np.maximum(np.abs(expected), 1.0)
    assert np.max(rel) <= 1e-8
    # a wrong sign on the reactive injection would be caught
    assert not np.allclose(vals.real[2 * n : 3 * n], -expected[2 * n : 3 * n], atol=1e-6)


@pytest.mark.parametrize("name", ["case9", "case14", "case30"])
def test_default_keeps_first_n_branches_like_casetoA(name: str) -> None:
    full = family(name + ":all")
    first = family(name)
    n = first.n
    nl = (full.m - 3 * n) // 4
    assert first.m == 7 * n
    # flows of branch l < n are the same matrices in both
    for kind in range(4):
        a = first.matrices[3 * n + kind * n : 3 * n + (kind + 1) * n]
        b = full.matrices[3 * n + kind * nl : 3 * n + kind * nl + n]
        assert np.array_equal(a, b)


def test_matrices_are_hermitian_and_real_sensing_is_consistent() -> None:
    t = family("case14")
    assert np.array_equal(t.matrices, np.conj(np.swapaxes(t.matrices, 1, 2)))
    rng = np.random.default_rng(0)
    x = rng.standard_normal(t.n)
    m = np.outer(x, x)
    direct = np.einsum("kij,ji->k", t.matrices, m)  # tr(Y M)
    assert np.allclose(direct.imag, 0.0, atol=1e-9)
    assert np.allclose(direct.real, np.einsum("kij,ij->k", t.real_sensing(), m))


def test_completion_and_gaussian_parsing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    mask = random_mask(5, 0.5, 3)
    assert np.array_equal(mask, mask.T)
    t = family("completion:random:0.5,3", n=5)
    assert t.m == int(np.triu(mask).sum()) and t.derive == "support"
    path = tmp_path / "mask.txt"
    path.write_text("1 0 1\n0 1 0\n1 0 1\n")
    t2 = family(f"completion:{path}")
    assert t2.n == 3 and t2.m == 4  # (0,0), (0,2), (1,1), (2,2)
    g = family("gaussian:7,1", n=4)
    assert g.matrices.shape == (7, 4, 4)
    for bad in (
        "case10",
        "gaussian:7",
        "completion:random:2,1",
        "completion:nofile",
        "gaussian:a,1",
    ):
        with pytest.raises(InvalidInputError):
            family(bad, n=4)
    with pytest.raises(InvalidInputError):
        family("gaussian:3,1")  # n missing
