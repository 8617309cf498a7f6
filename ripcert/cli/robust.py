"""``ripcert robust``: robust ℓ1 sensing (docs/math.md §8; arXiv:2302.10963, arXiv:2202.08788).

* ``ripcert robust saddle --d 20 --r-star 3 --r-prime 20 --m 140 --p 0.1 --seed S -o c.json``
  draws the instance, searches a direction ΔU (ΔU U*ᵀ = 0) with q(ΔU) < 0 and writes the
  certificate "the ground truth is a saddle" (exit 0); exit 3 when no direction is found
  (nothing is written).  Check it with ``ripcert verify --exact c.json``.
* ``ripcert robust descend ...`` runs the subgradient method from a small (or spectral)
  initialisation on the same instance and prints ‖U_TU_Tᵀ − X*‖_F/‖X*‖_F per trial.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from .common import add_mkdir, progress_enabled
from .paths import check_output_file

if TYPE_CHECKING:
    from ripcert.generator.robust import RobustInstance


def _model_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("instance (robust sensing model)")
    g.add_argument("--instance", help="load the instance from this JSON instead of drawing it")
    g.add_argument("--d", type=int, default=20, help="dimension d (default 20)")
    g.add_argument("--r-star", type=int, default=3, help="rank r* of X* (default 3)")
    g.add_argument("--r-prime", type=int, default=None, help="search rank r′ (default d)")
    g.add_argument("--m", type=int, default=140, help="number of measurements (default 140)")
    g.add_argument("--p", type=float, default=0.1, help="corruption fraction (default 0.1)")
    g.add_argument("--seed", type=int, default=0, help="seed of the instance (default 0)")
    g.add_argument("--outlier-scale", type=float, default=10.0, help="σ of the N(0, σ²) outliers")
    g.add_argument(
        "--noise",
        choices=("outliers", "gaussian", "none"),
        default="outliers",
        help="Huber outliers (default), dense Gaussian noise, or none",
    )
    g.add_argument("--noise-std", type=float, default=0.0, help="σ for --noise gaussian")
    g.add_argument("--bits", type=int, default=8, help="dyadic grid 2^-bits of A and U*")
    g.add_argument("--save-instance", help="also write the instance JSON here")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    add_mkdir(p)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "robust",
        help="robust ℓ1 sensing: saddle certificates of the truth, subgradient method",
        description="Robust matrix sensing with the ℓ1 loss L(U) = (1/m)‖y − A(UUᵀ)‖₁.",
    )
    rs = p.add_subparsers(dest="robust_command", required=True)
    s = rs.add_parser(
        "saddle",
        help="certify that the ground truth is not a local minimum",
        description="Search ΔU with ΔU U*ᵀ = 0 and q(ΔU) < 0 (seed steps 1–3) and write the"
        " certificate; exit 3 if none is found.",
    )
    _model_args(s)
    s.add_argument("-o", "--output", help="certificate JSON to write")
    s.add_argument("--restarts", type=int, default=12, help="search restarts (default 12)")
    s.add_argument("--iterations", type=int, default=1500, help="polish iterations per restart")
    s.add_argument("--search-seed", type=int, default=0, help="seed of the search")
    s.add_argument(
        "--sdp",
        action="store_true",
        help="also solve the convex relaxation min q over {S ⪰ 0, tr S = 1} (cvxpy/SCS)",
    )
    s.set_defaults(run=run_saddle)
    g = rs.add_parser(
        "descend",
        help="subgradient method from a small initialisation",
        description="U ← U − η_t D_t, D_t ∈ ∂L(U_t), U₀ = α·B; errors ‖U_tU_tᵀ − X*‖_F.",
    )
    _model_args(g)
    g.add_argument("--step", choices=("geometric", "polyak"), default="geometric")
    g.add_argument("--eta", type=float, default=0.02, help="η (default 0.02)")
    g.add_argument("--rho", type=float, default=0.999, help="ρ of η·ρ^t (default 0.999)")
    g.add_argument("--iterations", type=int, default=4000, help="iterations (default 4000)")
    g.add_argument("--alpha", type=float, default=1e-6, help="initial scale α (default 1e-6)")
    g.add_argument("--init", choices=("small", "spectral"), default="small")
    g.add_argument("--loss", choices=("l1", "l2"), default="l1")
    g.add_argument("--trials", type=int, default=5, help="independent trials (default 5)")
    g.add_argument("--trial-seed", type=int, default=0, help="seed of the initialisations")
    g.add_argument("--json", help="write the summary here")
    g.set_defaults(run=run_descend)


def _instance(args: argparse.Namespace) -> RobustInstance:
    from ripcert.generator.robust import RobustInstance, RobustModel, make_instance

    if args.instance:
        return RobustInstance.load(args.instance)
    model = RobustModel(
        d=args.d,
        r_star=args.r_star,
        r_prime=args.d if args.r_prime is None else args.r_prime,
        m=args.m,
        p=args.p,
        seed=args.seed,
        noise=args.noise,
        outlier_scale=args.outlier_scale,
        noise_std=args.noise_std,
        bits=args.bits,
    )
    return make_instance(model)


def run_saddle(args: argparse.Namespace) -> int:
    from ripcert.generator.robust import SearchProtocol, make_certificate, sdp_lower_bound

    out = check_output_file(args.output, "-o", mkdir=args.mkdir) if args.output else None
    inst_out = (
        check_output_file(args.save_instance, "--save-instance", mkdir=args.mkdir)
        if args.save_instance
        else None
    )
    protocol = SearchProtocol(
        restarts=args.restarts, iterations=args.iterations, seed=args.search_seed
    )
    inst = _instance(args)
    mo = inst.model
    print(
        f"instance   d = {mo.d}, r* = {mo.r_star}, r′ = {mo.r_prime}, m = {mo.m}, p = {mo.p}"
        f" ({len(inst.outliers)} outliers), seed {mo.seed}; d·r′ = {mo.d * mo.r_prime}"
    )
    if inst_out is not None:
        inst.save(inst_out)
    cert, search = make_certificate(inst, protocol, progress=progress_enabled(args))
    print(
        f"search     {protocol.restarts} restarts × {protocol.iterations} iterations,"
        f" best q = {search.q:.6g} ({search.seconds:.1f} s)"
    )
    if args.sdp:
        bound = sdp_lower_bound(inst.sensing, inst.residuals)
        print(
            f"relaxation min q over {{S ⪰ 0, tr S = 1}} = {bound['value']:.6g}"
            f" ({bound['solver']}, {bound['status']}, rank {bound['rank']})"
        )
    if cert is None:
        print(
            "result     no direction ΔU with ΔU U*ᵀ = 0 and q < 0 found: no certificate",
            file=sys.stderr,
        )
        return 3
    print(
        f"result     q = {cert.q:.10g} < 0, t_max = {cert.t_max:.10g}:"
        f" L(U* + tΔU) − L(U*) = t²q for 0 < t ≤ t_max (exact re-check passed)"
    )
    if out is not None:
        cert.save(out)
        print(f"wrote      {out}")
    return 0


def run_descend(args: argparse.Namespace) -> int:
    from ripcert.certificate import atomic_write_text
    from ripcert.studies.subgradient import SubgradientProtocol, subgradient_method

    json_out = check_output_file(args.json, "--json", mkdir=args.mkdir) if args.json else None
    protocol = SubgradientProtocol(
        iterations=args.iterations,
        eta=args.eta,
        rho=args.rho,
        step=args.step,
        alpha=args.alpha,
        init=args.init,
        loss=args.loss,
        trials=args.trials,
        seed=args.trial_seed,
    )
    inst = _instance(args)
    if args.save_instance:
        inst.save(check_output_file(args.save_instance, "--save-instance", mkdir=args.mkdir))
    mo = inst.model
    res = subgradient_method(
        inst.sensing,
        inst.y,
        inst.x_star,
        mo.r_prime,
        protocol,
        progress=progress_enabled(args),
    )
    rel = res.relative_final
    print(
        f"instance   d = {mo.d}, r* = {mo.r_star}, r′ = {mo.r_prime}, m = {mo.m}, p = {mo.p},"
        f" noise {mo.noise}, seed {mo.seed}"
    )
    print(
        f"protocol   {protocol.loss}, {protocol.step} steps η = {protocol.eta:g}, ρ = "
        f"{protocol.rho:g}, {protocol.iterations} iterations, {protocol.init} init α = "
        f"{protocol.alpha:g}"
    )
    print("relative   " + "  ".join(f"{v:.3e}" for v in rel) + "   (‖UUᵀ − X*‖_F/‖X*‖_F)")
    print(f"time       {res.seconds:.2f} s ({res.trials_per_second:.1f} trials/s)")
    if json_out is not None:
        atomic_write_text(json_out, json.dumps(res.to_dict(), indent=1) + "\n")
    return 0
