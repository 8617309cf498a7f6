"""CLI start-up time, before and after the lazy CLI (issue 9), measured side by side.

Runs ``python -m ripcert --help``, ``--version`` and ``verify certificates/delta_half_soc.json``
in fresh interpreters, alternating between this tree and a checkout of a reference commit
(default: the last commit before the redesign), and prints median wall times and their
ratios.  Usage::

    python benchmarks/bench_startup.py [--ref 8589586] [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CERT = ROOT / "certificates" / "delta_half_soc.json"


def _time(tree: Path, argv: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ripcert", *argv],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", default="8589586", help="reference commit (before the redesign)")
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(old), args.ref],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            cases = {
                "--help": ["--help"],
                "--version": ["--version"],
                "verify": ["verify", str(CERT)],
            }
            print(f"| command | before ({args.ref}) | after | ratio |")
            print("|---|---|---|---|")
            for label, argv in cases.items():
                before, after = [], []
                for _ in range(args.repeats):  # alternate, so that load affects both alike
                    before.append(_time(old, argv))
                    after.append(_time(ROOT, argv))
                b, a = statistics.median(before), statistics.median(after)
                print(f"| `ripcert {label}` | {b:.3f} s | {a:.3f} s | {b / a:.1f}× |")
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, capture_output=True
            )


if __name__ == "__main__":
    main()
