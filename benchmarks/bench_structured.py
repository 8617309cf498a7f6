"""Structured operators (issue 12): solve times for the grids and δ(R) by radius search.

``solves`` times one structured SDP per (case, rip, criticality) at a seeded point near
ω = ones (structure derivation time separate); ``curves`` runs ``radius_curve`` (radius
search with continuation from the previous radius) for the given cases, radii and modes and
prints δ(R) with the time per radius.  Usage::

    python benchmarks/bench_structured.py solves --cases case9,case14,case30
    python benchmarks/bench_structured.py curves --cases case9,case14 --radii 0.5,1,2,3,5 \\
        --starts 4 --iterations 20 [--model molybog]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from ripcert.core.families import family
from ripcert.core.structure import KernelStructure, VecStructure, template_structure
from ripcert.errors import NoCounterexampleError
from ripcert.generator.sdp.structured import StructuredProblem, solve_structured
from ripcert.studies.radius_search import radius_curve


def solves(cases: list[str], repeats: int) -> None:
    print("| case | n | structure (s) | non-zeros | groups | rip | critical | δ* | solve (s) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for case in cases:
        t0 = time.perf_counter()
        st = template_structure(family(case))
        t_struct = time.perf_counter() - t0
        n = st.n
        rng = np.random.default_rng(0)
        x = np.ones((n, 1)) + 0.8 * rng.standard_normal((n, 1))
        z = np.ones((n, 1)) + 0.8 * rng.standard_normal((n, 1))
        for rip in ("span", "full"):
            for crit in ("plain", "sphere"):
                prob = StructuredProblem(
                    x, z, st, rip=rip, critical=crit, omega=np.ones(n) if crit == "sphere" else None
                )
                times = []
                val = "1 (none)"
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    try:
                        val = f"{solve_structured(prob).delta:.6f}"
                    except NoCounterexampleError:
                        val = "1 (none)"
                    times.append(time.perf_counter() - t0)
                print(
                    f"| {case} | {n} | {t_struct:.2f} | {st.num_nonzero} | {st.num_groups} |"
                    f" {rip} | {crit} | {val} | {min(times):.3f} |",
                    flush=True,
                )


def curves(cases: list[str], radii: list[float], starts: int, iterations: int, model: str) -> None:
    print(f"model: {model}")
    print("| case | R | mode | δ(R) | solves | time (s) |")
    print("|---|---|---|---|---|---|")
    for case in cases:
        st: KernelStructure | VecStructure = template_structure(family(case))
        if model == "molybog":
            st = VecStructure.from_template(family(case))
        for mode in ("ball", "sphere"):
            results = radius_curve(
                st, np.ones(st.n), radii, mode, starts=starts, seed=0, iterations=iterations
            )
            for res in results:
                solves_ = sum(s.solves for s in res.starts)
                print(
                    f"| {case} | {res.radius:g} | {mode} | {res.delta:.4f} | {solves_} |"
                    f" {res.seconds:.1f} |",
                    flush=True,
                )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("what", choices=("solves", "curves"))
    ap.add_argument("--cases", default="case9,case14,case30")
    ap.add_argument("--radii", default="0.5,1,2,3,5")
    ap.add_argument("--starts", type=int, default=4)
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--model", choices=("ripcert", "molybog"), default="ripcert")
    args = ap.parse_args()
    cases = args.cases.split(",")
    if args.what == "solves":
        solves(cases, args.repeats)
    else:
        radii = [float(r) for r in args.radii.split(",")]
        curves(cases, radii, args.starts, args.iterations, args.model)


if __name__ == "__main__":
    main()
