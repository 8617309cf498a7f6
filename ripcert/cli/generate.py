"""``ripcert generate``: the minimum-δ counterexample for given (X, Z)."""

from __future__ import annotations

import argparse
import time
from fractions import Fraction
from typing import TYPE_CHECKING

from ripcert.errors import InvalidInputError
from ripcert.generator.solvers import SOLVERS

from .common import add_mkdir
from .inputs import matrix_arg
from .paths import check_output_file
from .structured import add_structure_options, run_structured

#: largest n accepted with --no-reduce: the full-space SDP has an n(n+1)/2 × n(n+1)/2 matrix
#: variable (78 × 78 at n = 12: about 30 s of CPU with Clarabel, measured on a random rank-1
#: pair; at n = 40 it is 820 × 820 and Clarabel's KKT system needs hundreds of GB).  The
#: reduced path (the default) has no such limit and gives the same δ*.
NO_REDUCE_MAX_N = 20

if TYPE_CHECKING:
    from ripcert.certificate import Certificate


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "generate",
        help="find the smallest-δ operator making X a spurious point for ground truth Z",
        description="Solve the counterexample SDP (docs/math.md §3) and write a certificate.",
    )
    p.add_argument(
        "--x",
        help='X inline: "0,0.7071" or "0 1/2" (one row: a vector); "1 0; 0 1; 0 0" (rows by ;)',
    )
    p.add_argument("--z", help="Z inline, same syntax")
    p.add_argument("--x-file", help="X from .json, .npy, .csv or .txt (same grammar)")
    p.add_argument("--z-file", help="Z from .json, .npy, .csv or .txt")
    p.add_argument("--margin", type=float, default=0.0, help="μ > 0 claims a strict local minimum")
    p.add_argument(
        "--solver",
        choices=("auto", *SOLVERS),
        default="auto",
        help="SDP back-end (auto: Clarabel for small programs, SCS first for large ones)",
    )
    p.add_argument(
        "--no-reduce",
        action="store_true",
        help=f"solve the full n(n+1)/2 SDP (n ≤ {NO_REDUCE_MAX_N})",
    )
    p.add_argument(
        "--exact",
        action="store_true",
        help="add an exact rational certificate and a rigorous dual lower bound on δ*"
        " (with --no-reduce: n ≤ 6)",
    )
    p.add_argument(
        "--snap",
        action="store_true",
        help="with --exact: prove the exact section for the nearby instance with small"
        " denominators (e.g. x = (0, 1/√2) from its float), recording the distance",
    )
    add_structure_options(p)  # --structure, --rip, --sphere-center, --radius (issue 12)
    p.add_argument("-o", "--output", help="write the certificate JSON here (atomically)")
    add_mkdir(p)
    p.set_defaults(run=run)


def summary(cert: Certificate, seconds: float) -> str:
    s = cert.solver or {}
    return "\n".join(
        [
            f"delta      {cert.delta:.10g}   (scale γ = {cert.scale:.6g})",
            f"claim      {cert.claim}" + (f"  (margin μ = {cert.margin:g})" if cert.margin else ""),
            f"n, r, r*   {cert.n}, {cert.r}, {cert.r_star}",
            f"m          {cert.operator.num_measurements} sensing matrices"
            f" ({type(cert.operator).__name__})",
            f"solver     {s.get('name')} {s.get('status')}, {s.get('iterations')} iterations,"
            f" residual FOC {s.get('residuals', {}).get('first_order_rel', float('nan')):.1e}",
            *exact_summary(cert),
            f"time       {seconds:.3f} s",
        ]
    )


def exact_summary(cert: Certificate) -> list[str]:
    """Lines describing the exact and dual sections, if present."""
    lines = []
    ex = cert.extra.get("exact")
    if ex:
        sp = ex.get("space", {})
        where = f"reduced R^{sp.get('k')}" if sp.get("reduced") else f"R^{sp.get('n')}"
        lines.append(
            f"exact      δ = {ex['delta']} (≈ {float(Fraction(ex['delta'])):.10g}),"
            f" claim {ex['claim']} on {where}, exact arithmetic"
        )
        snap = ex.get("snap")
        if snap:
            dist = snap.get("x_distance") if isinstance(snap, dict) else None
            lines.append(
                "           (proved for the nearby instance with XXᵀ snapped to small"
                " denominators" + (f", at distance {dist:.1e})" if dist is not None else ")")
            )
    du = cert.extra.get("dual")
    if du:
        where = " on the reduced instance" if "reduced_x" in du else ""
        lines.append(
            f"dual       δ* ∈ [{du['lower']:.10g}, {du['upper']:.10g}]  (gap {du['gap']:.2e})"
            + where
        )
    return lines


def check_no_reduce(n: int) -> None:
    """Refuse ``--no-reduce`` above :data:`NO_REDUCE_MAX_N` before any solve."""
    if n > NO_REDUCE_MAX_N:
        raise InvalidInputError(
            f"--no-reduce: n = {n} > {NO_REDUCE_MAX_N}; the full-space SDP has a "
            f"{n * (n + 1) // 2}×{n * (n + 1) // 2} matrix variable (drop --no-reduce: the "
            "default reduction to span([X Z]) gives the same δ*)"
        )


def run(args: argparse.Namespace) -> int:
    output = (
        check_output_file(args.output, "-o", mkdir=args.mkdir) if args.output is not None else None
    )
    x = matrix_arg(args.x, args.x_file, "X")
    z = matrix_arg(args.z, args.z_file, "Z")
    if args.structure is not None:
        return run_structured(args, x, z, output)
    from ripcert.generator.counterexample import generate_solved
    from ripcert.maker.certify import certify, check_certifiable

    if args.snap and not args.exact:
        raise InvalidInputError("--snap needs --exact")
    if args.no_reduce:
        check_no_reduce(x.shape[0])
    if args.exact:
        check_certifiable(x.shape[0], reduced=not args.no_reduce)
    t0 = time.perf_counter()
    cert, solved = generate_solved(
        x, z, margin=args.margin, solver=args.solver, reduce=not args.no_reduce
    )
    if args.exact:
        cert = certify(cert, solved, snap=args.snap)
    print(summary(cert, time.perf_counter() - t0))
    if output is not None:
        cert.save(output)
        print(f"wrote      {args.output}")
    return 0
