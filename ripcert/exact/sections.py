"""Typed ``exact`` and ``dual`` sections of a certificate: one reader for maker and checker.

:class:`ExactSection` and :class:`DualSection` are immutable; ``to_dict`` writes the JSON
form and ``from_dict`` parses it (``CertificateFormatError`` on anything malformed, sizes
checked before any exact work).  Rationals are ``"p/q"`` strings, matrices lists of rows.

``exact`` (version 2).  ``basis`` says what the rationals are about:

* ``"span"`` — the user's own input: ``B = [X Z][:, columns]·diag(2^powers)`` with
  ``X = B·x_coords``, ``Z = B·z_coords`` (checked over ℚ against the stored floats), the kernel
  ``kernel_t`` in the triangle coordinates of S (``M = BSBᵀ``) and the exact lifted operator
  of :mod:`ripcert.exact.instance` (identity on the complement of ``{BSBᵀ}``);
* ``"identity"`` — B = I_n (full space, ``--no-reduce``): X, Z are the stored floats;
* ``"snapped"`` — a nearby simple instance in R^k (``x_factor`` Y, ``x_gram`` Γ, ``zzT``;
  ``XXᵀ ≈ P·YΓYᵀ·Pᵀ``), chosen on request; ``snap`` records how and the distances
  ``‖XXᵀ − P·YΓYᵀ·Pᵀ‖_F/‖ZZᵀ‖_F`` and ``‖ZZᵀ − P·zzT·Pᵀ‖_F/‖ZZᵀ‖_F`` (P the float basis).

``dual``: the rigorous lower bound of :mod:`ripcert.exact.duality` on the reduced pair
``(2^s·C_X, 2^s·C_Z)`` of the same kind of span basis with its metric ``G = BᵀB``
(``basis = {"columns", "powers"}``), or on ``(2^s·X, 2^s·Z)`` themselves on S^n
(``basis = {"kind": "identity"}``, for multipliers of a full-space solve) — either way the
user's own input, exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from flint import fmpq, fmpq_mat

from ripcert.core.report import Check
from ripcert.core.vectorization import sdim
from ripcert.errors import CertificateFormatError
from ripcert.exact.basis import MAX_POWER, SpanBasis, exact_matrix, span_checks
from ripcert.exact.instance import ExactInstance
from ripcert.exact.rational import identity, mat_str, parse_mat, parse_q, q_str

#: section format written by this version
EXACT_VERSION = 2

#: largest reduced dimension k = dim span([X Z]) accepted, checked before any exact work.  The
#: cost is the exact LDLᵀ of the k(k+1)/2 kernel and of the k·r bracket, whose entries grow
#: with k: measured on random pairs (n = k, r = r* = k/2, 2 shared cores) certify / verify
#: take 0.1 / 0.0 s at k = 4, 0.3 / 0.1 s at k = 6, 2.6 / 0.9 s at k = 8, 116 / 20 s at k = 10.
EXACT_MAX_K = 10

BASIS_KINDS = ("span", "identity", "snapped")

ARITHMETIC = "exact rationals (python-flint fmpq); PSD by exact LDLᵀ"
COORDINATES = (
    "triangle: t(S) = (S_ij)_{i<=j} row-major with M = B S B^T; ||A(M)||^2 = t(S)^T K t(S), "
    "||M||_F^2 = t(S)^T D_G t(S), D_G the form of tr(G S G S), G = B^T B"
)


def _need(d: dict, key: str, where: str) -> Any:
    if key not in d:
        raise CertificateFormatError(f"{where} lacks {key!r}")
    return d[key]


def _int_tuple(obj: Any, where: str, bound: int) -> tuple[int, ...]:
    if not isinstance(obj, list) or len(obj) > EXACT_MAX_K:
        raise CertificateFormatError(f"{where} must be a list of at most {EXACT_MAX_K} integers")
    if not all(isinstance(v, int) and not isinstance(v, bool) and abs(v) <= bound for v in obj):
        raise CertificateFormatError(f"{where} must hold integers of size ≤ {bound}")
    return tuple(obj)


def _rows(obj: Any, where: str, limit: int) -> None:
    """Refuse a matrix with more than ``limit`` rows before parsing it."""
    if isinstance(obj, list) and len(obj) > limit:
        raise CertificateFormatError(f"{where} has {len(obj)} rows (limit {limit})")


def _span_to_dict(b: SpanBasis) -> dict:
    return {
        "columns": list(b.columns),
        "powers": list(b.powers),
        "x_coords": mat_str(b.x_coords),
        "z_coords": mat_str(b.z_coords),
    }


def _span_from_dict(d: dict, where: str, r: int, rs: int) -> SpanBasis:
    cols = _int_tuple(_need(d, "columns", where), f"{where}.columns", r + rs)
    powers = _int_tuple(_need(d, "powers", where), f"{where}.powers", MAX_POWER)
    k = len(cols)
    for key in ("x_coords", "z_coords"):
        _rows(d.get(key), f"{where}.{key}", k)
    cx = parse_mat(_need(d, "x_coords", where), f"{where}.x_coords", (k, r))
    cz = parse_mat(_need(d, "z_coords", where), f"{where}.z_coords", (k, rs))
    return SpanBasis(cols, powers, cx, cz)


@dataclass(frozen=True)
class SnapRecord:
    """How a snapped instance was chosen and how far it is from the user's input."""

    x_how: str
    z_how: str
    x_distance: float
    z_distance: float

    def to_dict(self) -> dict:
        return {
            "x": self.x_how,
            "z": self.z_how,
            "x_distance": self.x_distance,
            "z_distance": self.z_distance,
        }

    @classmethod
    def from_dict(cls, d: Any) -> SnapRecord:
        if not isinstance(d, dict):
            raise CertificateFormatError("exact.snap must be an object")
        try:
            return cls(str(d["x"]), str(d["z"]), float(d["x_distance"]), float(d["z_distance"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise CertificateFormatError(f"exact.snap malformed: {exc}") from None


@dataclass(frozen=True)
class ExactSection:
    """The ``exact`` section: a rational kernel and the instance it is about (module doc)."""

    claim: str
    n: int
    k: int
    basis: str
    kernel: fmpq_mat
    rip_lower: fmpq
    rip_upper: fmpq
    delta: fmpq
    scale: fmpq
    margin: fmpq = fmpq(0)
    span: SpanBasis | None = None
    x_factor: fmpq_mat | None = None
    x_gram: fmpq_mat | None = None
    zzt: fmpq_mat | None = None
    snap: SnapRecord | None = None
    kernel_how: str = ""
    operator_distance: float | None = None
    checks: tuple[str, ...] = ()

    @property
    def about_input(self) -> bool:
        """True when the claim is about the certificate's own (X, Z), not a snapped one."""
        return self.basis in ("span", "identity")

    def to_dict(self) -> dict:
        out: dict[str, Any] = {
            "version": EXACT_VERSION,
            "arithmetic": ARITHMETIC,
            "coordinates": COORDINATES,
            "space": {"n": self.n, "k": self.k, "reduced": self.k < self.n},
            "basis": self.basis,
            "claim": self.claim,
            "margin": q_str(self.margin),
            "delta": q_str(self.delta),
            "scale": q_str(self.scale),
            "rip_lower": q_str(self.rip_lower),
            "rip_upper": q_str(self.rip_upper),
        }
        if self.span is not None:
            out.update(_span_to_dict(self.span))
        if self.x_factor is not None and self.x_gram is not None and self.zzt is not None:
            out.update(
                x_factor=mat_str(self.x_factor), x_gram=mat_str(self.x_gram), zzT=mat_str(self.zzt)
            )
        if self.snap is not None:
            out["snap"] = self.snap.to_dict()
        out["kernel_t"] = mat_str(self.kernel)
        out["rationalised"] = {"kernel": self.kernel_how}
        if self.operator_distance is not None:
            out["operator_distance"] = self.operator_distance
        out["checks"] = list(self.checks)
        return out

    @classmethod
    def from_dict(cls, d: Any, n: int, r: int, rs: int) -> ExactSection:
        """Parse an ``exact`` section of a certificate with X n×r, Z n×r*."""
        if not isinstance(d, dict):
            raise CertificateFormatError("exact section must be an object")
        if d.get("version") != EXACT_VERSION:
            raise CertificateFormatError(
                f"exact section version {d.get('version')!r} is not {EXACT_VERSION}; "
                "re-make it with `ripcert certify`"
            )
        basis = _need(d, "basis", "exact")
        if basis not in BASIS_KINDS:
            raise CertificateFormatError(f"exact.basis must be one of {', '.join(BASIS_KINDS)}")
        claim = _need(d, "claim", "exact")
        if not isinstance(claim, str):
            raise CertificateFormatError("exact.claim must be a string")
        span = x_factor = x_gram = zzt = None
        snap = None
        if basis == "span":
            span = _span_from_dict(d, "exact", r, rs)
            k = span.k
        elif basis == "identity":
            k = n
        else:
            _rows(d.get("x_factor"), "exact.x_factor", EXACT_MAX_K)
            x_factor = parse_mat(_need(d, "x_factor", "exact"), "exact.x_factor", (None, None))
            k = x_factor.nrows()
            x_gram = parse_mat(_need(d, "x_gram", "exact"), "exact.x_gram", (None, None))
            if x_gram.nrows() != x_gram.ncols() or x_gram.nrows() != x_factor.ncols():
                raise CertificateFormatError("exact.x_gram must be r×r for x_factor k×r")
            zzt = parse_mat(_need(d, "zzT", "exact"), "exact.zzT", (k, k))
            snap = SnapRecord.from_dict(_need(d, "snap", "exact"))
        if not 1 <= k <= min(n, EXACT_MAX_K):
            raise CertificateFormatError(
                f"exact: k = {k} must satisfy 1 ≤ k ≤ min(n, {EXACT_MAX_K})"
            )
        _rows(d.get("kernel_t"), "exact.kernel_t", sdim(k))
        kernel = parse_mat(_need(d, "kernel_t", "exact"), "exact.kernel_t", (sdim(k), sdim(k)))
        margin = parse_q(d.get("margin", "0"), "exact.margin")
        if margin < 0:
            raise CertificateFormatError("exact.margin must be ≥ 0")
        dist = d.get("operator_distance")
        return cls(
            claim=claim,
            n=n,
            k=k,
            basis=basis,
            kernel=kernel,
            rip_lower=parse_q(_need(d, "rip_lower", "exact"), "exact.rip_lower"),
            rip_upper=parse_q(_need(d, "rip_upper", "exact"), "exact.rip_upper"),
            delta=parse_q(_need(d, "delta", "exact"), "exact.delta"),
            scale=parse_q(_need(d, "scale", "exact"), "exact.scale"),
            margin=margin,
            span=span,
            x_factor=x_factor,
            x_gram=x_gram,
            zzt=zzt,
            snap=snap,
            kernel_how=str(d.get("rationalised", {}).get("kernel", "")),
            operator_distance=float(dist) if isinstance(dist, int | float) else None,
            checks=tuple(str(c) for c in d.get("checks", [])),
        )

    def instance(self, x: np.ndarray, z: np.ndarray) -> tuple[ExactInstance, list[Check]]:
        """The exact instance this section is about, and the exact checks that tie it to the
        certificate's floats (X, Z) (none for a snapped section: see its ``snap`` record)."""
        out: list[Check] = []
        metric = None
        if self.basis == "span":
            assert self.span is not None
            out, metric = span_checks(self.span, x, z)
            y, gam = self.span.x_coords, identity(x.shape[1])
            zzt = self.span.z_coords * self.span.z_coords.transpose()
            if not all(c.passed for c in out):
                metric = identity(self.k)  # keep the arithmetic defined; the check failed
        elif self.basis == "identity":
            y, gam = exact_matrix(x), identity(x.shape[1])
            zq = exact_matrix(z)
            zzt = zq * zq.transpose()
        else:
            assert self.x_factor is not None and self.x_gram is not None and self.zzt is not None
            y, gam, zzt = self.x_factor, self.x_gram, self.zzt
        inst = ExactInstance(
            y, gam, zzt, self.kernel, self.rip_lower, self.rip_upper, self.claim, self.n,
            self.margin, metric,
        )  # fmt: skip
        return inst, out

    def summary(self) -> list[str]:
        """Human-readable lines for the CLI (what is proved, about which instance)."""
        dq = int(self.delta.p) / int(self.delta.q)  # exact big-integer true division
        if self.basis == "span":
            where = (
                f"the input itself, exact basis of span([X Z]) (k = {self.k}) lifted to R^{self.n}"
            )
        elif self.basis == "identity":
            where = f"the input itself on R^{self.n}"
        else:
            assert self.snap is not None
            where = (
                f"a SNAPPED instance in R^{self.k} ({self.snap.x_how}; {self.snap.z_how}); "
                f"distance to the input: XXᵀ {self.snap.x_distance:.1e}, "
                f"ZZᵀ {self.snap.z_distance:.1e} (relative to ‖ZZᵀ‖_F)"
            )
        return [f"exact      δ = {q_str(self.delta)} (≈ {dq:.10g}), claim {self.claim} on {where}"]


@dataclass(frozen=True)
class DualSection:
    """The ``dual`` section: exact multipliers proving ``lower_exact ≤ δ*(X, Z)``.

    The multipliers (Y, S₁, S₂, τ) are in the triangle coordinates of the reduced pair
    ``(2^scale_power·C_X, 2^scale_power·C_Z)`` of ``span`` with metric ``G = BᵀB``
    (:mod:`ripcert.exact.duality`), or of ``2^scale_power·(X, Z)`` on S^n when ``span`` is
    None (identity basis).
    """

    lower: float
    upper: float
    lower_exact: fmpq
    upper_exact: fmpq | None
    eta_upper: fmpq
    scale_power: int
    margin: float
    span: SpanBasis | None
    y: fmpq_mat
    s1: fmpq_mat
    s2: fmpq_mat
    tau: fmpq
    sigma1: fmpq = fmpq(0)
    sigma2: fmpq = fmpq(0)
    method: str = "exact weak duality (Jansson-style shift), python-flint fmpq"
    solver: dict = field(default_factory=dict)

    @property
    def gap(self) -> float:
        return self.upper - self.lower

    def to_dict(self) -> dict:
        return {
            "lower": self.lower,
            "upper": self.upper,
            "gap": self.gap,
            "method": self.method,
            "upper_exact": None if self.upper_exact is None else q_str(self.upper_exact),
            "lower_exact": q_str(self.lower_exact),
            "eta_upper": q_str(self.eta_upper),
            "scale_power": self.scale_power,
            "margin": self.margin,
            "solver": dict(self.solver),
            **self._basis_dict(),
            "multipliers": {
                "Y": mat_str(self.y),
                "S1": mat_str(self.s1),
                "S2": mat_str(self.s2),
                "tau": q_str(self.tau),
            },
            "shifts": {"sigma1": q_str(self.sigma1), "sigma2": q_str(self.sigma2)},
        }

    def _basis_dict(self) -> dict:
        if self.span is None:
            return {"basis": {"kind": "identity"}}
        return {
            "basis": {"columns": list(self.span.columns), "powers": list(self.span.powers)},
            "reduced_x": mat_str(self.span.x_coords),
            "reduced_z": mat_str(self.span.z_coords),
        }

    @classmethod
    def from_dict(cls, d: Any, r: int, rs: int, n: int | None = None) -> DualSection:
        """Parse a ``dual`` section of a certificate with X n×r, Z n×r* (``n`` is needed for
        an identity-basis section)."""
        if not isinstance(d, dict):
            raise CertificateFormatError("dual section must be an object")
        try:
            lower, upper = float(d["lower"]), float(d["upper"])
            power, mu = int(d["scale_power"]), float(d["margin"])
            mult, basis = d["multipliers"], d["basis"]
            if not isinstance(mult, dict) or not isinstance(basis, dict):
                raise TypeError("multipliers and basis must be objects")
        except (KeyError, TypeError, ValueError) as exc:
            raise CertificateFormatError(f"dual section malformed: {exc}") from None
        if abs(power) > MAX_POWER:
            raise CertificateFormatError("dual.scale_power out of range")
        span: SpanBasis | None
        if basis.get("kind") == "identity":
            if n is None or n > EXACT_MAX_K:
                raise CertificateFormatError(f"dual: identity basis needs n ≤ {EXACT_MAX_K}")
            span, k = None, n
        else:
            span = _span_from_dict(
                {**basis, "x_coords": d.get("reduced_x"), "z_coords": d.get("reduced_z")},
                "dual",
                r,
                rs,
            )
            k = span.k
        dk = sdim(k)
        for key, rows in (("Y", k), ("S1", k * r), ("S2", dk)):
            _rows(mult.get(key), f"dual.{key}", rows)
        up = d.get("upper_exact")
        shifts = d.get("shifts", {}) if isinstance(d.get("shifts"), dict) else {}
        return cls(
            lower=lower,
            upper=upper,
            lower_exact=parse_q(d.get("lower_exact"), "dual.lower_exact"),
            upper_exact=None if up is None else parse_q(up, "dual.upper_exact"),
            eta_upper=parse_q(d.get("eta_upper"), "dual.eta_upper"),
            scale_power=power,
            margin=mu,
            span=span,
            y=parse_mat(mult.get("Y"), "dual.Y", (k, r)),
            s1=parse_mat(mult.get("S1"), "dual.S1", (k * r, k * r)),
            s2=parse_mat(mult.get("S2"), "dual.S2", (dk, dk)),
            tau=parse_q(mult.get("tau"), "dual.tau"),
            sigma1=parse_q(shifts.get("sigma1", "0"), "dual.sigma1"),
            sigma2=parse_q(shifts.get("sigma2", "0"), "dual.sigma2"),
            method=str(d.get("method", "")),
            solver=dict(d["solver"]) if isinstance(d.get("solver"), dict) else {},
        )


__all__ = ["EXACT_MAX_K", "EXACT_VERSION", "DualSection", "ExactSection", "SnapRecord"]
