"""Figures for sweeps, thresholds and dynamics (matplotlib, no pyplot state).

Every function builds a :class:`matplotlib.figure.Figure` directly (Agg canvas, never
``plt.show``) in one paper-ready style (:data:`STYLE`: 9–10 pt text, legible legends, ticks
inside), returns it, and saves it when ``path`` is given, in the format of the path's suffix
(:data:`FORMATS`: vector PDF/SVG, or PNG at 300 dpi).  ``size=(width, height)`` in inches
overrides each figure's default size (3.4 in is one column of a two-column paper).
Logarithmic axes are labelled with plain numbers when they span less than two decades
(0.5, 1, 2 — never ``2×10⁰``) and with powers of ten otherwise.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogFormatterSciNotation, LogLocator, NullFormatter

from ripcert.core.closed_form import rank1_delta
from ripcert.errors import InvalidInputError
from ripcert.studies.dynamics import DynamicsResult, GammaSweep, Landscape, gradient, objective
from ripcert.studies.sweep import SweepResult, rank1_axes, rank1_matrix
from ripcert.studies.threshold import ThresholdResult, theory_threshold

#: file formats of saved figures (from the path's suffix)
FORMATS = ("png", "pdf", "svg")
#: resolution of PNG figures
PNG_DPI = 300
#: the one style of every figure
STYLE: dict[str, Any] = {
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.framealpha": 0.85,
    "lines.linewidth": 1.5,
    "lines.markersize": 5,
    "axes.grid": False,
    "xtick.direction": "in",
    "ytick.direction": "in",
    "xtick.top": True,
    "ytick.right": True,
    "pdf.fonttype": 42,  # TrueType in PDFs (editable text, accepted by publishers)
    "svg.fonttype": "none",
}

_F = TypeVar("_F", bound=Callable[..., Figure])


def styled(func: _F) -> _F:
    """Draw (and save) the figure inside :data:`STYLE`."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with mpl.rc_context(cast(Any, STYLE)):  # rcParams keys are Literal-typed
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _figure(figsize: tuple[float, float], size: tuple[float, float] | None = None) -> Figure:
    fig = Figure(figsize=size or figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _finish(fig: Figure, path: str | os.PathLike | None) -> Figure:
    """Save in the format named by the suffix of ``path`` (one of :data:`FORMATS`)."""
    if path is not None:
        fmt = Path(path).suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise InvalidInputError(
                f"figure {os.fspath(path)!r}: unsupported format {fmt!r} (use {', '.join(FORMATS)})"
            )
        fig.savefig(path, format=fmt, dpi=PNG_DPI if fmt == "png" else "figure")
    return fig


def log_axis(ax: Axes, which: str, lo: float, hi: float) -> None:
    """Log scale on ``which`` ("x" or "y") with readable ticks for data in ``[lo, hi]``:
    plain numbers (1, 2, 5 × 10ᵏ) below two decades, powers of ten above."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    if hi / lo < 100:
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    else:
        axis.set_major_locator(LogLocator(base=10, numticks=8))
        axis.set_major_formatter(LogFormatterSciNotation(base=10))
    axis.set_minor_formatter(NullFormatter())


@styled
def delta_heatmap(
    result: SweepResult,
    path: str | os.PathLike | None = None,
    size: tuple[float, float] | None = None,
) -> Figure:
    """δ*(φ, ρ) of a rank-1 sweep, with closed-form contours (docs/math.md §5) and the minimum.

    The theoretical minimiser φ = 90°, ρ = 1/√2 (δ* = 1/2) is marked with a star, the
    grid's smallest value with a cross.
    """
    if result.spec.kind != "rank1":
        raise InvalidInputError("delta_heatmap needs a rank1 sweep")
    phi, rho = rank1_axes(result.spec)
    m = rank1_matrix(result)
    fig = _figure((5.5, 4.2), size)
    ax = fig.add_subplot()
    mesh = ax.pcolormesh(phi, rho, m.T, shading="nearest", cmap="viridis", vmin=0.5, vmax=1.0)
    fig.colorbar(mesh, ax=ax, label="δ*(x, z) from the SDP")
    fp = np.linspace(phi.min(), phi.max(), 181)
    fr = np.geomspace(rho.min(), rho.max(), 121)
    cf = np.array(
        [
            [
                rank1_delta(
                    r * np.array([math.cos(math.radians(p)), math.sin(math.radians(p))]),
                    np.array([1.0, 0.0]),
                )
                for p in fp
            ]
            for r in fr
        ]
    )
    cs = ax.contour(fp, fr, cf, levels=[0.55, 0.6, 0.7, 0.8, 0.9, 0.95], colors="w", linewidths=0.8)
    ax.clabel(cs, fontsize=8, fmt="%.2f")
    if np.isfinite(m).any():
        i, j = np.unravel_index(np.nanargmin(m), m.shape)
        ax.plot(phi[i], rho[j], "rx", ms=10, mew=2, label=f"grid min δ* = {m[i, j]:.6f}")
    ax.plot(90.0, 2**-0.5, "r*", ms=12, mfc="none", label="theory: δ* = 1/2 at 90°, ρ² = ½")
    log_axis(ax, "y", float(rho.min()), float(rho.max()))
    ax.set_xlabel("angle φ between x and z (degrees)")
    ax.set_ylabel("ρ = ‖x‖/‖z‖")
    ax.set_title("Rank-1 δ*: SDP (colour) and closed form (contours)")
    ax.legend(loc="upper right")
    return _finish(fig, path)


@styled
def threshold_plot(
    results: Sequence[ThresholdResult],
    path: str | os.PathLike | None = None,
    size: tuple[float, float] | None = None,
) -> Figure:
    """Found minima of δ* vs the theory 1/(1+√(r*/r)) for each (r, r*)."""
    fig = _figure((6.0, 3.6), size)
    ax = fig.add_subplot()
    labels = [f"({res.r},{res.r_star})" for res in results]
    xs = np.arange(len(results))
    ax.bar(xs, [res.theory for res in results], color="0.85", label="theory 1/(1+√(r*/r))")
    ax.plot(xs, [res.found for res in results], "o", color="C0", label="multistart search")
    for x, res in zip(xs, results, strict=True):
        if res.below_theory:
            ax.annotate("BELOW THEORY", (x, res.found), color="red", fontsize=9)
        ax.annotate(
            f"{res.random_reached}/{res.random_starts}",
            (x, res.found + 0.01),
            ha="center",
            fontsize=8,
        )
    ax.set_xticks(xs, labels)
    ax.set_xlabel("(r, r*)")
    ax.set_ylabel("min δ*")
    ax.set_ylim(0.4, 0.7)
    ax.set_title("Threshold search (labels: random starts reaching theory)")
    ax.legend()
    return _finish(fig, path)


@styled
def overparam_curve(
    result: SweepResult,
    path: str | os.PathLike | None = None,
    size: tuple[float, float] | None = None,
) -> Figure:
    """δ* along docs/math.md §7's family X = √t[I;0], Z = [0;I] for each (r, r*) of a sweep.

    Curves of pairs with the same ratio r*/r coincide exactly (δ* depends on (r, r*) only
    through it on this family), so each pair gets its own marker and dash pattern and later
    ones are drawn thinner, on top: every curve stays visible where they overlap."""
    if result.spec.kind != "overparam":
        raise InvalidInputError("overparam_curve needs an overparam sweep")
    fig = _figure((5.5, 3.8), size)
    ax = fig.add_subplot()
    for k, (r, rs) in enumerate(result.spec.pairs):
        rows = [x for x in result.rows if x["r"] == r and x["r_star"] == rs]
        ts = [x["t"] for x in rows]
        ax.plot(
            ts,
            [x["delta_star"] for x in rows],
            _DASHES[k % len(_DASHES)],
            marker=_MARKERS[k % len(_MARKERS)],
            ms=max(6 - 1.2 * k, 3),
            mfc="none" if k % 2 == 0 else None,
            lw=max(2.2 - 0.4 * k, 0.8),
            color=f"C{k}",
            zorder=2 + k,
            label=f"(r, r*) = ({r}, {rs})",
        )
        ax.axhline(theory_threshold(r, rs), color=f"C{k}", ls=":", lw=0.8)
    ax.set_xlabel("t")
    ax.set_ylabel("δ*")
    ax.set_title("Over-parameterised family (dotted: 1/(1+√(r*/r)))")
    ax.legend()
    return _finish(fig, path)


_MARKERS = ("o", "s", "^", "D", "v", "x")
_DASHES = ("-", "--", "-.", ":", "-", "--")


@styled
def random_deltas(
    result: SweepResult,
    path: str | os.PathLike | None = None,
    size: tuple[float, float] | None = None,
) -> Figure:
    """Histogram of δ* over the instances of a ``random`` sweep, with the theoretical lower
    bound 1/(1+√(r*/r)) (Zhang 2021–2022, docs/math.md §7) and the sample minimum."""
    if result.spec.kind != "random":
        raise InvalidInputError("random_deltas needs a random sweep")
    spec = result.spec
    d = result.column("delta_star")
    ok = d[np.isfinite(d)]
    fig = _figure((5.0, 3.4), size)
    ax = fig.add_subplot()
    theory = theory_threshold(spec.r, spec.r_star)
    if ok.size:
        ax.hist(ok, bins=max(5, min(40, int(np.sqrt(ok.size)) * 2)), color="C0", alpha=0.8)
        ax.axvline(ok.min(), color="C0", ls="--", lw=1, label=f"sample min {ok.min():.4f}")
    ax.axvline(theory, color="k", ls=":", lw=1.2, label=f"theory 1/(1+√(r*/r)) = {theory:.4f}")
    ax.set_xlabel("δ*(X, Z)")
    ax.set_ylabel("instances")
    failed = int(d.size - ok.size)
    ax.set_title(
        f"{d.size} random instances, n = {spec.n}, r = {spec.r}, r* = {spec.r_star}"
        + (f" ({failed} failed)" if failed else "")
    )
    ax.legend()
    return _finish(fig, path)


@styled
def failure_rates(
    results: Sequence[DynamicsResult],
    path: str | os.PathLike | None = None,
    size: tuple[float, float] | None = None,
) -> Figure:
    """Failure rate with Wilson 95% intervals, one bar per protocol."""
    fig = _figure((6.0, 3.6), size)
    ax = fig.add_subplot()
    xs = np.arange(len(results))
    rates = np.array([r.failure_rate for r in results])
    ci = np.array([r.ci for r in results])
    ax.bar(xs, rates, yerr=[rates - ci[:, 0], ci[:, 1] - rates], capsize=3, color="C1")
    ax.axhline(0.12053, color="k", ls="--", lw=0.8, label="talk: 12,053/100,000")
    ax.set_xticks(xs, [r.protocol.name for r in results], rotation=30, ha="right")
    ax.set_ylabel("failure rate")
    ax.set_title("SGD/GD failure rate on the δ = 1/2 instance, by protocol")
    ax.legend()
    return _finish(fig, path)


@styled
def gamma_quantiles(
    sweep: GammaSweep,
    path: str | os.PathLike | None = None,
    size: tuple[float, float] | None = None,
) -> Figure:
    """Quantiles of ‖X_final − X_good‖ vs γ for starts (1−γ)·X_bad + γ·Gaussian, and the
    failure rate (the talk's second experiment)."""
    fig = _figure((5.5, 3.8), size)
    ax = fig.add_subplot()
    names = ["min", "5%", "median", "95%", "max"]
    q = np.where(np.isfinite(sweep.quantiles), sweep.quantiles, np.nan)
    q = np.maximum(q, 1e-16)
    for k, name in enumerate(names):
        ax.plot(sweep.gammas, q[:, k], "-o", ms=3, label=name)
    fin = q[np.isfinite(q)]
    if fin.size:
        log_axis(ax, "y", float(fin.min()), float(max(fin.max(), fin.min() * 1.01)))
    ax.set_xlabel("γ  (start = (1−γ)·X_bad + γ·Gaussian)")
    ax.set_ylabel("‖X_final − X_good‖")
    ax2 = ax.twinx()
    ax2.plot(sweep.gammas, sweep.failure_rates, "k--", label="failure rate")
    ax2.set_ylim(0, 1.05)
    ax2.set_ylabel("failure rate")
    ax.legend(loc="lower left")
    ax2.legend(loc="upper right")
    title = "Final error vs γ"
    if sweep.protocol is not None:
        p = sweep.protocol
        title += f" ({p.method}, step {p.step:g}, {p.iterations} its)"
    ax.set_title(title)
    return _finish(fig, path)


def critical_points(land: Landscape, box: float = 1.6, grid: int = 9) -> list[dict]:
    """Critical points of f on R² (n = 2, r = 1) by Levenberg–Marquardt on ∇f = 0 from a
    grid of starts, clustered (radius 10⁻², keeping the smallest ‖∇f‖: near a degenerate
    point ∇f vanishes like ε³) and classified by the Hessian (central differences of the
    analytic gradient): min, spurious min, saddle, max or degenerate (PSD, singular)."""
    import scipy.optimize

    if land.n != 2 or land.r != 1:
        raise InvalidInputError("critical_points needs n = 2, r = 1")

    def grad(v):
        return gradient(land, v.reshape(1, 2, 1)).ravel()

    found: list[np.ndarray] = []
    for a in np.linspace(-box, box, grid):
        for b in np.linspace(-box, box, grid):
            sol = scipy.optimize.root(grad, [a, b], method="lm", options={"xtol": 1e-14})
            v = sol.x
            gn = np.linalg.norm(grad(v))
            if gn < 1e-9 and np.all(np.abs(v) <= box * 1.5):
                near = [k for k, w in enumerate(found) if np.linalg.norm(v - w) < 1e-2]
                if not near:
                    found.append(v)
                elif gn < np.linalg.norm(grad(found[near[0]])):
                    found[near[0]] = v
    out = []
    for v in found:
        h = 1e-6
        hess = np.array([(grad(v + h * e) - grad(v - h * e)) / (2 * h) for e in np.eye(2)])
        ev = np.linalg.eigvalsh(0.5 * (hess + hess.T))
        tol = 1e-6 * max(1.0, abs(ev).max())
        kind = "min" if ev[0] > tol else "max" if ev[-1] < -tol else "saddle"
        if kind == "min" and objective(land, v.reshape(1, 2, 1))[0] > 1e-12:
            kind = "spurious min"
        if abs(ev[0]) <= 1e-4 * max(1.0, abs(ev).max()) and ev[-1] > tol:
            kind = "degenerate (PSD Hessian)"
        out.append(
            {
                "point": v,
                "eigenvalues": ev,
                "kind": kind,
                "f": float(objective(land, v.reshape(1, 2, 1))[0]),
            }
        )
    return sorted(out, key=lambda d: (d["kind"], tuple(np.round(d["point"], 6))))


@styled
def landscape(
    land: Landscape,
    box: float = 1.5,
    path: str | os.PathLike | None = None,
    resolution: int = 301,
    size: tuple[float, float] | None = None,
) -> Figure:
    """f over R² (log colour scale) for an n = 2, r = 1 landscape, with ±z, ±x and the
    other critical points (found by :func:`critical_points`) marked."""
    if land.n != 2 or land.r != 1:
        raise InvalidInputError("landscape plot needs n = 2, r = 1")
    g = np.linspace(-box, box, resolution)
    aa, bb = np.meshgrid(g, g)
    u = np.stack([aa.ravel(), bb.ravel()], axis=1)[:, :, None]
    f = objective(land, u).reshape(aa.shape)
    fig = _figure((5.5, 4.6), size)
    ax = fig.add_subplot()
    mesh = ax.pcolormesh(aa, bb, f + 1e-4, norm=LogNorm(), cmap="magma_r", shading="auto")
    fig.colorbar(mesh, ax=ax, label="f(u) + 10⁻⁴")
    ax.contour(aa, bb, f, levels=np.geomspace(1e-2, f.max(), 14), colors="k", linewidths=0.3)
    z, x = land.z.ravel(), land.x_bad.ravel()
    ax.plot([z[0], -z[0]], [z[1], -z[1]], "o", color="lime", mec="k", ms=9, label="±z (global)")
    ax.plot(
        [x[0], -x[0]],
        [x[1], -x[1]],
        "s",
        color="red",
        mec="k",
        ms=8,
        label="±x: spurious 2nd-order point (degenerate saddle)",
    )
    marks = {"saddle": ("^", "cyan"), "max": ("v", "white")}
    done = set()
    for cp in critical_points(land, box=box):
        p = cp["point"]
        if min(np.linalg.norm(p - s * z) for s in (1, -1)) < 1e-4:
            continue
        if min(np.linalg.norm(p - s * x) for s in (1, -1)) < 1e-4:
            continue
        mk, col = marks.get(cp["kind"], ("D", "yellow"))
        label = cp["kind"] if cp["kind"] not in done else None
        done.add(cp["kind"])
        ax.plot(p[0], p[1], mk, color=col, mec="k", ms=8, label=label)
    ax.set_aspect("equal")
    ax.set_xlabel("u₁")
    ax.set_ylabel("u₂")
    ax.set_title(f"f(u) = ‖A(uuᵀ − zzᵀ)‖² ({land.name or 'landscape'})")
    ax.legend(loc="lower left", fontsize=8)
    return _finish(fig, path)


__all__ = [
    "critical_points",
    "delta_heatmap",
    "failure_rates",
    "gamma_quantiles",
    "landscape",
    "log_axis",
    "overparam_curve",
    "random_deltas",
    "styled",
    "threshold_plot",
]
