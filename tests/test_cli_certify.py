"""``ripcert certify``: adds the exact and dual sections to an existing certificate, and
``verify --exact`` re-checks them (a certificate without them is "skipped", exit 0)."""

from __future__ import annotations

import stat
from fractions import Fraction

import pytest

from ripcert.certificate import Certificate
from ripcert.cli import main

HALF = ["--x", "0,0.7071067811865476", "--z", "1,0"]


@pytest.fixture
def plain(tmp_path, capsys):
    path = tmp_path / "plain.json"
    assert main(["generate", *HALF, "-o", str(path)]) == 0
    capsys.readouterr()
    assert "exact" not in Certificate.load(path).extra
    return path


def test_verify_exact_without_exact_section_is_skipped(plain, capsys):
    assert main(["verify", "--exact", str(plain)]) == 0
    out = capsys.readouterr().out
    assert "skipped: no exact section" in out and "ripcert certify" in out


def test_certify_in_place_then_verify_exact_shows_dual_bracket(plain, capsys):
    plain.chmod(0o640)
    assert main(["certify", str(plain)]) == 0
    out = capsys.readouterr().out
    assert "dual       δ* ∈ [" in out
    cert = Certificate.load(plain)
    # the talk's δ = 1/2 (Zhang et al. 2018): the rational δ and the dual bracket hold it
    assert abs(Fraction(cert.extra["exact"]["delta"]) - Fraction(1, 2)) <= Fraction(1, 10**9)
    du = cert.extra["dual"]
    assert du["lower"] <= 0.5 + 1e-12 and 0.5 <= du["upper"] + 1e-12 and du["gap"] <= 1e-6
    assert stat.S_IMODE(plain.stat().st_mode) == 0o640  # replaced, mode kept
    assert main(["verify", "--exact", str(plain)]) == 0
    out = capsys.readouterr().out
    assert "dual bracket δ* ∈ [" in out and "FAIL" not in out


def test_certify_to_other_file_leaves_input(plain, tmp_path, capsys):
    before = plain.read_bytes()
    out = tmp_path / "ex.json"
    assert main(["certify", str(plain), "-o", str(out)]) == 0
    assert plain.read_bytes() == before and "exact" in Certificate.load(out).extra


def test_certify_refresh_is_idempotent(plain, capsys):
    assert main(["certify", str(plain)]) == 0
    first = Certificate.load(plain).extra["exact"]["delta"]
    assert main(["certify", str(plain)]) == 0
    assert Certificate.load(plain).extra["exact"]["delta"] == first


@pytest.mark.parametrize("content,message", [("{", "malformed JSON"), ("[]", "JSON object")])
def test_certify_bad_file_one_line(tmp_path, capsys, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    assert main(["certify", str(bad)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and bad.read_text() == content


def test_certify_o_needs_one_file(plain, tmp_path, capsys):
    assert main(["certify", str(plain), str(plain), "-o", str(tmp_path / "x.json")]) == 2
    assert "exactly one FILE" in capsys.readouterr().err


def test_certify_snap_proves_the_talk_value_exactly(plain, capsys):
    """x = (0, 0.7071067811865476) snaps to x xᵀ = diag(0, 1/2): δ = 1/2 exactly, the value
    of Zhang, Josz, Sojoudi & Lavaei (2018), recorded with the snapping distance."""
    assert main(["certify", "--snap", str(plain)]) == 0
    assert "snapped to small denominators" in capsys.readouterr().out
    ex = Certificate.load(plain).extra["exact"]
    assert ex["delta"] == "1/2" and ex["snap"]["x_distance"] < 1e-12
    assert main(["generate", *HALF, "--snap"]) == 2
    assert "--snap needs --exact" in capsys.readouterr().err
