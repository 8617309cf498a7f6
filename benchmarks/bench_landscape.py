"""Benchmark: ``ripcert landscape`` search time (critical points of the ℓ2 loss) at
n = 10, 50, 200 and r = 1, 2, with 100 starts.

Run:  OPENBLAS_NUM_THREADS=1 python benchmarks/bench_landscape.py [--starts 100]
      [--sizes 10 50 200] [--ranks 1 2] [--gaussian-max-n 50] [--gaussian-starts K]

(one BLAS thread: on a shared 2-core machine OpenBLAS's threads contend and a 250×2500
mat-vec took 6.5 ms instead of 0.35 ms).

Operators: (a) the counterexample generated for ``random_pair(n, r, r, seed=n)`` on the
reduced path (a lifted operator: identity off a block of size ≤ 2r, matrix-free losses);
(b) ``gaussian:m,0`` with m = 5·n·r Gaussian sensing matrices (dense einsum; only up to
``--gaussian-max-n``: at n = 200, r = 2 the m = 2,000 matrices alone take 640 MB).  Each
start runs the trust-region minimisation and the least-squares root finder, so "local
solves" is twice the starts.  Reported: wall time of :func:`search` (classification
included, certificates and Theorem 3 not), the distinct points per kind.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from ripcert.core.examples import random_pair
from ripcert.core.losses.l2 import L2Loss
from ripcert.generator.counterexample import generate
from ripcert.studies.landscape.operators import gaussian_operator
from ripcert.studies.landscape.search import KINDS, SearchOptions, search


def _row(label: str, n: int, r: int, op, z: np.ndarray, starts: int) -> None:
    t0 = time.perf_counter()
    res = search(L2Loss(op, z), op, z, SearchOptions(starts=starts, seed=0))
    dt = time.perf_counter() - t0
    counts = ", ".join(f"{k}: {len(res.of_kind(k))}" for k in KINDS if res.of_kind(k))
    print(
        f"| {label} | {n} | {r} | {res.starts} | {res.runs} | {dt:.2f} | {dt / res.starts:.3f}"
        f" | {res.rejected} | {counts} |",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--starts", type=int, default=100)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 200])
    ap.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--gaussian-max-n", type=int, default=50)
    ap.add_argument(
        "--gaussian-starts",
        type=int,
        default=None,
        help="starts for the Gaussian operators at n > 10 (default: --starts)",
    )
    args = ap.parse_args()
    print(
        "| operator | n | r | starts | local solves | seconds | s/start | not critical | points |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        for r in args.ranks:
            x, z = random_pair(n, r, r, n)
            cert = generate(x, z)
            _row("counterexample (lifted)", n, r, cert.operator, cert.z, args.starts)
            if n <= args.gaussian_max_n:
                z = np.random.default_rng(n).standard_normal((n, r))
                k = args.starts if n <= 10 or args.gaussian_starts is None else args.gaussian_starts
                op = gaussian_operator(n, 5 * n * r, 0)
                _row(f"gaussian:{5 * n * r},0", n, r, op, z, k)


if __name__ == "__main__":
    main()
