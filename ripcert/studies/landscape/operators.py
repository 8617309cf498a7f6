"""Operators and losses named on the command line (``ripcert landscape OPERATOR --loss …``).

OPERATOR is a certificate file (its operator and, by default, its Z), a sensing-matrix file
(``.npy`` array m×n×n, or ``.json``: a list of m n×n matrices or an object with key
``sensing_matrices``), ``talk`` (the δ = 1/2 instance of docs/math.md §6), or an operator
family of :func:`ripcert.core.families.family` (``gaussian:m,seed``,
``completion:random:p,seed``, ``completion:FILE``, ``case9`` …), whose real sensing
matrices are used; n comes from Z where the family needs it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ripcert.core.families import family
from ripcert.core.losses.base import Loss
from ripcert.core.losses.high_order import HighOrderLoss
from ripcert.core.losses.l2 import L2Loss
from ripcert.core.operator import Operator, SensingOperator
from ripcert.errors import CertificateFormatError, InvalidInputError


@dataclass(frozen=True)
class LoadedOperator:
    """An operator, where it came from, and the Z of its certificate (if any)."""

    operator: Operator
    source: str
    z: np.ndarray | None = None


def gaussian_operator(n: int, m: int, seed: int) -> SensingOperator:
    """The ``gaussian:m,seed`` family (:func:`ripcert.core.families.family`) on Sⁿ."""
    return SensingOperator(family(f"gaussian:{m},{seed}", n).real_sensing())


def _sensing(arr: object, source: str) -> SensingOperator:
    try:
        a = np.asarray(arr, dtype=float)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{source}: sensing matrices are not numeric") from None
    if a.ndim != 3 or a.shape[1] != a.shape[2] or a.shape[0] < 1:
        raise InvalidInputError(f"{source}: sensing matrices must be m×n×n, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise InvalidInputError(f"{source}: sensing matrices contain NaN or Inf")
    if np.max(np.abs(a - np.swapaxes(a, 1, 2))) > 1e-9 * max(float(np.max(np.abs(a))), 1e-300):
        raise InvalidInputError(f"{source}: sensing matrices must be symmetric")
    return SensingOperator(0.5 * (a + np.swapaxes(a, 1, 2)))


def load_operator(spec: str, n: int | None = None) -> LoadedOperator:
    """Resolve OPERATOR (see the module docstring); ``n`` (from Z) is needed by families."""
    spec = spec.strip()
    if spec == "talk":
        from ripcert.core.examples import talk_sensing_matrices

        return LoadedOperator(SensingOperator(talk_sensing_matrices()), "talk")
    path = Path(spec)
    if not path.is_file():
        if path.suffix in (".json", ".npy"):
            raise InvalidInputError(f"operator file {spec!r} not found")
        return LoadedOperator(SensingOperator(family(spec, n).real_sensing()), spec)
    if path.suffix == ".npy":
        try:
            arr = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise InvalidInputError(f"cannot read {spec}: {exc}") from None
        return LoadedOperator(_sensing(arr, spec), spec)
    if path.suffix != ".json":
        raise InvalidInputError(f"{spec}: unsupported operator file (use .json or .npy)")
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInputError(f"cannot read {spec}: {str(exc).splitlines()[0]}") from None
    if isinstance(data, dict) and "schema" in data:
        from ripcert.certificate import Certificate

        try:
            cert = Certificate.from_dict(data)
        except (CertificateFormatError, KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(f"{spec}: not a valid certificate: {exc}") from None
        return LoadedOperator(cert.operator, spec, cert.z)
    if isinstance(data, dict):
        data = data.get("sensing_matrices", data.get("matrices"))
        if data is None:
            raise InvalidInputError(f"{spec}: no key 'sensing_matrices' (or 'matrices')")
    return LoadedOperator(_sensing(data, spec), spec)


_HIGH = re.compile(r"^high-order:([^,]+),([^,]+)$")


def make_loss(spec: str, op: Operator, z: np.ndarray) -> Loss:
    """``l2`` or ``high-order:l,λ`` (even l ≥ 2, λ ≥ 0)."""
    spec = spec.strip()
    if spec == "l2":
        return L2Loss(op, z)
    mh = _HIGH.match(spec)
    if not mh:
        raise InvalidInputError(f"--loss must be l2 or high-order:l,λ, got {spec!r}")
    try:
        order, lam = int(mh[1]), float(mh[2])
    except ValueError:
        raise InvalidInputError(
            f"--loss high-order:l,λ needs an integer l and a number λ: {spec!r}"
        ) from None
    return HighOrderLoss(op, z, order=order, lam=lam)


__all__ = ["LoadedOperator", "gaussian_operator", "load_operator", "make_loss"]
