"""``ripcert generate --structure …``: structured certificates (options added in generate)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np


def add_structure_options(p: argparse.ArgumentParser) -> None:
    """``--structure``, ``--rip``, ``--sphere-center``, ``--radius`` of ``generate``."""
    p.add_argument(
        "--structure",
        help="kernel structure: case9|case14|case30[:all], completion:FILE,"
        " completion:random:p,seed, gaussian:m,seed, none",
    )
    p.add_argument(
        "--rip",
        choices=("full", "span"),
        default="full",
        help="with --structure: δ-RIP on all of Sⁿ or on {PMPᵀ}, P a basis of span([X Z])",
    )
    p.add_argument(
        "--sphere-center",
        help="with --structure: ω ('ones', 'zeros' or numbers); X is then a boundary minimum"
        " of f over ‖U − ω‖ ≤ R",
    )
    p.add_argument("--radius", type=float, help="with --sphere-center: R (must be ‖X − ω‖)")


def run_structured(
    args: argparse.Namespace, x: np.ndarray, z: np.ndarray, output: Path | None
) -> int:
    """Solve the structured SDP, print a summary and write the certificate."""
    from ripcert.errors import InvalidInputError
    from ripcert.generator.structured import generate_structured

    from .radius_search import _center

    if getattr(args, "margin", 0.0) or getattr(args, "exact", False):
        raise InvalidInputError("--structure does not combine with --margin or --exact")
    if args.radius is not None and args.sphere_center is None:
        raise InvalidInputError("--radius needs --sphere-center")
    omega = None
    if args.sphere_center is not None:
        omega = np.array(_center(args.sphere_center, x.shape[0] * x.shape[1]))
    t0 = time.perf_counter()
    cert, sol = generate_structured(
        x, z, args.structure, rip=args.rip, omega=omega, radius=args.radius, solver=args.solver
    )
    sec = cert.extra["structure"]
    crit = sec["critical"]
    if crit == "sphere":
        crit += f" (‖X − ω‖ = R = {sec['radius']:g}, μ = {sec['multiplier']:.6g})"
    print(f"delta      {cert.delta:.10g}   ({sec['rip']} RIP)")
    print(f"structure  {args.structure}: {sec['nonzeros']} non-zeros, {sec['groups']} groups")
    print(f"critical   {crit}")
    print(f"n, r, r*   {cert.n}, {cert.r}, {cert.r_star}")
    print(f"solver     {sol.report.name} {sol.report.status}, {sol.report.iterations} iterations")
    print(f"time       {time.perf_counter() - t0:.3f} s")
    if output is not None:
        cert.save(output)
        print(f"wrote      {output}")
    return 0
