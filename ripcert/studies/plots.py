"""Figures for sweeps, thresholds and dynamics (matplotlib, no pyplot state).

Every function builds a :class:`matplotlib.figure.Figure` directly (Agg canvas, never
``plt.show``), returns it, and saves a PNG when ``path`` is given.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from ripcert.core.closed_form import rank1_delta
from ripcert.errors import InvalidInputError
from ripcert.studies.dynamics import DynamicsResult, GammaSweep, Landscape, gradient, objective
from ripcert.studies.sweep import SweepResult, rank1_axes, rank1_matrix
from ripcert.studies.threshold import ThresholdResult, theory_threshold


def _figure(figsize=(6.4, 4.8)) -> Figure:
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _finish(fig: Figure, path: str | os.PathLike | None) -> Figure:
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


def delta_heatmap(result: SweepResult, path: str | os.PathLike | None = None) -> Figure:
    """δ*(φ, ρ) of a rank-1 sweep, with closed-form contours (docs/math.md §5) and the minimum.

    The theoretical minimiser φ = 90°, ρ = 1/√2 (δ* = 1/2) is marked with a star, the
    grid's smallest value with a cross.
    """
    if result.spec.kind != "rank1":
        raise InvalidInputError("delta_heatmap needs a rank1 sweep")
    phi, rho = rank1_axes(result.spec)
    m = rank1_matrix(result)
    fig = _figure()
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
    ax.clabel(cs, fontsize=7, fmt="%.2f")
    i, j = np.unravel_index(np.nanargmin(m), m.shape)
    ax.plot(phi[i], rho[j], "rx", ms=10, mew=2, label=f"grid min δ* = {m[i, j]:.6f}")
    ax.plot(90.0, 2**-0.5, "r*", ms=12, mfc="none", label="theory: δ* = 1/2 at 90°, ρ² = ½")
    ax.set_yscale("log")
    ax.set_xlabel("angle φ between x and z (degrees)")
    ax.set_ylabel("ρ = ‖x‖/‖z‖")
    ax.set_title("Rank-1 δ*: SDP (colour) and closed form (contours)")
    ax.legend(loc="upper right", fontsize=8)
    return _finish(fig, path)


def threshold_plot(
    results: Sequence[ThresholdResult], path: str | os.PathLike | None = None
) -> Figure:
    """Found minima of δ* vs the theory 1/(1+√(r*/r)) for each (r, r*)."""
    fig = _figure((7, 4))
    ax = fig.add_subplot()
    labels = [f"({res.r},{res.r_star})" for res in results]
    xs = np.arange(len(results))
    ax.bar(xs, [res.theory for res in results], color="0.85", label="theory 1/(1+√(r*/r))")
    ax.plot(xs, [res.found for res in results], "o", color="C0", label="multistart search")
    for x, res in zip(xs, results, strict=True):
        if res.below_theory:
            ax.annotate("BELOW THEORY", (x, res.found), color="red", fontsize=8)
        ax.annotate(
            f"{res.random_reached}/{res.random_starts}",
            (x, res.found + 0.01),
            ha="center",
            fontsize=7,
        )
    ax.set_xticks(xs, labels)
    ax.set_xlabel("(r, r*)")
    ax.set_ylabel("min δ*")
    ax.set_ylim(0.4, 0.7)
    ax.set_title("Threshold search (labels: random starts reaching theory)")
    ax.legend(fontsize=8)
    return _finish(fig, path)


def overparam_curve(result: SweepResult, path: str | os.PathLike | None = None) -> Figure:
    """δ* along docs/math.md §7's family X = √t[I;0], Z = [0;I] for each (r, r*) of a sweep."""
    if result.spec.kind != "overparam":
        raise InvalidInputError("overparam_curve needs an overparam sweep")
    fig = _figure((6.4, 4.2))
    ax = fig.add_subplot()
    for k, (r, rs) in enumerate(result.spec.pairs):
        rows = [x for x in result.rows if x["r"] == r and x["r_star"] == rs]
        ts = [x["t"] for x in rows]
        ax.plot(
            ts,
            [x["delta_star"] for x in rows],
            "-o",
            ms=3,
            color=f"C{k}",
            label=f"(r, r*) = ({r}, {rs})",
        )
        ax.axhline(theory_threshold(r, rs), color=f"C{k}", ls=":", lw=0.8)
    ax.set_xlabel("t")
    ax.set_ylabel("δ*")
    ax.set_title("Over-parameterised family (dotted: 1/(1+√(r*/r)))")
    ax.legend(fontsize=8)
    return _finish(fig, path)


def failure_rates(
    results: Sequence[DynamicsResult], path: str | os.PathLike | None = None
) -> Figure:
    """Failure rate with Wilson 95% intervals, one bar per protocol."""
    fig = _figure((7, 4))
    ax = fig.add_subplot()
    xs = np.arange(len(results))
    rates = np.array([r.failure_rate for r in results])
    ci = np.array([r.ci for r in results])
    ax.bar(xs, rates, yerr=[rates - ci[:, 0], ci[:, 1] - rates], capsize=3, color="C1")
    ax.axhline(0.12053, color="k", ls="--", lw=0.8, label="talk: 12,053/100,000")
    ax.set_xticks(xs, [r.protocol.name for r in results], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("failure rate")
    ax.set_title("SGD/GD failure rate on the δ = 1/2 instance, by protocol")
    ax.legend(fontsize=8)
    return _finish(fig, path)


def gamma_quantiles(sweep: GammaSweep, path: str | os.PathLike | None = None) -> Figure:
    """Quantiles of ‖X_final − X_good‖ vs γ for starts (1−γ)·X_bad + γ·Gaussian, and the
    failure rate (the talk's second experiment)."""
    fig = _figure((6.4, 4.4))
    ax = fig.add_subplot()
    names = ["min", "5%", "median", "95%", "max"]
    q = np.where(np.isfinite(sweep.quantiles), sweep.quantiles, np.nan)
    q = np.maximum(q, 1e-16)
    for k, name in enumerate(names):
        ax.semilogy(sweep.gammas, q[:, k], "-o", ms=3, label=name)
    ax.set_xlabel("γ  (start = (1−γ)·X_bad + γ·Gaussian)")
    ax.set_ylabel("‖X_final − X_good‖")
    ax2 = ax.twinx()
    ax2.plot(sweep.gammas, sweep.failure_rates, "k--", label="failure rate")
    ax2.set_ylim(0, 1.05)
    ax2.set_ylabel("failure rate")
    ax.legend(loc="lower left", fontsize=8)
    ax2.legend(loc="upper right", fontsize=8)
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


def landscape(
    land: Landscape, box: float = 1.5, path: str | os.PathLike | None = None, resolution: int = 301
) -> Figure:
    """f over R² (log colour scale) for an n = 2, r = 1 landscape, with ±z, ±x and the
    other critical points (found by :func:`critical_points`) marked."""
    if land.n != 2 or land.r != 1:
        raise InvalidInputError("landscape plot needs n = 2, r = 1")
    g = np.linspace(-box, box, resolution)
    aa, bb = np.meshgrid(g, g)
    u = np.stack([aa.ravel(), bb.ravel()], axis=1)[:, :, None]
    f = objective(land, u).reshape(aa.shape)
    fig = _figure((6, 5))
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
    ax.legend(loc="lower left", fontsize=7)
    return _finish(fig, path)


__all__ = [
    "critical_points",
    "delta_heatmap",
    "failure_rates",
    "gamma_quantiles",
    "landscape",
    "overparam_curve",
    "threshold_plot",
]
