"""The landscape report of one operator: search, Theorem 3/6 at every first-order point, and a
verified certificate for every spurious second-order point of the ℓ2 loss.

Certificates (:class:`ripcert.certificate.Certificate`) carry the operator as given, δ and
γ from the full kernel spectrum ``[ℓ, L]`` (``δ = (L − ℓ)/(L + ℓ)``, ``γ = 2/(L + ℓ)``, the
verifier's check (a)), and the claim ``strict_local_min`` with margin ``μ = ½·`` (measured
horizontal λ_min in the verifier's unit ``2 λ_max(H)‖ZZᵀ‖_F``) for strict minima, else
``second_order_critical``.  Each is checked by :func:`ripcert.checkers.verification.verify`
before it is written (atomically); one that fails is not written and the failure is noted.
A certificate only speaks of ``f = ‖A(UUᵀ − ZZᵀ)‖²``: none is made for other losses, and
none when the kernel is singular (δ = 1 over all of Sⁿ, outside the schema).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ripcert.certificate import Certificate
from ripcert.core.losses.base import Loss
from ripcert.core.losses.high_order import HighOrderLoss
from ripcert.core.operator import Operator
from ripcert.studies.landscape.search import (
    CriticalPoint,
    SearchOptions,
    SearchResult,
    search,
    spectrum_bounds,
    units,
)
from ripcert.studies.landscape.theory import RipInput, rip_input, strict_saddle_report
from ripcert.version import __version__

#: fraction of the measured horizontal λ_min claimed as the certificate's margin
MARGIN_FRACTION = 0.5


@dataclass(frozen=True)
class LandscapeReport:
    """A search with theorem reports and certificates attached to its points."""

    result: SearchResult
    rip: RipInput
    certificates: tuple[str, ...]
    contradictions: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def points(self) -> tuple[CriticalPoint, ...]:
        return self.result.points

    def to_dict(self) -> dict:
        out = self.result.to_dict()
        out.update(
            rip={
                "order": self.rip.order,
                "delta_upper": self.rip.delta if math.isfinite(self.rip.delta) else None,
                "scale": self.rip.scale if math.isfinite(self.rip.scale) else None,
                "measurements": self.rip.measurements,
                "method": self.rip.source,
            },
            certificates=list(self.certificates),
            contradictions=list(self.contradictions),
            notes=list(self.result.notes) + list(self.notes),
        )
        return out


def certificate_for(point: CriticalPoint, op: Operator, z: np.ndarray) -> Certificate | None:
    """The certificate of a spurious second-order point of the ℓ2 loss (None: singular kernel)."""
    lo, hi = spectrum_bounds(op)
    if not lo > 1e-12 * hi:
        return None
    strict = point.kind == "spurious_local_min" and point.strict
    margin = MARGIN_FRACTION * point.lambda_min_rel if strict else 0.0
    return Certificate(
        x=point.x,
        z=z,
        delta=(hi - lo) / (hi + lo),
        scale=2.0 / (hi + lo),
        claim="strict_local_min" if strict else "second_order_critical",
        margin=float(margin),
        operator=op,
        solver={
            "name": "ripcert-landscape",
            "status": "critical point: trust-region Newton-Krylov / least squares + Newton polish",
            "residuals": {"grad_rel": float(point.grad_rel)},
        },
        ripcert_version=__version__,
        extra={
            "description": (
                f"{point.kind} of f(U) = ||A(UU^T - ZZ^T)||^2 found by `ripcert landscape`"
                f" (horizontal lambda_min = {point.lambda_min:.6g})"
            )
        },
    )


def analyse(
    loss: Loss,
    op: Operator,
    z: np.ndarray,
    options: SearchOptions | None = None,
    out_dir: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    rip_samples: int = 8,
    verify_samples: int = 8,
) -> LandscapeReport:
    """Search, then evaluate Theorem 3 (ℓ2) or 6 (high-order) at every non-global point,
    and certify (verify, then write to ``out_dir``) every spurious second-order point."""
    from ripcert.checkers.verification import verify

    options = options or SearchOptions()
    z = np.asarray(z, dtype=float)
    if z.ndim == 1:
        z = z[:, None]
    res = search(loss, op, z, options, progress)
    rip = rip_input(op, min(res.r + z.shape[1], op.n), samples=rip_samples, seed=options.seed)
    h_unit = units(op, z)[0]
    l_, lam = (loss.order, loss.lam) if isinstance(loss, HighOrderLoss) else (2, 0.0)
    points: list[CriticalPoint] = []
    certs: list[str] = []
    contra: list[str] = []
    notes: list[str] = []
    out = Path(out_dir) if out_dir is not None else None
    for i, p in enumerate(res.points):
        theorem = None
        if p.kind != "global_min":
            theorem = strict_saddle_report(
                p.x, z, p.lambda_min_full, rip, l_=l_, lam=lam, hessian_scale=h_unit
            )
            if theorem.contradiction:
                contra.append(f"point {i}: {theorem.summary()}")
        path = None
        spurious_soc = p.kind == "spurious_local_min" or (
            p.kind == "degenerate" and p.lambda_min_rel >= -1e-6
        )
        if spurious_soc and loss.name == "l2":
            cert = certificate_for(p, op, z)
            if cert is None:
                notes.append(f"point {i}: no certificate, the kernel is singular (δ = 1 on Sⁿ)")
            else:
                rep = verify(cert, samples=verify_samples, seed=options.seed)
                if not rep.passed:
                    notes.append(
                        f"point {i}: certificate NOT written, verifier failed {list(rep.failed)}"
                    )
                elif out is not None:
                    out.mkdir(parents=True, exist_ok=True)
                    target = out / f"point_{i:03d}_{p.kind}.json"
                    cert.save(target)
                    path = str(target)
                    certs.append(path)
                else:
                    notes.append(f"point {i}: certificate verified, not written (no output folder)")
        points.append(dataclasses.replace(p, theorem=theorem, certificate=path))
    result = dataclasses.replace(res, points=tuple(points))
    return LandscapeReport(result, rip, tuple(certs), tuple(contra), tuple(notes))


__all__ = ["LandscapeReport", "MARGIN_FRACTION", "analyse", "certificate_for"]
