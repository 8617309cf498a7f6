"""Rigorous dual lower bounds on δ* (issue 5): brackets around independent values."""

from __future__ import annotations

import copy
from fractions import Fraction

import numpy as np
import pytest

from ripcert import NoCounterexampleError, generate, rank1_delta
from ripcert.checkers.dual import verify_dual
from ripcert.checkers.exact import verify_exact
from ripcert.maker.dual import DualBound, dual_bound, with_dual
from ripcert.maker.exact import certify_exact


def _pairs(count: int):
    rng = np.random.default_rng(2024)
    out = []
    while len(out) < count:
        n = int(rng.integers(2, 5))
        x, z = rng.standard_normal(n), rng.standard_normal(n)
        x *= rng.uniform(0.3, 2.0)
        if rank1_delta(x, z) < 0.999:  # skip (rare) near-collinear pairs without counterexample
            out.append((x, z))
    return out


@pytest.mark.parametrize("x, z", _pairs(20))
def test_bracket_contains_closed_form(x, z):
    """L ≤ closed form (docs/math.md §5, an independent derivation) ≤ U, and U − L ≤ 1e-6."""
    b = dual_bound(x, z)
    cf = rank1_delta(x, z)
    assert b.lower <= cf + 1e-12
    assert cf <= b.upper + 1e-12
    assert b.upper - b.lower <= 1e-6
    assert b.details["upper_exact"] is not None  # U is an exact certificate's δ
    assert Fraction(b.details["lower_exact"]) <= Fraction(b.details["upper_exact"])


def test_talk_instance_bracket():
    """The rational form of the talk instance (x = (0,0,1), z = (1,1,0): x ⊥ z, ‖x‖² = ½‖z‖²)
    has δ* = 1/2 exactly (docs/math.md §5–§6)."""
    b = dual_bound([0.0, 0.0, 1.0], [1.0, 1.0, 0.0])
    assert isinstance(b, DualBound)
    assert b.details["upper_exact"] == "1/2"
    assert 0.5 - 1e-7 < b.lower <= 0.5


def test_talk_float_input_bracket_is_about_the_float():
    """The float x₂ = 0.7071067811865476 is not 1/√2: ‖x‖² ≠ ½ exactly, so δ* > 1/2 strictly
    (1/2 is attained only at ‖x‖² = ½‖z‖², Zhang–Sojoudi–Lavaei 2019) and an exact U about
    this input cannot be 1/2; it must lie just above it."""
    b = dual_bound([0.0, 2**-0.5], [1.0, 0.0])
    up = Fraction(b.details["upper_exact"])
    assert Fraction(1, 2) < up < Fraction(1, 2) + Fraction(1, 10**12)
    assert 0.5 - 1e-7 < b.lower <= 0.5


def test_lower_never_below_half_by_much_and_never_above_sharp_bound():
    """Zhang–Sojoudi–Lavaei 2019: δ* ≥ 1/2 for every rank-1 pair, = 1/2 at x ⊥ z, ‖x‖² = ½‖z‖²."""
    b = dual_bound([0.0, 0.5, 0.5], [1.0, 0.0, 0.0])
    assert b.lower <= 0.5 <= b.upper


@pytest.mark.parametrize("r, rs", [(2, 1), (3, 2)])
def test_family_threshold_bracketed(r, rs):
    """docs/math.md §7: the family attains δ = 1/(1+√(r*/r)), and nothing lies below it."""
    t = np.sqrt(rs) / (np.sqrt(r) + np.sqrt(rs))
    x = np.vstack([np.sqrt(t) * np.eye(r), np.zeros((rs, r))])
    z = np.vstack([np.zeros((r, rs)), np.eye(rs)])
    threshold = 1.0 / (1.0 + np.sqrt(rs / r))
    b = dual_bound(x, z)
    assert b.lower <= threshold + 1e-12 <= b.upper + 2e-12
    assert b.gap <= 1e-6


def test_margin_bracket_talk():
    """With μ = 1e-3 the value rises to ≈ 0.50025 (docs/math.md §3)."""
    b = dual_bound([0.0, 2**-0.5], [1.0, 0.0], margin=1e-3)
    assert b.lower <= b.upper
    assert abs(b.lower - 0.50025) < 1e-5 and b.gap < 1e-6


def test_degenerate_input_raises():
    with pytest.raises(NoCounterexampleError):
        dual_bound([1.0, 0.0], [2.0, 0.0])


@pytest.fixture(scope="module")
def cert_with_dual():
    cert = certify_exact(generate([0.3, 0.9], [1.0, -0.2]))
    return with_dual(cert)


def test_dual_section_verifies(cert_with_dual):
    checks = verify_dual(cert_with_dual)
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]
    report = verify_exact(cert_with_dual)
    assert report.ok and any(c.name == "dual_below_exact" for c in report.checks)


def _forge(cert, **mult):
    du = copy.deepcopy(cert.extra["dual"])
    for key, value in mult.items():
        if key in du["multipliers"]:
            du["multipliers"][key] = value
        else:
            du[key] = value
    return cert.with_extra(dual=du)


def _failed(cert):
    return {c.name for c in verify_dual(cert) if not c.passed}


def test_dual_tampering_rejected(cert_with_dual):
    du = cert_with_dual.extra["dual"]
    # claim a higher lower bound than the multipliers prove
    assert "dual_lower_value" in _failed(_forge(cert_with_dual, lower_exact="9/10"))
    # S₂ not normalised
    s2 = copy.deepcopy(du["multipliers"]["S2"])
    s2[0][0] = str(Fraction(s2[0][0]) + 1)
    assert "dual_s2_normalised" in _failed(_forge(cert_with_dual, S2=s2))
    # S₁ made indefinite
    s1 = copy.deepcopy(du["multipliers"]["S1"])
    s1[0][0] = "-1/1"
    assert "dual_s1_psd" in _failed(_forge(cert_with_dual, S1=s1))
    # τ removed: R alone is not PSD after rounding (or the bound changes)
    assert "dual_tau" in _failed(_forge(cert_with_dual, tau="-1/1"))


def test_dual_sdp_multipliers_also_rigorous():
    """Multipliers from the hand-written dual SDP give a valid (maybe looser) bound."""
    x, z = np.array([0.3, 0.9]), np.array([1.0, -0.2])
    b = dual_bound(x, z, multipliers="dual")
    assert b.lower <= rank1_delta(x, z) + 1e-12
    assert b.gap <= 1e-4


def test_reduced_dual_for_lifted_operator_brackets_closed_form_and_rejects_tampering():
    """n = 30, reduced path: the dual lives on the exact coordinates (C_X, C_Z) of a rational
    basis B of span([X Z]); it must bracket the closed form of the full pair, and a stored
    reduced pair with X ≠ B·C_X is rejected."""
    rng = np.random.default_rng(11)
    x, z = rng.standard_normal(30), rng.standard_normal(30)
    cert = with_dual(generate(x, z))
    du = cert.extra["dual"]
    assert np.array(du["reduced_x"]).shape == (2, 1)
    cf = rank1_delta(x, z)
    assert du["lower"] <= cf + 1e-12 <= du["upper"] + 2e-12 and du["gap"] <= 1e-6
    checks = verify_dual(cert)
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]
    assert checks[0].name == "dual_reduced_pair"
    bad = copy.deepcopy(du)
    bad["reduced_x"][0][0] = str(Fraction(bad["reduced_x"][0][0]) + Fraction(1, 10**6))
    failed = [c.name for c in verify_dual(cert.with_extra(dual=bad)) if not c.passed]
    assert "dual_reduced_pair" in failed
