"""``ripcert sgd``: GD/SGD trials on a certificate's objective (or the talk's instance)."""

from __future__ import annotations

import argparse
import json

from ripcert.errors import InvalidInputError

from .common import add_mkdir, progress_enabled
from .inputs import parse_number
from .paths import check_output_file

#: :data:`ripcert.studies.dynamics.METHODS` and ``INITS`` (checked equal in the tests; kept
#: here so that ``ripcert --help`` does not import the library)
METHODS = ("gd", "sgd", "gd_noise")
INITS = ("gaussian", "mix")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sgd",
        help="run GD/SGD from random starts on a certificate's objective",
        description="Vectorised GD/SGD trials on f(U) = Σ⟨Aᵢ, UUᵀ − ZZᵀ⟩² built from the "
        "certificate's sensing matrices (as stored: scale matters for the step).",
    )
    p.add_argument("cert", nargs="?", help="certificate JSON (omit with --talk)")
    p.add_argument(
        "--talk", action="store_true", help="the talk's δ = 1/2 operator (docs/math.md §6)"
    )
    p.add_argument("--trials", type=int, default=10_000, help="independent random starts")
    p.add_argument("--method", choices=METHODS, default="sgd", help="descent method")
    p.add_argument("--step", type=float, default=1e-3, help="step size")
    p.add_argument("--iterations", type=int, default=10_000, help="iterations per trial")
    p.add_argument("--noise", type=float, default=0.0, help="σ for --method gd_noise")
    p.add_argument("--init", choices=INITS, default="gaussian", help="initialisation")
    p.add_argument("--init-scale", type=float, default=1.0, help="scale of Gaussian starts")
    p.add_argument("--gamma", type=float, default=1.0, help="for --init mix")
    p.add_argument("--gammas", help="comma list: run the γ sweep of the talk instead")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--tol", type=float, default=1e-2, help="success: ‖UUᵀ−ZZᵀ‖ ≤ tol‖ZZᵀ‖")
    p.add_argument("--json", help="write the result summary here")
    add_mkdir(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ripcert.certificate import Certificate, atomic_write_text
    from ripcert.studies.dynamics import (
        Protocol,
        from_certificate,
        gamma_sweep,
        talk_landscape,
    )
    from ripcert.studies.dynamics import run as run_trials

    if args.talk == (args.cert is not None):
        raise InvalidInputError("give a certificate file or --talk (not both)")
    if args.trials < 1 or args.iterations < 0:
        raise InvalidInputError("--trials must be ≥ 1 and --iterations ≥ 0")
    json_out = (
        check_output_file(args.json, "--json", mkdir=args.mkdir) if args.json is not None else None
    )
    show = progress_enabled(args)
    land = talk_landscape() if args.talk else from_certificate(Certificate.load(args.cert))
    proto = Protocol(
        name=args.method,
        method=args.method,
        step=args.step,
        iterations=args.iterations,
        noise=args.noise,
        init=args.init,
        init_scale=args.init_scale,
        gamma=args.gamma,
        seed=args.seed,
        success_tol=args.tol,
    )
    print(f"protocol   {proto.describe()}")
    if args.gammas:
        try:
            gammas = [float(parse_number(g.strip(), "--gammas")) for g in args.gammas.split(",")]
        except ValueError:
            raise InvalidInputError(f"--gammas must be numbers, got {args.gammas!r}") from None
        gs = gamma_sweep(land, proto, gammas, trials=args.trials, progress=show)
        print("gamma  fail    min       5%        median    95%       max")
        for g, fr, q in zip(gs.gammas, gs.failure_rates, gs.quantiles, strict=True):
            print(f"{g:5.2f}  {fr:6.1%}  " + "  ".join(f"{v:.2e}" for v in q))
        out = {
            "protocol": proto.to_dict(),
            "gammas": gs.gammas.tolist(),
            "failure_rates": gs.failure_rates.tolist(),
            "quantiles": gs.quantiles.tolist(),
        }
    else:
        res = run_trials(land, proto, trials=args.trials, progress=show)
        lo, hi = res.ci
        print(
            f"trials     {res.trials:,}: {res.successes:,} succeed, {res.failures:,} fail "
            f"({res.failure_rate:.2%}, 95% CI {lo:.2%}–{hi:.2%}); "
            f"{res.trapped:,} ended nearer X_bad, {res.diverged:,} diverged"
        )
        print(f"time       {res.seconds:.1f} s")
        out = res.summary()
    if json_out is not None:
        atomic_write_text(json_out, json.dumps(out, indent=1) + "\n")
    return 0
