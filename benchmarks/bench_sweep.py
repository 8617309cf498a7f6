"""Benchmarks for issue 4: sweep throughput, SGD timing, full threshold table.

    python benchmarks/bench_sweep.py --sweep       # rank-1 grid, 1 and 2 workers; 100×100 grid
    python benchmarks/bench_sweep.py --sgd         # 100,000 SGD trials on the δ = 1/2 instance
    python benchmarks/bench_sweep.py --threshold   # every 1 ≤ r* ≤ r ≤ 3, random starts only

Prints Markdown (paste into benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def bench_sweep(steps: int, big: int) -> None:
    from ripcert.studies.sweep import SweepSpec, comparable, grid_minimum, run_sweep

    print(f"### Sweep throughput ({machine()})\n")
    print("| grid | points | jobs | seconds | points/s | grid min δ* |")
    print("|---|---|---|---|---|---|")
    spec = SweepSpec("rank1", phi_steps=steps, rho_steps=steps)
    tables = []
    for jobs in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            res = run_sweep(spec, tmp, jobs=jobs, progress=False)
            dt = time.perf_counter() - t0
        tables.append(comparable(res.rows))
        n = len(res.rows)
        best = grid_minimum(res)["delta_star"]
        print(f"| {steps}×{steps} | {n} | {jobs} | {dt:.1f} | {n / dt:.0f} | {best:.10f} |")
    assert tables[0] == tables[1], "1-worker and 2-worker tables differ"
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            res = run_sweep(spec, tmp, scheduler=cluster.scheduler_address, progress=False)
            dt = time.perf_counter() - t0
    assert comparable(res.rows) == tables[0], "Dask table differs from the local one"
    n = len(res.rows)
    best = grid_minimum(res)["delta_star"]
    print(
        f"| {steps}×{steps} | {n} | Dask LocalCluster, 2 worker processes | {dt:.1f} "
        f"| {n / dt:.0f} | {best:.10f} |"
    )
    if big < 1:
        return
    spec = SweepSpec("rank1", phi_steps=big, rho_steps=big)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        res = run_sweep(spec, tmp, jobs=2, progress=False)
        dt = time.perf_counter() - t0
    n = len(res.rows)
    best = grid_minimum(res)
    print(
        f"| {big}×{big} | {n} | 2 | {dt:.1f} | {n / dt:.0f} | {best['delta_star']:.10f} "
        f"(φ = {best['phi_deg']:.2f}°, ρ² = {best['rho'] ** 2:.4f}) |"
    )
    diffs = [r["closed_form_abs_diff"] for r in res.rows if r["closed_form_abs_diff"] is not None]
    print(f"\nmax |SDP − closed form| over the {big}×{big} grid: {max(diffs):.2e}\n")


def bench_sgd(trials: int) -> None:
    from ripcert.studies import dynamics as D

    land = D.talk_landscape()
    print(f"### Dynamics on the δ = 1/2 instance ({machine()})\n")
    print(
        "| protocol | description | trials | successes | failure rate (95% CI) "
        "| failed nearer X_bad | diverged | seconds |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for proto in D.PROTOCOLS.values():
        n = trials if proto.iterations <= 10_000 else max(1, trials // 10)
        res = D.run(land, proto, trials=n)
        lo, hi = res.ci
        print(
            f"| `{proto.name}` | {proto.describe()} | {n:,} | {res.successes:,} "
            f"| {res.failure_rate:.2%} ({lo:.2%}–{hi:.2%}) | {res.trapped:,} | {res.diverged:,} "
            f"| {res.seconds:.1f} |",
            flush=True,
        )
    print()
    gs = D.gamma_sweep(land, D.PROTOCOLS["sgd"], [0.0, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0], 1000)
    print("γ sweep, `sgd` protocol, 1,000 trials per γ: quantiles of ‖X_final − X_good‖\n")
    print("| γ | failure rate | min | 5% | median | 95% | max |")
    print("|---|---|---|---|---|---|---|")
    for g, fr, q in zip(gs.gammas, gs.failure_rates, gs.quantiles, strict=True):
        print(f"| {g:.2f} | {fr:.1%} | " + " | ".join(f"{v:.2e}" for v in q) + " |")
    print()


def bench_threshold(starts: int) -> None:
    from ripcert.studies import threshold as T

    print(f"### Threshold table, {starts} random starts per pair, seed 0 ({machine()})\n")
    results = []
    for r, rs in T.all_pairs(3):
        results.append(T.search(r, rs, starts=starts, seed=0))
    print(T.format_table(results))
    print()
    for res in results:
        print(
            f"- ({res.r}, {res.r_star}) minimiser X = {res.x.round(4).tolist()}, "
            f"Z = {res.z.round(4).tolist()}"
        )
    print()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--sweep", action="store_true")
    p.add_argument("--sgd", action="store_true")
    p.add_argument("--threshold", action="store_true")
    p.add_argument("--steps", type=int, default=41)
    p.add_argument("--big", type=int, default=100)
    p.add_argument("--trials", type=int, default=100_000)
    p.add_argument("--starts", type=int, default=4)
    a = p.parse_args()
    if not (a.sweep or a.sgd or a.threshold):
        a.sweep = a.sgd = a.threshold = True
    if a.sweep:
        bench_sweep(a.steps, a.big)
    if a.sgd:
        bench_sgd(a.trials)
    if a.threshold:
        bench_threshold(a.starts)


if __name__ == "__main__":
    main()
