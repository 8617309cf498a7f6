"""Benchmark `ripcert.generate` (issue 2).  Run: ``python benchmarks/bench_generate.py``.

Prints a Markdown table of median wall times over repeats:
* rank-1 on the reduced path for n = 2 … 10,000 (target: n = 10,000 < 1 s, within 3× of n = 2);
* the full (unreduced) SDP for n = 2 … 12, with Clarabel and with SCS;
* r = r* = 3 at n = 1,000 on the reduced path (target < 5 s).
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from ripcert import generate
from ripcert.core.examples import random_pair


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(quick: bool = False) -> None:
    rep = 3 if quick else 7
    print("| case | n | solver | median seconds |\n|---|---|---|---|")
    base = None
    for n in (2, 10, 100, 1_000, 10_000):
        x, z = random_pair(n, 1, 1, seed=n)
        t = median_time(lambda x=x, z=z: generate(x, z), rep)
        base = base or t
        print(f"| rank 1, reduced | {n:,} | clarabel | {t:.4f} ({t / base:.2f}× n=2) |")
    x, z = random_pair(1_000, 3, 3, seed=3)
    t = median_time(lambda x=x, z=z: generate(x, z), rep)
    print(f"| r = r* = 3, reduced | 1,000 | clarabel | {t:.4f} |")
    for solver in ("clarabel", "scs"):
        for n in (2, 4, 6, 8, 10, 12):
            if quick and n > 8:
                continue
            x, z = random_pair(n, 1, 1, seed=n)
            reps = 1 if n >= 10 else min(rep, 3)
            t = median_time(lambda x=x, z=z, s=solver: generate(x, z, solver=s, reduce=False), reps)
            print(f"| rank 1, full SDP | {n} | {solver} | {t:.3f} |")
    sys.stdout.flush()


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main(quick="--quick" in sys.argv)
