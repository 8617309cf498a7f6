"""``ripcert verify``: independent re-check of certificate files (docs/math.md §1–§4, §6).

Exit code 0 iff every check of every file passes, 1 if some check fails, 2 if a file is
unreadable or invalid (one line per such file on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys

from ripcert.checkers.rip import DEFAULT_SAMPLES
from ripcert.checkers.verification import VerificationReport, exit_code, verify_file


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify",
        help="re-check certificates independently (conditions, strictness, RIP bounds)",
        description=(
            "Recompute f, ∇f and ∇²f from each certificate's operator, check the claimed "
            "spurious point (first/second order, strictness) and bracket the RIP constant "
            "δ_2r between explicit witnesses and an SDP upper bound."
        ),
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="certificate JSON files")
    p.add_argument("--json", action="store_true", help="print the reports as JSON")
    p.add_argument(
        "--samples",
        type=int,
        default=DEFAULT_SAMPLES,
        help=f"random restarts per side of the RIP witness search (default {DEFAULT_SAMPLES})",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the witness search (default 0)")
    p.add_argument(
        "--exact",
        action="store_true",
        help="also re-check the exact (rational) and dual sections in exact arithmetic",
    )
    p.set_defaults(run=run)


def _fmt(v: float) -> str:
    return f"{v:.4g}" if v == v else "-"


def table(rep: VerificationReport) -> str:
    """Human-readable report of one file."""
    head = f"{rep.source}: {rep.status.upper()}"
    if rep.invalid:
        return head + f"\n  {rep.checks[0].detail}"
    head += (
        f"  (n = {rep.n}, r = {rep.r}, claim {rep.claim}, δ = {rep.delta:.10g};"
        f" {rep.seconds:.2f} s)"
    )
    lines = [head, f"  {'check':<20}{'value':>12}{'tolerance':>11}  result  detail"]
    for c in rep.checks:
        lines.append(
            f"  {c.name:<20}{_fmt(c.value):>12}{_fmt(c.tolerance):>11}  "
            f"{'pass' if c.passed else 'FAIL':<6}  {c.detail}"
        )
    if rep.rip:
        rip = rep.rip
        k = rip["order"]
        lines.append(
            f"  RIP  δ_{k} ∈ [{rip['delta_lower']:.10g}, {rip['delta_upper']:.10g}]"
            f"   full-space δ = {rip['spectral']['delta']:.10g}"
            f"   (as-is γ = 1: δ_{k} ≥ {rip['witnesses']['delta_as_is']:.6g},"
            f" full-space {rip['spectral']['delta_as_is']:.6g})"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if args.samples < 1:
        print("ripcert: error: --samples must be ≥ 1", file=sys.stderr)
        return 2
    reports = []
    for path in args.files:
        rep = verify_file(path, samples=args.samples, seed=args.seed, exact=args.exact)
        reports.append(rep)
        if rep.invalid:
            print(f"ripcert: error: {path}: {rep.checks[0].detail}", file=sys.stderr)
        if not args.json:
            print(table(rep))
            print()
    if args.json:
        print(json.dumps([r.to_dict() for r in reports], indent=1, allow_nan=False))
    return exit_code(reports)
