"""Output paths are checked before any work (ripcert.cli.paths) and written as a user expects.

Every refusal must exit 2 with one line, create nothing, and happen before the solve (the
generator is replaced by a function that fails the test if called).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from ripcert.certificate import Certificate, atomic_write_text
from ripcert.cli import main

HALF = ["--x", "0,0.7071067811865476", "--z", "1,0"]


@pytest.fixture
def no_solve(monkeypatch):
    """Any solve is a test failure: path errors must come first."""
    import ripcert.generator.counterexample as gen

    def boom(*a, **k):
        raise AssertionError("solved before checking the output path")

    for name in ("generate", "generate_solved"):
        monkeypatch.setattr(gen, name, boom)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def listing(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize(
    "target,message",
    [
        ("missing/sub/c.json", "does not exist (create it, or pass --mkdir)"),
        ("", "empty path"),
        ("adir", "is a directory"),
        ("adir/", "is a directory"),
        ("afile/c.json", "is not a directory"),
        ("readonly.json", "read-only"),
    ],
)
def test_generate_bad_output_refused_before_solving(
    capsys, tmp_path, monkeypatch, no_solve, target, message
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile").write_text("x")
    ro = tmp_path / "readonly.json"
    ro.write_text("keep")
    ro.chmod(0o444)
    before = listing(tmp_path)
    code, _, err = run(capsys, "generate", *HALF, "-o", target)
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert err.startswith("ripcert: error: -o: ")
    assert listing(tmp_path) == before and ro.read_text() == "keep"


def test_unwritable_directory_refused(capsys, no_solve):
    # /proc is not writable even for root: the probe file cannot be created
    code, _, err = run(capsys, "generate", *HALF, "-o", "/proc/ripcert-c.json")
    assert code == 2 and "cannot write in '/proc'" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "-o", "{d}/c.json"],
        ["sgd", "--talk", "--trials", "1", "--json", "{d}/s.json"],
        ["sweep", "rank1", "--phi-steps", "1", "--rho-steps", "1", "--out", "{d}/s"],
        ["threshold", "--r", "1", "--r-star", "1", "--out", "{d}/t"],
        ["certify", "{cert}", "-o", "{d}/c.json"],
    ],
)
def test_every_output_option_checked_first(capsys, tmp_path, argv, monkeypatch):
    import ripcert.studies.dynamics as dyn
    import ripcert.studies.sweep as sw
    import ripcert.studies.threshold as thr

    for mod, name in ((dyn, "run"), (sw, "run_sweep"), (thr, "search")):
        monkeypatch.setattr(mod, name, lambda *a, **k: pytest.fail("work before path check"))
    cert = tmp_path / "in.json"
    cert.write_text("{}")
    d = tmp_path / "no" / "such"
    code, _, err = run(capsys, *[a.format(d=d, cert=cert) for a in argv])
    assert code == 2 and "does not exist" in err and err.count("\n") == 1
    assert not (tmp_path / "no").exists()


def test_mkdir_creates_the_parents(capsys, tmp_path):
    out = tmp_path / "a" / "b" / "c.json"
    code, _, _ = run(capsys, "generate", *HALF, "-o", str(out), "--mkdir")
    assert code == 0 and Certificate.load(out).delta == pytest.approx(0.5, abs=1e-6)


def test_symlink_written_through_and_mode_kept(capsys, tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old")
    target.chmod(0o600)
    link = tmp_path / "link.json"
    link.symlink_to(target.name)
    code, _, _ = run(capsys, "generate", *HALF, "-o", str(link))
    assert code == 0
    assert link.is_symlink() and os.readlink(link) == target.name
    assert Certificate.load(target).delta == pytest.approx(0.5, abs=1e-6)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_new_file_gets_umask_mode(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "n.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "n.txt").stat().st_mode) == 0o644


def test_stale_temp_of_a_killed_writer_is_removed(tmp_path):
    """A writer SIGKILLed mid-write leaves ``.NAME.PID.*.tmp``; the next write removes it
    (the PID is dead) and leaves the temp files of live writers alone."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, signal, tempfile, sys\n"
            "d = sys.argv[1]\n"
            "fd, _ = tempfile.mkstemp(dir=d, prefix=f'.c.json.{os.getpid()}.', suffix='.tmp')\n"
            "os.write(fd, b'partial')\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n",
            str(tmp_path),
        ]
    )
    child.wait()
    stale = [p.name for p in tmp_path.iterdir()]
    assert len(stale) == 1 and stale[0].startswith(f".c.json.{child.pid}.")
    live = tmp_path / f".c.json.{os.getpid()}.other.tmp"
    live.write_text("in progress")
    atomic_write_text(tmp_path / "c.json", "done")
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name, "c.json"]
    assert (tmp_path / "c.json").read_text() == "done"
