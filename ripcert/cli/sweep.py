"""``ripcert sweep``: δ* over families of (X, Z), resumable, local processes or Dask.

Exit codes: 0 every point computed; 1 some δ* below the theoretical bound 1/(1+√(r*/r))
(it would contradict a theorem: a solver error or a bug); 4 some points failed (their ids
are listed; ``--resume`` retries them); 2 the sweep could not start (bad options, an
unusable or busy ``--out``, an unreachable Dask scheduler) or lost every Dask worker.
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING

from ripcert.errors import InvalidInputError
from ripcert.generator.solvers import SOLVERS

from .common import add_mkdir, progress_enabled
from .paths import check_output_dir

#: figure formats of ``--plot``
FORMATS = ("png", "pdf", "svg")

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


def add_figure_options(p: argparse.ArgumentParser) -> None:
    """``--format`` and ``--size`` of the figure written by ``--plot``."""
    p.add_argument("--format", choices=FORMATS, default="png", help="figure file format")
    p.add_argument(
        "--size",
        type=_size,
        default=None,
        metavar="W,H",
        help="figure size in inches, e.g. 3.4,2.6 for one column (default: per figure)",
    )


def _size(text: str) -> tuple[float, float]:
    try:
        w, h = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--size must be W,H in inches, got {text!r}") from None
    if not (0.5 <= w <= 50 and 0.5 <= h <= 50):
        raise argparse.ArgumentTypeError(f"--size: {text!r} is outside 0.5–50 inches")
    return (w, h)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out",
        required=True,
        help="output folder (sweep.csv + sweep.json); created if missing (its parent must exist)",
    )
    p.add_argument("--jobs", type=int, default=1, help="local worker processes")
    p.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://127.0.0.1:8786")
    p.add_argument(
        "--resume", action="store_true", help="continue a sweep in --out (retries failed points)"
    )
    p.add_argument("--margin", type=float, default=0.0, help="μ > 0: strict local minima")
    p.add_argument(
        "--solver",
        choices=("auto", *SOLVERS),
        default="auto",
        help="SDP back-end (auto: Clarabel for small programs, SCS first for large ones)",
    )
    p.add_argument("--plot", action="store_true", help="also write a figure into --out")
    add_figure_options(p)
    add_mkdir(p)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep",
        help="sweep δ*(X, Z) over a family of instances (resumable, parallel)",
        description="Sweep δ* over the rank-1 (φ, ρ) grid, random instances or the "
        "over-parameterised family of docs/math.md §7; writes a tidy CSV incrementally.",
    )
    kinds = p.add_subparsers(dest="kind", required=True, parser_class=type(p))
    r1 = kinds.add_parser("rank1", help="x = ρ(cos φ, sin φ), z = (1, 0)")
    r1.add_argument("--phi-steps", type=int, required=True, help="number of angles φ")
    r1.add_argument("--rho-steps", type=int, required=True, help="number of ratios ρ")
    r1.add_argument("--phi-min", type=float, default=0.0, help="smallest φ, degrees")
    r1.add_argument("--phi-max", type=float, default=180.0, help="largest φ, degrees")
    r1.add_argument("--rho-octaves", type=float, default=1.5, help="ρ = 2^(s−1/2) for |s| ≤ this")
    _common(r1)
    rnd = kinds.add_parser("random", help="seeded Gaussian (X, Z)")
    rnd.add_argument("--n", type=int, required=True, help="dimension n")
    rnd.add_argument("--r", type=int, required=True, help="rank r of X")
    rnd.add_argument("--r-star", type=int, required=True, help="rank r* of Z")
    rnd.add_argument("--count", type=int, required=True, help="number of instances")
    rnd.add_argument("--seed", type=int, default=0, help="random seed")
    _common(rnd)
    op = kinds.add_parser("overparam", help="X = √t[I_r; 0], Z = [0; I_r*] over t")
    op.add_argument("--pairs", default="1,1;2,1;2,2;3,1", help="(r, r*) pairs: 'r,r*;r,r*;…'")
    op.add_argument("--t-steps", type=int, default=19, help="number of t values")
    op.add_argument("--t-min", type=float, default=0.05, help="smallest t")
    op.add_argument("--t-max", type=float, default=0.95, help="largest t")
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


#: failed points listed by id in the summary (the rest are counted)
MAX_LISTED = 10


def summary(res: SweepResult) -> str:
    from ripcert.studies.sweep import failed_rows, grid_minimum

    rows = res.rows
    status: dict[str, int] = {}
    for r in rows:
        status[r["status"]] = status.get(r["status"], 0) + 1
    failed = failed_rows(rows)
    try:
        best = grid_minimum(res)
        best_line = f"min δ*     {best['delta_star']:.8f} at {best['id']}"
    except InvalidInputError:
        best_line = "min δ*     - (no point computed)"
    diffs = [r["closed_form_abs_diff"] for r in rows if r["closed_form_abs_diff"] is not None]
    diffs = [d for d in diffs if not math.isnan(d)]
    below = sum(1 for r in rows if r["below_theory"])
    lines = [
        f"points     {len(rows)} ({res.computed} computed, {res.skipped} from an earlier run)",
        "status     " + ", ".join(f"{k} {v}" for k, v in sorted(status.items())),
        best_line,
    ]
    for r in failed[:MAX_LISTED]:
        lines.append(f"FAILED     {r['id']}: {r['solver_status']}")
    if len(failed) > MAX_LISTED:
        lines.append(f"FAILED     … and {len(failed) - MAX_LISTED} more (status column of the CSV)")
    if diffs:
        lines.append(f"closed     max |SDP − closed form| = {max(diffs):.2e}")
    lines.append(
        f"theory     {below} point(s) below 1/(1+√(r*/r))" + ("  ← CHECK" if below else "")
    )
    lines.append(f"table      {res.csv_path}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from ripcert.studies.sweep import failed_rows, run_sweep

    if args.jobs < 1:
        raise InvalidInputError("--jobs must be ≥ 1")
    spec = spec_from_args(args)
    out = check_output_dir(args.out, "--out", mkdir=args.mkdir)
    res = run_sweep(
        spec,
        out,
        jobs=args.jobs,
        scheduler=args.scheduler,
        resume=args.resume,
        progress=progress_enabled(args),
    )
    print(summary(res))
    if args.plot:
        from ripcert.studies import plots

        path = out / f"{spec.kind}.{args.format}"
        draw = {
            "rank1": plots.delta_heatmap,
            "overparam": plots.overparam_curve,
            "random": plots.random_deltas,
        }[spec.kind]
        draw(res, path=path, size=args.size)
        print(f"figure     {path}")
    if any(r["below_theory"] for r in res.rows):
        return 1
    return 4 if failed_rows(res.rows) else 0
