"""Certificate files: strict JSON parsing, the canonical hash, schema validation, atomic writes."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ripcert.errors import CertificateFormatError

SCHEMA_ID = "ripcert-certificate-v1"


@lru_cache(maxsize=1)
def schema() -> dict:
    """The JSON Schema of certificate version 1, as shipped in the package."""
    text = (
        resources.files("ripcert")
        .joinpath("certificate/schema/certificate-v1.json")
        .read_text("utf-8")
    )
    return json.loads(text)


def _reject_constant(name: str) -> None:
    raise CertificateFormatError(f"non-finite number {name} in JSON")


def parse_json(text: str) -> dict:
    """Parse certificate JSON, rejecting NaN/Infinity and non-objects."""
    try:
        d = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise CertificateFormatError(f"malformed JSON: {exc}") from None
    if not isinstance(d, dict):
        raise CertificateFormatError("a certificate must be a JSON object")
    return d


def canonical_json(payload: dict) -> str:
    """Canonical serialisation hashed by :func:`payload_hash` (sorted keys, no spaces)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False)


def payload_hash(payload: dict) -> str:
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def validate_dict(d: dict) -> None:
    """Schema and hash checks; raises CertificateFormatError with a one-line reason."""
    import jsonschema

    if d.get("schema") != SCHEMA_ID:
        raise CertificateFormatError(
            f"unknown certificate schema {d.get('schema')!r} (this ripcert reads {SCHEMA_ID!r})"
        )
    try:
        jsonschema.validate(d, schema())
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top level)"
        raise CertificateFormatError(f"schema violation at {where}: {exc.message[:200]}") from None
    if "sha256" in d:
        body = {k: v for k, v in d.items() if k != "sha256"}
        if payload_hash(body) != d["sha256"]:
            raise CertificateFormatError(
                "sha256 mismatch: the certificate was modified or corrupted"
            )


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file and ``os.replace``: never half-written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file normal permissions
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
