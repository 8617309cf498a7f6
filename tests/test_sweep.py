"""Sweeps: the rank-1 sharpness of δ = 1/2, the closed form, resume, local/Dask parity.

Expected values come from the papers (δ = 1/2 at φ = 90°, ρ² = 1/2, Zhang–Sojoudi–Lavaei
2019; 1/(1+√(r*/r)), R. Y. Zhang 2021–2022) and from the closed form of docs/math.md §5.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from ripcert.core.closed_form import rank1_delta
from ripcert.errors import InvalidInputError
from ripcert.studies.sweep import (
    COLUMNS,
    SweepSpec,
    comparable,
    grid_minimum,
    points,
    rank1_axes,
    rank1_matrix,
    read_table,
    run_sweep,
)

GRID = SweepSpec("rank1", phi_steps=13, rho_steps=13, phi_min=0.0, phi_max=180.0)


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    return run_sweep(GRID, tmp_path_factory.mktemp("grid"), progress=False)


def test_grid_contains_minimiser():
    phi, rho = rank1_axes(GRID)
    assert np.any(np.isclose(phi, 90.0)) and np.any(np.isclose(rho**2, 0.5))


def test_rank1_grid_minimum_is_one_half(grid):
    best = grid_minimum(grid)
    assert abs(best["delta_star"] - 0.5) < 1e-4
    assert best["phi_deg"] == pytest.approx(90.0)
    assert best["rho"] ** 2 == pytest.approx(0.5)


def test_rank1_grid_agrees_with_closed_form(grid):
    for row in grid.rows:
        # independent recomputation of the closed form from the recorded parameters
        phi = math.radians(row["phi_deg"])
        x = row["rho"] * np.array([math.cos(phi), math.sin(phi)])
        assert abs(row["delta_star"] - rank1_delta(x, np.array([1.0, 0.0]))) < 1e-6, row["id"]
        assert row["delta_star"] >= 0.5 - 1e-6
        assert not row["below_theory"]


def test_rank1_grid_known_values(grid):
    m = rank1_matrix(grid)
    phi, rho = rank1_axes(GRID)
    assert m.shape == (13, 13)
    i90 = int(np.argmin(abs(phi - 90)))
    # x ⊥ z (c = 0), a = ρ² ≥ 1: u₀ = max(0, 1 − a) = 0 ≤ u*, so δ* = √E/N = a/√(a²+1)
    # (docs/math.md §5); at ρ = 1 this is MATH's known value 1/√2
    a = rho**2
    big = a >= 1
    assert big.sum() >= 3
    np.testing.assert_allclose(m[i90][big], a[big] / np.sqrt(a[big] ** 2 + 1), atol=1e-6)
    assert m[i90][np.isclose(a, 1.0)] == pytest.approx(2**-0.5, abs=1e-6)


def test_collinear_points_record_no_counterexample(grid):
    rows = [r for r in grid.rows if r["phi_deg"] in (0.0, 180.0)]
    assert rows
    for r in rows:
        assert r["delta_star"] == 1.0 and r["status"] == "no_counterexample"


def test_ids_unique_sorted_and_stable():
    ids = [p.id for p in points(GRID)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert ids == [p.id for p in points(SweepSpec.from_dict(GRID.to_dict()))]


def test_table_round_trips(grid):
    again = read_table(grid.csv_path)
    assert comparable(again) == comparable(grid.rows)
    assert tuple(grid.csv_path.read_text().splitlines()[0].split(",")) == COLUMNS


SMALL = SweepSpec("rank1", phi_steps=5, rho_steps=4)


class _Boom(RuntimeError):
    pass


def test_interrupted_sweep_resumes_to_same_table(tmp_path):
    full = run_sweep(SMALL, tmp_path / "full", progress=False)
    seen = []

    def crash_after_7(row):
        seen.append(row["id"])
        if len(seen) == 7:
            raise _Boom

    with pytest.raises(_Boom):
        run_sweep(SMALL, tmp_path / "cut", progress=False, on_row=crash_after_7)
    partial = read_table(tmp_path / "cut" / "sweep.csv")
    assert len(partial) == 7
    with pytest.raises(InvalidInputError, match="resume"):
        run_sweep(SMALL, tmp_path / "cut", progress=False)
    resumed = run_sweep(SMALL, tmp_path / "cut", progress=False, resume=True)
    assert resumed.skipped == 7 and resumed.computed == 20 - 7
    assert comparable(resumed.rows) == comparable(full.rows)


def test_torn_last_line_is_dropped_on_resume(tmp_path):
    full = run_sweep(SMALL, tmp_path / "a", progress=False)
    text = full.csv_path.read_text()
    lines = text.splitlines(keepends=True)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "sweep.json").write_text(full.sidecar_path.read_text())
    (tmp_path / "b" / "sweep.csv").write_text("".join(lines[:5]) + lines[5][:17])
    assert len(read_table(tmp_path / "b" / "sweep.csv")) == 4
    resumed = run_sweep(SMALL, tmp_path / "b", progress=False, resume=True)
    assert resumed.computed == 16
    assert comparable(resumed.rows) == comparable(full.rows)


def test_resume_refuses_a_different_sweep(tmp_path):
    run_sweep(SMALL, tmp_path, progress=False)
    other = SweepSpec("rank1", phi_steps=5, rho_steps=5)
    with pytest.raises(InvalidInputError, match="different sweep"):
        run_sweep(other, tmp_path, progress=False, resume=True)


_KILL_SCRIPT = """
import sys
from ripcert.studies.sweep import SweepSpec, run_sweep
spec = SweepSpec("rank1", phi_steps=9, rho_steps=9)
run_sweep(spec, sys.argv[1], progress=False, resume=True)
"""


def test_sigkilled_sweep_resumes_to_same_table(tmp_path):
    spec = SweepSpec("rank1", phi_steps=9, rho_steps=9)
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-c", _KILL_SCRIPT, str(out)])
    csv_path = out / "sweep.csv"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if csv_path.exists() and len(csv_path.read_text().splitlines()) > 10:
                break
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    n_before = len(read_table(csv_path))
    assert 0 < n_before < 81
    resumed = run_sweep(spec, out, progress=False, resume=True)
    assert resumed.skipped == n_before
    full = run_sweep(spec, tmp_path / "full", progress=False)
    assert comparable(resumed.rows) == comparable(full.rows)


def test_process_pool_equals_serial(tmp_path):
    a = run_sweep(SMALL, tmp_path / "serial", progress=False)
    b = run_sweep(SMALL, tmp_path / "pool", progress=False, jobs=2)
    assert comparable(a.rows) == comparable(b.rows)
    assert [r["id"] for r in a.rows] == [r["id"] for r in b.rows]


def test_dask_local_cluster_equals_local(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    spec = SweepSpec("random", n=3, r=1, r_star=1, count=12, seed=5)
    local = run_sweep(spec, tmp_path / "local", progress=False, jobs=2)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        remote = run_sweep(
            spec, tmp_path / "dask", progress=False, scheduler=cluster.scheduler_address
        )
    assert comparable(local.rows) == comparable(remote.rows)
    assert Path(local.csv_path).read_text().count("\n") == 13


def test_random_rank1_instances_match_closed_form(tmp_path):
    spec = SweepSpec("random", n=4, r=1, r_star=1, count=10, seed=11)
    res = run_sweep(spec, tmp_path, progress=False)
    for row, p in zip(res.rows, points(spec), strict=True):
        assert row["id"] == p.id
        assert abs(row["delta_star"] - rank1_delta(p.x, p.z)) < 1e-6
        assert row["delta_star"] >= 0.5 - 1e-6


def test_random_instances_are_seeded():
    a = points(SweepSpec("random", n=3, r=2, r_star=1, count=3, seed=1))
    b = points(SweepSpec("random", n=3, r=2, r_star=1, count=3, seed=1))
    c = points(SweepSpec("random", n=3, r=2, r_star=1, count=3, seed=2))
    assert all(np.array_equal(p.x, q.x) for p, q in zip(a, b, strict=True))
    assert not np.array_equal(a[0].x, c[0].x)


def test_overparam_family_attains_theory(tmp_path):
    spec = SweepSpec("overparam", pairs=((2, 1), (2, 2)), t_steps=5)
    res = run_sweep(spec, tmp_path, progress=False)
    for r, rs in spec.pairs:
        theory = 1 / (1 + math.sqrt(rs / r))
        rows = [x for x in res.rows if x["r"] == r and x["r_star"] == rs]
        assert len(rows) == 6
        assert min(x["delta_star"] for x in rows) == pytest.approx(theory, abs=1e-6)
        assert all(x["delta_star"] >= theory - 1e-6 for x in rows)
        t_opt = math.sqrt(rs) / (math.sqrt(r) + math.sqrt(rs))
        best = min(rows, key=lambda x: x["delta_star"])
        assert best["t"] == pytest.approx(t_opt)


def test_bad_specs_rejected():
    with pytest.raises(InvalidInputError):
        SweepSpec("spiral")
    with pytest.raises(InvalidInputError):
        SweepSpec("rank1", phi_steps=0, rho_steps=3)
    with pytest.raises(InvalidInputError):
        SweepSpec("overparam", pairs=((1, 2),), t_steps=3)
    with pytest.raises(InvalidInputError):
        run_sweep(SMALL, "/tmp/unused", jobs=0)


# -- faults: bad points, locks, foreign rows, dead parents, Dask ---------------------------
def _failing_solver(monkeypatch, bad: dict[str, BaseException]):
    """Make the solve of the points whose x matches raise; the others solve normally."""
    import ripcert.studies.sweep as sw

    real = sw.solve_problem
    by_x = {p.x.tobytes(): exc for p in points(SMALL) if p.id in bad for exc in [bad[p.id]]}

    def solve(problem, solver):
        exc = by_x.get(np.asarray(problem.x, dtype=float).tobytes())
        if exc is not None:
            raise exc
        return real(problem, solver)

    monkeypatch.setattr(sw, "solve_problem", solve)


def test_a_bad_point_is_recorded_not_a_crash(tmp_path, monkeypatch):
    """Issue 11: a LinAlgError/ValueError/MemoryError from one solve aborted the sweep."""
    from ripcert.studies.sweep import failed_rows

    ids = [p.id for p in points(SMALL)]
    bad = {
        ids[3]: np.linalg.LinAlgError("Singular matrix"),
        ids[8]: ValueError("bad shape"),
        ids[13]: MemoryError(),
    }
    _failing_solver(monkeypatch, bad)
    res = run_sweep(SMALL, tmp_path, progress=False)
    failed = failed_rows(res.rows)
    assert [r["id"] for r in failed] == sorted(bad)
    assert all(r["status"] == "failed" and math.isnan(r["delta_star"]) for r in failed)
    assert "LinAlgError: Singular matrix" in failed[0]["solver_status"]
    assert sum(r["status"] != "failed" for r in res.rows) == len(ids) - 3
    monkeypatch.undo()
    again = run_sweep(SMALL, tmp_path, progress=False, resume=True)  # retries failed points
    assert again.computed == 3 and not failed_rows(again.rows)
    full = run_sweep(SMALL, tmp_path / "full", progress=False)
    assert comparable(again.rows) == comparable(full.rows)


def test_second_sweep_on_a_locked_folder_is_refused(tmp_path):
    from ripcert.studies.sweep import SweepAbortedError, _locked

    out = tmp_path / "s"
    out.mkdir()
    with _locked(out):  # another sweep holds the folder
        with pytest.raises(SweepAbortedError, match="in use by another running sweep"):
            run_sweep(SMALL, out, progress=False)
        with pytest.raises(SweepAbortedError):
            run_sweep(SMALL, out, progress=False, resume=True)
        assert sorted(p.name for p in out.iterdir()) == [".sweep.lock"]
    assert run_sweep(SMALL, out, progress=False).computed == 20  # free again


def test_resume_refuses_rows_of_another_sweep(tmp_path):
    run_sweep(SMALL, tmp_path, progress=False)
    other = run_sweep(SweepSpec("rank1", phi_steps=5, rho_steps=5), tmp_path / "o", progress=False)
    csv_path = tmp_path / "sweep.csv"
    foreign = [r for r in other.rows if r["id"] not in {p.id for p in points(SMALL)}][:1]
    with open(csv_path, "a") as fh:
        from ripcert.studies.sweep import format_row

        fh.write(format_row(foreign[0]))
    with pytest.raises(InvalidInputError, match="not in this sweep"):
        run_sweep(SMALL, tmp_path, progress=False, resume=True)


_POOL_SCRIPT = """
import sys
from ripcert.studies.sweep import SweepSpec, run_sweep
spec = SweepSpec("random", n=6, r=2, r_star=2, count=400, seed=1)
run_sweep(spec, sys.argv[1], progress=False, jobs=2)
"""


@pytest.mark.slow
def test_pool_workers_die_with_a_killed_parent(tmp_path):
    psutil = pytest.importorskip("psutil")
    proc = subprocess.Popen([sys.executable, "-c", _POOL_SCRIPT, str(tmp_path / "s")])
    parent = psutil.Process(proc.pid)
    workers: list = []
    deadline = time.monotonic() + 120  # liveness bound, not a timing assertion
    while time.monotonic() < deadline and len(workers) < 2:
        workers = [c for c in parent.children(recursive=True) if "python" in c.name().lower()]
        time.sleep(0.05)
    assert workers, "the sweep started no worker process"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    gone, alive = psutil.wait_procs(workers, timeout=60)
    assert not alive, f"workers outlived their parent: {[p.pid for p in alive]}"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_dask_scheduler_leaves_nothing(tmp_path):
    from ripcert.studies.sweep import SweepAbortedError

    out = tmp_path / "s"
    with pytest.raises(SweepAbortedError, match="cannot reach the Dask scheduler"):
        run_sweep(
            SMALL,
            out,
            progress=False,
            scheduler=f"tcp://127.0.0.1:{_free_port()}",
            connect_timeout=1.0,
        )
    assert not out.exists()
    assert run_sweep(SMALL, out, progress=False).computed == 20  # nothing blocks a rerun


@pytest.mark.slow
def test_dask_without_workers_stops_instead_of_hanging(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    from ripcert.studies.sweep import SweepAbortedError

    out = tmp_path / "s"
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        with pytest.raises(SweepAbortedError, match="no Dask worker"):
            run_sweep(
                SMALL,
                out,
                progress=False,
                scheduler=cluster.scheduler_address,
                worker_timeout=1.0,
            )
    assert not out.exists()  # nothing computed: nothing left behind
