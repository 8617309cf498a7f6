"""The CLI never shows a traceback or a raw Python warning: library faults end in one line
with a documented exit code; every --help shows defaults; every command has --quiet."""

from __future__ import annotations

import argparse
import subprocess
import sys
import warnings

import numpy as np
import pytest

from ripcert.cli import build_parser, main
from ripcert.version import __version__

HALF = ["--x", "0,0.7071067811865476", "--z", "1,0"]


@pytest.mark.parametrize(
    "exc,code,message",
    [
        (np.linalg.LinAlgError("Singular matrix"), 4, "numerical failure in linear algebra"),
        (ValueError("array must not contain infs"), 4, "numerical failure: ValueError"),
        (FloatingPointError("overflow"), 4, "numerical failure: FloatingPointError"),
        (MemoryError(), 5, "out of memory"),
        (OSError(28, "No space left on device", "c.json"), 5, "No space left on device"),
    ],
)
def test_library_faults_end_in_one_line(monkeypatch, capsys, tmp_path, exc, code, message):
    import ripcert.generator.counterexample as gen

    def fail(*a, **k):
        raise exc

    for name in ("generate", "generate_solved"):
        monkeypatch.setattr(gen, name, fail)
    out = tmp_path / "c.json"
    assert main(["generate", *HALF, "-o", str(out)]) == code
    err = capsys.readouterr().err
    assert err.startswith("ripcert: error: ") and message in err and err.count("\n") == 1
    assert not out.exists()


def test_warnings_are_one_line_without_source(monkeypatch, capsys):
    import ripcert.generator.counterexample as gen

    real = gen.generate_solved

    def noisy(*a, **k):
        warnings.warn("something odd\nsecond line", RuntimeWarning, stacklevel=1)
        return real(*a, **k)

    monkeypatch.setattr(gen, "generate_solved", noisy)
    assert main(["generate", *HALF]) == 0
    err = capsys.readouterr().err
    assert err == "ripcert: warning: something odd\n"


def test_no_reduce_size_guard_before_solving(monkeypatch, capsys):
    import ripcert.generator.counterexample as gen
    from ripcert.cli.generate import NO_REDUCE_MAX_N

    for name in ("generate", "generate_solved"):
        monkeypatch.setattr(gen, name, lambda *a, **k: pytest.fail("solved"))
    n = NO_REDUCE_MAX_N + 1
    x = " ".join(["1"] + ["0"] * (n - 1))
    z = " ".join(["0", "1"] + ["0"] * (n - 2))
    assert main(["generate", "--x", x, "--z", z, "--no-reduce"]) == 2
    err = capsys.readouterr().err
    assert f"n = {n} > {NO_REDUCE_MAX_N}" in err and err.count("\n") == 1


def _leaf_parsers(parser):
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return [parser]
    return [q for a in subs for p in dict.fromkeys(a.choices.values()) for q in _leaf_parsers(p)]


def test_every_help_shows_defaults_and_every_command_has_quiet(capsys):
    for leaf in _leaf_parsers(build_parser()):
        text = " ".join(leaf.format_help().split())  # undo line wrapping
        assert "--quiet" in text, leaf.prog
        for action in leaf._actions:
            if (
                action.option_strings
                and action.help
                and action.default
                not in (
                    None,
                    False,
                    argparse.SUPPRESS,
                )
            ):
                assert f"(default: {action.default})" in text, (leaf.prog, action.dest)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["sgd", "--help"])
    sgd_help = " ".join(capsys.readouterr().out.split())
    assert "--trials TRIALS independent random starts (default: 10000)" in sgd_help


def test_version():
    res = subprocess.run(
        [sys.executable, "-m", "ripcert", "--version"], capture_output=True, text=True, timeout=60
    )
    assert res.returncode == 0 and res.stdout.strip() == f"ripcert {__version__}"


def test_subprocess_bad_input_no_traceback_no_warning(tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "ripcert", "generate", "--x", "1e300,1", "--z", "1,0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2 and res.stderr.count("\n") == 1
    assert "Traceback" not in res.stderr and "Warning" not in res.stderr


class _FakeTTY(__import__("io").StringIO):
    def isatty(self) -> bool:
        return True


SWEEP = ["sweep", "rank1", "--phi-steps", "3", "--rho-steps", "2"]


def test_progress_only_on_a_terminal_and_not_with_quiet(tmp_path, capsys, monkeypatch):
    assert main([*SWEEP, "--out", str(tmp_path / "a")]) == 0
    assert capsys.readouterr().err == ""  # stderr is not a terminal: no bar
    tty = _FakeTTY()
    monkeypatch.setattr(sys, "stderr", tty)
    assert main([*SWEEP, "--out", str(tmp_path / "b")]) == 0
    assert "sweep: 100%" in tty.getvalue() and "6/6" in tty.getvalue()
    quiet = _FakeTTY()
    monkeypatch.setattr(sys, "stderr", quiet)
    assert main([*SWEEP, "--out", str(tmp_path / "c"), "--quiet"]) == 0
    assert quiet.getvalue() == ""
