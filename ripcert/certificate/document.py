"""Certificates: immutable records of a counterexample, and their JSON form (schema v1).

A certificate states a claim about (X, Z) and an operator: X is a spurious
second-order critical point (``claim = "second_order_critical"``) or a strict spurious
local minimum (``"strict_local_min"``, with margin μ > 0) of ``f(U) = ‖A(UUᵀ − ZZᵀ)‖²``,
and the operator is δ-RIP with scale γ.  On disk it is JSON validated against
``ripcert/schema/certificate-v1.json``; floats round-trip exactly (shortest repr), a
``sha256`` of the canonical payload detects corruption, and writes are atomic.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ripcert.certificate.io import (
    SCHEMA_ID,
    atomic_write_text,
    parse_json,
    payload_hash,
    read_text,
    signed_canonical_text,
    validate_dict,
)
from ripcert.certificate.sections import SolverSection
from ripcert.core.operator import (
    KernelOperator,
    LiftedOperator,
    Operator,
    SensingOperator,
    canonical_span_basis,
)
from ripcert.core.vectorization import CONVENTION
from ripcert.errors import CertificateFormatError

CLAIMS = ("second_order_critical", "strict_local_min")


def _as_array(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=float)


def _as_list(a: np.ndarray) -> list:
    return np.asarray(a, dtype=float).tolist()


def operator_to_dict(op: Operator, sensing: np.ndarray | None = None, arrays: bool = False) -> dict:
    """JSON form of an operator; ``sensing`` adds an explicit copy of its sensing matrices.
    ``arrays=True`` keeps numeric arrays as float ndarrays (for :func:`canonical_text`)."""
    _tolist = _as_array if arrays else _as_list
    out: dict[str, Any] = {"convention": CONVENTION}
    if isinstance(op, LiftedOperator) and op.columns is not None and op.n > SPAN_FORM_MIN_N:
        out.update(form="span", columns=list(op.columns), kernel=_tolist(op.kernel))
    elif isinstance(op, LiftedOperator):
        out.update(form="lifted", basis=_tolist(op.basis), kernel=_tolist(op.kernel))
    elif isinstance(op, KernelOperator):
        out.update(form="kernel", kernel=_tolist(op.kernel))
    elif isinstance(op, SensingOperator):
        out.update(form="sensing")
        sensing = op.matrices
    else:  # pragma: no cover - exhaustive over Operator
        raise TypeError(type(op))
    if sensing is not None:
        out["sensing_matrices"] = _tolist(sensing)
    return out


def _array(obj: Any, name: str, ndim: int) -> np.ndarray:
    try:
        a = np.array(obj, dtype=float)
    except (TypeError, ValueError):
        raise CertificateFormatError(f"{name} is not a rectangular numeric array") from None
    if a.ndim != ndim:
        raise CertificateFormatError(f"{name} must have {ndim} dimensions, has {a.ndim}")
    if not np.all(np.isfinite(a)):
        raise CertificateFormatError(f"{name} contains NaN or Inf")
    return a


def operator_from_dict(
    d: dict, x: np.ndarray | None = None, z: np.ndarray | None = None
) -> tuple[Operator, np.ndarray | None]:
    """Inverse of :func:`operator_to_dict`: the operator and the explicit copy (or None).

    The ``span`` form needs the certificate's X and Z: its basis is rebuilt from them
    (:func:`~ripcert.core.operator.canonical_span_basis`), never read from the file.
    """
    sensing = d.get("sensing_matrices")
    sens = _array(sensing, "operator.sensing_matrices", 3) if sensing is not None else None
    form = d["form"]
    if form == "span":
        if x is None or z is None:
            raise CertificateFormatError("operator form 'span' needs the certificate's x and z")
        cols = d.get("columns")
        if not isinstance(cols, list) or not all(
            isinstance(c, int) and not isinstance(c, bool) for c in cols
        ):
            raise CertificateFormatError("operator.columns must be a list of integers")
        try:
            basis = canonical_span_basis(x, z, tuple(cols))
        except ValueError as exc:
            raise CertificateFormatError(f"operator.columns: {exc}") from None
        op: Operator = LiftedOperator(
            basis=basis,
            kernel=_array(d["kernel"], "operator.kernel", 2),
            columns=tuple(cols),
        )
    elif form == "lifted":
        op = LiftedOperator(
            basis=_array(d["basis"], "operator.basis", 2),
            kernel=_array(d["kernel"], "operator.kernel", 2),
        )
    elif form == "kernel":
        op = KernelOperator(kernel=_array(d["kernel"], "operator.kernel", 2))
    else:
        if sens is None:
            raise CertificateFormatError("operator form 'sensing' needs sensing_matrices")
        op, sens = SensingOperator(matrices=sens), None
    return op, sens


#: lifted operators with a canonical basis are written in the ``span`` form (the basis is
#: rebuilt by the reader, not stored) above this n; below it the basis P is stored, so
#: that the file pins the operator down independently of X and Z
SPAN_FORM_MIN_N = 20_000
#: certificates with more numbers than this are written without indentation
INDENT_MAX_NUMBERS = 10_000


@dataclass(frozen=True)
class Certificate:
    """A counterexample: (X, Z), the operator, its RIP constant δ (scale γ) and the claim.

    ``extra`` holds optional sections (``description``, ``exact``, ``dual``) verbatim.
    """

    x: np.ndarray
    z: np.ndarray
    delta: float
    scale: float
    claim: str
    margin: float
    operator: Operator
    sensing_matrices: np.ndarray | None = None
    solver: dict | None = None
    ripcert_version: str = ""
    created: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.x.shape[0]

    @property
    def r(self) -> int:
        return self.x.shape[1]

    @property
    def r_star(self) -> int:
        return self.z.shape[1]

    def solver_section(self) -> SolverSection | None:
        """The ``solver`` section as a validated record (CertificateFormatError if malformed)."""
        return None if self.solver is None else SolverSection.from_dict(self.solver)

    def with_extra(self, **sections: Any) -> Certificate:
        """A copy with extra top-level sections (e.g. ``exact=…``, ``dual=…``)."""
        return replace(self, extra={**self.extra, **sections})

    # -- JSON ---------------------------------------------------------------
    def payload(self, arrays: bool = False) -> dict:
        """The JSON object without its hash (``arrays``: numeric arrays as float ndarrays)."""
        _tolist = _as_array if arrays else _as_list
        out: dict[str, Any] = {
            "schema": SCHEMA_ID,
            "x": _tolist(self.x),
            "z": _tolist(self.z),
            "delta": float(self.delta),
            "scale": float(self.scale),
            "claim": self.claim,
            "margin": float(self.margin),
            "operator": operator_to_dict(self.operator, self.sensing_matrices, arrays),
        }
        if self.solver is not None:
            out["solver"] = self.solver
        if self.ripcert_version:
            out["ripcert_version"] = self.ripcert_version
        if self.created:
            out["created"] = self.created
        out.update(self.extra)
        return out

    def to_dict(self) -> dict:
        p = self.payload()
        return {**p, "sha256": payload_hash(p)}

    def to_json(self) -> str:
        """JSON text: indented for small certificates, compact above :data:`INDENT_MAX_NUMBERS`
        numbers (``indent`` forces CPython's pure-Python encoder, ~10× slower at n = 10⁶)."""
        size = self.x.size + self.z.size + self.operator_size()
        if size > INDENT_MAX_NUMBERS:
            return signed_canonical_text(self.payload(arrays=True))
        return json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n"

    def operator_size(self) -> int:
        """How many numbers the operator section holds (for choosing the JSON layout)."""
        op = self.operator
        if isinstance(op, LiftedOperator):
            return op.kernel.size + (0 if op.columns is not None else op.basis.size)
        if isinstance(op, KernelOperator):
            return op.kernel.size
        return int(np.asarray(getattr(op, "matrices", np.zeros(0))).size)

    def save(self, path: str | os.PathLike) -> Path:
        """Write atomically (temporary file in the same folder, then rename)."""
        return atomic_write_text(path, self.to_json())

    @classmethod
    def from_dict(cls, d: dict, hash_verified: bool = False) -> Certificate:
        """Validate (schema, hash, shapes, finiteness) and build; CertificateFormatError if not.

        ``hash_verified``: the hash was already checked on the file's text
        (:func:`~ripcert.certificate.io.text_hash_matches`)."""
        validate_dict(d, hash_verified=hash_verified)
        x = _array(d["x"], "x", 2)
        z = _array(d["z"], "z", 2)
        if z.shape[0] != x.shape[0]:
            raise CertificateFormatError(f"shapes disagree: x is {x.shape}, z is {z.shape}")
        op, sens = operator_from_dict(d["operator"], x, z)
        if op.n != x.shape[0] or z.shape[0] != x.shape[0]:
            raise CertificateFormatError(
                f"shapes disagree: x is {x.shape}, z is {z.shape}, operator acts on n = {op.n}"
            )
        if sens is not None and sens.shape[1:] != (op.n, op.n):
            raise CertificateFormatError("operator.sensing_matrices have the wrong shape")
        known = {"schema", "x", "z", "delta", "scale", "claim", "margin", "operator"}
        known |= {"solver", "ripcert_version", "created", "sha256"}
        lo, hi = op.spectrum_bounds()
        scale = d.get("scale", 2.0 / (lo + hi) if lo + hi > 0 else 1.0)
        return cls(
            x=x,
            z=z,
            delta=float(d["delta"]),
            scale=float(scale),
            claim=d["claim"],
            margin=float(d.get("margin", 0.0)),
            operator=op,
            sensing_matrices=sens,
            solver=d.get("solver"),
            ripcert_version=d.get("ripcert_version", ""),
            created=d.get("created", ""),
            extra={k: v for k, v in d.items() if k not in known},
        )

    @classmethod
    def from_json(cls, text: str) -> Certificate:
        return cls.from_dict(parse_json(text))

    @classmethod
    def load(cls, path: str | os.PathLike) -> Certificate:
        try:
            text = read_text(path)
        except CertificateFormatError as exc:
            raise CertificateFormatError(f"{path}: {exc}") from None
        return cls.from_json(text)
