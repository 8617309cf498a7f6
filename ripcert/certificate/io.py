"""Certificate files: strict JSON parsing, the canonical hash, schema validation, atomic writes."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ripcert.errors import CertificateFormatError

#: the schema this ripcert writes (version 2: adds the ``span`` operator form)
SCHEMA_ID = "ripcert-certificate-v2"
#: every schema this ripcert reads, with its file
READ_SCHEMAS = {
    "ripcert-certificate-v1": "certificate-v1.json",
    "ripcert-certificate-v2": "certificate-v2.json",
}


@lru_cache(maxsize=4)
def schema(schema_id: str = SCHEMA_ID) -> dict:
    """The JSON Schema of a certificate version (default: the one written), as shipped."""
    text = (
        resources.files("ripcert")
        .joinpath(f"certificate/schema/{READ_SCHEMAS[schema_id]}")
        .read_text("utf-8")
    )
    return json.loads(text)


#: default size limit of a certificate file (bytes); ``read_text`` refuses larger files
MAX_FILE_BYTES = 64 * 2**20
#: default nesting limit of certificate JSON (a certificate needs about 6 levels)
MAX_JSON_DEPTH = 64

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')


def _reject_constant(name: str) -> None:
    raise CertificateFormatError(f"non-finite number {name} in JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise CertificateFormatError(f"duplicate JSON key {key!r}")
        out[key] = value
    return out


def json_depth(text: str | bytes) -> int:
    """Maximal nesting depth of ``[``/``{`` outside strings, in O(len) vectorised time.

    Used to refuse deeply nested input *before* ``json.loads`` (whose recursive scanner
    raises RecursionError around depth 1,000).

    >>> json_depth('{"a": [[1, 2], {"b": "[[["}]}')
    3
    """
    raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    stripped = _STRING.sub(b"", raw)
    b = np.frombuffer(stripped, dtype=np.uint8)
    opens = (b == 91) | (b == 123)
    where = np.flatnonzero(opens | (b == 93) | (b == 125))  # only the brackets matter
    steps = np.where(opens[where], 1, -1).astype(np.int32)
    return int(np.max(np.cumsum(steps), initial=0))


def parse_json(text: str, max_depth: int = MAX_JSON_DEPTH) -> dict:
    """Parse certificate JSON strictly: a JSON object, no NaN/Infinity, no duplicate keys,
    nesting at most ``max_depth``; otherwise CertificateFormatError with a one-line reason."""
    depth = json_depth(text)
    if depth > max_depth:
        raise CertificateFormatError(f"JSON nested {depth} deep (limit {max_depth})")
    try:
        d = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise CertificateFormatError(f"malformed JSON: {exc}") from None
    except RecursionError:  # pragma: no cover - excluded by the depth check
        raise CertificateFormatError("JSON nested too deeply") from None
    if not isinstance(d, dict):
        raise CertificateFormatError("a certificate must be a JSON object")
    return d


def read_text(path: str | os.PathLike, max_bytes: int = MAX_FILE_BYTES) -> str:
    """Read a certificate file, refusing files above ``max_bytes`` before reading them
    (CertificateFormatError; the message does not repeat the path, callers prefix it)."""
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            raise CertificateFormatError(
                f"file of {size:,} bytes exceeds the limit of {max_bytes:,} bytes"
            )
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise CertificateFormatError(f"file exceeds the limit of {max_bytes:,} bytes")
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CertificateFormatError(f"cannot read the file: {exc.__class__.__name__}") from None


def canonical_json(payload: dict) -> str:
    """Canonical serialisation hashed by :func:`payload_hash` (sorted keys, no spaces)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False)


def payload_hash(payload: dict) -> str:
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def _encode_array(a: np.ndarray) -> str:
    """Canonical JSON of a float array, as ``json.dumps`` would write its nested lists:
    ``float.__repr__`` of every entry, no spaces (one ``repr`` per number, no list objects)."""
    if not np.all(np.isfinite(a)):
        raise ValueError("Out of range float values are not JSON compliant")
    if a.ndim == 0:
        return repr(float(a))
    if a.ndim == 1:
        return "[" + ",".join(map(repr, a.tolist())) + "]"
    return "[" + ",".join(_encode_array(row) for row in a) + "]" if a.ndim > 2 else _matrix(a)


def _matrix(a: np.ndarray) -> str:
    strs = list(map(repr, a.ravel().tolist()))
    c = a.shape[1]
    rows = map(",".join, zip(*[strs[j::c] for j in range(c)], strict=True)) if c > 1 else strs
    return "[[" + "],[".join(rows) + "]]"


def canonical_text(payload: dict) -> str:
    """:func:`canonical_json` of a payload whose numeric arrays may be float ndarrays, each
    encoded by :func:`_encode_array` (several times faster than lists of Python floats);
    the text is identical to ``canonical_json`` of the same payload with lists."""
    arrays: dict[str, np.ndarray] = {}

    def mark(obj: Any) -> Any:
        if isinstance(obj, np.ndarray):
            key = f"\x00{len(arrays)}\x00"
            arrays[json.dumps(key)] = obj
            return key
        if isinstance(obj, dict):
            return {k: mark(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [mark(v) for v in obj]
        return obj

    text = canonical_json(mark(payload))
    for key, arr in arrays.items():
        text = text.replace(key, _encode_array(arr), 1)
    return text


def signed_canonical_text(payload: dict) -> str:
    """The canonical payload followed by its hash, encoded once: ``{…,"sha256":"…"}``.

    Large certificates are written this way (the pure-Python indenting encoder and a second
    encoding for the hash cost seconds at n = 10⁶); :func:`text_hash_matches` then checks the
    hash on the text itself."""
    body = canonical_text(payload)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    return body[:-1] + f',"sha256":"{digest}"}}\n'


_SIGNED_TAIL = re.compile(r',"sha256":"([0-9a-f]{64})"\}\s*$')


def text_hash_matches(text: str) -> bool:
    """True when ``text`` is ``BODY`` + ``,"sha256":"H"}`` with ``H = sha256(BODY + "}")``:
    the hash is then verified on the bytes as written, without re-encoding the payload.

    Any change to the text after it was hashed breaks the match; a file in another layout
    (indented, reordered) returns False and is checked by re-encoding canonically."""
    m = _SIGNED_TAIL.search(text[-200:]) if len(text) > 80 else None
    if m is None:
        return False
    cut = len(text) - 200 + m.start() if len(text) > 200 else m.start()
    body = text[:cut] + "}"
    return hashlib.sha256(body.encode("utf-8")).hexdigest() == m.group(1)


def unsigned_allowed(d: Mapping[str, Any]) -> bool:
    """Only the documented hand-written form may omit ``sha256``: ``operator.form == "sensing"``
    (explicit sensing matrices typed from a paper; every number is then re-checked anyway)."""
    op = d.get("operator")
    return isinstance(op, Mapping) and op.get("form") == "sensing"


def check_hash(d: Mapping[str, Any]) -> None:
    """The integrity check, cheap and first: ``sha256`` present (unless :func:`unsigned_allowed`)
    and equal to the hash of the canonical payload."""
    if "sha256" not in d:
        if unsigned_allowed(d):
            return
        raise CertificateFormatError(
            "sha256 missing: only hand-written certificates of operator form 'sensing' may be"
            " unsigned"
        )
    body = {k: v for k, v in d.items() if k != "sha256"}
    try:
        digest = payload_hash(body)
    except (TypeError, ValueError) as exc:
        raise CertificateFormatError(f"certificate is not JSON data: {exc}") from None
    if digest != d["sha256"]:
        raise CertificateFormatError("sha256 mismatch: the certificate was modified or corrupted")


#: the numeric arrays of a certificate and their nesting depth (schema: non-empty arrays of
#: non-empty arrays … of numbers)
_ARRAYS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("x",), 2),
    (("z",), 2),
    (("operator", "kernel"), 2),
    (("operator", "basis"), 2),
    (("operator", "sensing_matrices"), 3),
)


def _numeric_array(obj: Any, depth: int) -> bool:
    """Non-empty nested lists of ints/floats (not bools) ``depth`` deep: the schema's
    ``matrix``/``matrices``, checked in one pass instead of one validator call per number."""
    level = [obj]
    for _ in range(depth):
        if not set(map(type, level)) <= {list} or not all(level):
            return False
        level = [w for v in level for w in v]
    return set(map(type, level)) <= {float, int}


def _skeleton(d: dict) -> dict:
    """``d`` with every well-formed numeric array replaced by ``[[0]]`` (same depth), so
    that the JSON Schema validates the structure, not millions of numbers one by one.
    Malformed arrays are left in place for the schema to report precisely."""
    out = dict(d)
    for path, depth in _ARRAYS:
        parent: Any = out
        for key in path[:-1]:
            child = parent.get(key) if isinstance(parent, dict) else None
            if not isinstance(child, dict):
                parent = None
                break
            parent[key] = child = dict(child)
            parent = child
        if isinstance(parent, dict) and path[-1] in parent:
            if _numeric_array(parent[path[-1]], depth):
                leaf: Any = 0
                for _ in range(depth):
                    leaf = [leaf]
                parent[path[-1]] = leaf
    return out


@lru_cache(maxsize=8)
def _compiled(schema_text: str) -> Any:
    """A compiled Draft 2020-12 validator (jsonschema-rs) for a schema's JSON text."""
    import jsonschema_rs

    return jsonschema_rs.validator_for(json.loads(schema_text))


def check_schema(instance: Any, schema_obj: dict) -> None:
    """Validate ``instance`` against a JSON Schema (Draft 2020-12) or raise
    :class:`CertificateFormatError` ``schema violation at PATH: MESSAGE``.

    jsonschema-rs compiles the schema once (Rust): importing it costs milliseconds, where the
    Python ``jsonschema`` package pulls in optional format checkers (rfc3987-syntax compiles
    Lark grammars at import: 1.0 s per process, benchmarks/README.md)."""
    import jsonschema_rs

    try:
        _compiled(json.dumps(schema_obj, sort_keys=True)).validate(instance)
    except jsonschema_rs.ValidationError as exc:
        where = "/".join(str(p) for p in exc.instance_path) or "(top level)"
        raise CertificateFormatError(f"schema violation at {where}: {exc.message[:200]}") from None


def validate_dict(d: dict, hash_verified: bool = False) -> None:
    """Schema id, then the hash (:func:`check_hash`, cheap: fail fast; skipped when the caller
    has verified it on the file's text, :func:`text_hash_matches`), then the JSON Schema;
    raises CertificateFormatError with a one-line reason."""
    sid = d.get("schema")
    if sid not in READ_SCHEMAS:
        raise CertificateFormatError(
            f"unknown certificate schema {sid!r} (this ripcert reads"
            f" {', '.join(map(repr, READ_SCHEMAS))})"
        )
    if not hash_verified:
        check_hash(d)
    check_schema(_skeleton(d), schema(str(sid)))


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file and ``os.replace``: never half-written.

    A symbolic link is written through (its target is replaced, the link stays), an existing
    file keeps its permission bits, and temporary files ``.NAME.PID.*.tmp`` left by a killed
    writer (PID no longer running) are removed first."""
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    stem = f".{path.name}."
    for old in path.parent.iterdir():
        pid = old.name[len(stem) :].split(".", 1)[0]
        if old.name.startswith(stem) and old.name.endswith(".tmp") and pid.isdigit():
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                old.unlink(missing_ok=True)
            except OSError:
                pass
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{stem}{os.getpid()}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    try:
        # mkstemp creates 0600: keep an existing file's mode, else the usual 0666 & ~umask
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~umask)
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
