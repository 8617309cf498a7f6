"""Benchmark: robust ℓ1 saddle certificates (issue, verify, verify --exact) and subgradient
trials per second.

Run:  python benchmarks/bench_robust.py [--sizes 20 50 100] [--repeat 3]

For each d the instance is d×d, r* = 3, r′ = d, p = 0.1 and m = 3d (m ≤ d·r′; at these
ratios the ground truth is a saddle, see notebooks/06_robust_l1.ipynb; m = 3d also keeps
the d = 100 file, m·d² = 3·10⁶ numbers, below the 64 MB reader limit).  "issue" is the
whole maker (draw, search with the default protocol, exact re-check inside the maker);
"verify" and "verify --exact" read the file from disk (JSON, schema, sha256, every check).
The subgradient rate is trials per second for 1,000 iterations with 10 trials vectorised.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from ripcert.checkers.verification import verify_file
from ripcert.generator.robust import RobustModel, make_certificate, make_instance
from ripcert.studies.subgradient import SubgradientProtocol, subgradient_method


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[20, 50, 100])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(
        "| d | m | file size | issue (s) | verify (s) | verify --exact (s) | q | t_max |"
        " subgradient trials/s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for d in args.sizes:
            model = RobustModel(d=d, r_star=3, r_prime=d, m=3 * d, p=0.1, seed=d)
            t0 = time.perf_counter()
            inst = make_instance(model)
            cert, search = make_certificate(inst)
            issue = time.perf_counter() - t0
            if cert is None:
                print(f"| {d} | {model.m} | - | {issue:.2f} | no direction (q = {search.q:.3g}) |")
                continue
            path = Path(tmp) / f"robust_d{d}.json"
            cert.save(path)
            verify_file(path)  # warm-up: imports, schema cache
            times: dict[bool, list[float]] = {False: [], True: []}
            for exact in (False, True):
                for _ in range(args.repeat):
                    t1 = time.perf_counter()
                    rep = verify_file(path, exact=exact)
                    times[exact].append(time.perf_counter() - t1)
                    assert rep.passed, rep.failed
            proto = SubgradientProtocol(iterations=1000, trials=10, eta=0.02, rho=0.999)
            res = subgradient_method(inst.sensing, inst.y, inst.x_star, d, proto)
            print(
                f"| {d} | {model.m} | {path.stat().st_size / 1e6:.1f} MB | {issue:.2f}"
                f" | {statistics.median(times[False]):.2f}"
                f" | {statistics.median(times[True]):.2f} | {cert.q:.3g} | {cert.t_max:.3g}"
                f" | {res.trials_per_second:.1f} |"
            )


if __name__ == "__main__":
    main()
