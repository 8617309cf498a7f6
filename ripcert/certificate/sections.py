"""Typed certificate sections: one immutable record per section, writer and reader side by side.

Each section type has ``to_dict`` (what is written into the certificate JSON) and
``from_dict`` (validating: :class:`~ripcert.errors.CertificateFormatError` with a one-line
reason on malformed input) next to each other, so the file format of a section is defined
in one place.

* :class:`SolverSection` — the ``solver`` section: which SDP back-end produced the operator,
  its version, its status (from :data:`SOLVER_STATUSES`), every attempt as a record, and the
  engine's own residuals.
* The rigorous sections ``exact`` and ``dual`` have their own types next to the exact
  machinery that reads them (``ripcert.exact.sections``: ``ExactSection``, ``DualSection``);
  they follow the same ``to_dict``/``from_dict`` pattern.

>>> s = SolverSection.from_dict({"name": "clarabel", "version": "0.11.1", "status": "optimal",
...                              "attempts": ["clarabel: optimal (0.03 s, 7 it)"]})
>>> s.attempts[0]
SolverAttempt(backend='clarabel', status='optimal', seconds=0.03, iterations=7, rejected='')
>>> SolverSection.from_dict(s.to_dict()) == s
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from ripcert.errors import CertificateFormatError

SolverStatus = Literal[
    "optimal", "optimal_inaccurate", "infeasible", "unbounded", "max_iterations", "error"
]
#: the one status vocabulary of every solver back-end (raw solver statuses are mapped to it)
SOLVER_STATUSES: tuple[str, ...] = (
    "optimal",
    "optimal_inaccurate",
    "infeasible",
    "unbounded",
    "max_iterations",
    "error",
)

_LEGACY_ATTEMPT = re.compile(
    r"^(?P<backend>[^:]+):\s*(?P<status>[a-z_]+)"
    r"(?:\s*\((?P<seconds>[0-9.eE+-]+)\s*s(?:,\s*(?P<it>\d+)\s*it)?\))?"
    r"(?:;\s*rejected:\s*(?P<why>.*))?$"
)


def _status(value: Any, where: str) -> SolverStatus:
    if value not in SOLVER_STATUSES:
        raise CertificateFormatError(
            f"{where} = {value!r} is not a solver status ({', '.join(SOLVER_STATUSES)})"
        )
    return cast(SolverStatus, value)


def _number(value: Any, where: str, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CertificateFormatError(f"{where} must be a finite number, got {value!r}")
    return float(value)


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise CertificateFormatError(f"{where} must be a string, got {type(value).__name__}")
    return value


@dataclass(frozen=True)
class SolverAttempt:
    """One solver run: back-end, status, wall time, iterations, and why it was rejected
    (empty when it was accepted)."""

    backend: str
    status: SolverStatus
    seconds: float | None = None
    iterations: int | None = None
    rejected: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"backend": self.backend, "status": self.status}
        if self.seconds is not None:
            out["seconds"] = self.seconds
        if self.iterations is not None:
            out["iterations"] = self.iterations
        if self.rejected:
            out["rejected"] = self.rejected
        return out

    @classmethod
    def from_dict(cls, d: Any, where: str = "solver.attempts[]") -> SolverAttempt:
        """A record, or the one-line form of earlier certificates
        (``"clarabel: optimal (0.03 s, 7 it); rejected: why"``)."""
        if isinstance(d, str):
            m = _LEGACY_ATTEMPT.match(d.strip())
            if m is None:
                raise CertificateFormatError(f"{where}: cannot read attempt {d!r}")
            return cls(
                backend=m["backend"].strip(),
                status=_status(m["status"], f"{where}.status"),
                seconds=float(m["seconds"]) if m["seconds"] else None,
                iterations=int(m["it"]) if m["it"] else None,
                rejected=(m["why"] or "").strip(),
            )
        if not isinstance(d, Mapping):
            raise CertificateFormatError(f"{where} must be an object or a string")
        unknown = set(d) - {"backend", "status", "seconds", "iterations", "rejected"}
        if unknown:
            raise CertificateFormatError(f"{where}: unknown fields {sorted(unknown)}")
        if "backend" not in d or "status" not in d:
            raise CertificateFormatError(f"{where} needs 'backend' and 'status'")
        it = d.get("iterations")
        if it is not None and (isinstance(it, bool) or not isinstance(it, int) or it < 0):
            raise CertificateFormatError(f"{where}.iterations must be an integer ≥ 0")
        return cls(
            backend=_string(d["backend"], f"{where}.backend"),
            status=_status(d["status"], f"{where}.status"),
            seconds=_number(d.get("seconds"), f"{where}.seconds", optional=True),
            iterations=it,
            rejected=_string(d.get("rejected", ""), f"{where}.rejected"),
        )


@dataclass(frozen=True)
class SolverSection:
    """The ``solver`` section of a certificate.

    ``residuals`` are the engine's own dense re-checks of the accepted solution (names →
    finite numbers), not the solver's claims; ``reduced`` says whether the span reduction
    was used and ``delta_sdp`` is the SDP's own δ = (1 − η)/(1 + η), both optional.
    """

    name: str
    status: SolverStatus
    version: str = ""
    seconds: float | None = None
    iterations: int | None = None
    residuals: Mapping[str, float] = field(default_factory=dict)
    attempts: tuple[SolverAttempt, ...] = ()
    reduced: bool | None = None
    delta_sdp: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "version": self.version, "status": self.status}
        if self.seconds is not None:
            out["seconds"] = self.seconds
        out["iterations"] = self.iterations
        out["residuals"] = dict(self.residuals)
        out["attempts"] = [a.to_dict() for a in self.attempts]
        if self.reduced is not None:
            out["reduced"] = self.reduced
        if self.delta_sdp is not None:
            out["delta_sdp"] = self.delta_sdp
        return out

    @classmethod
    def from_dict(cls, d: Any) -> SolverSection:
        """Validate and build; CertificateFormatError on anything malformed."""
        if not isinstance(d, Mapping):
            raise CertificateFormatError("solver section must be an object")
        known = {"name", "version", "status", "seconds", "iterations", "residuals", "attempts"}
        unknown = set(d) - known - {"reduced", "delta_sdp"}
        if unknown:
            raise CertificateFormatError(f"solver section: unknown fields {sorted(unknown)}")
        if "name" not in d or "status" not in d:
            raise CertificateFormatError("solver section needs 'name' and 'status'")
        it = d.get("iterations")
        if it is not None and (isinstance(it, bool) or not isinstance(it, int) or it < 0):
            raise CertificateFormatError("solver.iterations must be an integer ≥ 0 or null")
        res = d.get("residuals", {})
        if not isinstance(res, Mapping):
            raise CertificateFormatError("solver.residuals must be an object")
        residuals = {
            _string(k, "solver.residuals key"): cast(float, _number(v, f"solver.residuals.{k}"))
            for k, v in res.items()
        }
        attempts = d.get("attempts", [])
        if not isinstance(attempts, list):
            raise CertificateFormatError("solver.attempts must be a list")
        reduced = d.get("reduced")
        if reduced is not None and not isinstance(reduced, bool):
            raise CertificateFormatError("solver.reduced must be true or false")
        return cls(
            name=_string(d["name"], "solver.name"),
            status=_status(d["status"], "solver.status"),
            version=_string(d.get("version", ""), "solver.version"),
            seconds=_number(d.get("seconds"), "solver.seconds", optional=True),
            iterations=it,
            residuals=residuals,
            attempts=tuple(
                SolverAttempt.from_dict(a, f"solver.attempts[{i}]") for i, a in enumerate(attempts)
            ),
            reduced=reduced,
            delta_sdp=_number(d.get("delta_sdp"), "solver.delta_sdp", optional=True),
        )


__all__ = ["SOLVER_STATUSES", "SolverAttempt", "SolverSection", "SolverStatus"]
