"""``ripcert threshold``: multistart search for min δ*(X, Z) at given (r, r*)."""

from __future__ import annotations

import argparse
import json
import warnings

from .common import add_mkdir, progress_enabled
from .paths import check_files_in, check_output_dir
from .sweep import add_figure_options

#: local-search methods of :func:`ripcert.studies.threshold.search` (checked equal in tests)
METHODS = ("lbfgs", "lbfgs+bundle", "nelder-mead")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "threshold",
        help="search min δ*(X, Z) for (r, r*) and compare with 1/(1+√(r*/r))",
        description="Seeded multistart local search on the reduced parameterisation "
        "(k = r + r*); the best point is certified with generate.",
    )
    p.add_argument("--r", type=int, help="search rank r")
    p.add_argument("--r-star", type=int, help="true rank r* (≤ r)")
    p.add_argument("--all", action="store_true", help="every 1 ≤ r* ≤ r ≤ --max-rank")
    p.add_argument("--max-rank", type=int, default=3, help="largest r with --all")
    p.add_argument("--starts", type=int, default=4, help="random starts per pair")
    p.add_argument("--seed", type=int, default=0, help="random seed of the starts")
    p.add_argument(
        "--seed-known", action="store_true", help="add a start near docs/math.md §7's point"
    )
    p.add_argument(
        "--method",
        choices=METHODS,
        default="lbfgs",
        help="local search: L-BFGS-B; L-BFGS-B then a non-smooth bundle descent for the rest"
        " of the budget (continues where L-BFGS-B stops at a kink of δ*); Nelder-Mead",
    )
    p.add_argument(
        "--maxfev",
        type=int,
        default=None,
        help="SDP evaluations per local search (default 300; Nelder-Mead 400 × parameters)",
    )
    p.add_argument(
        "--hops",
        type=int,
        default=0,
        help="basin-hopping moves per start (redraw the columns of X captured by span(Z))",
    )
    p.add_argument(
        "--out",
        help="folder for table.md, table.json and certificates (created if missing;"
        " its parent must exist)",
    )
    p.add_argument("--plot", action="store_true", help="also write threshold.FORMAT into --out")
    add_figure_options(p)
    add_mkdir(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ripcert.certificate import atomic_write_text
    from ripcert.errors import InvalidInputError
    from ripcert.studies.threshold import (
        ThresholdViolationWarning,
        all_pairs,
        format_table,
        search,
    )

    if args.all:
        pairs = all_pairs(args.max_rank)
    elif args.r is not None and args.r_star is not None:
        pairs = [(args.r, args.r_star)]
    else:
        raise InvalidInputError("give --r and --r-star, or --all")
    for r, rs in pairs:
        if not 1 <= rs <= r:
            raise InvalidInputError(f"need 1 ≤ r* ≤ r, got --r {r} --r-star {rs}")
    if args.starts < 0 or (args.starts == 0 and not args.seed_known):
        raise InvalidInputError("--starts: need at least one start (or --seed-known)")
    if args.hops < 0:
        raise InvalidInputError(f"--hops must be ≥ 0, got {args.hops}")
    if args.maxfev is not None and args.maxfev < 1:
        raise InvalidInputError(f"--maxfev must be ≥ 1, got {args.maxfev}")
    if args.plot and args.out is None:
        raise InvalidInputError("--plot needs --out")
    out = None
    if args.out is not None:
        out = check_output_dir(args.out, "--out", mkdir=args.mkdir)
        names = ["table.md", "table.json", f"threshold.{args.format}"]
        names += [f"cert_r{r}_s{rs}.json" for r, rs in pairs]
        check_files_in(out, names, "--out")
    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("always", ThresholdViolationWarning)
        for r, rs in pairs:
            results.append(
                search(
                    r,
                    rs,
                    starts=args.starts,
                    seed=args.seed,
                    seed_known=args.seed_known,
                    method=args.method,
                    progress=progress_enabled(args),
                    hops=args.hops,
                    maxfev=args.maxfev,
                )
            )
    print(format_table(results))
    if out is not None:
        out.mkdir(exist_ok=True)
        atomic_write_text(out / "table.md", format_table(results) + "\n")
        rows = []
        for res in results:
            row = res.row()
            row.update(x=res.x.tolist(), z=res.z.tolist(), protocol=res.protocol)
            if res.certificate is not None:
                name = f"cert_r{res.r}_s{res.r_star}.json"
                res.certificate.save(out / name)
                row["certificate"] = name
            rows.append(row)
        atomic_write_text(out / "table.json", json.dumps(rows, indent=1) + "\n")
        print(f"wrote      {out / 'table.md'}, {out / 'table.json'}")
        if args.plot:
            from ripcert.studies.plots import threshold_plot

            fig_path = out / f"threshold.{args.format}"
            threshold_plot(results, path=fig_path, size=args.size)
            print(f"figure     {fig_path}")
    if any(res.below_theory for res in results):
        print("ripcert: WARNING: a value below the proven threshold was found (see table)")
        return 1
    return 0
