"""One grammar for the matrices given on the command line, inline or in a file.

A **number** is a decimal literal (``2``, ``-0.5``, ``1e-3``, ``.25``) or a rational literal
``p/q`` (``1/2``, ``-3/4``, ``1.5/2``); it is parsed exactly (:class:`fractions.Fraction`) and
then rounded once to the nearest double.  Anything else — ``nan``, ``inf``, ``0x1p3``,
``1,,2``, ``1.2.3``, ``1 2`` inside a token — is an error that names the offending token.

A **matrix** is a list of rows separated by ``;`` or by line breaks; the entries of a row are
separated by commas and/or whitespace.  A single row is a column vector (``"0,0.7071"`` is
n×1, n = 2); several rows give an n×r matrix (``"1 0; 0 1; 0 0"`` is 3×2).  Rows must all have
the same length, and a row uses commas or spaces between its entries, not both (``"1 0, 0 1"``
is refused as ambiguous; ``"1, 0"`` is fine).

Files use the same grammar:

* ``.csv`` / ``.txt``: the text of the file is read exactly as an inline value, with line
  breaks separating rows; blank lines and ``#`` comments are ignored, and a first line made
  only of non-numbers (a header such as ``x1,x2``) is skipped.  A one-line file is therefore
  a column vector, as inline.
* ``.json``: a number, a list (a column vector) or a list of rows (one row is again a
  column vector); entries are JSON numbers
  or strings in the number grammar (``"1/2"``).  An object is looked up under the key ``x``
  for ``--x-file`` and ``z`` for ``--z-file`` (or ``X``, ``Z``), so one file can hold both.
* ``.npy``: a real (integer or floating) array with at most 2 dimensions; complex, boolean
  and object arrays are refused.

Every entry must be zero or of magnitude in ``[1e-150, 1e150]``: the engine forms products
``XXᵀ`` in double precision, which would overflow (or underflow to 0) outside that range.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

from ripcert.errors import InvalidInputError

#: largest and smallest nonzero magnitude accepted for an entry (squares stay normal doubles)
MAX_ABS = 1e150
MIN_ABS = 1e-150
_MAX_EXACT = Fraction(10) ** 150
_MIN_EXACT = 1 / _MAX_EXACT

_DECIMAL = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER = re.compile(rf"(?P<num>{_DECIMAL})(?:/(?P<den>{_DECIMAL}))?")
_SEP = re.compile(r"[,\s]+")
#: longest accepted number token (a 400-digit integer is far outside the accepted range)
MAX_TOKEN = 400
#: the file suffixes read by :func:`read_file`
SUFFIXES = (".json", ".npy", ".csv", ".txt")


def parse_number(token: str, where: str) -> Fraction:
    """The exact value of one number token (decimal or ``p/q``), or InvalidInputError.

    >>> parse_number("1/2", "--x"), parse_number("-1e-3", "--x")
    (Fraction(1, 2), Fraction(-1, 1000))
    """
    m = _NUMBER.fullmatch(token) if len(token) <= MAX_TOKEN else None
    if m is None and len(token) > MAX_TOKEN:
        raise InvalidInputError(f"{where}: {token[:20]!r}… is longer than {MAX_TOKEN} characters")
    if m is None:
        raise InvalidInputError(f"{where}: {token!r} is not a number (decimal or p/q)")
    exponents = re.findall(r"[eE]([+-]?\d+)", token)
    if any(abs(int(e)) > 400 for e in exponents):
        raise InvalidInputError(f"{where}: {token!r} is out of range (|exponent| > 400)")
    value = Fraction(m["num"])
    if m["den"] is not None:
        den = Fraction(m["den"])
        if den == 0:
            raise InvalidInputError(f"{where}: {token!r} divides by zero")
        value /= den
    return value


def to_float(value: Fraction, token: str, where: str) -> float:
    """Round an exact value to a double, refusing magnitudes outside [MIN_ABS, MAX_ABS]."""
    if value != 0 and not _MIN_EXACT <= abs(value) <= _MAX_EXACT:
        raise InvalidInputError(
            f"{where}: {token!r} is out of range: nonzero entries need "
            f"{MIN_ABS:g} ≤ |v| ≤ {MAX_ABS:g} (products XXᵀ must stay finite and nonzero)"
        )
    return float(value)


def _rows_to_matrix(rows: Sequence[Sequence[str]], where: str) -> np.ndarray:
    if not rows:
        raise InvalidInputError(f"{where}: no numbers given")
    lengths = sorted({len(r) for r in rows})
    if len(lengths) != 1:
        raise InvalidInputError(f"{where}: rows have different lengths {lengths}")
    vals = [[to_float(parse_number(t, where), t, where) for t in row] for row in rows]
    arr = np.array(vals, dtype=float)
    if arr.shape[0] == 1:
        arr = arr.T  # a single row is a column vector
    return arr


def _split_rows(text: str, where: str) -> list[list[str]]:
    """Rows of tokens; an empty row (``"1,0;;0,1"``) or an empty entry (``"1,,0"``) is an error."""
    lines = [ln.split("#", 1)[0] for ln in text.splitlines()] or [""]
    rows: list[list[str]] = []
    for line in lines:
        if not line.strip():
            continue  # blank lines separate nothing
        for part in line.split(";"):
            if not part.strip():
                raise InvalidInputError(f"{where}: empty row in {text.strip()!r}")
            if re.search(r",\s*,|^\s*,|,\s*$", part):
                raise InvalidInputError(f"{where}: empty entry in {part.strip()!r}")
            cells = part.split(",")
            if len(cells) > 1 and any(len(c.split()) > 1 for c in cells):
                raise InvalidInputError(
                    f"{where}: {part.strip()!r} mixes commas and spaces between entries;"
                    " separate the entries of a row by commas or by spaces, rows by ';'"
                )
            rows.append(_SEP.split(part.strip()))
    return rows


def parse_text(text: str, where: str, *, allow_header: bool = False) -> np.ndarray:
    """A matrix from text in the grammar above (``where`` names the argument in messages).

    >>> parse_text("1 0; 0 1; 0 0", "--x").shape, parse_text("1/2, 1", "--x").ravel().tolist()
    ((3, 2), [0.5, 1.0])
    """
    rows = _split_rows(text, where)
    if allow_header and rows and all(_NUMBER.fullmatch(t) is None for t in rows[0]):
        rows = rows[1:]
    if not rows:
        raise InvalidInputError(f"{where}: is empty")
    return _rows_to_matrix(rows, where)


def parse_inline(text: str, name: str) -> np.ndarray:
    """``--x``/``--z`` text: see the module docstring."""
    return parse_text(text, f"--{name.lower()}")


def _json_entry(v: object, where: str) -> str:
    if isinstance(v, bool) or not isinstance(v, int | float | str):
        raise InvalidInputError(f"{where}: {json.dumps(v)[:40]} is not a number")
    return v if isinstance(v, str) else repr(v)


def _from_json(data: object, where: str) -> np.ndarray:
    if isinstance(data, list) and data and all(isinstance(r, list) for r in data):
        return _rows_to_matrix([[_json_entry(v, where) for v in row] for row in data], where)
    if isinstance(data, list):
        if not data:
            raise InvalidInputError(f"{where}: is empty")
        return _rows_to_matrix([[_json_entry(v, where)] for v in data], where)
    return _rows_to_matrix([[_json_entry(data, where)]], where)


def read_file(path: str, name: str) -> np.ndarray:
    """A matrix from a .json, .npy, .csv or .txt file (grammar in the module docstring)."""
    where = f"--{name.lower()}-file {path}"
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInputError(
            f"{where}: unsupported file type {p.suffix or '(none)'!r} (use {', '.join(SUFFIXES)})"
        )
    try:
        if suffix == ".npy":
            data = np.load(p, allow_pickle=False)
        else:
            text = p.read_text("utf-8")
    except (OSError, ValueError, UnicodeDecodeError, EOFError) as exc:
        lines = str(exc).splitlines()
        reason = getattr(exc, "strerror", None) or (lines[0] if lines else type(exc).__name__)
        raise InvalidInputError(f"{where}: cannot read ({reason})") from None
    if suffix == ".npy":
        return _from_npy(data, where)
    if suffix == ".json":
        try:
            obj = json.loads(text, parse_constant=lambda c: c)
        except (ValueError, RecursionError) as exc:
            raise InvalidInputError(f"{where}: malformed JSON ({str(exc)[:80]})") from None
        if isinstance(obj, dict):
            keys = (name.lower(), name.upper())
            found = [k for k in keys if k in obj]
            if not found:
                raise InvalidInputError(f"{where}: no matrix under key {name.lower()!r}")
            obj = obj[found[0]]
        return _from_json(obj, where)
    return parse_text(text, where, allow_header=True)


def _from_npy(data: np.ndarray, where: str) -> np.ndarray:
    if data.dtype.kind not in "iuf":
        what = {"c": "complex", "b": "boolean", "O": "object"}.get(data.dtype.kind, "non-numeric")
        raise InvalidInputError(f"{where}: {what} array (dtype {data.dtype}) — need real numbers")
    if data.ndim > 2:
        raise InvalidInputError(f"{where}: array has {data.ndim} dimensions (at most 2)")
    if data.size == 0:
        raise InvalidInputError(f"{where}: is empty")
    arr = np.atleast_1d(data)
    arr = arr[:, None] if arr.ndim == 1 else arr
    flat = arr.astype(float, copy=False).ravel()
    bad = ~np.isfinite(flat) | ((flat != 0) & ((np.abs(flat) > MAX_ABS) | (np.abs(flat) < MIN_ABS)))
    if bad.any():
        v = flat[np.argmax(bad)]
        raise InvalidInputError(
            f"{where}: entry {v!r} is not finite or out of range "
            f"(nonzero entries need {MIN_ABS:g} ≤ |v| ≤ {MAX_ABS:g})"
        )
    return np.array(arr, dtype=float)


def matrix_arg(inline: str | None, path: str | None, name: str) -> np.ndarray:
    """The matrix ``name`` (X or Z) from ``--x TEXT`` or ``--x-file PATH`` (exactly one)."""
    flag = f"--{name.lower()}"
    if (inline is None) == (path is None):
        raise InvalidInputError(f"give exactly one of {flag} or {flag}-file")
    if inline is not None:
        return parse_inline(inline, name)
    assert path is not None
    return read_file(path, name)
