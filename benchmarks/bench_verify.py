"""Benchmark: ``verify_file`` time for rank-1 certificates at n = 10, 1,000, 10,000.

Run:  python benchmarks/bench_verify.py [--repeat 5] [--samples 32]

Each certificate is generated once (reduced path, lifted operator), saved to a temporary
folder, then verified ``repeat`` times from disk (JSON parse, schema + sha256, every
check, RIP bracket); the median and the worst wall time are reported.  Target: n = 10,000
under 5 s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from ripcert.checkers.rip import DEFAULT_SAMPLES
from ripcert.checkers.verification import verify_file
from ripcert.generator.counterexample import generate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--samples", type=int, default=DEFAULT_SAMPLES)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 1_000, 10_000])
    args = ap.parse_args()
    print("| n | file size | verify median (s) | verify max (s) | status |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            rng = np.random.default_rng(n)
            cert = generate(rng.standard_normal(n), rng.standard_normal(n))
            path = Path(tmp) / f"rank1_n{n}.json"
            cert.save(path)
            times, status = [], ""
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                rep = verify_file(path, samples=args.samples, seed=0)
                times.append(time.perf_counter() - t0)
                status = rep.status
            size = path.stat().st_size / 1e6
            print(
                f"| {n:,} | {size:.2f} MB | {statistics.median(times):.3f} | {max(times):.3f}"
                f" | {status} |"
            )


if __name__ == "__main__":
    main()
