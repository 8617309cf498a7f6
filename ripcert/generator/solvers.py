"""Names of the conic solvers the SDP back-ends drive (no solver is imported here)."""

from __future__ import annotations

from typing import Literal

SolverName = Literal["clarabel", "scs"]

#: solvers in order of preference; the first is the default
SOLVERS: tuple[SolverName, ...] = ("clarabel", "scs")
