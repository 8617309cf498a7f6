"""``ripcert certify``: add (or refresh) the exact and dual sections of existing certificates.

The float certificate is loaded (schema and hash checked), rounded to rationals and
re-proved in exact arithmetic, and bracketed by a rigorous dual lower bound
(:func:`ripcert.maker.certify.certify`, docs/exact.md and docs/dual.md).  The result replaces the
file, or is written to ``-o``; ``ripcert verify --exact`` re-checks it.
"""

from __future__ import annotations

import argparse
import time

from ripcert.errors import InvalidInputError

from .common import add_mkdir, progress_enabled
from .generate import exact_summary
from .paths import check_output_file


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "certify",
        help="add or refresh the exact (rational) and dual sections of certificates",
        description="Round each certificate to rationals, prove its claim in exact arithmetic "
        "and add a rigorous dual lower bound on δ*, so that δ* ∈ [lower, upper].  The file is "
        "replaced atomically (keeping its permissions) unless -o is given.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="certificate JSON files")
    p.add_argument("-o", "--output", help="write here instead of replacing FILE (one FILE only)")
    p.add_argument(
        "--snap",
        action="store_true",
        help="prove the exact section for the nearby instance with small denominators"
        " (e.g. x = (0, 1/√2) from 0.7071067811865476), recording the distance",
    )
    add_mkdir(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ripcert.certificate import Certificate
    from ripcert.maker.certify import certify

    if args.output is not None and len(args.files) != 1:
        raise InvalidInputError("-o: give exactly one FILE with -o")
    targets = (
        [check_output_file(args.output, "-o", mkdir=args.mkdir)]
        if args.output is not None
        else [check_output_file(f, "FILE") for f in args.files]
    )
    certs = [Certificate.load(f) for f in args.files]  # all read and validated before any work
    bar = tqdm(
        total=len(certs), desc="certify", unit="file", disable=not progress_enabled(args) or None
    )
    with bar:
        for path, cert, target in zip(args.files, certs, targets, strict=True):
            t0 = time.perf_counter()
            done = certify(cert, snap=args.snap)
            done.save(target)
            bar.update()
            bar.clear()
            print(f"{path}: δ = {done.delta:.10g}, claim {done.claim}")
            for line in exact_summary(done):
                print("  " + line)
            print(f"  wrote      {target}  ({time.perf_counter() - t0:.2f} s)")
    return 0
