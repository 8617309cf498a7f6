"""``ripcert demo``: the δ = 1/2 counterexample of Zhang, Josz, Sojoudi & Lavaei (2018)."""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from .common import add_mkdir
from .generate import summary
from .paths import check_output_file
from .verify import table


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="generate, verify and exactly certify the δ = 1/2 counterexample"
        " (x = (0, 1/√2), z = (1, 0))",
    )
    p.add_argument("-o", "--output", help="also write the certificate JSON here")
    add_mkdir(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    output = (
        check_output_file(args.output, "-o", mkdir=args.mkdir) if args.output is not None else None
    )
    from ripcert.checkers.verification import exit_code, verify
    from ripcert.core.closed_form import rank1_delta
    from ripcert.core.examples import X_HALF, Z_HALF
    from ripcert.generator.counterexample import generate_solved
    from ripcert.maker.certify import certify

    x, z = X_HALF, Z_HALF
    print("Ground truth z = (1, 0), candidate x = (0, 1/√2)  [docs/math.md §6]\n")
    t0 = time.perf_counter()
    cert = certify(*generate_solved(x, z), snap=True)  # exact δ = 1/2 for x = (0, 1/√2)
    print(summary(cert, time.perf_counter() - t0))
    print(f"\nrank-1 closed form  δ* = {rank1_delta(x, z):.10g}   (theory: 1/2)")
    print("sensing matrices A_i = √λ_i smat(u_i):")
    matrices = cert.sensing_matrices if cert.sensing_matrices is not None else ()
    for i, a in enumerate(matrices, 1):
        text = np.array2string(a, precision=6, suppress_small=True)
        print(f"  A{i} = " + text.replace("\n", "\n       "))
    print("\nindependent verification (recomputes f, ∇f, ∇²f from the sensing matrices):")
    # verify the serialised JSON (schema, sha256), as a reader of the file would
    report = verify(json.loads(cert.to_json()), source="demo", exact=True)
    print(table(report))
    if output is not None:
        cert.save(output)
        print(f"wrote {args.output}")
    return exit_code([report])
