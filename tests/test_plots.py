"""Plots: each returns a Figure, saves a PNG, marks what it should; no pyplot state."""

from __future__ import annotations

import numpy as np
import pytest

from ripcert.studies import dynamics as D
from ripcert.studies import plots as P
from ripcert.studies.sweep import SweepSpec, run_sweep
from ripcert.studies.threshold import search


def _png_ok(path):
    data = path.read_bytes()
    return data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000


def test_delta_heatmap(tmp_path):
    res = run_sweep(SweepSpec("rank1", phi_steps=7, rho_steps=5), tmp_path / "s", progress=False)
    fig = P.delta_heatmap(res, path=tmp_path / "h.png")
    assert _png_ok(tmp_path / "h.png")
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert any("grid min" in lb for lb in labels) and any("theory" in lb for lb in labels)


def test_overparam_and_threshold_plots(tmp_path):
    res = run_sweep(
        SweepSpec("overparam", pairs=((2, 1),), t_steps=3), tmp_path / "o", progress=False
    )
    P.overparam_curve(res, path=tmp_path / "o.png")
    assert _png_ok(tmp_path / "o.png")
    P.threshold_plot([search(1, 1, starts=1, certify=False)], path=tmp_path / "t.png")
    assert _png_ok(tmp_path / "t.png")


def test_dynamics_plots(tmp_path):
    land = D.talk_landscape()
    proto = D.Protocol("sgd", "sgd", iterations=100)
    r = D.run(land, proto, trials=100)
    P.failure_rates([r], path=tmp_path / "f.png")
    gs = D.gamma_sweep(land, proto, [0.0, 0.5, 1.0], trials=50)
    fig = P.gamma_quantiles(gs, path=tmp_path / "g.png")
    assert _png_ok(tmp_path / "f.png") and _png_ok(tmp_path / "g.png")
    assert len(fig.axes[0].get_lines()) == 5


def test_critical_points_of_talk_instance():
    # docs/math.md §3/§6: ±z global minima (f = 0), ±x = (0, ±1/√2) degenerate (f = 3/2),
    # 0 a local maximum with f(0) = ‖A(zzᵀ)‖² = 2 (⟨A1, zzᵀ⟩ = √2)
    cps = P.critical_points(D.talk_landscape())
    pts = {tuple(np.round(c["point"], 4)): c for c in cps}
    assert pts[(1.0, 0.0)]["kind"] == "min" and pts[(-1.0, 0.0)]["f"] == pytest.approx(0)
    x = pts[(0.0, 0.7071)]
    assert x["kind"] == "degenerate (PSD Hessian)" and x["f"] == pytest.approx(1.5)
    assert pts[(0.0, 0.0)]["kind"] == "max" and pts[(0.0, 0.0)]["f"] == pytest.approx(2.0)
    assert len(cps) == 5


def test_landscape_plot(tmp_path):
    fig = P.landscape(D.talk_landscape(), path=tmp_path / "l.png", resolution=81)
    assert _png_ok(tmp_path / "l.png")
    labels = " ".join(line.get_label() for line in fig.axes[0].get_lines())
    assert "±z" in labels and "±x" in labels and "max" in labels


def test_no_pyplot_figures_left_open():
    import matplotlib.pyplot as plt

    before = len(plt.get_fignums())
    P.landscape(D.talk_landscape(), resolution=41)
    assert len(plt.get_fignums()) == before
