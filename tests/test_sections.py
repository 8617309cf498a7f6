"""Typed certificate sections: writer and reader agree, malformed sections are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ripcert.certificate import Certificate
from ripcert.certificate.sections import SOLVER_STATUSES, SolverAttempt, SolverSection
from ripcert.errors import CertificateFormatError

CERTS = Path(__file__).resolve().parents[1] / "certificates"
SIGNED = [p for p in sorted(CERTS.glob("*.json")) if "solver" in json.loads(p.read_text())]


@pytest.mark.parametrize("path", SIGNED, ids=lambda p: p.stem)
def test_curated_solver_sections_read_and_round_trip(path):
    raw = json.loads(path.read_text())["solver"]
    sec = Certificate.load(path).solver_section()
    assert sec is not None and sec.status in SOLVER_STATUSES
    assert sec.name == raw["name"] and dict(sec.residuals) == raw["residuals"]
    assert len(sec.attempts) == len(raw["attempts"])
    again = SolverSection.from_dict(json.loads(json.dumps(sec.to_dict())))
    assert again == sec
    assert all(isinstance(a, SolverAttempt) for a in again.attempts)


def test_legacy_attempt_line_with_rejection():
    a = SolverAttempt.from_dict("scs: optimal_inaccurate (1.5 s, 2500 it); rejected: FOC 3e-4")
    assert a == SolverAttempt("scs", "optimal_inaccurate", 1.5, 2500, "FOC 3e-4")
    assert SolverAttempt.from_dict(a.to_dict()) == a


@pytest.mark.parametrize(
    "section,match",
    [
        ([], "must be an object"),
        ({"name": "clarabel"}, "needs 'name' and 'status'"),
        ({"name": "clarabel", "status": "solved"}, "not a solver status"),
        ({"name": "clarabel", "status": "optimal", "iterations": -1}, "integer"),
        ({"name": "clarabel", "status": "optimal", "iterations": True}, "integer"),
        ({"name": "clarabel", "status": "optimal", "residuals": {"foc": "small"}}, "finite"),
        ({"name": "clarabel", "status": "optimal", "attempts": ["???"]}, "cannot read"),
        ({"name": "clarabel", "status": "optimal", "attempts": [{"backend": "x"}]}, "needs"),
        ({"name": "clarabel", "status": "optimal", "colour": "red"}, "unknown fields"),
        ({"name": 3, "status": "optimal"}, "must be a string"),
    ],
)
def test_malformed_solver_sections_are_refused(section, match):
    with pytest.raises(CertificateFormatError, match=match):
        SolverSection.from_dict(section)
