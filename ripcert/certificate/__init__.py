"""Certificates: the immutable record (:mod:`.document`) and its file form (:mod:`.io`)."""

from ripcert.certificate.document import (
    CLAIMS,
    Certificate,
    operator_from_dict,
    operator_to_dict,
)
from ripcert.certificate.io import (
    MAX_FILE_BYTES,
    MAX_JSON_DEPTH,
    SCHEMA_ID,
    atomic_write_text,
    canonical_json,
    check_hash,
    json_depth,
    now,
    parse_json,
    payload_hash,
    read_text,
    schema,
    unsigned_allowed,
    validate_dict,
)

__all__ = [
    "CLAIMS",
    "MAX_FILE_BYTES",
    "MAX_JSON_DEPTH",
    "SCHEMA_ID",
    "Certificate",
    "atomic_write_text",
    "canonical_json",
    "check_hash",
    "json_depth",
    "now",
    "operator_from_dict",
    "operator_to_dict",
    "parse_json",
    "payload_hash",
    "read_text",
    "schema",
    "unsigned_allowed",
    "validate_dict",
]
