"""``ripcert threshold``: multistart search for min δ*(X, Z) at given (r, r*)."""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

from ripcert.certificate import atomic_write_text

#: local-search methods of :func:`ripcert.studies.threshold.search` (checked equal in tests)
METHODS = ("lbfgs", "nelder-mead")


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
    p.add_argument("--max-rank", type=int, default=3)
    p.add_argument("--starts", type=int, default=4, help="random starts per pair")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--seed-known", action="store_true", help="add a start near docs/math.md §7's point"
    )
    p.add_argument("--method", choices=METHODS, default="lbfgs")
    p.add_argument("--out", help="folder for table.md, table.json and certificates")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
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
                )
            )
    print(format_table(results))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
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
    if any(res.below_theory for res in results):
        print("ripcert: WARNING: a value below the proven threshold was found (see table)")
        return 1
    return 0
