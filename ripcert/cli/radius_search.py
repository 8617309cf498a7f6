"""``ripcert radius-search``: δ(R) under a kernel structure, near a nominal point."""

from __future__ import annotations

import argparse
import json
import sys

from .common import progress_enabled


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "radius-search",
        help="min structured δ over x, z within radius R of a centre ω (ball or sphere)",
        description="Multistart projected gradient descent on the structured SDP value, with"
        " the gradient from the SDP's multipliers (ripcert.studies.radius_search).",
    )
    p.add_argument(
        "--structure",
        required=True,
        help="operator family: case9|case14|case30[:all], completion:FILE,"
        " completion:random:p,seed, gaussian:m,seed, none",
    )
    p.add_argument("--n", type=int, help="matrix order for families that do not fix it")
    p.add_argument("--center", default="ones", help="ω: 'ones', 'zeros' or comma-separated numbers")
    p.add_argument("--radius", type=float, required=True, help="radius R > 0")
    p.add_argument(
        "--mode",
        choices=("ball", "sphere"),
        default="ball",
        help="ball: x critical with ‖x−ω‖ ≤ R; sphere: x a boundary minimum, ‖x−ω‖ = R",
    )
    p.add_argument(
        "--rip", choices=("span", "full"), default="span", help="RIP on span([x z]) or on Sⁿ"
    )
    p.add_argument(
        "--model",
        choices=("ripcert", "molybog"),
        default="ripcert",
        help="ripcert: the svec program (H ⪰ 0, exact sphere condition); molybog: his"
        " LMI_P/LMI_P_dB in vec coordinates, for comparison with the published curves",
    )
    p.add_argument("--starts", type=int, default=8, help="random starts")
    p.add_argument("--seed", type=int, default=0, help="random seed of the starts")
    p.add_argument("--iterations", type=int, default=30, help="accepted steps per start")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(run=run)


def _center(text: str, n: int) -> list[float]:
    from ripcert.errors import InvalidInputError

    if text == "ones":
        return [1.0] * n
    if text == "zeros":
        return [0.0] * n
    try:
        vals = [float(t) for t in text.replace(" ", "").split(",") if t]
    except ValueError:
        raise InvalidInputError(f"--center: {text!r} is not 'ones', 'zeros' or numbers") from None
    if len(vals) != n:
        raise InvalidInputError(f"--center has {len(vals)} entries, the structure has n = {n}")
    return vals


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from ripcert.core.structure import KernelStructure, VecStructure
    from ripcert.errors import InvalidInputError
    from ripcert.generator.structured import structure_of
    from ripcert.studies.radius_search import radius_search

    if not np.isfinite(args.radius) or args.radius <= 0:
        raise InvalidInputError(f"--radius must be positive, got {args.radius}")
    if args.starts < 1:
        raise InvalidInputError("--starts must be ≥ 1")
    if args.iterations < 0:
        raise InvalidInputError("--iterations must be ≥ 0")
    structure = structure_of(args.structure, args.n)
    model: KernelStructure | VecStructure = structure
    if args.model == "molybog":
        from ripcert.core.families import family

        if args.rip != "span":
            raise InvalidInputError("--model molybog imposes the RIP on span([x z]) only")
        if args.structure == "none":
            raise InvalidInputError("--model molybog needs a template family")
        model = VecStructure.from_template(family(args.structure, args.n))
    omega = np.array(_center(args.center, structure.n))
    bar = None
    if progress_enabled(args):
        from tqdm import tqdm

        bar = tqdm(total=args.starts, desc=f"R = {args.radius:g} {args.mode}", unit="start")

    def tick(k: int, best: float) -> None:
        if bar is not None:
            bar.update(1)
            bar.set_postfix(best=f"{best:.6f}")

    try:
        res = radius_search(
            model,
            omega,
            args.radius,
            mode=args.mode,
            starts=args.starts,
            seed=args.seed,
            rip=args.rip,
            iterations=args.iterations,
            progress=tick,
        )
    finally:
        if bar is not None:
            bar.close()
    if not res.certified:
        print(
            "ripcert: warning: the certify re-solve of the best point failed; δ is the"
            " search's own (optimal_inaccurate) value",
            file=sys.stderr,
        )
    if args.json:
        out = res.to_dict()
        out["structure"] = args.structure
        out["model"] = args.model
        print(json.dumps(out))
    else:
        print(f"delta      {res.delta:.10g}   ({args.rip} RIP, {args.mode}, R = {args.radius:g})")
        print(f"x          {np.array2string(res.x.ravel(), precision=6)}")
        print(f"z          {np.array2string(res.z.ravel(), precision=6)}")
        starts = ", ".join(f"{s.delta:.4f}" for s in res.starts)
        print(f"starts     {len(res.starts)}: {starts}")
        print(f"solves     {sum(s.solves for s in res.starts)}, time {res.seconds:.2f} s")
    return 0
