"""The SDP engine: blocks against dense formulas, back-ends against each other, the closed form,
and one solve per SDP on the certified path."""

from __future__ import annotations

import numpy as np
import pytest

from ripcert.cli import main
from ripcert.core.closed_form import rank1_delta
from ripcert.core.landscape import lift_map, residual
from ripcert.core.vectorization import sdim, smat
from ripcert.generator.problem import CounterexampleProblem
from ripcert.generator.sdp import counterexample_program, solve
from ripcert.generator.sdp.blocks import FirstOrder, Isometry, SecondOrder, geometry
from ripcert.generator.sdp.cones import smat_c


@pytest.mark.parametrize(("n", "r"), [(2, 1), (3, 2), (4, 3)])
def test_blocks_match_dense_formulas(n, r):
    """Each block's affine map equals the dense formula of docs/math.md §1 at a random H."""
    rng = np.random.default_rng(n + r)
    x, z = rng.standard_normal((n, r)), rng.standard_normal((n, 1))
    geo = geometry(x, z)
    d = sdim(n)
    theta = rng.standard_normal(sdim(d))
    h = smat(theta)
    lx, e = lift_map(x), residual(x, z)
    sel = np.eye(n * r)[:, geo.keep]
    bracket = lx.T @ h @ lx + 2 * np.kron(np.eye(r), smat(h @ e))
    foc = FirstOrder().rows(geo)
    assert np.allclose(foc.a[:, :-1] @ theta, sel.T @ (lx.T @ h @ e), atol=1e-12)
    soc = SecondOrder(0.0).rows(geo)
    got = smat_c(soc.b - soc.a[:, :-1] @ theta, geo.q)
    assert np.allclose(got, sel.T @ bracket @ sel, atol=1e-12)
    lower, upper = Isometry().rows_pair(geo)
    assert np.allclose(smat_c(lower.b - lower.a[:, :-1] @ theta, d), h)
    assert np.allclose(smat_c(upper.b - upper.a[:, :-1] @ theta, d), np.eye(d) - h)


def test_coordinate_complement_drops_exactly_the_redundant_rows():
    """r(r−1)/2 coordinates are dropped and the dropped block of {XΩ} is invertible."""
    from ripcert.generator.sdp.blocks import kept_coordinates, symmetry_generators

    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 4))
    keep = kept_coordinates(x)
    gens = symmetry_generators(x)
    dropped = np.setdiff1d(np.arange(24), keep)
    assert len(dropped) == 6
    assert np.linalg.matrix_rank(gens[dropped]) == 6


@pytest.mark.parametrize("backend", ["clarabel", "scs", "cvxpy:CLARABEL"])
def test_backends_agree_with_the_rank1_closed_form(backend):
    """δ* from each back-end against the closed form (docs/math.md §5) on random pairs."""
    rng = np.random.default_rng(11)
    for _ in range(3):
        x, z = rng.standard_normal((2, 1)), rng.standard_normal((2, 1))
        s = np.linalg.norm(z @ z.T) ** -0.5
        sol = solve(CounterexampleProblem(x * s, z * s), backend)
        assert sol.report.name == backend.lower()
        assert sol.delta == pytest.approx(rank1_delta(x, z), abs=2e-6)


def test_clarabel_and_scs_agree_at_rank_three():
    rng = np.random.default_rng(3)
    x, z = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    s = np.linalg.norm(z.T @ z) ** -0.5
    p = CounterexampleProblem(x * s, z * s)
    assert solve(p, "clarabel").delta == pytest.approx(solve(p, "scs").delta, abs=1e-6)


def test_duals_are_kept_per_block():
    x, z = np.array([[0.0], [2**-0.5]]), np.array([[1.0], [0.0]])
    sol = solve(CounterexampleProblem(x, z))
    assert set(sol.duals) >= {"first_order", "second_order", "isometry_lower", "isometry_upper"}
    # strong duality on the η-form: η* = ⟨Λ_lower, I⟩ (the objective's dual reading)
    assert np.trace(sol.duals["isometry_lower"]) == pytest.approx(1.0, abs=1e-6)
    assert np.linalg.eigvalsh(sol.duals["isometry_upper"])[0] > -1e-8


def test_program_size_is_sparse_at_rank_six():
    """The compressed bracket has O(r²) entries of θ per row, not all of them."""
    rng = np.random.default_rng(0)
    x, z = rng.standard_normal((12, 6)), rng.standard_normal((12, 6))
    prog, _ = counterexample_program(x, z)
    dense = prog.a.shape[0] * prog.a.shape[1]
    assert prog.a.nnz < 0.05 * dense


def test_generate_exact_solves_each_sdp_once(monkeypatch, capsys):
    """``generate --exact``: one engine solve, no cvxpy solve (the dual reuses its multipliers)."""
    import cvxpy as cp

    import ripcert.generator.sdp.engine as engine

    calls: list[str] = []
    real = engine.run_backend

    def counting(prog, name, *settings):
        calls.append(name)
        return real(prog, name, *settings)

    cvx: list[int] = []
    real_cvx = cp.Problem.solve

    def counting_cvx(self, *args, **kwargs):
        cvx.append(1)
        return real_cvx(self, *args, **kwargs)

    monkeypatch.setattr(engine, "run_backend", counting)
    monkeypatch.setattr(cp.Problem, "solve", counting_cvx)
    assert main(["generate", "--x", "0,0.7071067811865476", "--z", "1,0", "--exact"]) == 0
    out = capsys.readouterr().out
    assert "dual" in out
    assert calls == ["clarabel"] and cvx == []


# -- X-aligned coordinates (generator/sdp/alignment.py) -------------------------------------
def test_alignment_is_an_orthogonal_change_of_coordinates():
    """X' = QᵀXV is diagonal, T and K are orthogonal and carry e and the bracket across
    (dense formulas of docs/math.md §1 in both coordinate systems)."""
    from ripcert.core.vectorization import svec
    from ripcert.generator.sdp.alignment import Alignment

    rng = np.random.default_rng(7)
    x, z = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    xa, za, al = Alignment.reduce(x, z)
    diag = np.zeros_like(xa)
    diag[:3, :3] = np.diag(np.diag(xa))
    assert np.count_nonzero(xa - diag) == 0  # exactly [diag(σ); 0]
    assert np.allclose(al.q.T @ x @ al.v, xa, atol=1e-12) and np.allclose(al.q.T @ z, za)
    t, k = al.svec_map(), al.vec_map()
    assert np.allclose(t @ t.T, np.eye(len(t))) and np.allclose(k @ k.T, np.eye(len(k)))
    assert np.allclose(t @ residual(x, z), residual(xa, za), atol=1e-12)
    h = smat(rng.standard_normal(sdim(sdim(5))))
    ha = t @ h @ t.T
    assert np.allclose(al.kernel(ha), h, atol=1e-12)
    br = lift_map(x).T @ h @ lift_map(x) + 2 * np.kron(np.eye(3), smat(h @ residual(x, z)))
    bra = lift_map(xa).T @ ha @ lift_map(xa) + 2 * np.kron(np.eye(3), smat(ha @ residual(xa, za)))
    assert np.allclose(k @ br @ k.T, bra, atol=1e-10)
    m = rng.standard_normal((5, 5))
    m = m + m.T
    assert np.allclose(t @ svec(m), svec(al.q.T @ m @ al.q))


def test_aligned_solve_matches_the_unaligned_program():
    """Above ALIGN_MIN_VARS the engine solves in aligned coordinates; a second solver
    (Clarabel) on the unaligned program gives the same δ*, and the returned kernel passes the
    dense residual checks in the caller's coordinates."""
    from ripcert.generator.sdp.backends import run_backend
    from ripcert.generator.sdp.engine import ALIGN_MIN_VARS, _accurate, residuals

    rng = np.random.default_rng(11)
    x, z = rng.standard_normal((8, 4)), rng.standard_normal((8, 4))
    s = np.linalg.norm(z @ z.T) ** -0.5
    prob = CounterexampleProblem(s * x, s * z)
    prog, layout = counterexample_program(prob.x, prob.z)
    assert prog.num_vars > ALIGN_MIN_VARS
    ref = run_backend(prog, "clarabel")
    assert ref.status == "optimal" and ref.x is not None
    sol = solve(prob, "scs")
    assert sol.report.name == "scs" and sol.keep is None  # multipliers mapped back, uncompressed
    assert sol.eta == pytest.approx(layout.eta(ref.x), abs=1e-6)
    assert _accurate(residuals(prob, sol.kernel, sol.eta))
    assert sol.duals["second_order"].shape == (32, 32)
    assert np.linalg.eigvalsh(sol.duals["second_order"])[0] > -1e-6  # still PSD after K·Kᵀ


@pytest.mark.slow
def test_aligned_multipliers_give_a_tight_rigorous_dual_bound():
    """The multipliers of an aligned solve, mapped back, make the exact dual bound L tight:
    U − L ≤ 1e-5 at r = r* = 4 (a wrong map back would leave L far below, or no bound)."""
    from ripcert.core.examples import random_pair
    from ripcert.generator.counterexample import generate_solved
    from ripcert.maker.certify import certify

    x, z = random_pair(40, 4, 4, 1)
    cert, solved = generate_solved(x, z)
    assert solved.solution.keep is None
    dual = certify(cert, solved).extra.get("dual")
    assert dual is not None
    assert dual["upper"] - dual["lower"] <= 1e-5
