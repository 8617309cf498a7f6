"""Certificates prove exactly what they say (issue 10, verifier side).

Each section is one finding of the audit: forged sensing copies, the unstable spuriousness
gap, claims the sharp RIP theorems forbid, generator/verifier thresholds, resource bounds.
Expected values come from elsewhere: exact rational arithmetic, the theorems' thresholds,
an independent convex solve (cvxpy/Clarabel) that builds the relaxed operators, the dense
kernel of the lifted operator.
"""

from __future__ import annotations

import json
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import special_ortho_group

import ripcert.checkers.verification as ver
from ripcert.certificate import Certificate, payload_hash
from ripcert.checkers.rip import sensing_kernel
from ripcert.checkers.thresholds import (
    DEFAULT_TOLERANCES,
    ResourceLimits,
    numerically_one,
    numerically_one_message,
)
from ripcert.checkers.verification import exit_code, outer_gap, verify, verify_file
from ripcert.core.operator import KernelOperator, LiftedOperator
from ripcert.core.report import proved
from ripcert.core.vectorization import sdim, svec, svec_basis
from ripcert.errors import NoCounterexampleError
from ripcert.generator.counterexample import generate
from ripcert.generator.problem import CounterexampleProblem, outer_diff_fro

sys.path.insert(0, str(Path(__file__).parent))
from conftest import overparam_pair  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CERTS = ROOT / "certificates"


def signed(d: dict) -> dict:
    body = {k: v for k, v in d.items() if k != "sha256"}
    return {**body, "sha256": payload_hash(body)}


def write(path: Path, d: dict) -> Path:
    path.write_text(json.dumps(d))
    return path


# ---------------------------------------------------------------------------------------
# 1. sensing copies are compared with the operator on all of Sⁿ, never on probes
# ---------------------------------------------------------------------------------------
def forged_copy(cert: Certificate, probes: int = 8) -> np.ndarray:
    """The audit's forgery: ``probes`` matrices whose Σ⟨A_i, M⟩² equals ‖A(M)‖² on the old
    verifier's probes (rng seed 0, M = G + Gᵀ).  With E_l an orthonormal basis of the probes'
    span, C_jl = ⟨M_j, E_l⟩ and S = C⁻¹ diag(‖A(M_j)‖²) C⁻ᵀ = BᵀB, A_i = Σ_l B_il E_l."""
    op, n = cert.operator, cert.n
    rng = np.random.default_rng(0)
    ms = []
    for _ in range(probes):
        g = rng.standard_normal((n, n))
        ms.append(g + g.T)
    flat = np.array([m.ravel() for m in ms])
    q, _ = np.linalg.qr(flat.T)  # columns: orthonormal E_l (Frobenius)
    c = flat @ q
    t = np.array([op.norm_sq(m) for m in ms])
    ci = np.linalg.inv(c)
    s = ci @ np.diag(t) @ ci.T
    b = np.linalg.cholesky(0.5 * (s + s.T)).T
    a = (b @ q.T).reshape(probes, n, n)
    a = 0.5 * (a + np.swapaxes(a, 1, 2))
    # it is the audit's forgery: it reproduces ‖A(M)‖² on every old probe ...
    for m, tm in zip(ms, t, strict=True):
        assert np.isclose(np.sum(np.einsum("kij,ij->k", a, m) ** 2), tm, rtol=1e-9)
    return a


@pytest.fixture(scope="module")
def n81() -> Certificate:
    rng = np.random.default_rng(81)
    return generate(rng.standard_normal(81), rng.standard_normal(81))


def test_forged_n81_copy_is_refused_and_never_touches_dense_work(n81, monkeypatch):
    a = forged_copy(n81)
    truth = np.ones(2)  # ... but differs elsewhere: ×100 on ‖A(E)‖² for a complement E
    e = np.outer(truth, truth) / 2.0
    e = np.pad(e, ((79, 0), (79, 0)))
    ratio = n81.operator.norm_sq(e) / np.sum(np.einsum("kij,ij->k", a, e) ** 2)
    assert ratio > 10.0
    d = n81.to_dict()
    d["operator"]["sensing_matrices"] = a.tolist()

    def boom(*args, **kwargs):
        raise AssertionError("dense work before the size refusal")

    monkeypatch.setattr(ver, "_copy_consistency", boom)
    rep = verify(signed(d))
    assert rep.invalid and "explicit sensing copy" in rep.checks[0].detail


def test_forged_n81_copy_fails_the_exact_comparison_when_allowed(n81):
    d = n81.to_dict()
    d["operator"]["sensing_matrices"] = forged_copy(n81).tolist()
    rep = verify(signed(d), limits=ResourceLimits(max_copy_n=100))
    assert not rep.invalid and "sensing_consistent" in rep.failed
    assert "numerical rank 3321" in rep.check("sensing_consistent").detail  # 2 + 81·82/2 − 3


def lifted_copy(seed: int, n: int = 5, k: int = 2) -> tuple[LiftedOperator, np.ndarray]:
    rng = np.random.default_rng(seed)
    p, _ = np.linalg.qr(rng.standard_normal((n, k)))
    g = rng.standard_normal((sdim(k), sdim(k)))
    op = LiftedOperator(p, g @ g.T + 0.5 * np.eye(sdim(k)))
    return op, np.array(list(op.sensing_matrices()))


@pytest.mark.parametrize("noise", [0.0, 1e-9, 1e-3])
@pytest.mark.parametrize("seed", range(3))
def test_block_distance_equals_the_dense_kernel_distance(seed, noise):
    """To rounding, not to its square root: an exact copy measures ~1e-15, not ~1e-8 (the
    eigenvalue form Σ(λ−1)² + N_c − m of the complement block cancelled down to √ε)."""
    op, a = lifted_copy(seed)
    rng = np.random.default_rng(100 + seed)
    a = a + noise * rng.standard_normal(a.shape)
    a = 0.5 * (a + np.swapaxes(a, 1, 2))
    dense = np.linalg.norm(sensing_kernel(a) - op.dense_kernel())
    scale = np.linalg.norm(op.dense_kernel())
    assert abs(ver._lifted_copy_distance(op, a) - dense) <= 1e-13 * scale


def test_generated_copies_measure_at_rounding_level():
    rng = np.random.default_rng(20181203)
    for _ in range(3):
        x, z = rng.standard_normal((4, 2)), rng.standard_normal((4, 1))
        cert = generate(x, z)
        chk = ver._copy_consistency(cert.operator, cert.sensing_matrices, DEFAULT_TOLERANCES)
        assert chk.passed and chk.value < 1e-13


def test_any_frame_of_the_operator_passes_and_a_small_change_fails():
    op, a = lifted_copy(7, n=6, k=3)
    rot = special_ortho_group.rvs(len(a), random_state=3)
    b = np.einsum("ij,jkl->ikl", rot, a)  # another factorisation of the same kernel
    assert ver._copy_consistency(op, b, DEFAULT_TOLERANCES).passed
    b[-1] *= 1.0 + 1e-6
    assert not ver._copy_consistency(op, b, DEFAULT_TOLERANCES).passed


# ---------------------------------------------------------------------------------------
# 2. the spuriousness gap, computed stably (generator and verifier, separately)
# ---------------------------------------------------------------------------------------
def exact_gap(x: np.ndarray, z: np.ndarray) -> float:
    """‖XXᵀ − ZZᵀ‖_F of the float inputs, in rational arithmetic."""
    xq = [[Fraction(v) for v in row] for row in x]
    zq = [[Fraction(v) for v in row] for row in z]
    n = len(xq)
    sq = Fraction(0)
    for i in range(n):
        for j in range(n):
            v = sum(a * b for a, b in zip(xq[i], xq[j], strict=True))
            v -= sum(a * b for a, b in zip(zq[i], zq[j], strict=True))
            sq += v * v
    return float(sq) ** 0.5


@pytest.mark.parametrize("n,r,rs", [(4, 2, 1), (6, 3, 2), (3, 2, 2)])
def test_rotations_of_the_truth_exit_3_on_200_of_200(n, r, rs):
    rng = np.random.default_rng(n + r + rs)
    z = rng.standard_normal((n, rs))
    pad = np.hstack([z, np.zeros((n, r - rs))])
    rotations = special_ortho_group.rvs(r, size=200, random_state=rng)
    for rot in rotations:
        x = pad @ rot
        assert outer_gap(x, z) <= 1e-14 * np.linalg.norm(z.T @ z)
        with pytest.raises(NoCounterexampleError, match="global minimiser"):
            CounterexampleProblem(x, z).check_nondegenerate()
    for rot in rotations[:20]:  # and so does generate, before any solve (exit 3)
        with pytest.raises(NoCounterexampleError, match="global minimiser"):
            generate(pad @ rot, z)


def test_a_gap_of_6e_9_is_measured_not_rounded_to_zero():
    rng = np.random.default_rng(6)
    q = special_ortho_group.rvs(4, random_state=rng)
    z = q[:, :1]
    x = np.hstack([np.sqrt(1 + 6e-9) * z, np.zeros((4, 1))]) @ special_ortho_group.rvs(
        2, random_state=rng
    )
    truth = exact_gap(x, z)
    zz = np.linalg.norm(z.T @ z)
    assert 5e-9 < truth / zz < 7e-9
    assert outer_diff_fro(x, z) == pytest.approx(truth, rel=1e-6)
    assert outer_gap(x, z) == pytest.approx(truth, rel=1e-6)


def test_generator_refuses_gaps_the_verifier_would_not_accept():
    z = np.array([[1.0], [0.0], [0.0]])
    x = np.sqrt(1 + 3e-7) * z
    x = np.hstack([x, np.zeros((3, 1))])
    with pytest.raises(NoCounterexampleError, match="1e-06"):
        CounterexampleProblem(x, z).check_nondegenerate()


# ---------------------------------------------------------------------------------------
# 3. claims below the sharp thresholds contradict the theorems
# ---------------------------------------------------------------------------------------
def relaxed_operator(x, z, delta, strict_floor=None):
    """A kernel H with scale-optimal δ(H) = ``delta`` that makes X as nearly second-order
    critical as possible (an independent convex solve, cvxpy/Clarabel): minimise s with
    ‖𝒳ᵀHe‖ ≤ 2s‖XXᵀ−ZZᵀ‖‖X‖₂ and 𝒳ᵀH𝒳 + 2 I⊗mat(He) ⪰ −s‖ZZᵀ‖ (or ⪰ strict_floor·‖ZZᵀ‖),
    ηI ⪯ H ⪯ I: the verifier's relative residuals are then ≈ s."""
    cp = pytest.importorskip("cvxpy")
    n, r = x.shape
    d = sdim(n)
    e = svec(x @ x.T - z @ z.T)
    lift = ver._lift_columns(x)
    basis = svec_basis(n)
    eta = (1 - delta) / (1 + delta)
    h = cp.Variable((d, d), symmetric=True)
    s = cp.Variable()
    he = h @ e
    g = sum(he[j] * basis[j] for j in range(d))
    hess = lift.T @ h @ lift + 2 * cp.kron(np.eye(r), g)
    hess = 0.5 * (hess + hess.T)
    gap = np.linalg.norm(x @ x.T - z @ z.T)
    zz, xn = np.linalg.norm(z.T @ z), np.linalg.norm(x, 2)
    floor = -s if strict_floor is None else strict_floor
    cons = [
        h >> eta * np.eye(d),
        h << np.eye(d),
        cp.norm(lift.T @ he) <= 2 * s * gap * xn,
        hess >> floor * zz * np.eye(n * r),
    ]
    cp.Problem(cp.Minimize(s), cons).solve(solver="CLARABEL")
    hv = 0.5 * (h.value + h.value.T)
    lam = np.linalg.eigvalsh(hv)
    return KernelOperator(hv), (lam[-1] - lam[0]) / (lam[-1] + lam[0]), 2 / (lam[0] + lam[-1])


HALF_X, HALF_Z = np.array([[0.0], [2**-0.5]]), np.array([[1.0], [0.0]])


@pytest.mark.parametrize(
    "x,z,delta,threshold",
    [
        (HALF_X, HALF_Z, 0.4999987, 0.5),
        (*overparam_pair(2, 2)[:2], 0.4999986, 0.5),
        (*overparam_pair(2, 1)[:2], 0.5857851, 1 / (1 + 0.5**0.5)),
    ],
    ids=["rank1", "r2_rstar2", "r2_rstar1"],
)
def test_relaxed_operators_below_the_threshold_are_rejected_by_the_theorem(x, z, delta, threshold):
    op, dl, scale = relaxed_operator(x, z, delta)
    assert dl == pytest.approx(delta, abs=1e-9) and dl < threshold - 1e-7
    cert = Certificate(
        x=x, z=z, delta=dl, scale=scale, claim="second_order_critical", margin=0.0, operator=op
    )
    rep = verify(cert)
    # every float check passes (the audit's finding): only the theorem catches it
    assert rep.failed == ("theorem_threshold",)
    chk = rep.check("theorem_threshold")
    assert chk.evidence == "theorem" and "contradicts the theorem" in chk.detail
    assert f"{threshold:.10g}" in chk.detail and "arXiv:1901.01631" in chk.detail
    # the operator's own δ is below the threshold: X is what must be wrong
    assert "float checks that accepted X are wrong" in chk.detail
    assert chk.value == pytest.approx(dl - threshold, abs=1e-8)
    assert "theorem_threshold" in rep.proofs
    assert "theorem: theorem_threshold CONTRADICTED" in rep.summary_line()


def test_relaxed_strict_claim_fails_the_theorem_and_the_basin_estimate():
    op, dl, scale = relaxed_operator(HALF_X, HALF_Z, 0.4999992, strict_floor=1.05e-6)
    cert = Certificate(
        x=HALF_X,
        z=HALF_Z,
        delta=dl,
        scale=scale,
        claim="strict_local_min",
        margin=0.0,
        operator=op,
    )
    rep = verify(cert)
    assert set(rep.failed) == {"theorem_threshold", "strict_basin"}
    assert rep.check("strict_min").passed and rep.check("first_order").passed


def test_a_claimed_delta_below_the_threshold_is_blamed_on_the_claim_not_on_x():
    """The talk's δ = 1/2 certificate with its claimed δ lowered to 0.45 and re-signed.  X is a
    genuine spurious second-order critical point and the operator's δ_2 is 1/2 (docs/math.md
    §6, proved in rational arithmetic by the curated exact section), so the claim contradicts
    Theorem 3 of arXiv:1901.01631 (δ < 1/2 leaves no spurious second-order critical point)
    because of its δ: the theorem check must not say that the landscape checks are wrong."""
    d = json.loads((CERTS / "delta_half_soc.json").read_text())
    body = {k: v for k, v in d.items() if k != "sha256"}
    rep = verify(signed({**body, "delta": 0.45}), samples=4)
    chk = rep.check("theorem_threshold")
    assert not chk.passed and chk.evidence == "theorem"
    assert "float checks that accepted X are wrong" not in chk.detail
    assert "claimed δ = 0.45 is below it" in chk.detail and "Thm 3" in chk.detail
    assert "contradicts the theorem" in chk.detail and "second-order critical" in chk.detail
    assert chk.value == pytest.approx(0.45 - 0.5, abs=1e-12)
    # what does hold: X passes every landscape check, the RIP checks refute the claimed δ
    assert {"first_order", "second_order", "spurious"}.isdisjoint(rep.failed)
    assert "rip_spectral" in rep.failed


def test_the_theorems_are_silent_when_the_search_rank_is_below_the_truths():
    """r* > r is outside every threshold theorem (they assume r* ≤ r): skipped, not passed on
    a threshold.  The verifier refuses such files earlier, so this calls the check directly."""
    x, z = np.array([[1.0, 0.0, 0.0]]).T, np.eye(3)[:, 1:]
    op = KernelOperator(np.eye(sdim(3)))
    cert = Certificate(
        x=x, z=z, delta=0.1, scale=1.0, claim="second_order_critical", margin=0.0, operator=op
    )
    bracket = ver.rip_bracket(op, 2, samples=2)
    chk = ver._theorem_check(cert, bracket, DEFAULT_TOLERANCES)
    assert chk.passed and chk.evidence == "skipped" and "r* ≤ r" in chk.detail


@pytest.mark.parametrize("path", sorted(CERTS.glob("*.json")), ids=lambda p: p.stem)
def test_curated_certificates_are_consistent_with_the_theorems(path):
    rep = verify_file(path, samples=4)
    assert rep.passed, rep.failed
    assert rep.check("theorem_threshold").evidence == "theorem"
    if rep.claim == "strict_local_min":
        assert rep.check("strict_basin").passed


def test_report_states_proofs_and_numerical_checks():
    rep = verify_file(
        CERTS / "delta_half_soc.json",
        samples=4,
        extra_checks=[lambda c: proved("rational_check", True, "decided in Q")],
    )
    out = rep.to_dict()
    assert out["evidence"]["proofs"] == list(rep.proofs) == ["theorem_threshold", "rational_check"]
    assert "first_order" in out["evidence"]["numerical"]
    assert out["summary"].startswith(
        "PASSED; exact proofs: rational_check; theorem: theorem_threshold consistent;"
    )
    assert "evidence, not proof" in out["summary"]
    assert out["tolerances"]["first_order"] == DEFAULT_TOLERANCES.first_order
    json.dumps(out, allow_nan=False)


# ---------------------------------------------------------------------------------------
# 5. generator and verifier share their thresholds
# ---------------------------------------------------------------------------------------
def test_numerically_one_message_is_precise():
    assert numerically_one(1 - 1e-8) and not numerically_one(0.99999962)
    msg = numerically_one_message(1 - 1e-8)
    assert msg.startswith("δ* ≥ 1 − 2e-7: numerically 1")


@pytest.mark.parametrize("reduce", [True, False])
def test_delta_star_near_one_is_written_only_if_verify_accepts_it(reduce):
    """X = [e₁, 6e-4·e₂], Z = e₃: δ* = 1 − 3.6e-7 (> 1 − 2e-7 = the generator's limit).  The
    verifier used to reject it (f(X)/(λ_max‖XXᵀ−ZZᵀ‖²) ≈ (1−δ)/(1+δ) = 1.8e-7 < 1e-6): its
    floor now follows the generator's delta_one, so the certificate verifies."""
    e = np.eye(3)
    cert = generate(np.column_stack([e[0], 6e-4 * e[1]]), e[2][:, None], reduce=reduce)
    assert 1 - 1e-6 < cert.delta < 1 - DEFAULT_TOLERANCES.delta_one
    rep = verify(cert, samples=4)
    assert rep.passed, rep.failed
    f_rel = rep.check("spurious").detail
    assert "≥ 5e-08" in f_rel


def test_delta_star_numerically_one_is_not_written():
    e = np.eye(3)
    with pytest.raises(NoCounterexampleError):  # δ* = 1 − 1e-8: numerically 1 (exit 3)
        generate(np.column_stack([e[0], 1e-4 * e[1]]), e[2][:, None])


# ---------------------------------------------------------------------------------------
# 6. resource bounds: refused before any dense work, one line, exit 2
# ---------------------------------------------------------------------------------------
@pytest.fixture
def no_dense_work(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("dense work before the refusal")

    for name in ("spectral_bound", "rip_bracket", "sensing_kernel", "_structure_checks"):
        monkeypatch.setattr(ver, name, boom)
    monkeypatch.setattr(ver.Landscape, "from_operator", boom)
    monkeypatch.setattr(ver, "exact_check", boom)


def sensing_file(n: int) -> dict:
    a = np.zeros((1, n, n))
    a[0, 0, 0] = 1.0
    x = np.zeros((n, 1))
    x[1, 0] = 1.0
    z = np.zeros((n, 1))
    z[0, 0] = 1.0
    return {
        "schema": "ripcert-certificate-v1",
        "x": x.tolist(),
        "z": z.tolist(),
        "delta": 0.5,
        "claim": "second_order_critical",
        "operator": {"form": "sensing", "sensing_matrices": a.astype(int).tolist()},
    }


def run_cli(path: Path, capsys) -> tuple[int, str]:
    """What ``ripcert verify FILE`` reports: its exit code and the one-line error."""
    rep = verify_file(path)
    return exit_code([rep]), rep.checks[0].detail if rep.invalid else ""


@pytest.mark.parametrize(
    "name,make,match",
    [
        ("sensing60", lambda: sensing_file(60), "n = 60 exceeds"),
        ("sensing300", lambda: sensing_file(300), "n = 300 exceeds"),
    ],
)
def test_crafted_dense_files_are_refused(name, make, match, tmp_path, capsys, no_dense_work):
    path = write(tmp_path / f"{name}.json", make())
    assert path.stat().st_size > 5_000
    code, err = run_cli(path, capsys)
    assert code == 2 and match in err and len(err.strip().splitlines()) == 1


def test_rank_200_file_is_refused(tmp_path, capsys, no_dense_work):
    d = json.loads((CERTS / "delta_half_soc.json").read_text())
    d["x"] = [[0.0] * 200, [0.5] * 200]
    path = write(tmp_path / "r200.json", signed(d))
    code, err = run_cli(path, capsys)
    assert code == 2 and "r = 200" in err


def test_exact_section_larger_than_n_is_refused_before_exact_work(tmp_path, no_dense_work):
    d = json.loads((CERTS / "delta_half_soc.json").read_text())
    d["exact"] = {"x_factor": [["0"]] * 20, "kernel_t": [["1"] * 210] * 210}
    rep = verify_file(write(tmp_path / "k20.json", signed(d)), exact=True)
    assert rep.invalid and "k = 20 > n = 2" in rep.checks[0].detail


def test_huge_file_is_refused_from_its_size(tmp_path, capsys, monkeypatch):
    path = tmp_path / "huge.json"
    with open(path, "wb") as fh:  # 200 MB, sparse: nothing is written or read
        fh.truncate(200 * 2**20)
    monkeypatch.setattr(ver, "parse_json", lambda *a, **k: pytest.fail("parsed"))
    code, err = run_cli(path, capsys)
    assert code == 2 and "exceeds the limit" in err


def test_file_size_limit_is_a_parameter(tmp_path):
    path = tmp_path / "c.json"
    path.write_text((CERTS / "delta_half_soc.json").read_text())
    assert verify_file(path, samples=2).passed
    rep = verify_file(path, limits=ResourceLimits(max_file_bytes=1000))
    assert rep.invalid and "exceeds the limit of 1,000 bytes" in rep.checks[0].detail


def test_deep_nesting_is_one_line_exit_2(tmp_path, capsys):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000)
    code, err = run_cli(path, capsys)
    assert code == 2 and "nested 100000 deep" in err and "Traceback" not in err


def test_hash_is_checked_before_the_schema(tmp_path, monkeypatch):
    import ripcert.certificate.io as cio

    d = json.loads((CERTS / "delta_half_soc.json").read_text())
    d["x"] = "not a matrix"  # breaks the schema and the hash
    monkeypatch.setattr(cio, "check_schema", lambda *a, **k: pytest.fail("schema first"))
    rep = verify_file(write(tmp_path / "t.json", d))
    assert rep.invalid and "sha256 mismatch" in rep.checks[0].detail


def test_sha256_is_required_except_for_hand_written_sensing_forms(tmp_path):
    d = json.loads((CERTS / "delta_half_soc.json").read_text())
    del d["sha256"]
    rep = verify_file(write(tmp_path / "unsigned.json", d))
    assert rep.invalid and "sha256 missing" in rep.checks[0].detail
    hand = json.loads((CERTS / "talk_delta_half_sensing.json").read_text())
    hand.pop("sha256", None)
    assert verify_file(write(tmp_path / "hand.json", hand), samples=2).passed


def test_duplicate_keys_are_rejected(tmp_path):
    text = (CERTS / "delta_half_soc.json").read_text()
    path = tmp_path / "dup.json"
    path.write_text(text.replace('"delta":', '"delta": 0.1, "delta":', 1))
    rep = verify_file(path)
    assert rep.invalid and "duplicate JSON key 'delta'" in rep.checks[0].detail
