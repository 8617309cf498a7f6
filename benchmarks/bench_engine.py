"""The SDP engine at scale (issue 15), side by side with the previous cvxpy engine.

Each case runs in a fresh subprocess (so that its peak resident memory is its own) on random
X, Z at n = 1,000, reduced to k = r + r* dimensions, then solved by the block engine
(``ripcert.generator.sdp``, solver ``auto``) and, where it finishes within its time limit, by
the previous engine (``ripcert.generator.sdp_legacy``: cvxpy canonicalisation), reporting time,
peak memory, back-end and |δ_new − δ_old|.  Full-space rank-1 cases (the path structured
operators use) are compared with the rank-1 closed form.  Usage::

    python benchmarks/bench_engine.py                      # the whole table (long)
    python benchmarks/bench_engine.py --ranks 2,3,4 --full 8,12 --legacy-limit 120
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
import numpy as np
from ripcert.core.examples import random_pair
from ripcert.core.closed_form import rank1_delta
from ripcert.generator.problem import CounterexampleProblem
from ripcert.generator.reductions import Normalize, SpanReduction
kind, a, b, engine = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
if kind == "reduced":
    x, z = random_pair(1000, a, b, 0)
    p, _ = Normalize.reduce(CounterexampleProblem(x, z))
    p, _ = SpanReduction.reduce(p)
    ref = None
else:
    rng = np.random.default_rng(a)
    x, z = rng.standard_normal((a, 1)), rng.standard_normal((a, 1))
    p, _ = Normalize.reduce(CounterexampleProblem(x, z))
    ref = rank1_delta(x, z)
t = time.perf_counter()
if engine in ("new", "unaligned"):
    from ripcert.generator.sdp import solve
    if engine == "unaligned":  # the same engine without the X-aligned coordinates
        import ripcert.generator.sdp.engine as eng
        eng.ALIGN_MIN_VARS = 10**18
    sol = solve(p, "auto")
    delta, name = sol.delta, sol.report.name
else:
    import sys; sys.path.insert(0, "benchmarks"); from legacy_sdp import solve
    sol = solve(p, "clarabel")
    delta, name = (1 - sol.eta) / (1 + sol.eta), sol.report.name
secs = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
print(json.dumps({"delta": delta, "seconds": secs, "rss_gib": rss, "solver": name, "ref": ref}))
"""


def run(kind: str, a: int, b: int, engine: str, limit: float) -> dict | None:
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, kind, str(a), str(b), engine],
            capture_output=True,
            text=True,
            timeout=limit,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr else "crashed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ranks", default="2,3,4,5,6,8,10", help="r = r* values (reduced path)")
    ap.add_argument("--over", default="8:4,10:5,12:3", help="over-parameterised r:r* pairs")
    ap.add_argument("--full", default="8,12,20", help="n of full-space rank-1 solves")
    ap.add_argument("--limit", type=float, default=1800, help="seconds per new-engine case")
    ap.add_argument("--legacy-limit", type=float, default=300, help="seconds per legacy case")
    ap.add_argument(
        "--unaligned-limit",
        type=float,
        default=300,
        help="seconds per case of the block engine without X-aligned coordinates (0: skip)",
    )
    args = ap.parse_args()
    cases = [("reduced", int(r), int(r)) for r in args.ranks.split(",") if r]
    cases += [("reduced", *map(int, p.split(":"))) for p in args.over.split(",") if p]
    cases += [("full", int(n), 1) for n in args.full.split(",") if n]
    print(
        "| case | new: time | new: peak RSS | back-end | unaligned block engine "
        "| previous engine | |δ_new − δ_ref| |"
    )
    print("|---|---|---|---|---|---|---|")
    for kind, a, b in cases:
        label = f"r = {a}, r* = {b}, n = 1000" if kind == "reduced" else f"full space n = {a}"
        new = run(kind, a, b, "new", args.limit)
        old = run(kind, a, b, "legacy", args.legacy_limit)
        una = run(kind, a, b, "unaligned", args.unaligned_limit) if args.unaligned_limit else None
        if new is None or "error" in new:
            why = "timeout" if new is None else new["error"]
            print(f"| {label} | {why} | | | | | |", flush=True)
            continue
        if una is None:
            unal = f"> {args.unaligned_limit:.0f} s (stopped)" if args.unaligned_limit else "-"
        elif "error" in una:
            unal = f"failed: {una['error'][:60]}"
        else:
            unal = f"{una['seconds']:.2f} s, {una['rss_gib']:.2f} GiB"
        if old is None:
            prev = f"> {args.legacy_limit:.0f} s (stopped)"
        elif "error" in old:
            prev = f"failed: {old['error'][:60]}"
        else:
            prev = f"{old['seconds']:.2f} s, {old['rss_gib']:.2f} GiB"
        ref = new.get("ref")
        for other in (old, una):  # closed form, else the previous engine, else unaligned
            if ref is None and other is not None and "delta" in other:
                ref = other["delta"]
        diff = f"{abs(new['delta'] - ref):.1e}" if ref is not None else "-"
        print(
            f"| {label} | {new['seconds']:.2f} s | {new['rss_gib']:.2f} GiB | {new['solver']}"
            f" | {unal} | {prev} | {diff} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
