"""The threshold table from random starts: every 1 ≤ r* ≤ r ≤ R against 1/(1+√(r*/r)).

Each pair runs :func:`ripcert.studies.threshold.search` (random starts only, seeded; the local
search ``--method``: L-BFGS-B on δ*(X, Z) with the SDP's envelope gradient, or
``lbfgs+bundle``, which continues where L-BFGS-B stops at a kink with the non-smooth descent of
:mod:`ripcert.studies.nonsmooth`; then ``--hops`` basin-hopping moves that redraw the columns
of X captured by span(Z)) in its own worker process; a finished pair is
written to ``OUT/pair_r_rs.json`` at once (atomically), so an interrupted run resumes where it
stopped.  Prints the Markdown table (found minimum, theory, gap, random starts within 1e-3 of
the theory, seconds per pair) when every pair is done.  Usage::

    python benchmarks/threshold_table.py --max-rank 6 --starts 2 --hops 1 --maxfev 600 \
        --method lbfgs+bundle --out runs/thr6
"""

from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path


def run_pair(
    r: int, rs: int, starts: int, seed: int, out: str, hops: int, maxfev: int, method: str
) -> dict:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from ripcert.certificate import atomic_write_text
    from ripcert.studies import threshold as T

    t0 = time.perf_counter()
    res = T.search(r, rs, starts=starts, seed=seed, hops=hops, maxfev=maxfev, method=method)
    row = res.row()
    row["wall_seconds"] = time.perf_counter() - t0
    row["starts_detail"] = [
        {"delta": s.delta, "nfev": s.nfev, "seconds": s.seconds} for s in res.starts
    ]
    row["protocol"] = res.protocol
    row["x"] = res.x.tolist()
    row["z"] = res.z.tolist()
    atomic_write_text(Path(out) / f"pair_{r}_{rs}.json", json.dumps(row, indent=1))
    return row


def table(rows: list[dict]) -> str:
    lines = [
        "| r | r* | found min | theory 1/(1+√(r*/r)) | found − theory | certified δ "
        "| random starts within 1e-3 | evaluations | time (s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in sorted(rows, key=lambda w: (w["r"], w["r_star"])):
        nfev = sum(s["nfev"] for s in row["starts_detail"])
        lines.append(
            f"| {row['r']} | {row['r_star']} | {row['found']:.7f} | {row['theory']:.7f} "
            f"| {row['gap']:+.1e} | {row['certified_delta']:.7f} "
            f"| {row['random_reached']}/{row['random_starts']} | {nfev} "
            f"| {row['seconds']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    from ripcert.studies.threshold import METHODS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-rank", type=int, default=6)
    ap.add_argument("--min-rank", type=int, default=1, help="smallest r to run")
    ap.add_argument("--starts", type=int, default=4, help="random starts per pair")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--hops", type=int, default=2, help="basin-hopping moves per start")
    ap.add_argument("--maxfev", type=int, default=150, help="evaluations per local search")
    ap.add_argument("--method", choices=METHODS, default="lbfgs", help="local search")
    ap.add_argument(
        "--pairs", default=None, help="only these pairs, e.g. 5:5,6:4 (default: every pair)"
    )
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", required=True, help="folder for the per-pair JSON (resumable)")
    ap.add_argument("--cheap-first", action="store_true", help="run the cheapest pairs first")
    ap.add_argument(
        "--report", action="store_true", help="only print the table of the pairs already in --out"
    )
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pairs = [(r, rs) for r in range(args.min_rank, args.max_rank + 1) for rs in range(1, r + 1)]
    if args.pairs:
        wanted = {tuple(int(v) for v in p.split(":")) for p in args.pairs.split(",")}
        pairs = [p for p in pairs if p in wanted]
    done = {
        p: json.loads((out / f"pair_{p[0]}_{p[1]}.json").read_text())
        for p in pairs
        if (out / f"pair_{p[0]}_{p[1]}.json").exists()
    }
    if args.report:
        print(table(list(done.values())))
        missing = [p for p in pairs if p not in done]
        print(f"\n{len(done)} of {len(pairs)} pairs done; missing: {missing or 'none'}")
        return

    # the cheap pairs (r ≤ 4) first, then the rest by decreasing cost ((r + r*)·r), or all
    # by increasing cost with --cheap-first (most pairs done when time is short)
    def cost(p: tuple[int, int]) -> tuple[bool, int]:
        c = (p[0] + p[1]) * p[0]
        return (False, c) if args.cheap_first else (p[0] > 4, -c)

    todo = sorted((p for p in pairs if p not in done), key=cost)
    from tqdm import tqdm

    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool, tqdm(total=len(todo), unit="pair") as bar:
        job = (args.starts, args.seed, str(out), args.hops, args.maxfev, args.method)
        futs = {pool.submit(run_pair, r, rs, *job): (r, rs) for r, rs in todo}
        for fut in as_completed(futs):
            done[futs[fut]] = fut.result()
            bar.set_postfix(last=str(futs[fut]))
            bar.update()
    print(table(list(done.values())))
    print(
        f"\n{len(todo)} pairs run in {time.perf_counter() - t0:.0f} s wall "
        f"({args.workers} workers); {len(pairs) - len(todo)} resumed from {out}"
    )


if __name__ == "__main__":
    main()
