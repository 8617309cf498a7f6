"""``ripcert landscape``: the critical points of a given operator, classified and certified.

``ripcert landscape OPERATOR --z Z [--loss l2|high-order:l,λ] [--starts K] [--seed S]
[-o DIR] [--json] [--quiet]``.  OPERATOR is a certificate file, a sensing-matrix file
(``.npy`` m×n×n or ``.json``) or a family (``gaussian:m,seed``, ``talk``); Z defaults to the
certificate's.  Prints a table of the points (kind, F, horizontal λ_min, Theorem 3/6) or,
with ``--json``, one JSON object with a list ``points``.  Spurious second-order points of the
ℓ2 loss are certified, verified and written to DIR.  Exit 0, or 1 when a measurement
contradicts Theorem 3/6 (reported loudly on stderr), 2 on invalid input.
"""

from __future__ import annotations

import argparse
import json
import math
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "landscape",
        help="find, classify and certify the critical points of a given operator",
        description=(
            "Multistart second-order search for the critical points of f(U) = "
            "||A(UU^T - ZZ^T)||^2 (or a high-order loss) on a given operator; classify them "
            "(global_min, spurious_local_min, strict_saddle, degenerate), evaluate the "
            "strict-saddle bounds of Ma, Chen, Lavaei & Sojoudi (arXiv:2403.06056) and "
            "write a verified certificate for every spurious point."
        ),
    )
    p.add_argument(
        "operator",
        metavar="OPERATOR",
        help=(
            "certificate .json, sensing matrices (.npy m×n×n / .json), talk, or a family:"
            " gaussian:m,seed, completion:random:p,seed, completion:FILE, case9 …"
        ),
    )
    p.add_argument("--z", help="ground truth Z inline (default: the certificate's Z)")
    p.add_argument("--z-file", help="ground truth Z from a file (.json, .npy, .csv)")
    p.add_argument("--loss", default="l2", help="l2 or high-order:l,λ (l even, λ ≥ 0)")
    p.add_argument("--starts", type=int, default=50, help="number of starts")
    p.add_argument("--seed", type=int, default=0, help="seed of the starts and RIP witnesses")
    p.add_argument("--rank", type=int, default=None, help="search rank r (None: r* = columns of Z)")
    p.add_argument("--no-saddles", action="store_true", help="minimise only (no root finding)")
    p.add_argument(
        "--relaxation",
        action="store_true",
        help="also solve min tr(M) s.t. A(M) = b, M ⪰ 0 and report whether it recovers ZZ^T",
    )
    p.add_argument("-o", "--output", metavar="DIR", help="folder for the certificates")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def _finite(obj: object) -> object:
    """Strict JSON: non-finite floats (and NumPy scalars/arrays) become None / lists."""
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    if hasattr(obj, "tolist"):
        return _finite(obj.tolist())  # type: ignore[union-attr]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _num(v: float) -> str:
    return f"{v:.6g}" if math.isfinite(v) else "-"


def _table(rep: object, source: str) -> str:
    import numpy as np

    from ripcert.studies.landscape.analysis import LandscapeReport

    assert isinstance(rep, LandscapeReport)
    res = rep.result
    lines = [
        f"{source}: loss {res.loss}, n = {res.n}, r = {res.r}; {res.starts} starts,"
        f" {res.runs} local solves ({res.rejected} not critical), {res.seconds:.2f} s",
        f"RIP order {rep.rip.order}: δ ≤ {_num(rep.rip.delta)} (γ = {_num(rep.rip.scale)};"
        f" {rep.rip.source})",
        f"  {'#':>3} {'kind':<20}{'F(X)':>12}{'λ_min':>13}{'λ_max':>12}{'hits':>6}  theorem",
    ]
    for i, p in enumerate(res.points):
        kind = p.kind
        if p.kind == "spurious_local_min":
            kind += " (strict)" if p.strict else " (non-strict)"
        thm = p.theorem.summary() if p.theorem is not None else ""
        lines.append(
            f"  {i:>3} {kind:<20}{_num(p.value):>12}{_num(p.lambda_min):>13}"
            f"{_num(p.lambda_max):>12}{p.hits:>6}  {thm}"
        )
        if p.x.size <= 12:
            rows = [[round(v, 8) for v in row] for row in p.x.tolist()]
            lines.append(f"      x = {json.dumps(rows)}")
        else:
            xn = float(np.linalg.norm(p.x))
            lines.append(f"      x: {p.x.shape[0]}×{p.x.shape[1]}, ‖x‖_F = {xn:.6g} (--json: all)")
        if p.certificate:
            lines.append(f"      certificate: {p.certificate}")
        for note in p.notes:
            lines.append(f"      note: {note}")
    for note in rep.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from ripcert.cli.inputs import matrix_arg
    from ripcert.errors import InvalidInputError
    from ripcert.studies.landscape.analysis import analyse
    from ripcert.studies.landscape.operators import load_operator, make_loss
    from ripcert.studies.landscape.search import SearchOptions

    if args.starts < 1:
        raise InvalidInputError(f"--starts must be ≥ 1, got {args.starts}")
    z = None
    if args.z is not None or args.z_file is not None:
        z = matrix_arg(args.z, args.z_file, "Z")
    loaded = load_operator(args.operator, None if z is None else z.shape[0])
    if z is None:
        if loaded.z is None:
            raise InvalidInputError("give the ground truth with --z or --z-file")
        z = loaded.z
    z = np.asarray(z, dtype=float)
    if z.shape[0] != loaded.operator.n:
        raise InvalidInputError(
            f"Z has {z.shape[0]} rows but the operator acts on n = {loaded.operator.n}"
        )
    loss = make_loss(args.loss, loaded.operator, z)
    options = SearchOptions(
        starts=args.starts, seed=args.seed, rank=args.rank, saddles=not args.no_saddles
    )
    show = not args.quiet and not args.json and sys.stderr.isatty()
    bar = None
    if show:
        from tqdm import tqdm

        bar = tqdm(total=args.starts, desc="starts", file=sys.stderr, leave=False)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.update(1)

    try:
        rep = analyse(loss, loaded.operator, z, options, out_dir=args.output, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    relax = None
    if args.relaxation:
        from ripcert.studies.landscape.relaxation import convex_relaxation

        relax = convex_relaxation(loaded.operator, z)
    if args.json:
        out = rep.to_dict()
        out["operator"] = loaded.source
        if relax is not None:
            out["relaxation"] = relax.to_dict()
        print(json.dumps(_finite(out), allow_nan=False))
    else:
        print(_table(rep, loaded.source))
        if relax is not None:
            verdict = "recovers ZZ^T" if relax.recovered else "does NOT recover ZZ^T"
            print(
                f"convex relaxation min tr(M) s.t. A(M) = b, M ⪰ 0: {verdict}"
                f" (‖M − ZZᵀ‖/‖ZZᵀ‖ = {relax.distance_rel:.3g}, tr M = {relax.trace:.6g}"
                f" vs tr ZZᵀ = {relax.trace_truth:.6g}, rank {relax.rank})"
            )
    for c in rep.contradictions:
        print(f"ripcert: THEOREM CONTRADICTED: {c}", file=sys.stderr)
    return 1 if rep.contradictions else 0
