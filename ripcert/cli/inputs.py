"""Reading matrices from the command line: inline text or files (.json, .npy, .csv)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ripcert.errors import InvalidInputError
from ripcert.generator.problem import as_matrix


def parse_inline(text: str, name: str) -> np.ndarray:
    """``"0,0.7071"`` is a column vector; rows of a matrix are separated by ``;``:
    ``"1,0;0,1;0,0"`` is 3×2."""
    rows = [r for r in text.replace(" ", "").split(";")]
    if not text.strip() or any(r == "" for r in rows):
        raise InvalidInputError(f"{name} is empty or has an empty row: {text!r}")
    try:
        vals = [[float(v) for v in r.split(",")] for r in rows]
    except ValueError:
        raise InvalidInputError(f"{name} is not a list of numbers: {text!r}") from None
    if len({len(r) for r in vals}) != 1:
        raise InvalidInputError(f"{name}: rows have different lengths: {text!r}")
    arr = np.array(vals)
    if arr.shape[0] == 1:
        arr = arr.T  # a single row is a vector
    return as_matrix(arr, name)


def read_file(path: str, name: str) -> np.ndarray:
    """A matrix from .json (nested list, or an object with key ``name``), .npy or .csv."""
    p = Path(path)
    try:
        if p.suffix == ".npy":
            data = np.load(p, allow_pickle=False)
        elif p.suffix == ".json":
            data = json.loads(p.read_text("utf-8"))
            if isinstance(data, dict):
                data = data.get(name.lower(), data.get(name))
        elif p.suffix in (".csv", ".txt"):
            data = np.loadtxt(p, delimiter=",", ndmin=2)
        else:
            raise InvalidInputError(
                f"{name}: unsupported file type {p.suffix!r} (use .json, .npy, .csv)"
            )
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"{name}: cannot read {path}: {str(exc).splitlines()[0]}") from None
    if data is None:
        raise InvalidInputError(f"{name}: {path} has no matrix under key {name.lower()!r}")
    return as_matrix(data, name)


def matrix_arg(inline: str | None, path: str | None, name: str) -> np.ndarray:
    if (inline is None) == (path is None):
        raise InvalidInputError(f"give exactly one of --{name.lower()} or --{name.lower()}-file")
    return parse_inline(inline, name) if inline is not None else read_file(path, name)
