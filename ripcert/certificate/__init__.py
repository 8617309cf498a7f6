"""Certificates: the immutable record (:mod:`.document`) and its file form (:mod:`.io`)."""

from ripcert.certificate.document import (
    CLAIMS,
    Certificate,
    operator_from_dict,
    operator_to_dict,
)
from ripcert.certificate.io import (
    SCHEMA_ID,
    atomic_write_text,
    canonical_json,
    now,
    parse_json,
    payload_hash,
    schema,
    validate_dict,
)

__all__ = [
    "CLAIMS",
    "SCHEMA_ID",
    "Certificate",
    "atomic_write_text",
    "canonical_json",
    "now",
    "operator_from_dict",
    "operator_to_dict",
    "parse_json",
    "payload_hash",
    "schema",
    "validate_dict",
]
