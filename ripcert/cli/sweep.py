"""``ripcert sweep``: δ* over families of (X, Z), resumable, local processes or Dask."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING

from ripcert.errors import InvalidInputError
from ripcert.generator.solvers import SOLVERS

if TYPE_CHECKING:
    from ripcert.studies.sweep import SweepResult, SweepSpec


def _pairs(text: str) -> tuple[tuple[int, int], ...]:
    try:
        pairs = tuple(
            tuple(int(v) for v in item.split(",")) for item in text.replace(" ", "").split(";")
        )
    except ValueError:
        raise InvalidInputError(f"--pairs must look like '2,1;3,1', got {text!r}") from None
    if any(len(p) != 2 for p in pairs):
        raise InvalidInputError(f"--pairs must look like '2,1;3,1', got {text!r}")
    return pairs  # type: ignore[return-value]


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="output folder (sweep.csv + sweep.json)")
    p.add_argument("--jobs", type=int, default=1, help="local worker processes (default 1)")
    p.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://127.0.0.1:8786")
    p.add_argument("--resume", action="store_true", help="continue a sweep in --out")
    p.add_argument("--margin", type=float, default=0.0, help="μ > 0: strict local minima")
    p.add_argument("--solver", choices=SOLVERS, default="clarabel")
    p.add_argument("--plot", action="store_true", help="also write a PNG figure into --out")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep",
        help="sweep δ*(X, Z) over a family of instances (resumable, parallel)",
        description="Sweep δ* over the rank-1 (φ, ρ) grid, random instances or the "
        "over-parameterised family of docs/math.md §7; writes a tidy CSV incrementally.",
    )
    kinds = p.add_subparsers(dest="kind", required=True, parser_class=type(p))
    r1 = kinds.add_parser("rank1", help="x = ρ(cos φ, sin φ), z = (1, 0)")
    r1.add_argument("--phi-steps", type=int, required=True)
    r1.add_argument("--rho-steps", type=int, required=True)
    r1.add_argument("--phi-min", type=float, default=0.0, help="degrees (default 0)")
    r1.add_argument("--phi-max", type=float, default=180.0, help="degrees (default 180)")
    r1.add_argument(
        "--rho-octaves", type=float, default=1.5, help="ρ = 2^(s−1/2), |s| ≤ this (default 1.5)"
    )
    _common(r1)
    rnd = kinds.add_parser("random", help="seeded Gaussian (X, Z)")
    rnd.add_argument("--n", type=int, required=True)
    rnd.add_argument("--r", type=int, required=True)
    rnd.add_argument("--r-star", type=int, required=True)
    rnd.add_argument("--count", type=int, required=True)
    rnd.add_argument("--seed", type=int, default=0)
    _common(rnd)
    op = kinds.add_parser("overparam", help="X = √t[I_r; 0], Z = [0; I_r*] over t")
    op.add_argument("--pairs", default="1,1;2,1;2,2;3,1", help="'r,r*;r,r*;…'")
    op.add_argument("--t-steps", type=int, default=19)
    op.add_argument("--t-min", type=float, default=0.05)
    op.add_argument("--t-max", type=float, default=0.95)
    _common(op)
    p.set_defaults(run=run)


def spec_from_args(args: argparse.Namespace) -> SweepSpec:
    from ripcert.studies.sweep import SweepSpec

    common = {"margin": args.margin, "solver": args.solver}
    if args.kind == "rank1":
        return SweepSpec(
            "rank1",
            phi_steps=args.phi_steps,
            rho_steps=args.rho_steps,
            phi_min=args.phi_min,
            phi_max=args.phi_max,
            rho_octaves=args.rho_octaves,
            **common,
        )
    if args.kind == "random":
        return SweepSpec(
            "random",
            n=args.n,
            r=args.r,
            r_star=args.r_star,
            count=args.count,
            seed=args.seed,
            **common,
        )
    return SweepSpec(
        "overparam",
        pairs=_pairs(args.pairs),
        t_steps=args.t_steps,
        t_min=args.t_min,
        t_max=args.t_max,
        **common,
    )


def summary(res: SweepResult) -> str:
    from ripcert.studies.sweep import grid_minimum

    rows = res.rows
    status: dict[str, int] = {}
    for r in rows:
        status[r["status"]] = status.get(r["status"], 0) + 1
    best = grid_minimum(res)
    diffs = [r["closed_form_abs_diff"] for r in rows if r["closed_form_abs_diff"] is not None]
    diffs = [d for d in diffs if not math.isnan(d)]
    below = sum(1 for r in rows if r["below_theory"])
    lines = [
        f"points     {len(rows)} ({res.computed} computed, {res.skipped} from an earlier run)",
        "status     " + ", ".join(f"{k} {v}" for k, v in sorted(status.items())),
        f"min δ*     {best['delta_star']:.8f} at {best['id']}",
    ]
    if diffs:
        lines.append(f"closed     max |SDP − closed form| = {max(diffs):.2e}")
    lines.append(
        f"theory     {below} point(s) below 1/(1+√(r*/r))" + ("  ← CHECK" if below else "")
    )
    lines.append(f"table      {res.csv_path}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from ripcert.studies.sweep import run_sweep

    spec = spec_from_args(args)
    res = run_sweep(
        spec,
        args.out,
        jobs=args.jobs,
        scheduler=args.scheduler,
        resume=args.resume,
        progress=not args.no_progress,
    )
    print(summary(res))
    if args.plot and spec.kind in ("rank1", "overparam"):
        from ripcert.studies import plots

        path = Path(args.out) / f"{spec.kind}.png"
        if spec.kind == "rank1":
            plots.delta_heatmap(res, path=path)
        else:
            plots.overparam_curve(res, path=path)
        print(f"figure     {path}")
    return 1 if any(r["below_theory"] for r in res.rows) else 0
