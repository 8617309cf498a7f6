"""Robust ℓ1 sensing: the model, the saddle certificate and its checker, the subgradient method.

Independent references: exact ``Fraction`` arithmetic (model exactness, dyadic forms), the
ℓ1 loss's own piecewise structure along the ray (:mod:`ripcert.core.losses.l1`, a separate
code path from the maker and the checker), brute-force loss evaluations, the SDP relaxation
(a convex lower bound on q), and E[sign(⟨A, X⟩)A] = √(2/π) X/‖X‖_F for Gaussian A.

Regimes (r* = 3, r′ = d, p = 0.1, all with m ≤ d·r′):

* d = 20, m = 140: the truth is a certified saddle (fast subset: 2 seeds; slow: 10 seeds).
  At the seed's experimental size m = 300 it is *not* (the convex relaxation of min q is
  positive, :func:`test_issue_size_m300_has_no_direction`), and at m = 140 the subgradient
  method stalls near 10⁻³–10⁻², so d = 20 has no size where both claims hold.
* d = 30, m = 300 (slow, 10 seeds): certified saddle *and* recovery by the subgradient method
  from a small spectral initialisation — relative error ≤ 2·10⁻³ on every seed and ≤ 10⁻³ in
  the median (measured: 3·10⁻⁴ … 1.4·10⁻³).
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pytest

from ripcert.certificate.io import payload_hash
from ripcert.certificate.robust import RobustCertificate
from ripcert.checkers.robust import dyadic, int_matmul, verify_robust
from ripcert.checkers.verification import exit_code, verify_file
from ripcert.core.losses.l1 import L1Loss
from ripcert.errors import CertificateFormatError, InvalidInputError
from ripcert.generator.robust import (
    RobustInstance,
    RobustModel,
    SearchProtocol,
    make_certificate,
    make_instance,
    sdp_lower_bound,
    search_direction,
)
from ripcert.studies.subgradient import (
    SubgradientProtocol,
    fit_power,
    spectral_factor,
    subgradient_method,
)

REGIME = {"d": 20, "r_star": 3, "r_prime": 20, "m": 140, "p": 0.1}
RECOVERY_REGIME = {"d": 30, "r_star": 3, "r_prime": 30, "m": 300, "p": 0.1}
#: small spectral initialisation U₀ = α·B, geometric steps η·ρ^t
RECOVERY = SubgradientProtocol(
    iterations=5000, eta=0.04, rho=0.998, alpha=1e-6, init="spectral", trials=1
)


def _cert(seed: int, regime: dict = REGIME):
    inst = make_instance(RobustModel(**{**regime, "seed": seed}))
    cert, search = make_certificate(inst)
    return inst, cert, search


@pytest.fixture(scope="module")
def small():
    """A small instance whose truth is a saddle (d = 12, m = 40 ≤ d·r′)."""
    inst = make_instance(RobustModel(d=12, r_star=2, r_prime=12, m=40, p=0.1, seed=1))
    cert, _ = make_certificate(inst)
    assert cert is not None
    return inst, cert


# ---------------------------------------------------------------------------------------
# the model
# ---------------------------------------------------------------------------------------
def test_model_inliers_fit_exactly_in_rational_arithmetic():
    inst = make_instance(RobustModel(d=6, r_star=2, r_prime=4, m=30, p=0.2, seed=3))
    x = [[Fraction(v) for v in row] for row in inst.x_star]
    out = set(inst.outliers.tolist())
    assert len(out) == math.ceil(0.2 * 30)
    for i in range(30):
        exact = sum(Fraction(inst.sensing[i, j, k]) * x[j][k] for j in range(6) for k in range(6))
        res = Fraction(inst.y[i]) - exact
        assert (res == 0) == (i not in out)
    # U* = [U0, 0] with rank r*, and the stored residuals agree
    assert np.linalg.matrix_rank(inst.u_star) == 2 and not inst.u_star[:, 2:].any()
    assert np.count_nonzero(inst.residuals) == len(out)


def test_model_is_seeded_and_roundtrips(tmp_path):
    model = RobustModel(d=5, r_star=1, r_prime=3, m=12, p=0.1, seed=9)
    a, b = make_instance(model), make_instance(model)
    np.testing.assert_array_equal(a.sensing, b.sensing)
    np.testing.assert_array_equal(a.y, b.y)
    a.save(tmp_path / "inst.json")
    c = RobustInstance.load(tmp_path / "inst.json")
    assert c.model == model
    np.testing.assert_array_equal(c.y, a.y)
    np.testing.assert_array_equal(c.sensing, a.sensing)
    np.testing.assert_array_equal(c.outliers, a.outliers)


def test_model_rejects_bad_parameters():
    with pytest.raises(InvalidInputError):
        RobustModel(d=5, r_star=3, r_prime=2, m=10)
    with pytest.raises(InvalidInputError):
        RobustModel(d=5, r_star=1, r_prime=2, m=10, p=1.0)
    with pytest.raises(InvalidInputError):
        RobustModel(d=5, r_star=1, r_prime=2, m=10, noise="cauchy")


# ---------------------------------------------------------------------------------------
# exact arithmetic of the checker
# ---------------------------------------------------------------------------------------
def test_dyadic_form_is_exact():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(50) * 10.0 ** rng.integers(-30, 30, 50), [0.0, -0.0]])
    dz = dyadic(x)
    for v, n in zip(x, dz.n, strict=True):
        assert Fraction(int(n), 2**dz.e) == Fraction(float(v))


def test_int_matmul_is_exact_beyond_int64():
    a = np.array([[2**40, 3], [1, -(2**40)]], dtype=object)
    b = np.array([2**40, 7], dtype=object)
    assert [int(v) for v in int_matmul(a, b)] == [2**80 + 21, 2**40 - 7 * 2**40]


# ---------------------------------------------------------------------------------------
# the certificate: identity, t_max, tampering
# ---------------------------------------------------------------------------------------
def test_identity_along_the_ray_matches_the_loss(small):
    """L(U*+tΔU) − L(U*) = t²q on (0, t_max]: checked by the ℓ1 loss module's own ray."""
    _, cert = small
    loss = L1Loss(cert.sensing, cert.y)
    ray = loss.ray(cert.u_star, cert.delta_u)
    assert np.all(ray.b == 0)  # ΔU U*ᵀ = 0: no first-order term at all
    assert loss.directional(cert.u_star, cert.delta_u) == 0.0
    first = ray.pieces(cert.t_max)[0]
    lo, hi, (al, be, ga) = first
    assert lo == 0.0 and hi == cert.t_max  # no breakpoint inside (0, t_max)
    assert al == pytest.approx(loss.value(cert.u_star), rel=1e-13)
    assert be == 0.0
    assert ga == pytest.approx(cert.q, rel=1e-12)
    for t in np.linspace(0.0, cert.t_max, 9)[1:]:
        diff = loss.value(cert.u_star + t * cert.delta_u) - loss.value(cert.u_star)
        assert diff == pytest.approx(t * t * cert.q, rel=1e-9)
        assert diff < 0


def test_t_max_is_the_sign_preserving_limit(small):
    """Just beyond t_max·(1 + 1e-3) a residual has changed sign and the identity fails."""
    _, cert = small
    loss = L1Loss(cert.sensing, cert.y)
    ray = loss.ray(cert.u_star, cert.delta_u)
    bps = ray.breakpoints()
    assert bps.size and bps[0] >= cert.t_max and bps[0] <= cert.t_max * (1 + 1e-5)
    t = bps[0] * 1.001
    diff = loss.value(cert.u_star + t * cert.delta_u) - loss.value(cert.u_star)
    assert diff > t * t * cert.q + 1e-12


def test_small_certificate_verifies_exactly(small, tmp_path):
    _, cert = small
    cert.save(tmp_path / "c.json")
    rep = verify_file(tmp_path / "c.json", exact=True)
    assert rep.status == "passed", rep.failed
    assert rep.claim == "ground_truth_is_saddle"
    exact = [c for c in rep.checks if c.evidence == "exact"]
    assert {c.name for c in exact} >= {
        "exact_orthogonality",
        "exact_q_negative",
        "exact_signs",
        "exact_identity",
        "exact_stationarity",
    }
    assert exit_code([rep]) == 0


def test_truth_is_stationary_along_random_directions(small):
    """0 ∈ ∂L(U*) (the multipliers) implies L'(U*; V) ≥ 0 for every V: checked by the ℓ1
    loss's exact one-sided directional derivative on random directions."""
    _, cert = small
    loss = L1Loss(cert.sensing, cert.y)
    rng = np.random.default_rng(11)
    dirs = [rng.standard_normal(cert.u_star.shape) for _ in range(200)]
    assert min(loss.directional(cert.u_star, v) for v in dirs) >= -1e-12
    assert cert.multipliers is not None
    lam = cert.multipliers
    zero = cert.y - np.einsum("kij,ij->k", cert.sensing, cert.u_star @ cert.u_star.T) == 0
    assert np.all(np.abs(lam[zero]) <= 1) and not np.all(np.abs(lam[zero]) == 1)


def _tampered(cert: RobustCertificate, path, edit, rehash: bool = True):
    d = cert.to_dict()
    edit(d["robust"])
    if rehash:
        body = {k: v for k, v in d.items() if k != "sha256"}
        d["sha256"] = payload_hash(body)
    path.write_text(json.dumps(d))
    return verify_file(path, exact=True)


def _break_orthogonality(rob):
    rob["delta_u"][0][0] = 0.5  # first column belongs to U₀: ΔU U*ᵀ ≠ 0


def _flip_q(rob):
    rob["q"] = -rob["q"]


def _raise_t_max(rob):
    rob["t_max"] = rob["t_max"] * 1.01


def _flip_multipliers(rob):
    rob["multipliers"] = [-v for v in rob["multipliers"]]


@pytest.mark.parametrize(
    "edit, must_fail",
    [
        (_break_orthogonality, {"orthogonality", "exact_orthogonality", "exact_identity"}),
        (_flip_q, {"q_negative", "q_value", "exact_q_value"}),
        (_raise_t_max, {"t_max", "exact_signs", "exact_identity"}),
        (_flip_multipliers, {"stationarity"}),
    ],
    ids=["delta_u_not_orthogonal", "q_sign_flipped", "t_max_raised", "multipliers_flipped"],
)
def test_tampering_fails(small, tmp_path, edit, must_fail):
    _, cert = small
    rep = _tampered(cert, tmp_path / "t.json", edit)
    assert rep.status == "failed"
    assert must_fail <= set(rep.failed), rep.failed
    assert exit_code([rep]) == 1
    # without re-hashing, the file is invalid (exit 2) before any mathematics
    rep = _tampered(cert, tmp_path / "u.json", edit, rehash=False)
    assert rep.status == "invalid" and exit_code([rep]) == 2


def test_reader_rejects_malformed(small):
    _, cert = small
    d = cert.to_dict()
    d["robust"]["y"] = d["robust"]["y"][:-1]
    d["sha256"] = payload_hash({k: v for k, v in d.items() if k != "sha256"})
    with pytest.raises(CertificateFormatError, match="y has shape"):
        RobustCertificate.from_dict(d)
    with pytest.raises(CertificateFormatError):
        verify_robust({**cert.to_dict(), "claim": "strict_local_min"})


# ---------------------------------------------------------------------------------------
# the regime of the seed: certificates for 10 seeds, and recovery anyway
# ---------------------------------------------------------------------------------------
def _issue_and_verify(seed: int, tmp_path, regime: dict = REGIME) -> RobustInstance:
    inst, cert, search = _cert(seed, regime)
    assert cert is not None, f"seed {seed}: best q = {search.q}"
    assert cert.q < 0 and cert.t_max > 0
    path = tmp_path / f"robust_{seed}.json"
    cert.save(path)
    rep = verify_file(path, exact=True)
    assert rep.status == "passed", rep.failed
    assert rep.extra["q"] == cert.q and rep.extra["t_max"] == cert.t_max
    return inst


@pytest.mark.parametrize("seed", [0, 1])
def test_regime_certificate_fast(seed, tmp_path):
    _issue_and_verify(seed, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(2, 10))
def test_regime_certificate(seed, tmp_path):
    _issue_and_verify(seed, tmp_path)


@pytest.mark.slow
def test_certified_saddle_is_solved_anyway(tmp_path):
    """d = 30, m = 300: ten certified saddles, each recovered by the subgradient method."""
    errors = []
    for seed in range(10):
        inst = _issue_and_verify(seed, tmp_path, RECOVERY_REGIME)
        res = subgradient_method(inst.sensing, inst.y, inst.x_star, 30, RECOVERY)
        errors.append(float(res.relative_final[0]))
    assert max(errors) <= 2e-3, errors
    assert float(np.median(errors)) <= 1e-3, errors


def test_no_direction_when_m_is_large():
    """m = 400 ≫ d·r′ = 64: the search finds no direction, and the convex relaxation of
    min q over all admissible directions (any rank) is positive."""
    inst = make_instance(RobustModel(d=8, r_star=2, r_prime=8, m=400, p=0.1, seed=1))
    cert, search = make_certificate(inst, SearchProtocol(restarts=8, iterations=800))
    assert cert is None and not search.found and search.q > 0
    bound = sdp_lower_bound(inst.sensing, inst.residuals)
    assert bound["status"] == "optimal"
    assert 0 < bound["value"] <= search.q + 1e-6  # a lower bound on what the search found


@pytest.mark.slow
def test_issue_size_m300_has_no_direction():
    """d = 20, r* = 3, r′ = 20, m = 300, p = 0.1: relaxation > 0 on three seeds."""
    for seed in range(3):
        inst = make_instance(RobustModel(d=20, r_star=3, r_prime=20, m=300, p=0.1, seed=seed))
        bound = sdp_lower_bound(inst.sensing, inst.residuals)
        assert bound["value"] > 0.02
        s = search_direction(inst.sensing, inst.residuals, inst.u_star)
        assert not s.found and s.q >= bound["value"] - 1e-6


def test_search_value_agrees_with_relaxation_when_negative():
    """The polished q is close to the global minimum of the convex relaxation."""
    inst = make_instance(RobustModel(d=10, r_star=2, r_prime=10, m=30, p=0.1, seed=2))
    s = search_direction(inst.sensing, inst.residuals, inst.u_star)
    bound = sdp_lower_bound(inst.sensing, inst.residuals)
    assert s.found
    assert bound["value"] <= s.q + 1e-6
    assert s.q <= 0.8 * bound["value"]  # within 20% of the global minimum (both negative)


def test_full_rank_search_rank_is_refused():
    inst = make_instance(RobustModel(d=6, r_star=2, r_prime=2, m=20, p=0.1, seed=0))
    with pytest.raises(InvalidInputError, match="full column rank"):
        search_direction(inst.sensing, inst.residuals, inst.u_star)


# ---------------------------------------------------------------------------------------
# the subgradient method
# ---------------------------------------------------------------------------------------
def test_spectral_estimate_matches_its_expectation():
    """E[sign(⟨A, X⟩) sym(A)] = √(2/π) X/‖X‖_F: C concentrates on it (noiseless, m large)."""
    rng = np.random.default_rng(5)
    d, m = 4, 40_000
    u = rng.standard_normal((d, 2))
    x = u @ u.T
    a = rng.standard_normal((m, d, d))
    y = np.einsum("kij,ij->k", a, x)
    b = spectral_factor(a, y, 2)
    target = math.sqrt(2 / math.pi) * x / np.linalg.norm(x)
    assert np.linalg.norm(b @ b.T - target) <= 0.05 * np.linalg.norm(target)


def test_l1_beats_l2_under_outliers():
    inst = make_instance(RobustModel(d=10, r_star=2, r_prime=10, m=200, p=0.1, seed=4))
    kw = dict(iterations=3000, eta=0.02, rho=0.999, alpha=1e-4, trials=2)
    l1 = subgradient_method(inst.sensing, inst.y, inst.x_star, 10, SubgradientProtocol(**kw))
    l2 = subgradient_method(
        inst.sensing,
        inst.y,
        inst.x_star,
        10,
        SubgradientProtocol(**{**kw, "loss": "l2", "eta": 0.005, "rho": 1.0}),
    )
    assert np.all(l1.relative_final < 1e-2)
    assert np.all(l2.relative_final > 0.1)
    assert l1.errors.shape == (2, 3001)


def test_fit_power_recovers_a_known_exponent():
    alphas = np.logspace(-6, -2, 5)
    gamma, c = fit_power(alphas, 3.0 * alphas**0.7)
    assert gamma == pytest.approx(0.7, abs=1e-12) and c == pytest.approx(math.log(3.0))


def test_subgradient_rejects_bad_protocol():
    with pytest.raises(InvalidInputError):
        SubgradientProtocol(step="armijo")
    with pytest.raises(InvalidInputError):
        SubgradientProtocol(rho=1.5)


# ---------------------------------------------------------------------------------------
# the command line
# ---------------------------------------------------------------------------------------
def test_cli_saddle_then_verify(tmp_path, capsys):
    from ripcert.cli import main

    out = tmp_path / "c.json"
    args = ["robust", "saddle", "--d", "12", "--r-star", "2", "--m", "40", "--seed", "1"]
    assert (
        main([*args, "--quiet", "-o", str(out), "--save-instance", str(tmp_path / "i.json")]) == 0
    )
    text = capsys.readouterr().out
    assert "q = -" in text and "t_max" in text
    assert main(["verify", "--exact", str(out)]) == 0
    assert "PASSED" in capsys.readouterr().out
    # the saved instance reproduces the certificate's data
    inst = RobustInstance.load(tmp_path / "i.json")
    cert = RobustCertificate.load(out)
    np.testing.assert_array_equal(inst.y, cert.y)
    # tampered (re-hashed) → exit 1; corrupted → exit 2
    d = json.loads(out.read_text())
    d["robust"]["t_max"] *= 1.01
    d["sha256"] = payload_hash({k: v for k, v in d.items() if k != "sha256"})
    (tmp_path / "t.json").write_text(json.dumps(d))
    assert main(["verify", "--exact", str(tmp_path / "t.json")]) == 1
    d["robust"]["q"] = 1.0
    (tmp_path / "u.json").write_text(json.dumps(d))
    assert main(["verify", str(tmp_path / "u.json")]) == 2


def test_cli_verify_reports_the_robust_quantities(small, tmp_path, capsys):
    """``verify`` on a robust certificate states d, r′, m, the outliers, q and t_max (not the
    matrix-sensing n, r, δ and RIP bracket): expected values from the instance's model and
    outlier set and from the certificate's stored q and t_max."""
    from ripcert.cli import main

    inst, cert = small
    path = tmp_path / "c.json"
    cert.save(path)
    outliers = len(inst.outliers)
    assert outliers == math.ceil(0.1 * 40) == 4
    assert main(["verify", str(path)]) == 0
    head, *rest = capsys.readouterr().out.splitlines()
    assert "robust ℓ1 sensing" in head and "d = 12, r′ = 12, r* = 2, m = 40" in head
    assert f"{outliers} nonzero residuals (≤ ⌈p·m⌉ = 4)" in head
    assert f"q = {cert.q:.10g}, t_max = {cert.t_max:.10g}" in head
    assert "n = " not in head and "r = " not in head and "δ" not in head
    assert not any(line.lstrip().startswith("RIP") for line in rest)
    assert any("L(U* + tΔU) − L(U*) = t²·q" in line for line in rest)
    assert main(["verify", "--json", str(path)]) == 0
    (out,) = json.loads(capsys.readouterr().out)
    assert out["status"] == "passed" and out["claim"] == "ground_truth_is_saddle"
    assert out["robust"] == {
        "d": 12,
        "r_prime": 12,
        "r_star": inst.model.r_star,
        "m": 40,
        "q": cert.q,
        "t_max": cert.t_max,
        "nonzero_residuals": outliers,
        "max_outliers": 4,
    }
    assert not {"n", "r", "delta", "rip", "samples", "seed", "tolerances"} & out.keys()


def test_cli_no_direction_exit_3_writes_nothing(tmp_path, capsys):
    from ripcert.cli import main

    out = tmp_path / "none.json"
    code = main(["robust", "saddle", "--d", "8", "--r-star", "2", "--m", "400", "--quiet",
                 "--iterations", "300", "-o", str(out)])  # fmt: skip
    assert code == 3 and not out.exists()
    assert "no direction" in capsys.readouterr().err


def test_cli_bad_input_exit_2(tmp_path, capsys):
    from ripcert.cli import main

    assert main(["robust", "saddle", "--d", "5", "--r-star", "6", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "r*" in err
    assert main(["robust", "descend", "--d", "5", "--m", "30", "--eta", "-1", "--quiet"]) == 2


def test_cli_descend(tmp_path, capsys):
    from ripcert.cli import main

    js = tmp_path / "d.json"
    argv = ["robust", "descend", "--d", "8", "--r-star", "1", "--m", "120", "--trials", "2",
            "--iterations", "1500", "--alpha", "1e-3", "--quiet", "--json", str(js)]  # fmt: skip
    assert main(argv) == 0
    res = json.loads(js.read_text())
    assert len(res["relative_final"]) == 2 and max(res["relative_final"]) < 1e-2
    assert "trials/s" in capsys.readouterr().out


def test_polyak_steps_recover_noiseless_data():
    """Without outliers and with r′ = r*, the Polyak-type step η·L(U_t) (∝ ‖U_tU_tᵀ − X*‖_F)
    converges linearly to X* to machine precision; over-parameterised (r′ = d) it still
    recovers X* to 10⁻³ but slowly (the small over-parameterised residual decays slowly)."""
    inst = make_instance(RobustModel(d=8, r_star=2, r_prime=8, m=160, p=0.0, seed=2))
    pr = SubgradientProtocol(step="polyak", eta=0.3, iterations=1500, alpha=1e-3, trials=2)
    exact = subgradient_method(inst.sensing, inst.y, inst.x_star, 2, pr)
    assert np.all(exact.relative_final < 1e-12), exact.relative_final
    over = subgradient_method(inst.sensing, inst.y, inst.x_star, 8, pr)
    assert np.all(over.relative_final < 1e-3), over.relative_final
