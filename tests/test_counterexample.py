"""The counterexample SDP against independent values: docs/math.md §5 closed form and known
values, §7 theory, a second solver (SCS), and the full (unreduced) SDP."""

import numpy as np
import pytest

import ripcert
from conftest import X_HALF, Z_HALF, overparam_pair
from ripcert import NoCounterexampleError, generate
from ripcert.core.closed_form import rank1_delta
from ripcert.core.landscape import hessian, restricted_min_eig, symmetry_directions
from ripcert.generator.counterexample import delta_star


def test_delta_half_instance():
    cert = generate(X_HALF, Z_HALF)
    assert cert.delta == pytest.approx(0.5, abs=1e-6)
    assert cert.claim == "second_order_critical"
    # the talk's operator has γ = 1/2 with kernel spectrum {1, 3, 3}; ours is normalised
    # differently but must give the same δ, hence L/ℓ = 3
    lo, hi = cert.operator.spectrum_bounds()
    assert hi / lo == pytest.approx(3.0, rel=1e-6)
    assert cert.scale == pytest.approx(2 / (lo + hi))


@pytest.mark.parametrize(
    "x,expected",
    [
        ((0.0, 2**-0.5), 0.5),
        ((0.0, 1.0), 2**-0.5),
        ((0.5, 0.5), 3**0.5 / 2),
        ((2**-0.5 * np.cos(np.pi / 3), 2**-0.5 * np.sin(np.pi / 3)), 11 / 15),
    ],
)
def test_known_values(x, expected):
    assert generate(np.array(x), Z_HALF).delta == pytest.approx(expected, abs=1e-6)


def test_agrees_with_closed_form_on_random_pairs():
    rng = np.random.default_rng(7)
    worst = 0.0
    for _k in range(60):
        n = int(rng.integers(2, 51))
        x, z = rng.standard_normal(n), rng.standard_normal(n)
        x *= np.exp(rng.uniform(-1.5, 1.5))  # vary ‖x‖/‖z‖
        cert = generate(x, z)
        worst = max(worst, abs(cert.delta - rank1_delta(x, z)))
    assert worst < 1e-6


@pytest.mark.parametrize("seed", range(6))
def test_reduced_equals_full_sdp(seed):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(2, 6))
    r = int(rng.integers(1, min(2, n) + 1))
    rs = int(rng.integers(1, r + 1))
    x, z = rng.standard_normal((n, r)), rng.standard_normal((n, rs))
    assert delta_star(x, z, reduce=True) == pytest.approx(delta_star(x, z, reduce=False), abs=1e-6)


def test_scs_agrees_with_clarabel(rng):
    for _ in range(5):
        x, z = rng.standard_normal((4, 2)), rng.standard_normal((4, 1))
        a = generate(x, z, solver="clarabel")
        b = generate(x, z, solver="scs")
        assert b.solver["name"] == "scs"
        assert a.delta == pytest.approx(b.delta, abs=1e-6)


def test_clarabel_solves_random_rank3_instances_without_fallback():
    """Regression: with all n·r first-order equations (r(r−1)/2 of them redundant) Clarabel
    stalled at AlmostSolved on random r = r* = 3 pairs and every solve fell back to SCS."""
    rng = np.random.default_rng(2026)
    for _ in range(3):
        x, z = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
        a = generate(x, z, solver="clarabel")
        assert a.solver["name"] == "clarabel" and len(a.solver["attempts"]) == 1
        b = generate(x, z, solver="scs")
        assert b.solver["name"] == "scs"
        assert a.delta == pytest.approx(b.delta, abs=1e-6)


@pytest.mark.parametrize("r,rs", [(2, 1), (2, 2), (3, 1), (3, 2)])
def test_overparameterised_family(r, rs):
    x, z, theory = overparam_pair(r, rs)
    assert generate(x, z).delta == pytest.approx(theory, abs=1e-6)


def test_margin_gives_strict_local_min_with_math_value():
    cert = generate(X_HALF, Z_HALF, margin=1e-3)
    assert cert.claim == "strict_local_min"
    assert cert.delta == pytest.approx(0.50025, abs=1e-5)  # docs/math.md §3
    assert cert.delta > 0.5


def _instance_with_counterexample(rng, n, r, rs):
    """Random (X, Z) whose δ* < 0.95 (many random rank-2 pairs have δ* = 1)."""
    while True:
        x, z = rng.standard_normal((n, r)), rng.standard_normal((n, rs))
        if delta_star(x, z) < 0.95:
            return x, z


@pytest.mark.parametrize("n,r,rs", [(3, 2, 1), (4, 2, 2), (6, 2, 1)])
def test_margin_hessian_positive_definite_off_symmetry_directions(rng, n, r, rs):
    x, z = _instance_with_counterexample(rng, n, r, rs)
    mu = 1e-3
    cert = generate(x, z, margin=mu)
    h = cert.operator.dense_kernel()
    hess = hessian(h / np.linalg.eigvalsh(h)[-1], x, z)
    # ½∇²f̂ ⪰ μ‖ZZᵀ‖ off {XΩ}; along {XΩ} the curvature is zero (r > 1)
    lam = restricted_min_eig(hess, x)
    assert lam / 2 >= cert.margin * np.linalg.norm(z @ z.T) * (1 - 1e-5)
    assert lam > 0
    q = symmetry_directions(x)
    np.testing.assert_allclose(q.T @ hess @ q, 0, atol=1e-6 * np.linalg.norm(hess))
    # without a margin the same instance is only SOC: some direction is (near) flat
    soc = generate(x, z)
    hs = soc.operator.dense_kernel()
    assert restricted_min_eig(hessian(hs / np.linalg.eigvalsh(hs)[-1], x, z), x) < lam


def test_invariant_under_rotation_of_factors(rng):
    x, z = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    q, _ = np.linalg.qr(rng.standard_normal((2, 2)))
    assert delta_star(x @ q, z) == pytest.approx(delta_star(x, z), abs=1e-6)


@pytest.mark.parametrize(
    "x,z,reason",
    [
        (np.zeros(3), np.array([1.0, 0, 0]), "X = 0"),
        (np.array([1.0, 2.0]), np.array([-1.0, -2.0]), "global"),
        (np.array([2.0, 4.0]), np.array([1.0, 2.0]), "collinear"),
        (np.array([[1.0, 0], [0, 1]]), np.array([[0, 1.0], [1.0, 0]]), "global"),
    ],
)
def test_no_counterexample_cases(x, z, reason):
    with pytest.raises(NoCounterexampleError, match=reason):
        generate(x, z)
    assert delta_star(x, z) == 1.0


def test_delta_one_instance_reported_as_no_counterexample():
    # docs/math.md §3: with μ = 0 the optimum η* = 0 is attained at H = 0; with μ > 0 the SDP
    # pushes η below 0.  Both mean no δ < 1 counterexample.  This pair has δ* = 1
    # according to both Clarabel and SCS (checked: η* ≈ 2e-9).
    rng = np.random.default_rng(20181203)
    x, z = rng.standard_normal((3, 2)), rng.standard_normal((3, 1))
    for margin in (0.0, 1e-2):
        for solver in ("clarabel", "scs"):
            with pytest.raises(NoCounterexampleError, match="δ"):
                generate(x, z, margin=margin, solver=solver)


def test_strict_claim_refused_for_rank_deficient_x_in_larger_n():
    x = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    z = np.array([[0.0], [1.0], [0.0], [0.0]])
    with pytest.raises(NoCounterexampleError, match="rank-deficient"):
        generate(x, z, margin=1e-3)


@pytest.mark.parametrize(
    "x,z",
    [
        ([np.nan, 1.0], [1.0, 0.0]),
        ([1.0, np.inf], [1.0, 0.0]),
        ([1.0, 0.0, 0.0], [1.0, 0.0]),
        ([[1.0], [0.0]], [[1.0, 0.0], [0.0, 1.0]]),
        ([], [1.0]),
        ("abc", [1.0, 0.0]),
    ],
)
def test_invalid_input(x, z):
    with pytest.raises(ripcert.InvalidInputError):
        generate(x, z)


def test_negative_margin_and_unknown_solver_rejected():
    with pytest.raises(ripcert.InvalidInputError):
        generate(X_HALF, Z_HALF, margin=-1.0)
    with pytest.raises(ripcert.InvalidInputError, match="solver"):
        generate(X_HALF, Z_HALF, solver="mosek")


def test_solver_failure_is_an_error_not_a_result(monkeypatch):
    """Every back-end reports an inaccurate solve (with a plausible point): never a result."""
    import ripcert.generator.sdp.engine as engine
    from ripcert.generator.sdp.backends import RawSolution

    def inaccurate(prog, name, *settings):
        x = np.zeros(prog.num_vars)
        x[-1] = 0.5
        return RawSolution(name, "optimal_inaccurate", "AlmostSolved", x, None, 0.0, 1)

    monkeypatch.setattr(engine, "run_backend", inaccurate)
    with pytest.raises(ripcert.SolverError, match="optimal_inaccurate"):
        generate(X_HALF, Z_HALF)


def test_solver_report_has_residuals_and_timing():
    s = generate(X_HALF, Z_HALF).solver
    assert s["status"] == "optimal" and s["name"] == "clarabel"
    assert s["residuals"]["first_order_rel"] < 1e-8
    assert s["seconds"] > 0 and s["reduced"] is True
