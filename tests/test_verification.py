"""Tests of the independent verifier (issue 3): every check, tampering, and the landscape
formulas against finite differences of f."""

from __future__ import annotations

import ast
import copy
import dataclasses
import decimal
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ripcert.checkers.rip
import ripcert.checkers.verification
from ripcert.certificate import Certificate, payload_hash
from ripcert.checkers.verification import (
    Check,
    Landscape,
    VerificationReport,
    exit_code,
    verify,
    verify_file,
)
from ripcert.core.operator import KernelOperator, LiftedOperator, SensingOperator
from ripcert.generator.counterexample import generate

ROOT = Path(__file__).resolve().parents[1]
CERT_DIR = ROOT / "certificates"
TALK = CERT_DIR / "talk_delta_half_sensing.json"
X_HALF, Z_HALF = [0.0, 2**-0.5], [1.0, 0.0]


# ---------------------------------------------------------------------------------------
# certificates made with the generator
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def half() -> Certificate:
    """δ = 1/2 instance (lifted, n = 2, with explicit sensing matrices)."""
    return generate(X_HALF, Z_HALF)


@pytest.fixture(scope="module")
def half_kernel() -> Certificate:
    """The same instance on the unreduced path: a dense kernel form."""
    return generate(X_HALF, Z_HALF, reduce=False)


@pytest.fixture(scope="module")
def strict() -> Certificate:
    """Strict version, margin μ = 1e-3 (docs/math.md §3: δ ≈ 0.50025)."""
    return generate(X_HALF, Z_HALF, margin=1e-3)


@pytest.fixture(scope="module")
def rank2() -> Certificate:
    rng = np.random.default_rng(7)
    return generate(rng.standard_normal((4, 2)), rng.standard_normal((4, 2)))


@pytest.fixture(scope="module")
def big() -> Certificate:
    """n = 1000, rank 1, lifted (no explicit sensing matrices)."""
    rng = np.random.default_rng(11)
    return generate(rng.standard_normal(1000), rng.standard_normal(1000))


def resign(d: dict) -> dict:
    """Re-sign a tampered payload so that only the mathematical checks can catch it."""
    body = {k: v for k, v in d.items() if k != "sha256"}
    return {**body, "sha256": payload_hash(body)}


def tampered(cert: Certificate, edit) -> VerificationReport:
    d = copy.deepcopy(cert.to_dict())
    edit(d)
    rep = verify(resign(d))
    assert not rep.invalid and rep.check("integrity").passed  # the maths must catch it
    assert not rep.passed
    return rep


@pytest.mark.parametrize("name", ["half", "half_kernel", "strict", "rank2", "big"])
def test_generated_certificates_pass(name, request):
    cert = request.getfixturevalue(name)
    rep = verify(cert)
    assert rep.passed, rep.failed
    assert rep.status == "passed"
    names = {c.name for c in rep.checks}
    assert {"integrity", "spurious", "first_order", "second_order"} <= names
    assert {"rip_spectral", "rip_scale", "rip_lower", "rip_upper"} <= names
    assert ("strict_min" in names) == (cert.claim == "strict_local_min")


def test_strict_margin_is_measured_in_the_certificate_convention(strict):
    # docs/math.md §3: μ = 1e-3 on the δ = 1/2 instance gives δ ≈ 0.50025; the generator
    # imposes exactly μ, so the verifier's smallest eigenvalue must sit at μ (binding).
    rep = verify(strict)
    assert strict.delta == pytest.approx(0.50025, abs=1e-5)
    assert rep.check("strict_min").value == pytest.approx(1e-3, rel=1e-3)


def test_talk_certificate_file_passes():
    rep = verify_file(TALK)
    assert rep.passed, rep.failed
    assert rep.claim == "second_order_critical"
    assert rep.delta == 0.5
    # docs/math.md §6: f(X) = 3/2 at x = (0, 1/√2); f decreases like 3/2 − 6ε⁴ along a curve
    assert rep.extra["f_x"] == pytest.approx(1.5, rel=1e-12)
    assert rep.rip["delta_lower"] == pytest.approx(0.5, abs=1e-6)
    assert rep.rip["spectral"]["delta"] == pytest.approx(0.5, abs=1e-6)


def test_talk_certificate_matches_the_talk_exactly():
    d = json.loads(TALK.read_text())
    a = np.array(d["operator"]["sensing_matrices"])
    # the printed values, correctly rounded from 50-digit decimals
    with decimal.localcontext() as ctx:
        ctx.prec = 50
        r2 = float(decimal.Decimal(2).sqrt())
        h = float(1 / decimal.Decimal(2).sqrt())
        s = float(decimal.Decimal("1.5").sqrt())
    printed = np.array([[[r2, 0], [0, h]], [[0, s], [s, 0]], [[0, 0], [0, s]]])
    np.testing.assert_array_equal(a, printed)
    assert d["operator"]["form"] == "sensing"
    assert d["x"] == [[0.0], [h]] and d["z"] == [[1.0], [0.0]]
    assert (d["delta"], d["scale"], d["claim"]) == (0.5, 0.5, "second_order_critical")


def test_every_certificate_in_the_folder_passes():
    files = sorted(CERT_DIR.glob("*.json"))
    assert files, "certificates/ holds no certificate"
    for f in files:
        rep = verify_file(f)
        assert rep.passed, (f.name, rep.failed, [c.detail for c in rep.checks if not c.passed])


# ---------------------------------------------------------------------------------------
# tampering, each in its own test
# ---------------------------------------------------------------------------------------
def test_tamper_kernel_entry_caught_by_sensing_consistency(half_kernel):
    def edit(d):
        d["operator"]["kernel"][1][1] += 1e-3

    assert "sensing_consistent" in tampered(half_kernel, edit).failed


def test_tamper_kernel_single_offdiagonal_entry_breaks_symmetry(half_kernel):
    def edit(d):
        d["operator"]["kernel"][0][1] += 1e-3

    assert "kernel_symmetric" in tampered(half_kernel, edit).failed


def test_tamper_kernel_entry_caught_by_first_order_matrix_free(big):
    # n = 1000, no sensing copy: the perturbed H_k moves ∇f(X) away from 0
    assert big.sensing_matrices is None

    def edit(d):
        d["operator"]["kernel"][1][1] += 1e-3

    rep = tampered(big, edit)
    assert "first_order" in rep.failed
    assert "sensing_consistent" not in {c.name for c in rep.checks}


def test_tamper_x(half):
    def edit(d):
        d["x"][0][0] += 1e-3

    assert "first_order" in tampered(half, edit).failed


def test_tamper_x_large_n(big):
    def edit(d):
        d["x"][500][0] += 1e-3

    assert tampered(big, edit).failed == ("first_order",)


def test_tamper_z(half):
    def edit(d):
        d["z"][1][0] += 1e-3

    assert "first_order" in tampered(half, edit).failed


def test_tamper_delta_lowered(half):
    def edit(d):
        d["delta"] -= 0.01

    failed = tampered(half, edit).failed
    assert {"rip_spectral", "rip_lower"} <= set(failed)


def test_tamper_sensing_matrix_of_generated_certificate(half):
    def edit(d):
        d["operator"]["sensing_matrices"][0][0][0] += 1e-3

    assert "sensing_consistent" in tampered(half, edit).failed


def test_tamper_sensing_matrix_of_sensing_form():
    d = json.loads(TALK.read_text())
    d["operator"]["sensing_matrices"][0][0][0] += 1e-3  # A1[0,0] = √2 + 1e-3
    rep = verify(resign(d))
    assert rep.check("integrity").passed
    assert "first_order" in rep.failed


def test_tamper_strict_claim_on_soc_certificate(half):
    # the δ = 1/2 point is a degenerate saddle (docs/math.md §3): Hessian singular, not strict
    def edit(d):
        d["claim"] = "strict_local_min"

    rep = tampered(half, edit)
    assert set(rep.failed) == {"strict_min", "strict_basin"}
    assert abs(rep.check("strict_min").value) < 1e-6


def test_tamper_strict_margin_overclaimed(strict):
    def edit(d):
        d["margin"] = 2e-3

    assert tampered(strict, edit).failed == ("strict_min",)


def test_tamper_corrupted_hash(half):
    d = half.to_dict()
    d["sha256"] = ("0" if d["sha256"][0] != "0" else "1") + d["sha256"][1:]
    rep = verify(d)
    assert rep.invalid and rep.status == "invalid"
    assert "sha256" in rep.check("integrity").detail


def test_tamper_unsigned_edit_breaks_hash(half):
    d = half.to_dict()
    d["delta"] -= 0.01  # not re-signed
    rep = verify(d)
    assert rep.invalid and "sha256" in rep.checks[0].detail


def test_tamper_truncated_json(half, tmp_path):
    p = tmp_path / "c.json"
    text = half.to_json()
    p.write_text(text[: len(text) // 2])
    rep = verify_file(p)
    assert rep.invalid and "JSON" in rep.checks[0].detail


def test_tamper_nan_in_a_field(half, tmp_path):
    p = tmp_path / "c.json"
    text = half.to_json().replace('"delta": ', '"delta": NaN, "was": ', 1)
    p.write_text(text)
    rep = verify_file(p)
    assert rep.invalid and "NaN" in rep.checks[0].detail


def test_tamper_nan_in_an_array(half):
    d = half.to_dict()
    d["x"][0][0] = float("nan")
    rep = verify(d)  # (cannot be re-signed: the canonical JSON refuses NaN)
    assert rep.invalid


def test_tamper_unknown_schema_version(half):
    d = half.to_dict()
    d["schema"] = "ripcert-certificate-v99"
    rep = verify(resign(d))
    assert rep.invalid and "unknown certificate schema" in rep.checks[0].detail


def test_unreadable_file(tmp_path):
    rep = verify_file(tmp_path / "missing.json")
    assert rep.invalid and rep.failed == ("integrity",)


# ---------------------------------------------------------------------------------------
# hand-written operators
# ---------------------------------------------------------------------------------------
def talk_operator() -> np.ndarray:
    r2, s = np.sqrt(2.0), np.sqrt(1.5)
    return np.array([[[r2, 0], [0, 1 / r2]], [[0, s], [s, 0]], [[0, 0], [0, s]]])


def hand_cert(matrices, claim="second_order_critical", delta=0.5, scale=0.5) -> dict:
    c = Certificate(
        x=np.array([[0.0], [2**-0.5]]),
        z=np.array([[1.0], [0.0]]),
        delta=delta,
        scale=scale,
        claim=claim,
        margin=0.0,
        operator=SensingOperator(np.asarray(matrices, dtype=float)),
    )
    return c.payload()  # unsigned, like a hand-written file


def test_hand_written_unsigned_certificate_passes():
    rep = verify(hand_cert(talk_operator()))
    assert rep.passed and "no sha256" in rep.check("integrity").detail


def test_non_symmetric_sensing_matrix_fails():
    a = talk_operator()
    a[1, 0, 1] += 1e-3
    assert "sensing_symmetric" in verify(hand_cert(a)).failed


def test_indefinite_kernel_fails():
    kern = np.diag([1.0, 3.0, -0.5])
    c = Certificate(
        x=np.array([[0.0], [2**-0.5]]),
        z=np.array([[1.0], [0.0]]),
        delta=0.5,
        scale=0.5,
        claim="second_order_critical",
        margin=0.0,
        operator=KernelOperator(kern),
    )
    assert "kernel_psd" in verify(c.to_dict()).failed


def test_global_minimiser_is_not_spurious():
    c = Certificate(
        x=np.array([[1.0], [0.0]]),
        z=np.array([[1.0], [0.0]]),
        delta=0.5,
        scale=0.5,
        claim="second_order_critical",
        margin=0.0,
        operator=SensingOperator(talk_operator()),
    )
    assert "spurious" in verify(c).failed


# ---------------------------------------------------------------------------------------
# the landscape against finite differences of f
# ---------------------------------------------------------------------------------------
def fd_first(f, h=1e-2):
    """5-point stencil: exact for polynomials of degree ≤ 4 (f is quartic along a line)."""
    return (f(-2 * h) - 8 * f(-h) + 8 * f(h) - f(2 * h)) / (12 * h)


def fd_second(f, h=1e-2):
    """5-point stencil for f'': exact for polynomials of degree ≤ 5."""
    return (-f(2 * h) + 16 * f(h) - 30 * f(0.0) + 16 * f(-h) - f(-2 * h)) / (12 * h * h)


def random_landscapes(seed: int, n: int, r: int, rs: int):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, rs))
    a = rng.standard_normal((7, n, n))
    a = a + np.swapaxes(a, 1, 2)
    sens = Landscape.from_operator(SensingOperator(a), z)
    kern = Landscape.from_operator(KernelOperator(ripcert.checkers.rip.sensing_kernel(a)), z)
    k = min(n, r + rs)
    p, _ = np.linalg.qr(rng.standard_normal((n, k)))
    b = rng.standard_normal((k * (k + 1) // 2,) * 2)
    lifted_op = LiftedOperator(p, b @ b.T / k + 0.3 * np.eye(len(b)))
    lifted = Landscape.from_operator(lifted_op, z, matrix_free=True)
    return rng, (sens, kern, lifted)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 5),
    r=st.integers(1, 2),
)
def test_gradient_and_hessian_match_finite_differences(seed, n, r):
    rng, lands = random_landscapes(seed, n, r, 1)
    for land in lands:
        u = rng.standard_normal((n, r))
        v = rng.standard_normal((n, r))

        def line(t, land=land, u=u, v=v):
            return land.objective(u + t * v)

        g = float(np.sum(land.gradient(u) * v))
        assert g == pytest.approx(fd_first(line), rel=1e-6, abs=1e-9 * abs(line(0.0)))
        hv = land.hessian_form(u, v)
        assert hv == pytest.approx(fd_second(line), rel=1e-6, abs=1e-9 * abs(line(0.0)))
        if land.form != "lifted":
            vv = v.reshape(-1, order="F")
            assert vv @ land.hessian(u) @ vv == pytest.approx(hv, rel=1e-9)


def test_objective_definition_from_sensing_matrices():
    # f(U) = Σ⟨A_i, UUᵀ − ZZᵀ⟩², written out by hand
    a = talk_operator()
    land = Landscape.from_operator(SensingOperator(a), np.array([[1.0], [0.0]]))
    u = np.array([[0.3], [-0.8]])
    m = u @ u.T - np.array([[1.0, 0.0], [0.0, 0.0]])
    assert land.objective(u) == pytest.approx(sum(float(np.sum(ai * m)) ** 2 for ai in a))


@pytest.mark.parametrize("shape", [(5, 1, 1), (6, 2, 1), (7, 2, 2), (8, 3, 1)])
def test_matrix_free_agrees_with_dense(shape):
    n, r, rs = shape
    rng = np.random.default_rng(n * 10 + r)
    cert = generate(rng.standard_normal((n, r)), rng.standard_normal((n, rs)))
    mf = Landscape.from_operator(cert.operator, cert.z, matrix_free=True)
    dense = Landscape.from_operator(cert.operator, cert.z, matrix_free=False)
    assert (mf.form, dense.form) == ("lifted", "kernel")
    for u in (cert.x, rng.standard_normal((n, r))):
        v = rng.standard_normal((n, r))
        scale = max(1.0, abs(dense.objective(u)))
        assert abs(mf.objective(u) - dense.objective(u)) <= 1e-8 * scale
        np.testing.assert_allclose(mf.gradient(u), dense.gradient(u), atol=1e-8 * scale)
        assert abs(mf.hessian_form(u, v) - dense.hessian_form(u, v)) <= 1e-8 * scale
    s_mf, s_dense = mf.hessian_spectrum(cert.x), dense.hessian_spectrum(cert.x)
    assert s_mf.min_eig == pytest.approx(s_dense.min_eig, abs=1e-8)
    assert s_mf.min_eig_complement == pytest.approx(s_dense.min_eig_complement, abs=1e-8)
    # and the full dense spectrum (small n): min over the whole Hessian
    assert np.linalg.eigvalsh(dense.hessian(cert.x))[0] == pytest.approx(s_mf.min_eig, abs=1e-8)


def test_matrix_free_with_x_outside_the_basis_span():
    # a tampered X leaves span(P): the block split must use span([P X Z]), not span(P)
    rng = np.random.default_rng(5)
    cert = generate(rng.standard_normal((6, 1)), rng.standard_normal((6, 1)))
    x = cert.x + 0.1 * rng.standard_normal(cert.x.shape)
    mf = Landscape.from_operator(cert.operator, cert.z, matrix_free=True)
    dense = Landscape.from_operator(cert.operator, cert.z, matrix_free=False)
    assert mf.hessian_spectrum(x).min_eig == pytest.approx(
        dense.hessian_spectrum(x).min_eig, abs=1e-8
    )


def test_sensing_and_kernel_paths_agree_on_generated_certificate(half):
    s = Landscape.from_operator(half.operator, half.z, sensing=half.sensing_matrices)
    k = Landscape.from_operator(half.operator, half.z, matrix_free=False)
    assert s.form == "sensing"
    assert s.objective(half.x) == pytest.approx(k.objective(half.x), rel=1e-10)


def test_large_lifted_hessian_out_block_closed_form(big):
    # V ⊥ span([P X Z]) has curvature 4‖X‖²‖V‖² (derivation in the module docstring)
    land = Landscape.from_operator(big.operator, big.z)
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(np.hstack([big.operator.basis, big.x, big.z]))
    v = rng.standard_normal((big.n, 1))
    v -= q @ (q.T @ v)
    assert land.hessian_form(big.x, v) == pytest.approx(
        4 * float(big.x[:, 0] @ big.x[:, 0]) * float(v[:, 0] @ v[:, 0]), rel=1e-9
    )


# ---------------------------------------------------------------------------------------
# reports, determinism, independence
# ---------------------------------------------------------------------------------------
def test_report_is_frozen_and_json_serialisable(half):
    rep = verify(half)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rep.source = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        rep.checks[0].passed = False  # type: ignore[misc]
    d = json.loads(json.dumps(rep.to_dict(), allow_nan=False))
    assert d["status"] == "passed" and len(d["checks"]) == len(rep.checks)
    assert all(isinstance(c["passed"], bool) for c in d["checks"])


def test_invalid_report_is_json_serialisable(tmp_path):
    p = tmp_path / "x.json"
    p.write_text("{")
    d = json.loads(json.dumps(verify_file(p).to_dict(), allow_nan=False))
    assert d["status"] == "invalid"


def test_deterministic_for_a_seed(rank2):
    a = verify(rank2, samples=4, seed=3).to_dict()
    b = verify(rank2, samples=4, seed=3).to_dict()
    a.pop("seconds"), b.pop("seconds")
    assert a == b


def test_exit_code_convention():
    ok = VerificationReport("a", (Check("x", True, value=0, tolerance=0),))
    bad = VerificationReport("b", (Check("x", False, value=1, tolerance=0),))
    inv = VerificationReport("c", (Check("integrity", False, value=0, tolerance=0),), invalid=True)
    assert exit_code([ok]) == 0
    assert exit_code([ok, bad]) == 1
    assert exit_code([ok, bad, inv]) == 2


def test_extra_checks_are_appended(half):
    rep = verify(
        half, extra_checks=[lambda c: Check("exact", c.n == 2, "stub", value=0.0, tolerance=0.0)]
    )
    assert rep.checks[-1].name == "exact" and rep.passed


@pytest.mark.parametrize("module", [ripcert.checkers.verification, ripcert.checkers.rip])
def test_independent_of_the_generator(module):
    tree = ast.parse(Path(module.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[-1])
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            imported |= {a.name.split(".")[-1] for a in node.names}
    assert not imported & {"landscape", "sdp", "reduction", "counterexample"}


def test_sensing_copy_of_a_lifted_operator_is_compared_on_all_of_sn(half):
    rep = verify(half)
    assert rep.passed, rep.failed
    assert "all of Sⁿ" in rep.check("sensing_consistent").detail

    def edit(d):
        d["operator"]["sensing_matrices"][0][0][0] += 1e-3

    assert "sensing_consistent" in tampered(half, edit).failed


def test_lifted_kernel_of_the_wrong_size_is_invalid(big):
    d = big.to_dict()
    d["operator"]["kernel"] = np.eye(4).tolist()
    rep = verify(resign(d))
    assert rep.invalid and "lifted kernel" in rep.checks[0].detail
