"""Tests of ``ripcert verify``: table, --json, exit codes 0/1/2, determinism."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ripcert.certificate import payload_hash
from ripcert.cli import SUBCOMMANDS, main
from ripcert.generator.counterexample import generate

ROOT = Path(__file__).resolve().parents[1]
TALK = ROOT / "certificates" / "talk_delta_half_sensing.json"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("certs")
    cert = generate([0.0, 2**-0.5], [1.0, 0.0])
    good = d / "good.json"
    cert.save(good)
    body = {k: v for k, v in cert.to_dict().items() if k != "sha256"}
    body["delta"] -= 0.01
    lowered = d / "lowered.json"
    lowered.write_text(json.dumps({**body, "sha256": payload_hash(body)}))
    truncated = d / "truncated.json"
    truncated.write_text(cert.to_json()[:200])
    return {"good": good, "lowered": lowered, "truncated": truncated, "missing": d / "no.json"}


def test_registered():
    assert "verify" in SUBCOMMANDS


def test_talk_file_passes_with_table(capsys):
    assert main(["verify", str(TALK)]) == 0
    out = capsys.readouterr().out
    assert "PASSED" in out and "rip_lower" in out and "δ_2 ∈ [0.5, 0.5]" in out


def test_exit_1_when_a_check_fails(files, capsys):
    assert main(["verify", str(files["good"]), str(files["lowered"])]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "FAIL " in out


@pytest.mark.parametrize("bad", ["truncated", "missing"])
def test_exit_2_when_a_file_is_invalid(files, bad, capsys):
    assert main(["verify", str(files["good"]), str(files["lowered"]), str(files[bad])]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ripcert: error:")


def test_json_output_and_determinism(files, capsys):
    args = ["verify", "--json", "--samples", "3", "--seed", "7", str(files["good"]), str(TALK)]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    second = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in first] == ["passed", "passed"]
    for r in first + second:
        r.pop("seconds")
    assert first == second
    assert first[0]["samples"] == 3 and first[0]["seed"] == 7


def test_json_output_for_invalid_file(files, capsys):
    assert main(["verify", "--json", str(files["truncated"])]) == 2
    out = json.loads(capsys.readouterr().out)
    assert out[0]["status"] == "invalid"


def test_bad_samples(capsys):
    assert main(["verify", "--samples", "0", str(TALK)]) == 2


def test_subprocess_no_traceback(files):
    proc = subprocess.run(
        [sys.executable, "-m", "ripcert", "verify", str(files["truncated"])],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def exact_files(tmp_path_factory) -> dict[str, Path]:
    from ripcert.maker.dual import with_dual
    from ripcert.maker.exact import certify_exact

    d = tmp_path_factory.mktemp("exact")
    cert = with_dual(certify_exact(generate([0.0, 0.0, 1.0], [1.0, 1.0, 0.0])))
    good = d / "exact.json"
    cert.save(good)
    body = {k: v for k, v in cert.to_dict().items() if k != "sha256"}
    body["exact"]["delta"] = "49/100"  # a re-signed, lowered rational δ
    bad = d / "exact_lowered.json"
    bad.write_text(json.dumps({**body, "sha256": payload_hash(body)}))
    return {"good": good, "bad": bad}


def test_verify_exact_passes_on_an_exact_certificate(exact_files, capsys):
    code = main(["verify", "--exact", str(exact_files["good"])])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "δ = 1/2 exactly" in out


def test_verify_exact_fails_on_a_lowered_rational_delta(exact_files, capsys):
    code = main(["verify", "--exact", str(exact_files["bad"])])
    out = capsys.readouterr().out
    assert code == 1 and "delta_value" in out


def test_verify_exact_without_an_exact_section_is_skipped(files, capsys):
    code = main(["verify", "--exact", str(files["good"])])
    out = capsys.readouterr().out
    assert code == 0 and "no exact section" in out and "skipped" in out


def test_exact_check_in_json_output(exact_files, capsys):
    code = main(["verify", "--exact", "--json", str(exact_files["good"])])
    reps = json.loads(capsys.readouterr().out)
    assert code == 0
    (exact,) = [c for c in reps[0]["checks"] if c["name"] == "exact"]
    assert exact["passed"] and exact["value"] == 0.5


def test_json_bomb_in_a_batch_reports_every_other_file(files, tmp_path, capsys):
    """Issue 11: 100,000 nested '[' crashed verify (RecursionError), the files after it were
    never checked and --json printed nothing."""
    bomb = tmp_path / "bomb.json"
    bomb.write_text("[" * 100_000)
    code = main(["verify", "--json", str(files["good"]), str(bomb), str(TALK)])
    out, err = capsys.readouterr()
    reps = json.loads(out)
    assert [r["status"] for r in reps] == ["passed", "invalid", "passed"]
    assert code == 2 and "Traceback" not in err and str(bomb) in err


def test_json_output_is_strict_with_nan(monkeypatch, files, capsys):
    """A report holding NaN (here in the RIP section) still prints strict JSON (null)."""
    import ripcert.checkers.verification as verification

    real = verification.verify_file

    def with_nan(*a, **k):
        rep = real(*a, **k)
        rip = dict(rep.rip or {})
        rip["delta_lower"] = float("nan")
        return type(rep)(**{**rep.__dict__, "rip": rip})

    monkeypatch.setattr(verification, "verify_file", with_nan)
    main(["verify", "--json", str(files["good"])])
    reps = json.loads(capsys.readouterr().out)
    assert reps[0]["rip"]["delta_lower"] is None
