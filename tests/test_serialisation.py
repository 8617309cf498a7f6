"""Large certificates: the span operator form (basis rebuilt, not stored), the fast canonical
encoder, the hash checked on the text, and schema versions (issue 15)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ripcert.certificate import Certificate
from ripcert.certificate.io import (
    SCHEMA_ID,
    canonical_json,
    canonical_text,
    payload_hash,
    text_hash_matches,
)
from ripcert.checkers.verification import verify, verify_file
from ripcert.core.closed_form import rank1_delta
from ripcert.core.operator import canonical_span_basis
from ripcert.generator.counterexample import generate


@pytest.fixture(scope="module")
def large() -> Certificate:
    rng = np.random.default_rng(7)
    return generate(rng.standard_normal(30_000), rng.standard_normal(30_000))


def test_canonical_text_equals_canonical_json_of_lists():
    rng = np.random.default_rng(0)
    for shape in [(6, 1), (4, 3), (2, 2, 2), (5,)]:
        a = rng.standard_normal(shape) * 10.0 ** rng.integers(-9, 9, size=shape)
        a.flat[0] = -0.0
        with_arrays = {"m": a, "k": [1, "s", {"w": a}], "f": 0.1}
        with_lists = {"m": a.tolist(), "k": [1, "s", {"w": a.tolist()}], "f": 0.1}
        assert canonical_text(with_arrays) == canonical_json(with_lists)


def test_canonical_text_refuses_non_finite_numbers():
    with pytest.raises(ValueError):
        canonical_text({"m": np.array([[1.0], [np.nan]])})


def test_large_lifted_certificate_is_written_in_span_form(large, tmp_path):
    path = large.save(tmp_path / "c.json")
    text = path.read_text()
    d = json.loads(text)
    assert d["schema"] == SCHEMA_ID == "ripcert-certificate-v2"
    assert d["operator"]["form"] == "span" and "basis" not in d["operator"]
    assert text_hash_matches(text)
    # the stored hash is the hash of the canonical payload (the definition, not the layout)
    assert payload_hash({k: v for k, v in d.items() if k != "sha256"}) == d["sha256"]
    back = Certificate.load(path)
    np.testing.assert_allclose(back.operator.basis, large.operator.basis, atol=1e-12)
    rep = verify_file(path)
    assert rep.passed, rep.failed
    # δ of a rank-1 certificate against the closed form (docs/math.md §5)
    assert back.delta == pytest.approx(rank1_delta(large.x, large.z), abs=1e-6)


def test_the_text_hash_catches_a_changed_digit(large, tmp_path):
    text = large.to_json()
    i = text.index('"x":[[') + 8
    digit = text[i]
    bad = text[:i] + ("1" if digit != "1" else "2") + text[i + 1 :]
    assert not text_hash_matches(bad)
    (tmp_path / "bad.json").write_text(bad)
    rep = verify_file(tmp_path / "bad.json")
    assert rep.invalid and "sha256" in rep.checks[0].detail


def test_span_columns_are_validated():
    x, z = np.ones((4, 1)), np.arange(4.0)[:, None]
    with pytest.raises(ValueError, match="distinct"):
        canonical_span_basis(x, z, (0, 0))
    with pytest.raises(ValueError, match="dependent"):
        canonical_span_basis(x, 2 * x, (0, 1))
    p = canonical_span_basis(x, z, (1, 0))
    np.testing.assert_allclose(p.T @ p, np.eye(2), atol=1e-14)
    assert np.all(np.diag(p.T @ np.hstack([z, x])) > 0)  # R has a positive diagonal


def test_a_forged_span_operator_is_invalid(large):
    d = json.loads(large.to_json())
    d["operator"]["columns"] = [0, 5]
    d["sha256"] = payload_hash({k: v for k, v in d.items() if k != "sha256"})
    rep = verify(d)
    assert rep.invalid and "columns" in rep.checks[0].detail


def test_in_memory_large_certificate_verifies_without_a_round_trip(large):
    rep = verify(large)
    assert rep.passed
    assert "not serialised" in rep.checks[0].detail


def test_version_1_files_are_still_read():
    path = Path(__file__).resolve().parents[1] / "certificates" / "random_rank1_n1000.json"
    assert json.loads(path.read_text())["schema"] == "ripcert-certificate-v1"
    assert verify_file(path).passed
