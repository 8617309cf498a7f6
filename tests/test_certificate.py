import json
import os

import numpy as np
import pytest

from conftest import X_HALF, Z_HALF
from ripcert import Certificate, CertificateFormatError, generate
from ripcert.certificate import payload_hash, schema
from ripcert.certificate.io import SCHEMA_ID


@pytest.fixture(scope="module")
def cert():
    return generate(X_HALF, Z_HALF)


def test_round_trip_is_bit_exact(cert, tmp_path):
    path = cert.save(tmp_path / "c.json")
    back = Certificate.load(path)
    assert back.delta == cert.delta and back.scale == cert.scale
    np.testing.assert_array_equal(back.x, cert.x)
    np.testing.assert_array_equal(back.operator.kernel, cert.operator.kernel)
    np.testing.assert_array_equal(back.operator.basis, cert.operator.basis)
    np.testing.assert_array_equal(back.sensing_matrices, cert.sensing_matrices)
    assert back.to_dict() == cert.to_dict()


def test_required_top_level_fields(cert):
    d = cert.to_dict()
    for key in ("schema", "x", "z", "delta", "scale", "claim", "margin", "operator", "solver"):
        assert key in d
    assert {"name", "version", "status", "residuals", "seconds"} <= set(d["solver"])
    assert len(d["sha256"]) == 64 and d["ripcert_version"] and d["created"]
    assert d["x"] == [[0.0], [2**-0.5]]  # n×r nested lists


def test_hash_detects_any_change(cert):
    d = cert.to_dict()
    d["delta"] = 0.49
    with pytest.raises(CertificateFormatError, match="sha256"):
        Certificate.from_dict(d)


def test_unsigned_certificate_is_refused_and_a_wrong_hash_too(cert):
    d = cert.to_dict()
    del d["sha256"]
    with pytest.raises(CertificateFormatError, match="sha256 missing"):
        Certificate.from_dict(d)
    d["sha256"] = "0" * 64
    with pytest.raises(CertificateFormatError, match="sha256"):
        Certificate.from_dict(d)


def test_only_the_hand_written_sensing_form_may_be_unsigned():
    a = np.array([[[2**0.5, 0], [0, 2**-0.5]], [[0, 1.5**0.5], [1.5**0.5, 0]]])
    d = {
        "schema": "ripcert-certificate-v1",
        "x": [[0.0], [2**-0.5]],
        "z": [[1.0], [0.0]],
        "delta": 0.5,
        "claim": "second_order_critical",
        "operator": {"form": "sensing", "sensing_matrices": a.tolist()},
    }
    assert Certificate.from_dict(d).sensing_matrices is None  # the form itself is the operator


@pytest.mark.parametrize(
    "mutate,match",
    [
        (lambda d: d.update(schema="ripcert-certificate-v9"), "unknown certificate schema"),
        (lambda d: d.update(claim="global_min"), "schema violation"),
        (lambda d: d.pop("operator"), "schema violation"),
        (lambda d: d.update(x=[[1.0], ["a"]]), "schema violation"),
        (lambda d: d.update(x=[[1.0], [True]]), "schema violation"),
        (lambda d: d["operator"].update(kernel=[[1.0, 0.0], []]), "schema violation"),
        (lambda d: d.update(delta=1.5), "schema violation"),
        (lambda d: d.update(z=[[1.0], [0.0], [0.0]]), "shapes disagree"),
        (lambda d: d["operator"].update(kernel=[[1.0, 0.0], [0.0]]), "rectangular"),
    ],
)
def test_schema_and_shape_violations(cert, mutate, match):
    d = json.loads(cert.to_json())
    mutate(d)
    d["sha256"] = payload_hash({k: v for k, v in d.items() if k != "sha256"})
    with pytest.raises(CertificateFormatError, match=match):
        Certificate.from_dict(d)


def test_nan_and_truncation_rejected(cert):
    text = cert.to_json()
    with pytest.raises(CertificateFormatError, match="non-finite"):
        Certificate.from_json(
            text.replace('"delta": 0.5', '"delta": NaN', 1).replace(str(cert.delta), "NaN", 1)
        )
    with pytest.raises(CertificateFormatError, match="malformed JSON"):
        Certificate.from_json(text[: len(text) // 2])
    with pytest.raises(CertificateFormatError, match="object"):
        Certificate.from_json("[1, 2]")


def test_atomic_write_leaves_nothing_on_failure(cert, tmp_path, monkeypatch):
    target = tmp_path / "c.json"
    target.write_text("previous content")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        cert.save(target)
    assert target.read_text() == "previous content"
    assert os.listdir(tmp_path) == ["c.json"]  # no temporary file left behind


def test_schema_file_is_valid_draft_2020_12():
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(schema())


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: None,
        lambda d: d.update(claim="global_min"),
        lambda d: d.pop("operator"),
        lambda d: d.update(x=[[1.0], ["a"]]),
        lambda d: d.update(x=[[1.0], [True]]),
        lambda d: d.update(delta=1.5),
        lambda d: d.update(delta=-0.1),
        lambda d: d.update(extra_key=1),
        lambda d: d["operator"].update(kernel=[[1.0, 0.0], []]),
        lambda d: d["operator"].pop("kind", None),
        lambda d: d.update(n="2"),
    ],
)
def test_schema_verdicts_agree_with_the_reference_validator(cert, mutate):
    """ripcert validates with jsonschema-rs; Python's jsonschema (the reference
    implementation of Draft 2020-12) must reach the same verdict on every file."""
    import jsonschema

    from ripcert.certificate.io import check_schema

    d = json.loads(json.dumps(cert.to_dict()))
    mutate(d)
    reference = jsonschema.Draft202012Validator(schema(d.get("schema", SCHEMA_ID))).is_valid(d)
    try:
        check_schema(d, schema(d.get("schema", SCHEMA_ID)))
        ours = True
    except CertificateFormatError:
        ours = False
    assert ours == reference


def test_extra_sections_survive_round_trip(cert):
    c = cert.with_extra(description="talk instance", exact={"delta": "1/2"})
    back = Certificate.from_json(c.to_json())
    assert back.extra == {"description": "talk instance", "exact": {"delta": "1/2"}}
