"""``ripcert verify``: independent re-check of certificate files (docs/math.md §1–§4, §6).

Exit code 0 iff every check of every file passes, 1 if some check fails, 2 if a file is
unreadable or invalid (one line per such file on stderr, no traceback).  Each file is
checked on its own: a file that cannot be read or checked (malformed JSON, a JSON bomb, a
numerical failure) is reported as invalid and the batch goes on.  ``--json`` prints strict
JSON (non-finite numbers as ``null``).

A robust ℓ1 certificate (claim ``ground_truth_is_saddle``, schema ``ripcert-robust-v1``) is
about other quantities than a matrix-sensing one: the table and the JSON report its own
(d, r′, m, the nonzero residuals, q, t_max) instead of n, r, δ and the RIP bracket.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import TYPE_CHECKING, Any

import numpy as np

from ripcert.checkers.thresholds import DEFAULT_SAMPLES
from ripcert.errors import RipcertError

if TYPE_CHECKING:
    from ripcert.checkers.verification import VerificationReport

from .common import progress_enabled


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
        help="random restarts per side of the RIP witness search",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the witness search")
    p.add_argument(
        "--exact",
        action="store_true",
        help="also re-check the exact (rational) and dual sections in exact arithmetic",
    )
    p.set_defaults(run=run)


def _fmt(v: float) -> str:
    return f"{v:.4g}" if v == v else "-"


def _num(v: Any, spec: str) -> str:
    """``v`` formatted with ``spec``, or "-" when it is absent or not a finite number."""
    return format(v, spec) if isinstance(v, int | float) and math.isfinite(v) else "-"


def is_robust(rep: VerificationReport) -> bool:
    """Whether ``rep`` reports on a robust ℓ1 certificate (:mod:`ripcert.checkers.robust`)."""
    from ripcert.certificate.robust import ROBUST_CLAIM

    return not rep.invalid and rep.claim == ROBUST_CLAIM


def robust_quantities(rep: VerificationReport) -> dict[str, Any]:
    """What a robust certificate is about, from its report: dimension d, search rank r′,
    number m of measurements, the ground truth's nonzero residuals (counted by the
    ``ground_truth`` check, with its bound ⌈p·m⌉ when the certificate states p), the
    curvature q of ``L(U* + tΔU) − L(U*) = t²q`` and the range ``0 < t ≤ t_max``."""
    keys = ("d", "r_prime", "r_star", "m", "q", "t_max")
    out: dict[str, Any] = {k: rep.extra.get(k) for k in keys if k in rep.extra}
    gt = next((c for c in rep.checks if c.name == "ground_truth"), None)
    if gt is not None:
        out["nonzero_residuals"] = int(gt.value)
        out["max_outliers"] = int(gt.tolerance) if math.isfinite(gt.tolerance) else None
    return out


def _robust_head(rep: VerificationReport) -> str:
    rq = robust_quantities(rep)
    resid = ""
    if "nonzero_residuals" in rq:
        bound = rq["max_outliers"]
        resid = f", {rq['nonzero_residuals']} nonzero residuals" + (
            f" (≤ ⌈p·m⌉ = {bound})" if bound is not None else ""
        )
    rstar = f" r* = {rq['r_star']}," if "r_star" in rq else ""
    return (
        f"  (robust ℓ1 sensing, claim {rep.claim}: d = {rq['d']}, r′ = {rq['r_prime']},{rstar}"
        f" m = {rq['m']}{resid}; q = {_num(rq['q'], '.10g')}, t_max = {_num(rq['t_max'], '.10g')};"
        f" {rep.seconds:.2f} s)"
    )


def table(rep: VerificationReport) -> str:
    """Human-readable report of one file."""
    head = f"{rep.source}: {rep.status.upper()}"
    if rep.invalid:
        return head + f"\n  {rep.checks[0].detail}"
    if is_robust(rep):
        head += _robust_head(rep)
    else:
        delta = f", δ = {rep.delta:.10g}" if rep.delta == rep.delta else ""
        head += f"  (n = {rep.n}, r = {rep.r}, claim {rep.claim}{delta}; {rep.seconds:.2f} s)"
    lines = [
        head,
        f"  {rep.summary_line()}",
        f"  {'check':<20}{'value':>12}{'tolerance':>11}  result  evidence   detail",
    ]
    for c in rep.checks:
        lines.append(
            f"  {c.name:<20}{_fmt(c.value):>12}{_fmt(c.tolerance):>11}  "
            f"{'pass' if c.passed else 'FAIL':<6}  {c.evidence:<9}  {c.detail}"
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
    if is_robust(rep):
        rq = robust_quantities(rep)
        lines.append(
            f"  claim  L(U* + tΔU) − L(U*) = t²·q for 0 < t ≤ t_max, with q ="
            f" {_num(rq['q'], '.6g')} and t_max = {_num(rq['t_max'], '.6g')}"
            " (q < 0: U* is not a local minimum)"
        )
    return "\n".join(lines)


def report_dict(rep: VerificationReport) -> dict[str, Any]:
    """The JSON form of one report.  A robust certificate's report keeps the verdict, the
    checks and the summary and replaces the matrix-sensing fields (n, r, δ, RIP bracket,
    witness samples and seed, the landscape tolerances, none of which its checker uses) by
    ``robust``: :func:`robust_quantities`."""
    d = rep.to_dict()
    if not is_robust(rep):
        return d
    for key in ("n", "r", "delta", "rip", "samples", "seed", "tolerances", "extra"):
        d.pop(key, None)
    d["robust"] = robust_quantities(rep)
    return d


def strict_json(obj: Any) -> Any:
    """``obj`` with every non-finite float replaced by ``None`` (and NumPy scalars unwrapped),
    so that ``json.dumps(..., allow_nan=False)`` cannot fail."""
    if isinstance(obj, dict):
        return {str(k): strict_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [strict_json(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return strict_json(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def check_one(path: str, samples: int, seed: int, exact: bool) -> VerificationReport:
    from ripcert.checkers.verification import VerificationReport, verify_file
    from ripcert.core.report import Check

    """Verify one file; any failure to read or check it becomes an ``invalid`` report."""
    try:
        return verify_file(path, samples=samples, seed=seed, exact=exact)
    except RecursionError:
        reason = "JSON nested too deeply"
    except MemoryError:
        reason = "out of memory while checking"
    except (RipcertError, ValueError, ArithmeticError, np.linalg.LinAlgError, OSError) as exc:
        reason = f"cannot check: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    chk = Check("integrity", False, reason, value=float("nan"), tolerance=0.0)
    return VerificationReport(path, (chk,), invalid=True, samples=samples, seed=seed)


def run(args: argparse.Namespace) -> int:
    from ripcert.checkers.verification import exit_code

    if args.samples < 1:
        print("ripcert: error: --samples must be ≥ 1", file=sys.stderr)
        return 2
    from tqdm import tqdm

    reports = []
    show = progress_enabled(args) and len(args.files) > 1
    with tqdm(total=len(args.files), desc="verify", unit="file", disable=not show or None) as bar:
        for path in args.files:
            rep = check_one(path, args.samples, args.seed, args.exact)
            reports.append(rep)
            if rep.invalid:
                bar.write(f"ripcert: error: {path}: {rep.checks[0].detail}", file=sys.stderr)
            if not args.json:
                bar.write(table(rep) + "\n", file=sys.stdout)
            bar.update()
    if args.json:
        print(json.dumps(strict_json([report_dict(r) for r in reports]), indent=1, allow_nan=False))
    return exit_code(reports)
