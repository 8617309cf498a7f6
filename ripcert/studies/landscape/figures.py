"""Figures of the landscape study (matplotlib, no pyplot state), saved as PDF and SVG.

* :func:`ratio_figure` — the seed's figure (Ma, Chen, Lavaei & Sojoudi, arXiv:2403.06056):
  the condition number ``λ_max/λ_min`` of ∇²F_λ at the spurious point against λ, for each
  instance; solid at the spurious minimum continued from X̂ (:func:`~.table.track`, while it
  exists), dashed at the frozen X̂ (which is not critical for λ > 0).
* :func:`lambda_min_map` — λ_min(∇²F_λ) on the plane through X̂ and Z, spanned by ``Z − X̂``
  and a seeded random unit direction orthogonal to it, one panel per λ.

Fonts are 11 pt, text is kept as text in SVG (``svg.fonttype = none``) and TrueType in PDF.
Files are written atomically (temporary file in the same folder, then rename).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from ripcert.core.losses.high_order import HighOrderLoss
from ripcert.studies.landscape.hessian import dense_hessian
from ripcert.studies.landscape.table import ORDER, Instance, _extremes, track

STYLE = {"font.size": 11, "axes.titlesize": 11, "svg.fonttype": "none", "pdf.fonttype": 42}


def _style() -> Any:
    """``matplotlib.rc_context(STYLE)`` (typed loosely: rcParams keys are Literal-typed)."""
    return matplotlib.rc_context(cast(Any, STYLE))


def _figure(figsize: tuple[float, float]) -> Figure:
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, stem: str | os.PathLike) -> list[Path]:
    """Write ``stem.pdf`` and ``stem.svg`` atomically; returns the paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    out = []
    with _style():
        for ext in ("pdf", "svg"):
            target = stem.with_suffix(f".{ext}")
            fd, tmp = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=f".{ext}"
            )
            os.close(fd)
            try:
                fig.savefig(tmp, format=ext)
                os.chmod(tmp, 0o644)
                os.replace(tmp, target)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            out.append(target)
    return out


def ratio_curves(
    inst: Instance, lambdas: Sequence[float], order: int = ORDER
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(λ, ratio at the continued minimum, ratio at the frozen X̂)``; NaN where undefined."""
    lam = np.asarray(sorted(set(lambdas)), dtype=float)
    tracked = track(inst, tuple(lam.tolist()), order)
    cont, frozen = [], []
    for value in lam:
        t = tracked[float(value)]
        cont.append(np.nan if t.lost else t.lambda_max / t.lambda_min)
        lo, hi = _extremes(HighOrderLoss(inst.operator, inst.z, order=order, lam=value), inst.x)
        frozen.append(hi / lo if lo > 0 else np.nan)
    return lam, np.array(cont), np.array(frozen)


def ratio_figure(
    instances: Sequence[Instance], lambdas: Sequence[float] | None = None, order: int = ORDER
) -> Figure:
    """λ_max/λ_min of ∇²F_λ at the spurious point against λ (see the module docstring)."""
    if lambdas is None:
        lambdas = [0.0, *np.geomspace(1e-2, 50, 12).tolist()]
    with _style():
        fig = _figure((6.0, 4.0))
        ax = fig.add_subplot()
        for k, inst in enumerate(instances):
            lam, cont, frozen = ratio_curves(inst, lambdas, order)
            color = f"C{k}"
            ax.plot(lam, cont, "-o", color=color, ms=3, label=f"n = {inst.n}, continued minimum")
            ax.plot(lam, frozen, "--", color=color, label=f"n = {inst.n}, frozen X̂")
        ax.set_xscale("symlog", linthresh=1e-2)
        ax.set_yscale("log")
        ax.set_xlabel("λ")
        ax.set_ylabel("λ_max / λ_min of ∇²F_λ")
        ax.set_title(f"Condition number at the spurious point (l = {order})")
        ax.legend(fontsize=9)
    return fig


def lambda_min_grid(
    inst: Instance,
    lam: float,
    order: int = ORDER,
    size: int = 31,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(s, t, λ_min)`` on ``X̂ + s·(Z − X̂) + t·‖Z − X̂‖·E`` (E ⊥ Z − X̂, seeded), r = 1 or any r."""
    x, z = inst.x, inst.z
    if x.shape != z.shape:
        raise ValueError("the plane through X̂ and Z needs r = r*")
    if np.linalg.norm(z - x) > np.linalg.norm(-z - x):
        z = -z  # the closer representative of the orbit {ZR} for r = 1
    d = z - x
    dn = float(np.linalg.norm(d))
    rng = np.random.default_rng(seed)
    e = rng.standard_normal(x.shape)
    e -= np.sum(e * d) / dn**2 * d
    e /= float(np.linalg.norm(e))
    s = np.linspace(-0.5, 1.5, size)
    t = np.linspace(-1.0, 1.0, size)
    loss = HighOrderLoss(inst.operator, inst.z, order=order, lam=lam)
    out = np.empty((size, size))
    for i, ti in enumerate(t):
        for j, sj in enumerate(s):
            u = x + sj * d + ti * dn * e
            out[i, j] = float(np.linalg.eigvalsh(dense_hessian(loss, u))[0])
    return s, t, out


def lambda_min_map(
    inst: Instance,
    lams: Sequence[float] = (0.0, 0.5, 5.0),
    order: int = ORDER,
    size: int = 31,
    seed: int = 0,
) -> Figure:
    """λ_min(∇²F_λ) on the plane through X̂ (s = 0) and Z (s = 1), one panel per λ."""
    with _style():
        fig = _figure((3.4 * len(lams), 3.4))
        axes = fig.subplots(1, len(lams), sharey=True)
        axes = np.atleast_1d(axes)
        for ax, lam in zip(axes, lams, strict=True):
            s, t, grid = lambda_min_grid(inst, lam, order, size, seed)
            lo, hi = float(grid.min()), float(grid.max())
            norm = TwoSlopeNorm(0.0, min(lo, -1e-9), max(hi, 1e-9))
            mesh = ax.pcolormesh(s, t, grid, shading="nearest", cmap="RdBu", norm=norm)
            ax.contour(s, t, grid, levels=[0.0], colors="k", linewidths=0.8)
            ax.plot([0], [0], "k^", ms=7, label="X̂ (spurious)")
            ax.plot([1], [0], "k*", ms=9, label="Z (truth)")
            ax.set_title(f"λ = {lam:g}")
            ax.set_xlabel("s (towards Z)")
            fig.colorbar(mesh, ax=ax, shrink=0.8, label="λ_min(∇²F_λ)")
        axes[0].set_ylabel("t (orthogonal)")
        axes[0].legend(fontsize=8, loc="lower left")
        fig.suptitle(f"λ_min of the Hessian, n = {inst.n}, l = {order}")
    return fig


__all__ = [
    "lambda_min_grid",
    "lambda_min_map",
    "ratio_curves",
    "ratio_figure",
    "save_figure",
]
