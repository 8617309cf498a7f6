"""CLI: ripcert sweep / threshold / sgd — outputs, resume, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ripcert.cli import SUBCOMMANDS, main
from ripcert.studies.sweep import comparable, read_table


def test_subcommands_registered():
    assert {"sweep", "threshold", "sgd"} <= set(SUBCOMMANDS)


def test_sweep_rank1_writes_table_and_plot(tmp_path, capsys):
    out = tmp_path / "s"
    rc = main(
        [
            "sweep",
            "rank1",
            "--phi-steps",
            "5",
            "--rho-steps",
            "3",
            "--out",
            str(out),
            "--plot",
            "--no-progress",
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert "points     15" in text and "min δ*     0.5000000" in text
    rows = read_table(out / "sweep.csv")
    assert len(rows) == 15
    assert min(r["delta_star"] for r in rows) == pytest.approx(0.5, abs=1e-6)
    assert (out / "rank1.png").stat().st_size > 1000
    assert json.loads((out / "sweep.json").read_text())["spec"]["phi_steps"] == 5


def test_sweep_resume_and_refusals(tmp_path, capsys):
    out = str(tmp_path / "s")
    args = ["sweep", "rank1", "--phi-steps", "3", "--rho-steps", "3", "--out", out, "--no-progress"]
    assert main(args) == 0
    first = read_table(tmp_path / "s" / "sweep.csv")
    assert main(args) == 2  # exists, no --resume
    assert "--resume" in capsys.readouterr().err
    assert main(args + ["--resume"]) == 0
    assert "0 computed, 9 from an earlier run" in capsys.readouterr().out
    assert comparable(read_table(tmp_path / "s" / "sweep.csv")) == comparable(first)
    other = ["sweep", "rank1", "--phi-steps", "3", "--rho-steps", "5", "--out", out, "--resume"]
    assert main(other) == 2
    assert "different sweep" in capsys.readouterr().err


def test_sweep_overparam_and_random(tmp_path, capsys):
    assert (
        main(
            [
                "sweep",
                "overparam",
                "--pairs",
                "2,1",
                "--t-steps",
                "3",
                "--out",
                str(tmp_path / "o"),
                "--no-progress",
                "--plot",
            ]
        )
        == 0
    )
    assert "min δ*     0.58578" in capsys.readouterr().out  # 1/(1+√(1/2))
    assert (
        main(
            [
                "sweep",
                "random",
                "--n",
                "3",
                "--r",
                "1",
                "--r-star",
                "1",
                "--count",
                "4",
                "--out",
                str(tmp_path / "r"),
                "--no-progress",
                "--jobs",
                "2",
            ]
        )
        == 0
    )


def test_sweep_bad_input_exit_2_one_line(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "ripcert",
            "sweep",
            "overparam",
            "--pairs",
            "1,2",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr


def test_threshold_cli(tmp_path, capsys):
    rc = main(["threshold", "--r", "1", "--r-star", "1", "--starts", "2", "--out", str(tmp_path)])
    assert rc == 0
    assert "| 1 | 1 | 0.5000000" in capsys.readouterr().out
    rows = json.loads((tmp_path / "table.json").read_text())
    assert rows[0]["found"] == pytest.approx(0.5, abs=1e-6)
    assert (tmp_path / rows[0]["certificate"]).exists()
    assert main(["threshold", "--r", "1"]) == 2
    assert main(["threshold", "--r", "1", "--r-star", "1", "--hops", "-1"]) == 2
    assert main(["threshold", "--r", "1", "--r-star", "1", "--maxfev", "0"]) == 2


def test_threshold_cli_bundle_method_and_budget(capsys):
    args = ["threshold", "--r", "2", "--r-star", "1", "--starts", "1", "--maxfev", "80"]
    assert main([*args, "--method", "lbfgs+bundle"]) == 0
    row = capsys.readouterr().out.splitlines()[-1].split("|")
    assert abs(float(row[3]) - 1 / (1 + 0.5**0.5)) < 1e-3  # R. Y. Zhang's (2, 1) value


def test_sgd_cli_talk_and_certificate(tmp_path, capsys):
    js = tmp_path / "sgd.json"
    assert main(["sgd", "--talk", "--trials", "200", "--iterations", "300", "--json", str(js)]) == 0
    summ = json.loads(js.read_text())
    assert summ["trials"] == 200 and summ["successes"] + summ["failures"] == 200
    assert summ["protocol"]["iterations"] == 300
    assert (
        main(
            [
                "generate",
                "--x",
                "0,0.7071067811865476",
                "--z",
                "1,0",
                "-o",
                str(tmp_path / "c.json"),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert (
        main(
            [
                "sgd",
                str(tmp_path / "c.json"),
                "--trials",
                "50",
                "--iterations",
                "100",
                "--gammas",
                "0,1",
            ]
        )
        == 0
    )
    assert "gamma" in capsys.readouterr().out
    assert main(["sgd", "--trials", "5"]) == 2  # neither a file nor --talk
    assert main(["sgd", "--talk", "--step", "-1"]) == 2


def test_sweep_random_plot_draws_a_figure_in_the_chosen_format(tmp_path, capsys):
    """Issue 11: `sweep random --plot` drew nothing."""
    out = tmp_path / "r"
    args = ["sweep", "random", "--n", "3", "--r", "1", "--r-star", "1", "--count", "6"]
    rc = main([*args, "--out", str(out), "--plot", "--format", "svg", "--size", "3.4,2.6", "-q"])
    assert rc == 0
    svg = (out / "random.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert 'width="244.8pt" height="187.2pt"' in svg  # --size 3.4,2.6 inches at 72 pt/in


def test_sweep_failed_points_exit_4_and_are_listed(tmp_path, capsys, monkeypatch):
    import numpy as np

    import ripcert.studies.sweep as sw

    real = sw.solve_problem

    def flaky(problem, solver):
        if problem.x[0, 0] < 0:  # about half of the random instances
            raise np.linalg.LinAlgError("Singular matrix")
        return real(problem, solver)

    monkeypatch.setattr(sw, "solve_problem", flaky)
    out = tmp_path / "r"
    args = ["sweep", "random", "--n", "3", "--r", "1", "--r-star", "1", "--count", "8", "-q"]
    assert main([*args, "--out", str(out)]) == 4
    text = capsys.readouterr().out
    failed = [r for r in read_table(out / "sweep.csv") if r["status"] == "failed"]
    assert failed and text.count("FAILED     ") == len(failed)
    assert all(f"FAILED     {r['id']}: LinAlgError" in text for r in failed)
    monkeypatch.undo()
    assert main([*args, "--out", str(out), "--resume"]) == 0  # failed points retried


def test_sweep_busy_out_exit_2(tmp_path, capsys):
    from ripcert.studies.sweep import _locked

    out = tmp_path / "s"
    out.mkdir()
    with _locked(out):
        rc = main(["sweep", "rank1", "--phi-steps", "2", "--rho-steps", "2", "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and "in use by another running sweep" in err and err.count("\n") == 1


@pytest.mark.slow
def test_sweep_unreachable_scheduler_exit_2_one_line_nothing_left(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "s"
    proc = subprocess.run(
        [sys.executable, "-m", "ripcert", "sweep", "rank1", "--phi-steps", "2"]
        + ["--rho-steps", "2", "--out", str(out), "--scheduler", f"tcp://127.0.0.1:{port}"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "cannot reach the Dask scheduler" in proc.stderr
    assert not out.exists()


def test_threshold_plot_option(tmp_path, capsys):
    rc = main(
        ["threshold", "--r", "1", "--r-star", "1", "--starts", "1", "--out", str(tmp_path)]
        + ["--plot", "--format", "pdf", "-q"]
    )
    assert rc == 0 and (tmp_path / "threshold.pdf").read_bytes().startswith(b"%PDF")
    assert main(["threshold", "--r", "1", "--r-star", "1", "--plot"]) == 2


@pytest.mark.slow
def test_two_racing_sweeps_second_exits_2_first_complete(tmp_path):
    """Issue 11: two sweeps on one --out corrupted it once in 6 tries."""
    import time

    out = tmp_path / "s"
    cmd = [sys.executable, "-m", "ripcert", "sweep", "rank1", "--phi-steps", "15"]
    cmd += ["--rho-steps", "15", "--out", str(out), "-q"]
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120  # liveness bound, not a timing assertion
    while time.monotonic() < deadline and not (out / "sweep.csv").exists():
        time.sleep(0.01)
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    _, err1 = first.communicate(timeout=600)
    assert first.returncode == 0, err1
    assert second.returncode == 2 and second.stderr.count("\n") == 1
    assert "in use by another running sweep" in second.stderr or "--resume" in second.stderr
    rows = read_table(out / "sweep.csv")
    assert sorted(r["id"] for r in rows) == sorted({r["id"] for r in rows}) and len(rows) == 225
