"""The result of an SDP solve: the kernel, η, the multipliers of every block, and a report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ripcert.generator.sdp.backends import Status


@dataclass(frozen=True)
class Attempt:
    """One solver run: back-end, status (one vocabulary), time, iterations, and why it was
    rejected (empty when accepted)."""

    backend: str
    status: Status
    seconds: float
    iterations: int | None
    rejected: str = ""

    def __str__(self) -> str:
        it = f", {self.iterations} it" if self.iterations is not None else ""
        why = f"; rejected: {self.rejected}" if self.rejected else ""
        return f"{self.backend}: {self.status} ({self.seconds:.3g} s{it}){why}"


@dataclass(frozen=True)
class SolverReport:
    """What the solvers did: the accepted back-end, its status, our own residuals, attempts."""

    name: str
    version: str
    status: Status
    seconds: float
    iterations: int | None
    residuals: dict[str, float] = field(default_factory=dict)
    attempts: tuple[Attempt, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The certificate's ``solver`` section (attempts as one line each)."""
        return {
            "name": self.name,
            "version": self.version,
            "status": self.status,
            "seconds": self.seconds,
            "iterations": self.iterations,
            "residuals": dict(self.residuals),
            "attempts": [str(a) for a in self.attempts],
        }


@dataclass(frozen=True)
class SDPSolution:
    """Optimal kernel ``H`` (η-form: ``ηI ⪯ H ⪯ I``) with the multipliers of every block.

    ``duals`` maps a block name (``first_order``, ``eta_floor``, ``second_order``,
    ``isometry_lower``, ``isometry_upper``, …) to its multiplier: a vector for the zero and
    non-negative cones, a symmetric matrix for a PSD cone, in the block's own coordinates
    (``second_order`` on the kept coordinates ``keep`` of vec(U); the isometry blocks on the
    svec coordinates of S^d).  ``keep`` embeds the second-order multiplier Z₁ in the full
    space as ``S Z₁ Sᵀ`` and the first-order multiplier y′ as ``S y′``.
    """

    kernel: np.ndarray
    eta: float
    report: SolverReport
    duals: dict[str, np.ndarray] = field(default_factory=dict)
    keep: np.ndarray | None = None

    @property
    def delta(self) -> float:
        """``δ = (1−η)/(1+η)`` of the η-form optimum."""
        return (1.0 - self.eta) / (1.0 + self.eta)


__all__ = ["Attempt", "SDPSolution", "SolverReport"]
