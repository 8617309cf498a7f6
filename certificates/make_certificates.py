"""Regenerate the curated certificates in this folder: ``python certificates/make_certificates.py``.

Every file is re-verified by the test suite (``tests/test_verification.py``, and
``tests/test_exact.py`` for the ``exact``/``dual`` sections).
``talk_delta_half_sensing.json`` is written by hand (the talk's A1, A2, A3 as printed) and
is not regenerated here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from ripcert import certify_exact, generate, with_dual
from ripcert.core.examples import X_HALF, Z_HALF, overparameterised, random_pair

HERE = Path(__file__).resolve().parent

#: certificates that also carry an exact rational section and a rigorous dual bound (issue 5)
EXACT = (
    "delta_half_soc",
    "delta_half_strict",
    "delta_half_rational_r3",
    "overparam_r2_rstar1",
    "overparam_r3_rstar2",
)

#: exact sections about the described irrational instance x = (0, 1/√2): the float input is
#: snapped (XXᵀ recognised as diag(0, 1/2)); the section records both and their distance.
#: Every other exact section is about the stored floats themselves.
SNAP = ("delta_half_soc", "delta_half_strict")


def catalogue() -> dict[str, dict]:
    """name → keyword arguments of :func:`ripcert.generate` plus a description."""
    out: dict[str, dict] = {
        "delta_half_soc": dict(
            x=X_HALF, z=Z_HALF, description="x=(0,1/√2), z=(1,0): δ = 1/2, second-order critical"
        ),
        "delta_half_strict": dict(
            x=X_HALF,
            z=Z_HALF,
            margin=1e-3,
            description="δ = 1/2 instance with margin 1e-3: strict local minimum, δ ≈ 0.50025",
        ),
        "delta_half_rational_r3": dict(
            x=[0.0, 0.0, 1.0],
            z=[1.0, 1.0, 0.0],
            description="x=(0,0,1), z=(1,1,0) in R³: the rational form of the δ = 1/2 instance",
        ),
    }
    for r, rs in ((2, 1), (2, 2), (3, 1), (3, 2)):
        x, z, theory = overparameterised(r, rs)
        out[f"overparam_r{r}_rstar{rs}"] = dict(
            x=x,
            z=z,
            description=f"docs/math.md §7 family, r={r}, r*={rs}: δ = 1/(1+√(r*/r)) = {theory:.6f}",
        )
    x, z = random_pair(10, 1, 1, seed=1)
    out["random_rank1_n10"] = dict(x=x, z=z, description="Gaussian rank-1 pair, n=10, seed 1")
    x, z = random_pair(1000, 1, 1, seed=2)
    out["random_rank1_n1000"] = dict(x=x, z=z, description="Gaussian rank-1 pair, n=1000, seed 2")
    x, z = random_pair(5, 2, 2, seed=3)
    out["random_r2_rstar2_n5"] = dict(x=x, z=z, description="Gaussian r=r*=2 pair, n=5, seed 3")
    x, z = random_pair(4, 2, 1, seed=4)
    out["random_r2_rstar1_n4_strict"] = dict(
        x=x, z=z, margin=1e-3, description="Gaussian r=2, r*=1, n=4, seed 4, margin 1e-3"
    )
    return out


def main(names: list[str]) -> int:
    for name, spec in catalogue().items():
        if names and name not in names:
            continue
        spec = dict(spec)
        description = spec.pop("description")
        cert = generate(np.asarray(spec.pop("x")), np.asarray(spec.pop("z")), **spec)
        if name in EXACT:
            cert = with_dual(certify_exact(cert, snap=name in SNAP))
        cert.with_extra(description=description).save(HERE / f"{name}.json")
        exact = f"  exact δ = {cert.extra['exact']['delta']}" if "exact" in cert.extra else ""
        print(f"{name:32s} δ = {cert.delta:.8f}  {cert.claim}{exact}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
