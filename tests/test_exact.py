"""Exact rational certificates (issue 5): known values, the threshold theorem, tampering."""

from __future__ import annotations

import copy
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ripcert import Certificate, generate, rank1_delta
from ripcert.checkers.exact import instance_from_section, verify_exact
from ripcert.errors import CertificateFormatError
from ripcert.exact.instance import _instance_parts
from ripcert.exact.rational import ldl_psd, parse_q, qmat, to_float, tvec
from ripcert.maker.exact import certify_exact


def frac(s: str) -> Fraction:
    return Fraction(s)


@pytest.fixture(scope="module")
def talk():
    """The talk's δ = 1/2 instance (docs/math.md §6), SOC claim, exact — snapped: the float
    x₂ = 0.7071067811865476 is not 1/√2, and XXᵀ is recognised as diag(0, 1/2)."""
    return certify_exact(generate([0.0, 2**-0.5], [1.0, 0.0]), snap=True)


@pytest.fixture(scope="module")
def talk_strict():
    return certify_exact(generate([0.0, 2**-0.5], [1.0, 0.0], margin=1e-3), snap=True)


def family(r: int, rs: int):
    """docs/math.md §7: X = √t [I_r; 0], Z = [0; I_r*], t = √r*/(√r+√r*), δ = 1/(1+√(r*/r))."""
    t = np.sqrt(rs) / (np.sqrt(r) + np.sqrt(rs))
    n = r + rs
    x = np.zeros((n, r))
    x[:r, :r] = np.sqrt(t) * np.eye(r)
    z = np.zeros((n, rs))
    z[r:, :] = np.eye(rs)
    return x, z, 1.0 / (1.0 + np.sqrt(rs / r))


# -- the must-show values ----------------------------------------------------------------
@pytest.mark.parametrize(
    "x, z, snap",
    [
        ([0.0, 2**-0.5], [1.0, 0.0], True),  # irrational X: snapped, certified through XXᵀ
        ([0.0, 0.0, 1.0], [1.0, 1.0, 0.0], False),  # the equivalent rational instance in R³
        ([0.0, 0.7071067811865476], [1.0, 0.0], True),  # the CLI's float input, snapped
    ],
)
def test_talk_instance_is_exactly_one_half(x, z, snap):
    cert = certify_exact(generate(x, z), snap=snap)
    ex = cert.extra["exact"]
    assert ex["basis"] == ("snapped" if snap else "span")
    assert frac(ex["delta"]) == Fraction(1, 2)  # docs/math.md §6: eigenvalues {1, 3, 3}
    report = verify_exact(cert)
    assert report.ok, report.failures
    assert report.delta == "1/2"


def test_talk_kernel_is_the_talk_operator(talk):
    """The rational kernel has spectrum {1/3, 1, 1} = {1, 3, 3}/3 (docs/math.md §6), by hand."""
    ex = talk.extra["exact"]
    g = to_float(instance_from_section(ex, 2).kernel)
    w = np.array([1.0, np.sqrt(2.0), 1.0])
    assert np.allclose(np.linalg.eigvalsh(g / np.outer(w, w)), [1 / 3, 1, 1], atol=1e-15)
    assert (ex["rip_lower"], ex["rip_upper"], ex["scale"]) == ("1/3", "1/1", "3/2")


def test_strict_version_within_1e3(talk_strict):
    ex = talk_strict.extra["exact"]
    d = frac(ex["delta"])
    assert Fraction(1, 2) < d < Fraction(1, 2) + Fraction(1, 1000)
    report = verify_exact(talk_strict)
    assert report.ok, report.failures
    names = {c.name for c in report.checks}
    assert {"strict_pd_complement", "margin"} <= names
    # docs/math.md §3: δ ≈ 0.50025 at μ = 1e-3
    assert abs(float(d) - 0.50025) < 1e-5


@pytest.mark.parametrize("r, rs", [(2, 1), (3, 2)])
@pytest.mark.parametrize("reduce", [True, False])
def test_overparameterised_family_exact(r, rs, reduce):
    x, z, threshold = family(r, rs)
    cert = certify_exact(generate(x, z, reduce=reduce))
    d = frac(cert.extra["exact"]["delta"])
    # Zhang 2021–22 (docs/math.md §7): no spurious SOC point for δ below the threshold, and the
    # family attains it — so an exact certificate must sit at or just above it.
    assert float(d) >= threshold - 1e-9  # (x is rounded to 1e-12, hence the slack)
    assert float(d) - threshold < 1e-6
    report = verify_exact(cert)
    assert report.ok, report.failures


@pytest.mark.parametrize("seed", range(4))
def test_random_rank1_exact_above_closed_form(seed):
    rng = np.random.default_rng(seed)
    n = [2, 3, 5, 10][seed]
    x, z = rng.standard_normal(n), rng.standard_normal(n)
    cert = certify_exact(generate(x, z))
    d = float(frac(cert.extra["exact"]["delta"]))
    cf = rank1_delta(x, z)
    assert cf - 1e-9 <= d <= cf + 1e-6
    assert d >= 0.5  # the global rank-1 bound (Zhang–Sojoudi–Lavaei 2019)
    assert verify_exact(cert).ok


# -- exact LDLᵀ against numpy --------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-4, 4), min_size=12, max_size=12), st.integers(0, 3))
def test_ldl_psd_agrees_with_eigenvalues(entries, shift):
    b = np.array(entries, dtype=float).reshape(4, 3)
    m = b @ b.T - shift * np.eye(4)  # PSD iff shift ≤ λ_min(BBᵀ) (= 0: B has 3 columns)
    ev = np.linalg.eigvalsh(m)[0]
    ok, _ = ldl_psd(qmat(m))
    if abs(ev) > 1e-9:
        assert ok == (ev > 0)
    else:
        assert ok  # singular PSD (integer matrix, exactly singular)
    assert ldl_psd(qmat(m), strict=True)[0] == (ev > 1e-9)


def test_ldl_zero_pivot_needs_zero_row():
    assert ldl_psd(qmat([[0, 0], [0, 1]]))[0]
    assert not ldl_psd(qmat([[0, 1], [1, 1]]))[0]
    assert not ldl_psd(qmat([[0, 0], [0, 1]]), strict=True)[0]


def test_parse_rejects_garbage():
    for bad in ("1/0", "x", "1.5", "", None, 3):
        with pytest.raises(CertificateFormatError):
            parse_q(bad)
    assert parse_q("-6/4") == parse_q("-3/2")


# -- tampering ------------------------------------------------------------------------
def _with_exact(cert, **changes):
    ex = copy.deepcopy(cert.extra["exact"])
    ex.update(changes)
    return cert.with_extra(exact=ex)


def _failed(cert) -> set[str]:
    return {c.name for c in verify_exact(cert).failures}


def test_tamper_kernel_entry(talk):
    g = copy.deepcopy(talk.extra["exact"]["kernel_t"])
    g[0][0] = "7/10"  # a diagonal entry: breaks the Hessian and the upper RIP bound
    assert {"second_order", "rip_upper"} <= _failed(_with_exact(talk, kernel_t=g))
    g = copy.deepcopy(talk.extra["exact"]["kernel_t"])
    g[0][2] = g[2][0] = "1/2"  # the coupling of E's two entries: breaks first order
    assert "first_order" in _failed(_with_exact(talk, kernel_t=g))


def test_tamper_x_and_z(talk):
    assert "matches_x" in _failed(replace(talk, x=np.array([[0.0], [0.8]])))
    assert "matches_z" in _failed(replace(talk, z=np.array([[1.0], [0.1]])))
    # the exact data itself: another X breaks first order (or spuriousness)
    assert _failed(_with_exact(talk, x_factor=[["1/2"], ["1/2"]]))


def test_tamper_delta_lowered(talk):
    assert "delta_value" in _failed(_with_exact(talk, delta="49/100"))
    # lowering δ consistently, via L, breaks the upper RIP inequality instead
    # (9/10 − 1/3)/(9/10 + 1/3) = 17/37 < 1/2 and 2/(9/10 + 1/3) = 60/37
    lowered = _with_exact(talk, rip_upper="9/10", delta="17/37", scale="60/37")
    failed = _failed(lowered)
    assert "rip_upper" in failed and "delta_value" not in failed
    assert "matches_delta" in _failed(replace(talk, delta=0.4))


def test_strict_claim_on_non_strict_certificate(talk):
    forged = replace(talk, claim="strict_local_min")
    forged = _with_exact(forged, claim="strict_local_min")
    assert "strict_pd_complement" in _failed(forged)


def _foc_neutral_diagonal(ex) -> int:
    inst = instance_from_section(ex, 2)
    e = inst.x_factor * inst.x_gram * inst.x_factor.transpose() - inst.zzt
    te = tvec(e)
    return next(a for a in range(te.nrows()) if te[a, 0] == 0)


def test_last_digit_breaking_an_inequality_is_rejected(talk):
    """Talk kernel: the off-diagonal entry G_11 = 2 is tight both ways (by hand: the upper
    RIP bound needs G_11 ≤ L·D_11 = 2, the Hessian entry is G_11/2 − 1 ≥ 0)."""
    ex = talk.extra["exact"]
    a = _foc_neutral_diagonal(ex)
    assert frac(ex["kernel_t"][a][a]) == 2
    for new, broken in (("3/1", "rip_upper"), ("1/1", "second_order")):
        g = copy.deepcopy(ex["kernel_t"])
        g[a][a] = new
        assert broken in _failed(_with_exact(talk, kernel_t=g))


def test_last_digit_keeping_every_inequality_is_accepted(talk_strict):
    """Strict kernel (slack): ±1 in the numerator's last digit of the FOC-neutral entry keeps
    every inequality; +10⁴ breaks the upper RIP bound.  The expected outcome is decided
    independently, in floating point with a wide margin: the entry's row is otherwise zero,
    so its RIP slacks are ``L·D_aa − G_aa`` and ``G_aa − ℓ·D_aa`` (other eigenvalues do not
    move), and the Hessian's smallest eigenvalue is computed with numpy."""
    ex = talk_strict.extra["exact"]
    a = _foc_neutral_diagonal(ex)
    assert all(frac(v) == 0 for j, v in enumerate(ex["kernel_t"][a]) if j != a)
    num, den = ex["kernel_t"][a][a].split("/")
    lo, hi = frac(ex["rip_lower"]), frac(ex["rip_upper"])
    outcomes = {}
    for step in (1, -1, 10**4):
        g = copy.deepcopy(ex["kernel_t"])
        g[a][a] = f"{int(num) + step}/{den}"
        forged = _with_exact(talk_strict, kernel_t=g)
        upper = float(hi * 2 - frac(g[a][a]))  # D_aa = 2 (off-diagonal coordinate)
        lower = float(frac(g[a][a]) - lo * 2)
        _, _, b = _instance_parts(instance_from_section(forged.extra["exact"], 2))
        soc = np.linalg.eigvalsh(to_float(b))[0]
        assert min(abs(upper), abs(lower), abs(soc)) > 1e-12  # float decides with margin
        expected = upper > 0 and lower > 0 and soc > 0
        outcomes[step] = verify_exact(forged).ok
        assert outcomes[step] == expected
    assert outcomes[1] and outcomes[-1] and not outcomes[10**4]  # the test discriminates


def test_missing_or_malformed_section(talk):
    bare = replace(talk, extra={})
    with pytest.raises(CertificateFormatError):
        verify_exact(bare)
    with pytest.raises(CertificateFormatError):
        verify_exact(_with_exact(talk, kernel_t=[["1/2"]]))


def test_json_roundtrip_keeps_exact(talk, tmp_path):
    from ripcert.certificate import Certificate

    path = talk.save(tmp_path / "c.json")
    back = Certificate.load(path)
    assert back.extra["exact"] == talk.extra["exact"]
    assert verify_exact(back).ok


def test_strict_margin_overclaimed(talk_strict):
    """μ = 1/10 is far above what the kernel gives (≈ 1e-3): the exact margin check fails."""
    forged = _with_exact(talk_strict, margin="1/10")
    assert {"margin", "matches_margin"} <= _failed(forged)


def test_every_exact_section_in_the_certificates_folder_verifies():
    """CI re-checks the curated exact certificates from their rationals alone (issue 5)."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "certificates"
    exact = [c for c in map(Certificate.load, sorted(folder.glob("*.json"))) if "exact" in c.extra]
    assert len(exact) >= 5
    for cert in exact:
        rep = verify_exact(cert)
        assert rep.ok, [(c.name, c.detail) for c in rep.failures]
        assert "dual" in cert.extra
        assert cert.extra["dual"]["lower"] <= float(Fraction(rep.delta)) + 1e-15
    halves = [c for c in exact if c.claim == "second_order_critical" and c.delta < 0.5 + 1e-6]
    assert {c.extra["exact"]["delta"] for c in halves} == {"1/2"}


def test_square_root_bounds_bracket_the_root():
    """sqrt_low ≤ √a ≤ sqrt_high, exactly, and tight to 2⁻⁶⁰ (the margin proof needs the
    upper one: B ⪰ L·μ·c·Π proves the margin μ only if c ≥ ‖ZZᵀ‖_F)."""
    from flint import fmpq

    from ripcert.exact.rational import sqrt_high, sqrt_low

    rng = np.random.default_rng(4)
    for _ in range(200):
        a = fmpq(int(rng.integers(0, 10**12)), int(rng.integers(1, 10**12)))
        lo, hi = sqrt_low(a), sqrt_high(a)
        assert lo * lo <= a <= hi * hi
        assert hi - lo <= fmpq(1, 2**59) * (hi + 1)
