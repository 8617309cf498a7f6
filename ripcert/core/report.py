"""One check of a certificate, shared by the float, exact and dual checkers.

A :class:`Check` records what was measured (``value``, against ``tolerance``), the verdict and
a one-line detail, and the kind of evidence behind the verdict: ``"numerical"`` (floating
point with tolerances: evidence, not a proof), ``"exact"`` (rational arithmetic: a proof),
``"theorem"`` (a consequence of a published theorem applied to checked numbers) or
``"skipped"`` (not applicable to this certificate; never a failure).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

Evidence = Literal["numerical", "exact", "theorem", "skipped"]


@dataclass(frozen=True)
class Check:
    """One check: name, verdict, detail; what was measured and the kind of evidence."""

    name: str
    passed: bool
    detail: str = ""
    value: float = math.nan
    tolerance: float = math.nan
    evidence: Evidence = "numerical"

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", float(self.value))
        object.__setattr__(self, "tolerance", float(self.tolerance))
        object.__setattr__(self, "passed", bool(self.passed))

    def to_dict(self) -> dict[str, Any]:
        """JSON form; non-finite numbers become ``None`` so the output is strict JSON."""

        def num(v: float) -> float | None:
            return v if math.isfinite(v) else None

        return {
            "name": self.name,
            "passed": self.passed,
            "detail": self.detail,
            "value": num(self.value),
            "tolerance": num(self.tolerance),
            "evidence": self.evidence,
        }


def proved(name: str, passed: bool, detail: str = "") -> Check:
    """A check decided in exact rational arithmetic (``evidence="exact"``)."""
    return Check(name, passed, detail, evidence="exact")
