"""The robust matrix sensing model, on dyadic grids so that the inliers fit *exactly*.

Model (J. Ma and S. Fattahi, arXiv:2202.08788 and arXiv:2302.10963; docs/math.md §8)::

    y = A(X*) + s,      X* = U₀U₀ᵀ ⪰ 0,  rank r*,      A(X) = (⟨Aᵢ, X⟩)ᵢ₌₁…ₘ

* **Measurements.**  ``Aᵢ`` are i.i.d. standard Gaussian d×d matrices, **not symmetrised**
  (as in the papers; only ``(Aᵢ + Aᵢᵀ)/2`` matters for ``⟨Aᵢ, UUᵀ⟩``), each entry rounded to
  the dyadic grid ``2^-bits`` (default ``bits = 8``).
* **Ground truth.**  ``U₀`` is d×r* with i.i.d. ``N(0, 1/d)`` entries rounded to ``2^-bits``;
  ``X* = U₀U₀ᵀ`` (rank r* almost surely).  In the search rank r′ ≥ r* the ground-truth factor
  is ``U* = [U₀, 0]`` (d×r′); every other factor of X* is ``U*Q`` with Q orthogonal, and
  ``L(UQ) = L(U)``, so this choice loses no generality.
* **Huber contamination** (``noise="outliers"``): exactly ``k = ⌈p·m⌉`` measurements, chosen
  uniformly without replacement, receive ``sᵢ ~ N(0, σ_out²)`` (``σ_out = outlier_scale``,
  default 10), rounded to the grid of ``⟨Aᵢ, X*⟩`` and never zero; the others have ``sᵢ = 0``.
  ``noise="gaussian"`` instead adds ``N(0, noise_std²)`` to every measurement (the seed's
  Gaussian-noise comparison; the certificate does not use it).

**Exactness.**  Entries of ``Aᵢ`` are multiples of ``2^-b`` and those of ``X*`` multiples of
``2^-2b``; when ``Σ_jk |Aᵢ,jk|·|X*_jk| < 2^(53−3b)`` every partial sum of ``⟨Aᵢ, X*⟩`` is an
integer multiple of ``2^-3b`` below ``2^53`` units, hence computed *exactly* in double
precision in any order, and so is ``yᵢ = ⟨Aᵢ, X*⟩ + sᵢ``.  :func:`make_instance` checks this
bound and refuses otherwise.  Then ``yᵢ − ⟨Aᵢ, U*U*ᵀ⟩`` is exactly 0 for every inlier and
exactly ``sᵢ ≠ 0`` for every outlier, read as rationals.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ripcert.certificate.io import atomic_write_text, parse_json, read_text
from ripcert.errors import CertificateFormatError, InvalidInputError

NOISES = ("outliers", "gaussian", "none")
INSTANCE_SCHEMA = "ripcert-robust-instance-v1"


@dataclass(frozen=True)
class RobustModel:
    """Parameters of one robust sensing instance (all of it is reproducible from these)."""

    d: int
    r_star: int
    r_prime: int
    m: int
    p: float = 0.1
    seed: int = 0
    noise: str = "outliers"
    outlier_scale: float = 10.0
    noise_std: float = 0.0
    bits: int = 8

    def __post_init__(self) -> None:
        if not (1 <= self.r_star <= self.r_prime <= self.d):
            raise InvalidInputError(
                f"need 1 ≤ r* ≤ r′ ≤ d, got r* = {self.r_star}, r′ = {self.r_prime}, d = {self.d}"
            )
        if self.m < 1:
            raise InvalidInputError(f"m must be ≥ 1, got {self.m}")
        if not (0.0 <= self.p < 1.0) or not math.isfinite(self.p):
            raise InvalidInputError(f"the corruption fraction p must lie in [0, 1), got {self.p}")
        if self.noise not in NOISES:
            raise InvalidInputError(f"noise must be one of {NOISES}, got {self.noise!r}")
        if not (self.outlier_scale > 0 and math.isfinite(self.outlier_scale)):
            raise InvalidInputError("outlier_scale must be positive and finite")
        if not (self.noise_std >= 0 and math.isfinite(self.noise_std)):
            raise InvalidInputError("noise_std must be ≥ 0 and finite")
        if not (1 <= self.bits <= 16):
            raise InvalidInputError(f"bits must lie in [1, 16], got {self.bits}")
        if self.seed < 0:
            raise InvalidInputError("seed must be ≥ 0")

    @property
    def n_outliers(self) -> int:
        """``⌈p·m⌉`` under Huber contamination, else 0."""
        return math.ceil(self.p * self.m) if self.noise == "outliers" else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "d": self.d,
            "r_star": self.r_star,
            "r_prime": self.r_prime,
            "m": self.m,
            "p": self.p,
            "seed": self.seed,
            "noise": self.noise,
            "outlier_scale": self.outlier_scale,
            "noise_std": self.noise_std,
            "bits": self.bits,
            "sensing": "i.i.d. N(0,1) entries, not symmetrised, rounded to 2^-bits",
            "outliers": "ceil(p*m) indices uniformly without replacement, s ~ N(0, outlier_scale^2)"
            " rounded to 2^-3bits, nonzero",
            "ground_truth": "U0 with i.i.d. N(0,1/d) entries rounded to 2^-bits; U* = [U0, 0]",
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RobustModel:
        try:
            return cls(
                d=int(d["d"]),
                r_star=int(d["r_star"]),
                r_prime=int(d["r_prime"]),
                m=int(d["m"]),
                p=float(d["p"]),
                seed=int(d["seed"]),
                noise=str(d["noise"]),
                outlier_scale=float(d["outlier_scale"]),
                noise_std=float(d["noise_std"]),
                bits=int(d["bits"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CertificateFormatError(f"malformed robust model: {exc}") from None


@dataclass(frozen=True)
class RobustInstance:
    """One instance: sensing matrices ``(m, d, d)``, data ``y``, ``U*`` (d×r′), outlier set."""

    model: RobustModel
    sensing: np.ndarray
    y: np.ndarray
    u_star: np.ndarray
    outliers: np.ndarray

    @property
    def x_star(self) -> np.ndarray:
        return self.u_star @ self.u_star.T

    @property
    def residuals(self) -> np.ndarray:
        """``rᵢ = yᵢ − ⟨Aᵢ, U*U*ᵀ⟩`` at the ground truth (exact for dyadic outlier instances)."""
        return self.y - self.sensing.reshape(self.model.m, -1) @ self.x_star.reshape(-1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": INSTANCE_SCHEMA,
            "model": self.model.to_dict(),
            "sensing": self.sensing.tolist(),
            "y": self.y.tolist(),
            "u_star": self.u_star.tolist(),
            "outliers": [int(i) for i in self.outliers],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RobustInstance:
        if d.get("schema") != INSTANCE_SCHEMA:
            raise CertificateFormatError(
                f"not a robust instance (schema {d.get('schema')!r}, expected {INSTANCE_SCHEMA!r})"
            )
        model = RobustModel.from_dict(d.get("model", {}))
        try:
            a = np.asarray(d["sensing"], dtype=float)
            y = np.asarray(d["y"], dtype=float)
            u = np.asarray(d["u_star"], dtype=float)
            out = np.asarray(d["outliers"], dtype=int).reshape(-1)
        except (KeyError, TypeError, ValueError) as exc:
            raise CertificateFormatError(f"malformed robust instance: {exc}") from None
        want = {
            "sensing": (model.m, model.d, model.d),
            "y": (model.m,),
            "u_star": (model.d, model.r_prime),
        }
        for name, arr in (("sensing", a), ("y", y), ("u_star", u)):
            if arr.shape != want[name]:
                raise CertificateFormatError(f"{name} has shape {arr.shape}, expected {want[name]}")
            if not np.all(np.isfinite(arr)):
                raise CertificateFormatError(f"{name} has non-finite entries")
        if out.size and (out.min() < 0 or out.max() >= model.m):
            raise CertificateFormatError("outlier index out of range")
        return cls(model=model, sensing=a, y=y, u_star=u, outliers=out)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the instance as JSON, atomically."""
        return atomic_write_text(path, json.dumps(self.to_dict(), allow_nan=False))

    @classmethod
    def load(cls, path: str | os.PathLike) -> RobustInstance:
        return cls.from_dict(parse_json(read_text(path)))


def _grid(x: np.ndarray, bits: int) -> np.ndarray:
    """Round to the nearest multiple of ``2^-bits`` (exact: a power-of-two scaling)."""
    return np.round(x * 2.0**bits) / 2.0**bits


def exact_inner_bound(sensing: np.ndarray, x: np.ndarray, bits: int) -> float:
    """``max_i Σ_jk |Aᵢ,jk||X_jk|`` in units of ``2^-3bits``; < 2^53 means exact in double."""
    flat = np.abs(sensing.reshape(sensing.shape[0], -1))
    return float(np.max(flat @ np.abs(x).reshape(-1))) * 2.0 ** (3 * bits)


def make_instance(model: RobustModel) -> RobustInstance:
    """Draw the instance of ``model`` (deterministic for ``model.seed``).

    Raises InvalidInputError when the sizes are too large for the exact-in-double design
    (the bound of the module docstring), which does not happen for d ≤ 200 at bits = 8.
    """
    mo = model
    rng = np.random.default_rng(mo.seed)
    a = _grid(rng.standard_normal((mo.m, mo.d, mo.d)), mo.bits)
    u0 = _grid(rng.standard_normal((mo.d, mo.r_star)) / math.sqrt(mo.d), mo.bits)
    if np.linalg.matrix_rank(u0) < mo.r_star:
        raise InvalidInputError("the rounded U₀ is rank deficient; choose another seed or bits")
    u_star = np.zeros((mo.d, mo.r_prime))
    u_star[:, : mo.r_star] = u0
    x = u0 @ u0.T
    out = np.sort(rng.choice(mo.m, size=mo.n_outliers, replace=False)).astype(int)
    s = np.zeros(mo.m)
    if out.size:
        s_raw = rng.normal(0.0, mo.outlier_scale, size=out.size)
        s_out = _grid(s_raw, 3 * mo.bits)
        tiny = 2.0 ** (-3 * mo.bits)
        s_out = np.where(s_out == 0, np.copysign(tiny, s_raw), s_out)
        s[out] = s_out
    bound = exact_inner_bound(a, x, mo.bits) + float(np.max(np.abs(s), initial=0.0)) * 2.0 ** (
        3 * mo.bits
    )
    if mo.noise == "outliers" and bound >= 2.0**52:
        raise InvalidInputError(
            f"d = {mo.d}, bits = {mo.bits}: ⟨Aᵢ, X*⟩ would not be exact in double precision"
        )
    y = a.reshape(mo.m, -1) @ x.reshape(-1) + s
    if mo.noise == "gaussian":
        y = y + rng.normal(0.0, mo.noise_std, size=mo.m)
    return RobustInstance(model=mo, sensing=a, y=y, u_star=u_star, outliers=out)


__all__ = [
    "INSTANCE_SCHEMA",
    "NOISES",
    "RobustInstance",
    "RobustModel",
    "exact_inner_bound",
    "make_instance",
]
