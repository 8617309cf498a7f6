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


@pytest.fixture(scope="module")
def rank1_small(tmp_path_factory):
    spec = SweepSpec("rank1", phi_steps=5, rho_steps=5)
    return run_sweep(spec, tmp_path_factory.mktemp("r1"), progress=False)


@pytest.mark.parametrize("suffix,magic", [("png", b"\x89PNG"), ("pdf", b"%PDF"), ("svg", b"<?xml")])
def test_formats_and_size(rank1_small, tmp_path, suffix, magic):
    path = tmp_path / f"h.{suffix}"
    fig = P.delta_heatmap(rank1_small, path=path, size=(3.4, 2.8))
    assert path.read_bytes().startswith(magic)
    assert tuple(fig.get_size_inches()) == pytest.approx((3.4, 2.8))


def test_png_is_print_resolution(rank1_small, tmp_path):
    from matplotlib.image import imread

    P.delta_heatmap(rank1_small, path=tmp_path / "h.png", size=(4.0, 3.0))
    h, w = imread(tmp_path / "h.png").shape[:2]
    assert (h, w) == (900, 1200)  # 3 in × 4 in at 300 dpi


def test_unsupported_format_refused(rank1_small, tmp_path):
    from ripcert.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="unsupported format 'jpg'"):
        P.delta_heatmap(rank1_small, path=tmp_path / "h.jpg")


def _tick_texts(fig, which="y"):
    ax = fig.axes[0]
    fig.canvas.draw()
    axis = ax.yaxis if which == "y" else ax.xaxis
    labels = [t.get_text() for t in axis.get_ticklabels(minor=False)]
    labels += [t.get_text() for t in axis.get_ticklabels(minor=True)]
    return [t for t in labels if t]


def test_log_ticks_are_plain_numbers_not_2x10(rank1_small):
    """Issue 11: the ρ axis read 2×10⁰ (minor log labels in mathtext)."""
    texts = _tick_texts(P.delta_heatmap(rank1_small))
    assert texts and all("10" not in t or t == "10" for t in texts), texts
    assert "1" in texts and "0.5" in texts


def test_log_ticks_over_many_decades_use_powers_of_ten():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot([0, 1], [1e-12, 1e2])
    P.log_axis(ax, "y", 1e-12, 1e2)
    texts = _tick_texts(fig)
    assert any("10^{" in t for t in texts) and not any("times" in t for t in texts), texts


def test_one_style_readable_fonts(rank1_small):
    fig = P.delta_heatmap(rank1_small)
    ax = fig.axes[0]
    assert ax.get_legend().get_texts()[0].get_fontsize() >= 8.5
    assert ax.xaxis.label.get_fontsize() >= 9.5


def test_random_sweep_figure(tmp_path):
    spec = SweepSpec("random", n=3, r=1, r_star=1, count=6, seed=2)
    res = run_sweep(spec, tmp_path / "s", progress=False)
    fig = P.random_deltas(res, path=tmp_path / "r.png")
    ax = fig.axes[0]
    assert sum(p.get_height() for p in ax.patches) == 6  # every instance in the histogram
    assert any(abs(line.get_xdata()[0] - 0.5) < 1e-12 for line in ax.lines)  # theory 1/2
    assert _png_ok(tmp_path / "r.png")


def test_overparam_coinciding_curves_stay_distinguishable(tmp_path):
    """Notebook 03: the (1, 1) and (2, 2) curves coincide; each keeps its own marker and
    dash pattern, so neither hides the other."""
    spec = SweepSpec("overparam", pairs=((1, 1), (2, 2)), t_steps=5)
    res = run_sweep(spec, tmp_path / "s", progress=False)
    d = res.column("delta_star")
    assert np.allclose(d[: len(d) // 2], d[len(d) // 2 :], atol=1e-7)
    lines = [ln for ln in P.overparam_curve(res).axes[0].lines if len(ln.get_xdata()) > 2]
    assert len(lines) == 2
    assert lines[0].get_marker() != lines[1].get_marker()
    assert lines[0].get_linestyle() != lines[1].get_linestyle()
