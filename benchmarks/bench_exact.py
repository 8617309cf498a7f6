"""Exact verification time (issue 5): rank-1 certificates at n = 2, 5, 10 and the (3,2) family.

Run:  python benchmarks/bench_exact.py [--repeat 5]

For each instance: generate (float SDP), certify_exact (rationalise + exact checks), and
verify_exact (re-check from the rationals alone; the figure the issue asks for), plus
dual_bound.  "reduced" = the default generate() path (lifted operator, exact claim on the
k ≤ r + r* reduced instance); "full" = generate(reduce=False), exact in the full space.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from tqdm import tqdm

from ripcert import generate
from ripcert.checkers.exact import verify_exact
from ripcert.maker.dual import dual_bound
from ripcert.maker.exact import certify_exact


def family(r: int, rs: int):
    t = np.sqrt(rs) / (np.sqrt(r) + np.sqrt(rs))
    x = np.vstack([np.sqrt(t) * np.eye(r), np.zeros((rs, r))])
    z = np.vstack([np.zeros((r, rs)), np.eye(rs)])
    return x, z


def cases():
    rng = np.random.default_rng(0)
    out = []
    for n in (2, 5, 10):
        x, z = rng.standard_normal(n), rng.standard_normal(n)
        out.append((f"rank-1 n={n}", x, z, True))
        if n <= 5:  # full space at n = 10 (d = 55) takes minutes (benchmarks/README.md)
            out.append((f"rank-1 n={n} full", x, z, False))
    x, z = family(3, 2)
    out.append(("(r,r*)=(3,2) family", x, z, True))
    out.append(("(r,r*)=(3,2) family full", x, z, False))
    return out


def timed(fn, repeat):
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return out, statistics.median(ts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rows = []
    for name, x, z, reduce in tqdm(cases(), desc="instances"):
        cert, t_gen = timed(lambda x=x, z=z, r=reduce: generate(x, z, reduce=r), args.repeat)
        ex, t_cert = timed(lambda c=cert: certify_exact(c), args.repeat)
        rep, t_ver = timed(lambda e=ex: verify_exact(e), args.repeat)
        db, t_dual = timed(lambda x=x, z=z: dual_bound(x, z), max(1, args.repeat // 2))
        assert rep.ok
        d = float(eval(ex.extra["exact"]["delta"]))  # noqa: S307 - our own "p/q"
        rows.append((name, t_gen, t_cert, t_ver, t_dual, d, db.gap))
    print("| instance | generate | certify_exact | verify_exact | dual_bound | exact δ | U − L |")
    print("|---|---|---|---|---|---|---|")
    for name, tg, tc, tv, td, d, gap in rows:
        print(
            f"| {name} | {tg * 1e3:.1f} ms | {tc * 1e3:.1f} ms | {tv * 1e3:.2f} ms "
            f"| {td * 1e3:.0f} ms | {d:.10f} | {gap:.1e} |"
        )


if __name__ == "__main__":
    main()
