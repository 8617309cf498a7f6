"""Rank-1 certificates at large n (issue 15): generate (with its self-check), save, verify.

After one warm-up solve (imports and solver start-up are not counted), in one process per n,
side by side with the version-1 writer (``json.dumps(indent=1)`` of the
dict with the basis P stored), reporting seconds per stage and file sizes.  Usage::

    python benchmarks/bench_certificates.py [--n 10000,1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from ripcert.certificate.document import operator_to_dict
from ripcert.certificate.io import atomic_write_text, payload_hash
from ripcert.checkers.verification import verify_file
from ripcert.core.operator import LiftedOperator
from ripcert.generator.counterexample import generate


def v1_text(cert) -> str:
    """The version-1 file: lifted form with P stored, indented (the previous writer)."""
    op = cert.operator
    lifted = LiftedOperator(basis=op.basis, kernel=op.kernel)
    d = cert.payload()
    d["schema"] = "ripcert-certificate-v1"
    d["operator"] = operator_to_dict(lifted)
    d["sha256"] = payload_hash(d)
    return json.dumps(d, indent=1, allow_nan=False) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", default="10000,1000000")
    args = ap.parse_args()
    print(
        "| n | generate (+ self-check) | save v2 | verify v2 | total v2 | file v2 |"
        " save v1 | verify v1 | file v1 |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for n in map(int, args.n.split(",")):
        rng = np.random.default_rng(0)
        x, z = rng.standard_normal((n, 1)), rng.standard_normal((n, 1))
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            cert = generate(x, z)
            t1 = time.perf_counter()
            p2 = cert.save(Path(tmp) / "v2.json")
            t2 = time.perf_counter()
            rep2 = verify_file(p2)
            t3 = time.perf_counter()
            p1 = atomic_write_text(Path(tmp) / "v1.json", v1_text(cert))
            t4 = time.perf_counter()
            rep1 = verify_file(p1, limits=_unlimited())
            t5 = time.perf_counter()
            assert rep2.passed and rep1.passed, (rep2.failed, rep1.failed)
            mb2, mb1 = os.path.getsize(p2) / 1e6, os.path.getsize(p1) / 1e6
        print(
            f"| {n:,} | {t1 - t0:.2f} s | {t2 - t1:.2f} s | {t3 - t2:.2f} s | {t3 - t0:.2f} s"
            f" | {mb2:.1f} MB | {t4 - t3:.2f} s | {t5 - t4:.2f} s | {mb1:.1f} MB |",
            flush=True,
        )


def _unlimited():
    from ripcert.checkers.thresholds import ResourceLimits

    return ResourceLimits(max_file_bytes=2**31)


if __name__ == "__main__":
    main()
