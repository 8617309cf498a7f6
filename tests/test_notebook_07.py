"""The stored δ(R) curves of notebook 07 and the script that writes them.

The data file's claims are checked against independent facts, not against a re-run of the
search: every point lies in its ball (or on its sphere); in the ball mode a restricted-RIP
value is at least the unstructured rank-one closed form at the same (x, z) (compressing a
feasible kernel to span([x z]) gives a feasible two-dimensional one, docs/math.md §4–§5), hence
at least ½ (Zhang, Sojoudi, Lavaei, arXiv:1901.01631); the ball curves are non-increasing in R
(nested balls, continuation from the previous radius).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ripcert.core.closed_form import rank1_delta

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "notebooks" / "data" / "radius_curves.json"
SCRIPT = ROOT / "benchmarks" / "radius_curves.py"
GRID_N = {"case9": 9, "case14": 14, "case30": 30}


def _rows() -> list[dict]:
    return json.loads(DATA.read_text())["rows"]


def test_stored_points_are_feasible():
    rows = _rows()
    assert rows
    for row in rows:
        n = GRID_N[row["case"]]
        x, z = np.array(row["x"]), np.array(row["z"])
        assert x.shape == z.shape == (n,) == (row["n"],)
        dx, dz = np.linalg.norm(x - 1.0), np.linalg.norm(z - 1.0)
        radius = row["radius"]
        assert dz <= radius * (1 + 1e-9)
        if row["mode"] == "sphere":
            assert dx == pytest.approx(radius, rel=1e-9)
        else:
            assert dx <= radius * (1 + 1e-9)
        assert 0.0 <= row["delta"] <= 1.0 + 1e-9
        assert row["seconds"] > 0 and row["solves"] >= row["starts"]


def test_ball_values_respect_the_rank_one_floor():
    rows = [r for r in _rows() if r["mode"] == "ball"]
    assert rows
    for row in rows:
        floor = rank1_delta(np.array(row["x"]), np.array(row["z"]))
        assert row["delta"] >= floor - 1e-6, (row["case"], row["model"], row["radius"])
        assert row["delta"] >= 0.5 - 1e-6


def test_ball_curves_are_non_increasing():
    curves: dict[tuple, list[tuple[float, float]]] = {}
    for row in _rows():
        if row["mode"] == "ball":
            key = (row["case"], row["model"], row["starts"], row["iterations"], row["seed"])
            curves.setdefault(key, []).append((row["radius"], row["delta"]))
    for key, pts in curves.items():
        deltas = [d for _, d in sorted(pts)]
        assert all(b <= a + 1e-6 for a, b in zip(deltas[:-1], deltas[1:], strict=True)), key


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path / "c.json"), "--quiet", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )


@pytest.mark.slow
def test_script_appends_and_resumes(tmp_path):
    common = ("--cases", "case9", "--models", "ripcert", "--modes", "ball")
    small = ("--starts", "1", "--iterations", "1")
    assert _run(tmp_path, *common, *small, "--radii", "0.5").returncode == 0
    first = json.loads((tmp_path / "c.json").read_text())["rows"]
    assert [r["radius"] for r in first] == [0.5]
    proc = _run(tmp_path, *common, *small, "--radii", "0.5,1")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads((tmp_path / "c.json").read_text())["rows"]
    assert [r["radius"] for r in rows] == [0.5, 1.0]  # 0.5 skipped, not recomputed
    assert rows[0] == first[0]
    assert rows[1]["warm_start"] and rows[1]["search_seed"] == 1
    for row in rows:
        assert row["delta"] >= rank1_delta(np.array(row["x"]), np.array(row["z"])) - 1e-6


@pytest.mark.parametrize(
    "args",
    [("--modes", "disk"), ("--models", "cvx"), ("--radii", "1,-2"), ("--starts", "0")],
)
def test_script_rejects_bad_input(tmp_path, args):
    proc = _run(tmp_path, "--cases", "case9", *args)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error:") and "Traceback" not in proc.stderr
    assert not (tmp_path / "c.json").exists()
