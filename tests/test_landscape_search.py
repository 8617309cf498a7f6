"""The critical-point search of a given operator (ripcert.studies.landscape) and its CLI.

Expected values come from outside the search: the curated δ = 1/2 certificates (x = (0, 1/√2)
spurious, z global), the independent verifier (its own Hessian, its RIP bracket, its checks
of the written certificates), Zhang, Sojoudi & Lavaei (JMLR 2019: δ_2 < 1/2 ⇒ no spurious
local minimum at rank 1) and Theorem 3 of Ma, Chen, Lavaei & Sojoudi (arXiv:2403.06056).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from ripcert.certificate import Certificate
from ripcert.checkers.rip import rip_bracket
from ripcert.checkers.verification import Landscape, verify_file
from ripcert.cli import main
from ripcert.core.losses.l2 import L2Loss
from ripcert.studies.landscape.analysis import analyse
from ripcert.studies.landscape.operators import gaussian_operator, make_loss
from ripcert.studies.landscape.search import SearchOptions, search
from ripcert.studies.landscape.theory import TheoremContradiction, theorem_values

ROOT = Path(__file__).resolve().parents[1]
STRICT = ROOT / "certificates" / "delta_half_strict.json"
SOC = ROOT / "certificates" / "delta_half_soc.json"
X_SPURIOUS = np.array([[0.0], [2**-0.5]])


def _outer(x: np.ndarray) -> np.ndarray:
    return x @ x.T


def _near(x: np.ndarray, y: np.ndarray, tol: float) -> bool:
    return float(np.linalg.norm(_outer(x) - _outer(y))) <= tol


def _saddles_confirmed(points, op, z) -> None:
    land = Landscape.from_operator(op, z)
    for p in points:
        if p.kind == "strict_saddle":
            assert p.lambda_min < 0
            assert land.hessian_spectrum(p.x).min_eig < 0, p.x


def test_strict_delta_half_instance(tmp_path):
    cert = Certificate.load(STRICT)
    rep = analyse(
        L2Loss(cert.operator, cert.z),
        cert.operator,
        cert.z,
        SearchOptions(starts=6),
        out_dir=tmp_path,
    )
    spurious = rep.result.of_kind("spurious_local_min")
    assert len(spurious) == 1
    (p,) = spurious
    assert p.strict and p.lambda_min > 0
    assert _near(p.x, X_SPURIOUS, 1e-7)
    glob = rep.result.of_kind("global_min")
    assert len(glob) == 1 and _near(glob[0].x, cert.z, 1e-7)
    # the written certificate passes the independent verifier as a strict local minimum
    assert p.certificate is not None
    vr = verify_file(p.certificate)
    assert vr.passed, vr.failed
    assert Certificate.load(p.certificate).claim == "strict_local_min"
    _saddles_confirmed(rep.points, cert.operator, cert.z)
    assert not rep.contradictions


def test_soc_delta_half_point_is_degenerate_not_a_minimum():
    cert = Certificate.load(SOC)
    loss = L2Loss(cert.operator, cert.z)
    res = search(loss, cert.operator, cert.z, SearchOptions(starts=6))
    assert not res.of_kind("spurious_local_min")
    deg = [p for p in res.of_kind("degenerate") if _near(p.x, X_SPURIOUS, 1e-3)]
    assert len(deg) == 1
    curve = deg[0].descent
    assert curve is not None and curve.found
    # re-evaluate the curve on the verifier's own landscape: f decreases along it from x
    land = Landscape.from_operator(cert.operator, cert.z)
    f0 = land.objective(X_SPURIOUS)
    assert abs(land.objective(deg[0].x) - f0) < 1e-9
    assert len(curve.points) == 4
    prev_t = None
    for t, corr, pt in zip(curve.t, curve.correction, curve.points, strict=True):
        assert land.objective(pt) < f0 - 1e-12
        assert corr < abs(t)  # w(t) = o(t): a curve leaving x along the null direction
        assert float(np.linalg.norm(pt - deg[0].x)) <= 2 * abs(t)
        if prev_t is not None:
            assert abs(t) < abs(prev_t)  # and the decrease persists as t → 0
        prev_t = t
    # a straight line is not enough: f increases along the null direction itself
    assert land.objective(deg[0].x + abs(curve.t[2]) * curve.direction) > f0
    _saddles_confirmed(res.points, cert.operator, cert.z)


def _gaussian_ops(want_below: bool, count: int, m: int) -> list:
    """Gaussian rank-1 operators (n = 3) whose verifier bracket's upper end δ_2 is below
    (or above) 1/2; the precondition is read from ripcert.checkers.rip.rip_bracket."""
    out = []
    for seed in range(200):
        op = gaussian_operator(3, m, seed)
        up = rip_bracket(op, 2, samples=4, seed=0).delta_upper
        if (up < 0.5) == want_below:
            out.append((seed, op, up))
        if len(out) == count:
            return out
    raise AssertionError("not enough operators found")


Z3 = np.array([[1.0], [0.5], [-0.3]])


def _no_spurious_below_half(count: int) -> None:
    for seed, op, up in _gaussian_ops(True, count, m=60):
        res = search(L2Loss(op, Z3), op, Z3, SearchOptions(starts=16, seed=seed))
        kinds = {p.kind for p in res.points}
        assert "spurious_local_min" not in kinds and "degenerate" not in kinds, (seed, up)
        assert any(p.kind == "global_min" and _near(p.x, Z3, 1e-6) for p in res.points)
        _saddles_confirmed(res.points, op, Z3)


def _theorem3_above_half(count: int) -> None:
    covered = 0
    for seed, op, up in _gaussian_ops(False, count, m=10):
        with warnings.catch_warnings():
            warnings.simplefilter("error", TheoremContradiction)
            rep = analyse(L2Loss(op, Z3), op, Z3, SearchOptions(starts=16, seed=seed))
        assert rep.rip.delta == pytest.approx(up, rel=1e-9)
        for p in rep.points:
            if p.theorem is not None and p.theorem.covered:
                covered += 1
                assert p.kind == "strict_saddle", (seed, p.x)
                # Theorem 3: λ_min(∇²f_s) ≤ bound (5); ours is ∇²f = (2/γ)∇²f_s
                assert p.lambda_min_full <= p.theorem.bound
                assert p.lambda_min_full * p.theorem.scale / 2 <= p.theorem.bound_seed + 1e-12
        _saddles_confirmed(rep.points, op, Z3)
    assert covered >= count  # X = 0 is always covered when δ < 1


def test_gaussian_below_half_no_spurious_fast():
    _no_spurious_below_half(2)


def test_gaussian_theorem3_fast():
    _theorem3_above_half(2)


@pytest.mark.slow
def test_gaussian_below_half_no_spurious_ten_operators():
    _no_spurious_below_half(10)


@pytest.mark.slow
def test_gaussian_theorem3_ten_operators():
    _theorem3_above_half(10)


def test_theorem3_closed_form_at_zero():
    """At X = 0: D² = ‖zzᵀ‖² = ‖z‖⁴, σ_r = 0, so (4) holds for δ < 1 and the bound (5) is
    −‖z‖⁴(1 − δ)/‖z‖² = −‖z‖²(1 − δ)."""
    z = np.array([[1.0], [2.0]])
    d_sq, sig, tr, lhs, rhs, bound = theorem_values(np.zeros((2, 1)), z, 0.3)
    assert (d_sq, sig, tr, rhs) == (25.0, 0.0, 5.0, 0.0)
    assert bound == pytest.approx(-5.0 * 0.7)


def test_high_order_loss_search_runs_on_lifted_operator():
    """The high-order loss keeps z global (F(z) = 0) and X = 0 a strict saddle."""
    cert = Certificate.load(STRICT)
    loss = make_loss("high-order:4,5", cert.operator, cert.z)
    res = search(loss, cert.operator, cert.z, SearchOptions(starts=8))
    assert any(p.kind == "global_min" and _near(p.x, cert.z, 1e-7) for p in res.points)
    zero = [p for p in res.points if np.linalg.norm(p.x) < 1e-8]
    assert zero and zero[0].kind == "strict_saddle"


# ------------------------------------------------------------------------------ CLI
def test_cli_json(tmp_path, capsys):
    code = main(
        ["landscape", str(STRICT), "--starts", "8", "--json", "-o", str(tmp_path), "--quiet"]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    kinds = [p["kind"] for p in out["points"]]
    assert "spurious_local_min" in kinds and "global_min" in kinds
    for p in out["points"]:
        assert set(p) >= {"x", "kind", "lambda_min"}
        if p["kind"] == "spurious_local_min":
            assert verify_file(p["certificate"]).passed


def test_cli_gaussian_family_table(capsys):
    code = main(["landscape", "gaussian:60,1", "--z", "1,0.5,-0.3", "--starts", "6"])
    assert code == 0
    out = capsys.readouterr().out
    assert "global_min" in out and "Theorem 3" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["landscape", "gaussian:3", "--z", "1,2"],
        ["landscape", "nope.json", "--z", "1,2"],
        ["landscape", "talk", "--z", "1,2,3"],
        ["landscape", "talk", "--z", "1,0", "--loss", "high-order:3,1"],
        ["landscape", "talk", "--z", "1,0", "--starts", "0"],
        ["landscape", "talk"],
    ],
)
def test_cli_invalid_input(argv, tmp_path, capsys):
    code = main([*argv, "-o", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------ seed table
def test_seed_table_trends_on_a_generated_instance():
    """At Z the residual is 0, so the high-order Hessian terms (∝ ρ², ρ³ for l = 4) vanish:
    the truth's spectrum cannot depend on λ.  At λ = 0, X̂ is critical (it is the generated
    counterexample); for λ > 0 the extra gradient 2λA*(ρ³)X̂ is linear in λ."""
    from ripcert.studies.landscape.table import instance, table_rows

    inst = instance(3, 1)
    rows = table_rows(inst, (0.0, 0.5, 5.0))
    assert rows[0].grad_rel < 1e-9 and rows[0].spurious_min > 0 and rows[0].tracked_spurious
    for row in rows[1:]:
        assert row.truth_min == pytest.approx(rows[0].truth_min, rel=1e-10)
        assert row.truth_max == pytest.approx(rows[0].truth_max, rel=1e-10)
        assert row.grad_rel == pytest.approx(rows[1].grad_rel * row.lam / rows[1].lam, rel=1e-8)
    assert rows[2].spurious_max > rows[1].spurious_max > rows[0].spurious_max


# ------------------------------------------------------------------------------ pieces
def test_theorem6_closed_form_at_zero():
    """At X = 0 (σ_r = 0), (10) reads D² ≥ 0 and (11) is
    −D²(1−δ)/tr − λ_s D^{l−2}·2(1−δ)^{l/2}C(l)D²/tr with C(l) = m^{(2−l)/2}((2^l−1)/l − 1)."""
    z = np.array([[1.0], [2.0]])
    delta, lam_s, m, l_ = 0.4, 0.3, 5, 4
    d_sq, sig, tr, lhs, rhs, bound = theorem_values(np.zeros((2, 1)), z, delta, l_, lam_s, m)
    c = m ** (-1.0) * (15 / 4 - 1)
    expect = -25 * 0.6 / 5 - lam_s * 25 * 2 * 0.6**2 * c * 25 / 5
    assert (d_sq, sig, rhs) == (25.0, 0.0, 0.0)
    assert bound == pytest.approx(expect, rel=1e-14)


def test_lanczos_spectrum_matches_dense(monkeypatch):
    """The matrix-free (eigsh) path of the Hessian spectrum agrees with the dense one."""
    from ripcert.studies.landscape import hessian

    cert = Certificate.load(ROOT / "certificates" / "random_r2_rstar2_n5.json")
    loss = L2Loss(cert.operator, cert.z)
    x = cert.x + 0.1 * np.random.default_rng(0).standard_normal(cert.x.shape)
    dense = hessian.spectrum(loss, x)
    monkeypatch.setattr(hessian, "DENSE_MAX_NR", 0)
    sparse = hessian.spectrum(loss, x)
    for name in ("lambda_min", "lambda_max", "lambda_min_horizontal"):
        assert getattr(sparse, name) == pytest.approx(getattr(dense, name), rel=1e-8, abs=1e-9)


def test_relaxation_recovers_or_not():
    """ZZᵀ is feasible, so the optimum has tr M ≤ tr ZZᵀ; with one Gaussian measurement of a
    3×3 matrix the minimiser is a different (lower-trace) matrix, with 60 it is ZZᵀ."""
    from ripcert.studies.landscape.relaxation import convex_relaxation

    few = convex_relaxation(gaussian_operator(3, 1, 0), Z3)
    assert not few.recovered and few.trace < few.trace_truth - 1e-3
    many = convex_relaxation(gaussian_operator(3, 60, 0), Z3)
    assert many.recovered and many.trace == pytest.approx(many.trace_truth, rel=1e-6)
