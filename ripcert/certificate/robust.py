"""The robust ℓ1 certificate: "the ground truth is a saddle" (schema ``ripcert-robust-v1``).

File form (strict JSON, canonical sha256 over every other field, atomic writes)::

    {"schema": "ripcert-robust-v1", "claim": "ground_truth_is_saddle",
     "robust": {"sensing": m×d×d, "y": m, "u_star": d×r′, "delta_u": d×r′,
                "q": float, "t_max": float, "model": {...}, "search": {...}},
     "ripcert_version": ..., "created": ..., "sha256": ...}

Claim (J. Ma and S. Fattahi, arXiv:2302.10963; docs/math.md §8): with residuals
``rᵢ = yᵢ − ⟨Aᵢ, U*U*ᵀ⟩`` and ``aᵢ = ⟨Aᵢ, ΔUΔUᵀ⟩``, if ``ΔU U*ᵀ = 0`` then
``yᵢ − ⟨Aᵢ, (U*+tΔU)(U*+tΔU)ᵀ⟩ = rᵢ − t²aᵢ`` and, while no nonzero residual changes sign
(``t² sign(rᵢ) aᵢ ≤ |rᵢ|``, i.e. ``0 < t ≤ t_max``),

    L(U* + tΔU) − L(U*) = t² q,     q = (1/m) [Σ_{rᵢ=0} |aᵢ| − Σ_{rᵢ≠0} sign(rᵢ) aᵢ].

``q < 0`` then says U* is not a local minimum of L.  Optional ``multipliers`` λ (m) with
``λᵢ = sign(rᵢ)`` for ``rᵢ ≠ 0``, ``|λᵢ| ≤ 1`` for ``rᵢ = 0`` and ``Σ λᵢ (Aᵢ + Aᵢᵀ) U* = 0``
witness ``0 ∈ ∂L(U*)`` (U* is stationary): a stationary point that is not a local minimum is a
saddle.  This module only reads and writes the document; :mod:`ripcert.checkers.robust`
re-checks the claim.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ripcert.certificate.io import (
    atomic_write_text,
    check_schema,
    now,
    parse_json,
    payload_hash,
    read_text,
)
from ripcert.errors import CertificateFormatError
from ripcert.version import __version__

ROBUST_SCHEMA_ID = "ripcert-robust-v1"
ROBUST_CLAIM = "ground_truth_is_saddle"

#: the numeric arrays under ``robust`` and their nesting depth
_ARRAYS = {"sensing": 3, "y": 1, "u_star": 2, "delta_u": 2, "multipliers": 1}


@lru_cache(maxsize=1)
def robust_schema() -> dict:
    """The JSON Schema ``ripcert-robust-v1`` shipped with the package."""
    text = (
        resources.files("ripcert").joinpath("certificate/schema/robust-v1.json").read_text("utf-8")
    )
    return dict(json.loads(text))


def _numeric(obj: Any, depth: int) -> bool:
    level = [obj]
    for _ in range(depth):
        if not all(type(v) is list and v for v in level):
            return False
        level = [w for v in level for w in v]
    return all(type(v) is float or type(v) is int for v in level)


def _skeleton(d: Mapping[str, Any]) -> dict:
    """``d`` with its well-formed numeric arrays replaced by one-number stand-ins, so the JSON
    Schema checks the structure without visiting m·d² numbers one by one."""
    out = dict(d)
    rob = out.get("robust")
    if isinstance(rob, Mapping):
        rob = dict(rob)
        for key, depth in _ARRAYS.items():
            if key in rob and _numeric(rob[key], depth):
                leaf: Any = 0
                for _ in range(depth):
                    leaf = [leaf]
                rob[key] = leaf
        out["robust"] = rob
    return out


def validate_robust(d: Mapping[str, Any]) -> None:
    """Schema id, sha256 (required), JSON Schema; CertificateFormatError with a one-line reason."""
    if d.get("schema") != ROBUST_SCHEMA_ID:
        raise CertificateFormatError(
            f"unknown certificate schema {d.get('schema')!r} (expected {ROBUST_SCHEMA_ID!r})"
        )
    if "sha256" not in d:
        raise CertificateFormatError("sha256 missing")
    body = {k: v for k, v in d.items() if k != "sha256"}
    try:
        digest = payload_hash(body)
    except (TypeError, ValueError) as exc:
        raise CertificateFormatError(f"cannot hash the payload: {exc}") from None
    if digest != d["sha256"]:
        raise CertificateFormatError("sha256 mismatch: the certificate was modified or corrupted")
    check_schema(_skeleton(d), robust_schema())


@dataclass(frozen=True)
class RobustCertificate:
    """The typed document.  Arrays are float64; ``model``/``search`` are free-form records."""

    sensing: np.ndarray
    y: np.ndarray
    u_star: np.ndarray
    delta_u: np.ndarray
    q: float
    t_max: float
    multipliers: np.ndarray | None = None
    model: dict = field(default_factory=dict)
    search: dict = field(default_factory=dict)
    description: str = ""
    ripcert_version: str = ""
    created: str = ""

    def __post_init__(self) -> None:
        a = np.asarray(self.sensing, dtype=float)
        y = np.asarray(self.y, dtype=float)
        u = np.asarray(self.u_star, dtype=float)
        v = np.asarray(self.delta_u, dtype=float)
        if a.ndim != 3 or a.shape[1] != a.shape[2]:
            raise CertificateFormatError(f"robust/sensing has shape {a.shape}, expected m×d×d")
        m, d = a.shape[0], a.shape[1]
        if y.shape != (m,):
            raise CertificateFormatError(f"robust/y has shape {y.shape}, expected ({m},)")
        if u.ndim != 2 or u.shape[0] != d:
            raise CertificateFormatError(f"robust/u_star has shape {u.shape}, expected {d}×r′")
        if v.shape != u.shape:
            raise CertificateFormatError(
                f"robust/delta_u has shape {v.shape}, u_star has {u.shape}"
            )
        for name, arr in (("sensing", a), ("y", y), ("u_star", u), ("delta_u", v)):
            if not np.all(np.isfinite(arr)):
                raise CertificateFormatError(f"robust/{name} has non-finite entries")
        if self.multipliers is not None:
            lam = np.asarray(self.multipliers, dtype=float)
            if lam.shape != (m,) or not np.all(np.isfinite(lam)):
                raise CertificateFormatError(
                    f"robust/multipliers has shape {lam.shape}, expected ({m},) finite"
                )
            object.__setattr__(self, "multipliers", lam)
        if not (np.isfinite(self.q) and np.isfinite(self.t_max)):
            raise CertificateFormatError("robust/q and robust/t_max must be finite")
        object.__setattr__(self, "sensing", a)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "u_star", u)
        object.__setattr__(self, "delta_u", v)
        object.__setattr__(self, "q", float(self.q))
        object.__setattr__(self, "t_max", float(self.t_max))

    @property
    def m(self) -> int:
        return int(self.sensing.shape[0])

    @property
    def d(self) -> int:
        return int(self.sensing.shape[1])

    @property
    def r_prime(self) -> int:
        return int(self.u_star.shape[1])

    def payload(self) -> dict[str, Any]:
        """Every field except ``sha256``."""
        rob: dict[str, Any] = {
            "sensing": self.sensing.tolist(),
            "y": self.y.tolist(),
            "u_star": self.u_star.tolist(),
            "delta_u": self.delta_u.tolist(),
            "q": self.q,
            "t_max": self.t_max,
        }
        if self.multipliers is not None:
            rob["multipliers"] = self.multipliers.tolist()
        if self.model:
            rob["model"] = dict(self.model)
        if self.search:
            rob["search"] = dict(self.search)
        out: dict[str, Any] = {"schema": ROBUST_SCHEMA_ID, "claim": ROBUST_CLAIM, "robust": rob}
        if self.description:
            out["description"] = self.description
        out["ripcert_version"] = self.ripcert_version or __version__
        out["created"] = self.created or now()
        return out

    def to_dict(self) -> dict[str, Any]:
        """The signed document (payload plus its sha256)."""
        body = self.payload()
        return {**body, "sha256": payload_hash(body)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RobustCertificate:
        """Validate (schema, sha256, shapes, finiteness) and load."""
        validate_robust(d)
        rob = d["robust"]
        return cls(
            sensing=np.asarray(rob["sensing"], dtype=float),
            y=np.asarray(rob["y"], dtype=float),
            u_star=np.asarray(rob["u_star"], dtype=float),
            delta_u=np.asarray(rob["delta_u"], dtype=float),
            q=float(rob["q"]),
            t_max=float(rob["t_max"]),
            multipliers=(
                np.asarray(rob["multipliers"], dtype=float) if "multipliers" in rob else None
            ),
            model=dict(rob.get("model", {})),
            search=dict(rob.get("search", {})),
            description=str(d.get("description", "")),
            ripcert_version=str(d.get("ripcert_version", "")),
            created=str(d.get("created", "")),
        )

    def save(self, path: str | os.PathLike) -> Path:
        """Write the signed JSON atomically."""
        return atomic_write_text(path, json.dumps(self.to_dict(), allow_nan=False))

    @classmethod
    def load(cls, path: str | os.PathLike) -> RobustCertificate:
        return cls.from_dict(parse_json(read_text(path)))


__all__ = [
    "ROBUST_CLAIM",
    "ROBUST_SCHEMA_ID",
    "RobustCertificate",
    "robust_schema",
    "validate_robust",
]
