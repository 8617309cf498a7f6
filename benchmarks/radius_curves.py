"""δ(R) curves for the power grids (issue 12), stored for notebook 07.

For each grid (``case9``, ``case14``, ``case30``), each model (``ripcert``: the structured
SDP of :mod:`ripcert.generator.sdp.structured` with the RIP restricted to span([x z]);
``molybog``: Molybog's own ``LMI_P``/``LMI_P_dB`` programs, :mod:`ripcert.generator.sdp.molybog`)
and each mode (``ball``: x a critical point of f with ‖x − ω‖ ≤ R; ``sphere``: x a local minimum
of f over the ball, on its boundary ‖x − ω‖ = R), this runs the radius search of
:mod:`ripcert.studies.radius_search` around ω = ones for increasing radii R.

**Protocol** (Molybog, Sojoudi, Lavaei, arXiv:2012.10297 §6 for the question; the search is
ripcert's): at radius index k (radii sorted increasingly) ``radius_search`` runs with seed
``seed + k``, ``starts`` random starts (z uniform in the ball, x uniform in the ball or on the
sphere) plus the previous radius's best (x, z) as a warm start, each a projected gradient
descent on δ*(x, z) with the SDP's envelope gradient and Armijo backtracking, stopped after
``iterations`` accepted steps.  This is exactly :func:`~ripcert.studies.radius_search.radius_curve`,
unrolled one radius at a time so that the run can be resumed.

**Storage.**  One JSON document ``{"rows": [...]}`` (default ``notebooks/data/radius_curves.json``);
after every radius one row is appended (case, model, mode, radius, δ, certified, x, z, starts,
iterations, seed, solves, seconds, per-start δ) and the file is rewritten atomically under an
exclusive lock, so several runs (e.g. case30 in the background, case9/14 in the foreground) may
share the file.  A (case, model, mode, radius) already stored with the same protocol is skipped;
the warm start of the next radius is then taken from the stored row.  Usage::

    python benchmarks/radius_curves.py --cases case30 --starts 2 --iterations 15
    python benchmarks/radius_curves.py --cases case9,case14 --starts 4 --iterations 20
"""

from __future__ import annotations

import argparse
import fcntl
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ripcert.certificate import atomic_write_text
from ripcert.core.families import family
from ripcert.core.structure import KernelStructure, VecStructure, template_structure
from ripcert.errors import InvalidInputError
from ripcert.studies.radius_search import Mode, radius_search
from ripcert.version import __version__

RADII = (0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 7.5, 10.0)
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "notebooks" / "data" / "radius_curves.json"


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` + ``.lock`` for a read-modify-write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def load_rows(path: Path) -> list[dict[str, Any]]:
    """The stored rows (empty when the file does not exist)."""
    if not path.exists():
        return []
    doc = json.loads(path.read_text())
    rows = doc.get("rows") if isinstance(doc, dict) else None
    if not isinstance(rows, list):
        raise InvalidInputError(f"{path}: expected a JSON object with a 'rows' list")
    return rows


def append_row(path: Path, row: dict[str, Any]) -> None:
    """Append one row under the lock and rewrite the file atomically."""
    with _locked(path):
        rows = load_rows(path)
        rows.append(row)
        doc = {
            "description": "δ(R) by radius search around ω = ones; see benchmarks/radius_curves.py",
            "rows": rows,
        }
        atomic_write_text(path, json.dumps(doc, indent=1) + "\n")


def _key(row: dict[str, Any]) -> tuple:
    return (
        row["case"],
        row["model"],
        row["mode"],
        float(row["radius"]),
        int(row["starts"]),
        int(row["iterations"]),
        int(row["seed"]),
    )


def run(
    cases: list[str],
    models: list[str],
    modes: list[Mode],
    radii: list[float],
    starts: int,
    iterations: int,
    seed: int,
    out: Path,
    quiet: bool = False,
) -> None:
    """Compute and store the missing rows (module docstring), one radius at a time."""
    radii = sorted(radii)
    for case in cases:
        op = family(case)
        for model in models:
            st: KernelStructure | VecStructure = (
                VecStructure.from_template(op) if model == "molybog" else template_structure(op)
            )
            omega = np.ones(st.n)
            for mode in modes:
                warm: list[tuple[np.ndarray, np.ndarray]] = []
                for k, radius in enumerate(radii):
                    proto = (case, model, mode, float(radius), starts, iterations, seed)
                    done = {_key(r): r for r in load_rows(out)}
                    if proto in done:
                        r = done[proto]
                        warm = [(np.array(r["x"]), np.array(r["z"]))]
                        continue
                    res = radius_search(
                        st, omega, radius, mode, starts, seed + k, "span", iterations, warm=warm
                    )
                    warm = [(res.x, res.z)]
                    row = res.to_dict()
                    row.update(
                        case=case,
                        model=model,
                        n=st.n,
                        starts=starts,
                        iterations=iterations,
                        seed=seed,
                        search_seed=seed + k,
                        warm_start=k > 0,
                        ripcert_version=__version__,
                        finished_utc=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    )
                    append_row(out, row)
                    if not quiet:
                        print(
                            f"{case} {model:8s} {mode:6s} R={radius:<5g} δ={res.delta:.4f}"
                            f" solves={row['solves']} {res.seconds:.1f}s",
                            flush=True,
                        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--cases", default="case9,case14,case30")
    ap.add_argument("--models", default="ripcert,molybog")
    ap.add_argument("--modes", default="ball,sphere")
    ap.add_argument("--radii", default=",".join(f"{r:g}" for r in RADII))
    ap.add_argument("--starts", type=int, default=4)
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    try:
        models = args.models.split(",")
        modes = args.modes.split(",")
        if not set(models) <= {"ripcert", "molybog"}:
            raise InvalidInputError(f"models must be ripcert and/or molybog, got {args.models}")
        if not set(modes) <= {"ball", "sphere"}:
            raise InvalidInputError(f"modes must be ball and/or sphere, got {args.modes}")
        radii = [float(r) for r in args.radii.split(",")]
        if not all(np.isfinite(r) and r > 0 for r in radii):
            raise InvalidInputError(f"radii must be positive, got {args.radii}")
        if args.starts < 1 or args.iterations < 0:
            raise InvalidInputError("--starts must be ≥ 1 and --iterations ≥ 0")
        run(
            args.cases.split(","),
            models,
            modes,  # type: ignore[arg-type]
            radii,
            args.starts,
            args.iterations,
            args.seed,
            args.out,
            args.quiet,
        )
    except (InvalidInputError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
