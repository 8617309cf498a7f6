"""Exact sections about the user's own input (issue 10, finding 4).

Expected values come from outside the code under test: the rank-1 closed form worked by hand
in Fractions (docs/math.md §5), the Zhang–Sojoudi–Lavaei bound δ* ≥ 1/2 with equality only at
x ⊥ z, ‖x‖² = ½‖z‖², the bits of the float input, and a dense float re-derivation of the
lifted operator's landscape from the section's rationals (core.landscape).
"""

from __future__ import annotations

import copy
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest

from ripcert import generate, rank1_delta
from ripcert.checkers.exact import operator_distance, verify_exact
from ripcert.checkers.verification import verify
from ripcert.core.landscape import gradient, hessian
from ripcert.core.vectorization import sdim, smat
from ripcert.errors import CertificateFormatError
from ripcert.exact.basis import basis_matrix, exact_matrix
from ripcert.exact.rational import to_float
from ripcert.exact.sections import DualSection, ExactSection
from ripcert.maker.dual import Multipliers, dual_bound, with_dual
from ripcert.maker.exact import certify_exact

X_TALK = np.array([0.0, 0.7071067811865476])  # the talk's float input (docs/math.md §6)
Z_TALK = np.array([1.0, 0.0])


def _failed(cert) -> set[str]:
    return {c.name for c in verify_exact(cert).failures}


def _rotation(n: int, seed: int) -> np.ndarray:
    """The first two columns of a random orthogonal map of R^n (QR of a Gaussian n×2)."""
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, 2)))
    return q


@pytest.fixture(scope="module")
def talk_n1000():
    """The talk's float input rotated into n = 1,000 (first two columns of a random
    orthogonal map), with exact and dual sections about that float input."""
    q = _rotation(1000, 7)
    x, z = (q @ X_TALK)[:, None], (q @ Z_TALK)[:, None]
    return with_dual(certify_exact(generate(x, z)))


def test_rotated_talk_input_is_proved_about_itself(talk_n1000):
    cert = talk_n1000
    ex, du = cert.extra["exact"], cert.extra["dual"]
    assert ex["basis"] == "span" and ex["space"] == {"n": 1000, "k": 2, "reduced": True}
    rep = verify_exact(cert)
    assert rep.ok, [(c.name, c.detail) for c in rep.failures]
    names = {c.name for c in rep.checks}
    assert {"input_in_basis", "basis_rank", "lift_spectrum", "dual_reduced_pair"} <= names
    # L ≤ δ* ≤ U, both rational.  The rotated float x has ‖x‖² ≠ ½‖z‖² exactly, so by the
    # sharpness theorem δ* > 1/2; it is within float rounding of 1/2.
    low, up = Fraction(du["lower_exact"]), Fraction(ex["delta"])
    assert low <= up and up == Fraction(du["upper_exact"])
    assert Fraction(1, 2) < up < Fraction(1, 2) + Fraction(1, 10**9)
    assert Fraction(1, 2) - Fraction(1, 10**7) < low <= Fraction(1, 2)


def test_one_ulp_change_of_the_input_breaks_the_exact_proof():
    """The proof is about the stored floats themselves.  Here r + r* = 4 > n = 3, so the
    second column of Z is not a basis column: Z = B·C_Z is a non-trivial exact identity, and
    moving one entry of that column by one ulp makes it false, in exact arithmetic.  (Moving
    a basis column moves B with it: the section is then re-checked for the new floats.)"""
    from ripcert.core.examples import random_pair

    x, z = random_pair(3, 2, 2, seed=3)
    cert = with_dual(certify_exact(generate(x, z)))
    ex = cert.extra["exact"]
    assert ex["basis"] == "span" and ex["columns"] == [0, 1, 2]  # Z's 2nd column: not in B
    assert verify_exact(cert).ok
    z2 = cert.z.copy()
    z2[0, 1] = np.nextafter(z2[0, 1], np.inf)
    failed = _failed(replace(cert, z=z2))
    assert "input_in_basis" in failed and "dual_reduced_pair" in failed


def test_stored_coordinates_are_checked_exactly(talk_n1000):
    ex = copy.deepcopy(talk_n1000.extra["exact"])
    ex["x_coords"][0][0] = str(Fraction(ex["x_coords"][0][0]) + Fraction(1, 10**40))
    assert "input_in_basis" in _failed(talk_n1000.with_extra(exact=ex))


def test_snapping_is_explicit_and_states_both_instances():
    q = _rotation(50, 3)
    cert = generate((q @ X_TALK)[:, None], (q @ Z_TALK)[:, None])
    ex = certify_exact(cert, snap=True).extra["exact"]
    assert ex["basis"] == "snapped" and ex["delta"] == "1/2"
    # XXᵀ recognised as diag(0, 1/2) in the reduced coordinates: 0.7071067811865476² − ½ ≈
    # 1.1e-16, so the snapped instance is that close (relative to ‖ZZᵀ‖ = 1), not equal
    assert 0 < ex["snap"]["x_distance"] < 1e-12 and ex["snap"]["z_distance"] < 1e-12
    lines = ExactSection.from_dict(ex, 50, 1, 1).summary()
    assert "SNAPPED" in lines[0] and "distance" in lines[0]
    assert certify_exact(cert).extra["exact"]["basis"] == "span"  # no snapping by default


def test_five_eighths_exactly():
    """x = (0, 1/2), z = (1, 0): docs/math.md §5 by hand, in Fractions: a = ‖x‖²/‖z‖² = 1/4,
    c² = 0, s² = 1, E = a², u₀ = ½[−(a−1) + |a−1|] = 3/4 ≥ u* = (√17 − 1)/16,
    η = u(s² − u)/(E + s²u) = 3/13, δ* = (1−η)/(1+η) = 5/8."""
    a, c2, s2 = Fraction(1, 4), Fraction(0), Fraction(1)
    e = (a - c2) ** 2 + 2 * c2 * s2
    b = a - 1 + 3 * c2
    u0 = (-b + abs(b)) / 2  # √(b² + 8c²s²) = |b| since c² = 0
    assert float(u0) >= (17**0.5 - 1) / 16  # u = max(u*, u₀) = u₀
    eta = u0 * (s2 - u0) / (e + s2 * u0)
    expected = (1 - eta) / (1 + eta)
    assert expected == Fraction(5, 8)
    assert rank1_delta(np.array([0.0, 0.5]), Z_TALK) == pytest.approx(0.625, abs=1e-12)
    cert = with_dual(certify_exact(generate(np.array([[0.0], [0.5]]), np.array([[1.0], [0.0]]))))
    ex = cert.extra["exact"]
    assert ex["basis"] == "span" and Fraction(ex["delta"]) == expected
    rep = verify_exact(cert)
    assert rep.ok, [(c.name, c.detail) for c in rep.failures]
    low = Fraction(cert.extra["dual"]["lower_exact"])
    assert expected - Fraction(1, 10**7) < low <= expected


@pytest.mark.parametrize(
    "x, z",
    [
        ([0.0, 0.0, 1.0], [1.0, 1.0, 0.0]),  # the case
        ([0.3, -0.4, 0.9], [1.0, 0.2, -0.1]),
    ],
)
def test_no_reduce_sections_verify_and_match_their_float_operator(x, z):
    cert = certify_exact(generate(np.array(x), np.array(z), reduce=False))
    ex = cert.extra["exact"]
    assert ex["basis"] == "identity" and ex["space"]["k"] == 3
    rep = verify_exact(cert)
    assert rep.ok, [(c.name, c.detail) for c in rep.failures]
    sec = ExactSection.from_dict(ex, 3, 1, 1)
    assert operator_distance(sec, cert)[0] <= 1e-9


@pytest.mark.parametrize("reduce", [False, True])
def test_a_re_solved_exact_kernel_replaces_the_float_operator(reduce):
    """When the float kernel cannot be made exact (here: perturbed by 1e-3, so its tight
    second-order directions break), the exact kernel comes from a re-solve — a different
    optimal operator.  The float operator must then become the exact one's float image, so
    that `verify` and `verify --exact` speak of the same operator (before: 6.8e-3 apart)."""
    cert = generate(np.array([0.0, 0.0, 1.0]), np.array([1.0, 1.0, 0.0]), reduce=reduce)
    h = np.asarray(cert.operator.kernel)
    noise = np.random.default_rng(0).standard_normal(h.shape)
    noisy_op = replace(cert.operator, kernel=h + 1e-3 * (noise + noise.T))
    noisy = replace(cert, operator=noisy_op)
    out = certify_exact(noisy)
    how = out.extra["exact"]["rationalised"]["kernel"]
    assert ("re-solved" in how) or reduce  # lifted: the 3×3 kernel snaps back instead
    assert type(out.operator) is type(cert.operator)  # same form: kernel or lifted
    sec = ExactSection.from_dict(out.extra["exact"], 3, 1, 1)
    assert operator_distance(sec, noisy)[0] > 1e-4  # the exact operator is another one ...
    assert operator_distance(sec, out)[0] <= 1e-9  # ... and the float operator follows it
    rep = verify_exact(out)
    assert rep.ok, [(c.name, c.detail) for c in rep.failures]
    report = verify(out)
    assert report.passed, report.failed  # the float verifier accepts the replaced operator


def _dense_exact_operator(cert) -> np.ndarray:
    """svec kernel on S^n of the section's exact lifted operator, from its definition:
    ‖A(M)‖² = ‖M − ΠM‖² + t(S_M)ᵀ K t(S_M), Π(M) = B S_M Bᵀ, S_M = G⁻¹BᵀMBG⁻¹."""
    ex = cert.extra["exact"]
    sec = ExactSection.from_dict(ex, cert.n, cert.r, cert.r_star)
    b = to_float(
        basis_matrix(exact_matrix(cert.x), exact_matrix(cert.z), sec.span.columns, sec.span.powers)
    )
    ginv = np.linalg.inv(b.T @ b)
    k = to_float(sec.kernel)
    iu = np.triu_indices(b.shape[1])
    basis = smat(np.eye(sdim(cert.n)))

    def parts(m):
        s = ginv @ b.T @ m @ b @ ginv
        return m - b @ s @ b.T, s[iu]

    p = [parts(m) for m in basis]
    return np.array([[np.sum(pa[0] * pb[0]) + pa[1] @ k @ pb[1] for pb in p] for pa in p])


@pytest.mark.parametrize("margin", [0.0, 1e-3])
def test_lift_lemma_by_dense_linear_algebra(margin):
    """n = 5, r = 1 (k = 2): the exact lifted operator, built densely on S⁵ from the
    section's rationals, has ∇f(X) = 0, ∇²f(X) ⪰ 0 (⪰ μ‖ZZᵀ‖λ_max off {XΩ} when strict) and
    spectrum in [ℓ, L] — the lift lemma's conclusions, recomputed independently in floats."""
    rng = np.random.default_rng(4)
    x, z = rng.standard_normal((5, 1)), rng.standard_normal((5, 1))
    cert = certify_exact(generate(x, z, margin=margin))
    ex = cert.extra["exact"]
    assert ex["basis"] == "span" and ex["space"]["k"] == 2
    h = _dense_exact_operator(cert)
    ev = np.linalg.eigvalsh(h)
    lo, hi = float(Fraction(ex["rip_lower"])), float(Fraction(ex["rip_upper"]))
    assert lo * (1 - 1e-12) <= ev[0] and ev[-1] <= hi * (1 + 1e-12)
    g = gradient(h, x, z)
    assert np.linalg.norm(g) <= 1e-9 * np.linalg.norm(x) * np.linalg.norm(z) ** 2
    hess = hessian(h, x, z)
    lam = np.linalg.eigvalsh(0.5 * (hess + hess.T))
    scale = np.linalg.norm(z @ z.T)
    assert lam[0] >= -1e-9 * scale
    if margin:  # r = 1: no symmetry directions; ½∇²f ⪰ μ‖ZZᵀ‖λ_max with λ_max ≤ L
        assert 0.5 * lam[0] >= margin * scale * ev[-1] * (1 - 1e-6)


def test_dual_takes_multipliers_passed_in_and_solves_nothing(monkeypatch):
    """Multipliers from a solve in another orthonormal basis of the span (and another scale)
    are carried to the exact basis; with them and U given, no SDP is solved."""
    import ripcert.maker.dual as md

    x, z = np.array([[0.3], [0.9], [0.1]]), np.array([[1.0], [-0.2], [0.4]])
    p = np.linalg.svd(np.hstack([x, z]), full_matrices=False)[0]
    scale = 0.75
    yf, s1, s2, _, _ = md._duals_from_primal(scale * p.T @ x, scale * p.T @ z, 0.0, "clarabel")
    up = certify_exact(generate(x, z)).extra["exact"]["delta"]

    def refuse(*args, **kwargs):
        raise AssertionError("an SDP was solved although multipliers were passed in")

    monkeypatch.setattr(md, "_duals_from_primal", refuse)
    monkeypatch.setattr(md, "_solve_dual", refuse)
    for mult in (
        Multipliers(yf, s1, s2, basis=p, scale=scale),
        Multipliers.from_svec(yf, s1, s2 * np.outer(*(2 * [_w(2)])), basis=p, scale=scale),
    ):
        b = dual_bound(x, z, multipliers=mult, upper_exact=up)
        cf = rank1_delta(x, z)
        assert b.lower <= cf + 1e-12 <= b.upper + 2e-12 and b.gap <= 1e-6
        assert b.details["solver"]["multipliers"] == "passed in"


def _w(k: int) -> np.ndarray:
    return np.array([1.0 if i == j else np.sqrt(2.0) for i in range(k) for j in range(i, k)])


def test_sections_round_trip_and_refuse_malformed(talk_n1000):
    ex, du = talk_n1000.extra["exact"], talk_n1000.extra["dual"]
    sec = ExactSection.from_dict(ex, 1000, 1, 1)
    assert sec.to_dict() == ex and sec.about_input
    assert DualSection.from_dict(du, 1, 1).to_dict() == du
    for key, value, why in [
        ("version", 1, "version"),
        ("columns", [0, 5], "columns"),
        ("basis", "orthonormal", "basis"),
        ("kernel_t", [["1/1"]] * 40, "rows"),
        ("margin", "-1/2", "margin"),
    ]:
        bad = copy.deepcopy(ex)
        bad[key] = value
        with pytest.raises(CertificateFormatError, match=why):
            ExactSection.from_dict(bad, 1000, 1, 1)
    bad = copy.deepcopy(ex)
    bad.update(basis="identity")  # k = n = 1000 would be claimed: refused before any work
    with pytest.raises(CertificateFormatError, match="k = 1000"):
        ExactSection.from_dict(bad, 1000, 1, 1)


@pytest.mark.parametrize("reduce", [True, False])
def test_certify_takes_the_dual_from_the_primal_solve(monkeypatch, reduce):
    """`certify(*generate_solved(...))`: the dual bound uses the solve's own multipliers (on
    the span, or on S^n for a full-space solve) — the fallback paths are never entered."""
    import ripcert.maker.dual as md
    from ripcert.checkers.dual import verify_dual
    from ripcert.generator.counterexample import generate_solved
    from ripcert.maker.certify import certify

    def refuse(*args, **kwargs):
        raise AssertionError("the dual was solved again")

    monkeypatch.setattr(md, "_duals_from_primal", refuse)
    monkeypatch.setattr(md, "_solve_dual", refuse)
    x, z = np.array([[0.3], [-0.4], [0.9]]), np.array([[1.0], [0.2], [-0.1]])
    cert = certify(*generate_solved(x, z, reduce=reduce))
    du = cert.extra["dual"]
    assert du["solver"]["multipliers"] == "passed in"
    assert ("reduced_x" in du) == reduce  # identity basis on S³ for the full-space solve
    cf = rank1_delta(x, z)
    assert du["lower"] <= cf + 1e-12 <= du["upper"] + 2e-12 and du["gap"] <= 1e-6
    checks = verify_dual(cert)
    assert all(c.passed for c in checks), [(c.name, c.detail) for c in checks if not c.passed]
    bad = copy.deepcopy(du)
    bad["multipliers"]["S1"][0][0] = "-1/1"
    assert "dual_s1_psd" in {c.name for c in verify_dual(cert.with_extra(dual=bad)) if not c.passed}


def test_reports_say_what_the_exact_claim_is_about():
    from ripcert.checkers.exact import exact_check

    cert = generate(X_TALK, Z_TALK)
    own = exact_check(certify_exact(cert))
    snapped = exact_check(certify_exact(cert, snap=True))
    assert own.passed and snapped.passed
    assert "own X, Z" in own.detail and "SNAPPED" not in own.detail
    assert "SNAPPED" in snapped.detail and "not the stored floats" in snapped.detail
