"""Exact rational certificates (MATH.md §1–§4, issue 5).

A floating SDP solution is evidence; this module turns it into a proof checked in exact
rational arithmetic (python-flint ``fmpq``; every step below is an identity over ℚ).

Rational coordinates
--------------------
svec coordinates carry √2 on off-diagonals, so a rational kernel in svec coordinates does
not give rational conditions.  Everything exact is written in the *triangle coordinates*
``t(M) = (M_ij)_{i≤j}`` (upper triangle, row-major, no √2): with ``W = diag(1 or √2)``,
``svec(M) = W t(M)``, and the kernel becomes ``G = W H W``::

    ‖A(M)‖² = t(M)ᵀ G t(M),      ‖M‖²_F = t(M)ᵀ D t(M),   D = W² = diag(1 or 2).

With ``v = G t(E)`` (``E = XXᵀ − ZZᵀ``) the matrix ``S = mat(He)`` is ``S_ii = v_ii``,
``S_ij = v_ij / 2``, rational.  The conditions checked are (all exact):

* first order  ``S X = 0``  (⇔ ``∇f(X) = 4 S X = 0``);
* second order ``B = TᵀGT + 2 N ⊗ S ⪰ 0`` — the bracket ``½∇²f`` of MATH §1 up to a congruence
  (below), ``T`` the matrix of ``U ↦ t(YUᵀ + UYᵀ)``;
* strict (claim ``strict_local_min``): ``B V = 0`` on the symmetry directions ``V = {YΩ}`` and
  ``CᵀBC ≻ 0`` on a rational complement ``C`` of ``V`` (so ``B`` is PD modulo ``{XΩ}``);
* RIP ``ℓ D ⪯ G ⪯ L D`` with rationals ``0 < ℓ ≤ L``, hence δ = (L−ℓ)/(L+ℓ), γ = 2/(L+ℓ)
  (all symmetric matrices, so every RIP order); for a lifted operator also ``ℓ ≤ 1 ≤ L``.

PSD tests are exact LDLᵀ without pivoting: a negative pivot refutes, a zero pivot is allowed
only when the rest of its row (in the Schur complement) is zero; "PD" requires every pivot > 0.

Irrational X (e.g. x = (0, 1/√2)).  Every condition depends on X only through
``XXᵀ = Y·Γ·Yᵀ`` with a rational ``Y`` (n×r, rank r) and rational PD ``Γ`` (r×r): writing
``X = Y C`` with ``CCᵀ = Γ`` and substituting ``U = Ũ C⁻ᵀ`` (a bijection) gives
``XUᵀ = YŨᵀ`` and ``UUᵀ = Ũ Γ⁻¹ Ũᵀ``, so the Hessian is congruent to
``B = TᵀGT + 2 (Γ⁻¹ ⊗ S)`` and ``{XΩ}`` maps to ``{YΩ'}``; ``SX = 0 ⇔ SY = 0``.  Inertia and the
kernel are preserved, so the claim holds for *every* X with ``XXᵀ = YΓYᵀ``.  Only ``ZZᵀ``
enters (as a rational PSD matrix).

What the exact claim covers.  For a :class:`~ripcert.operator.LiftedOperator` the exact
claim is about the *reduced instance* in R^k: ``(PᵀX, PᵀZ)`` rationalised, with the rational
kernel ``G_k`` on S^k.  The lift to Rⁿ (identity on the complement of ``P S Pᵀ``) keeps FOC,
SOC and strictness (cross directions get curvature ``2‖XVᵀ‖²``, positive when rank X = r)
and adds the eigenvalue 1 to the spectrum (MATH §4, :mod:`ripcert.reduction`); this holds
for any exactly orthonormal P.  The stored float P is orthonormal only to rounding, so the
exact statement is the reduced one plus this theorem; ``verify_exact`` also checks, in
floating point, that the rational data matches the float certificate.  For kernel /
sensing operators the claim is in the full space Rⁿ.

How the rationals are chosen (``certify_exact``): X is snapped to small-denominator
rationals when that is exact to 1e-12 (else ``XXᵀ`` is, with its rank; else X is rounded
to denominators ≤ 10¹²); the same for Z / ZZᵀ.  Kernel candidates are the float ``G``
rounded by continued fractions at several denominators (10 … 10¹²), projected exactly onto
the first-order affine space; ℓ, L are first snapped to simple rationals, then widened by
ε = 10⁻¹³ … 10⁻⁹.  The candidate with the smallest exactly certified δ wins.  When a tight
(margin-0) solution cannot pass exactly, the SDP is re-solved with a tiny margin 10⁻⁷
(strictly feasible), costing O(10⁻⁷) in δ.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

import numpy as np
from flint import fmpq, fmpq_mat

from .certificate import Certificate
from .errors import CertificateFormatError, ExactCertificationError, RipcertError
from .operator import KernelOperator, LiftedOperator
from .vectorization import sdim

#: float agreement required between the exact section and the float certificate
CONSISTENCY_TOL = 1e-6
#: denominators tried when rounding the kernel
KERNEL_DENOMINATORS = (10, 100, 1000, 10**4, 10**6, 10**9, 10**12)
#: kernel denominators up to this are per-entry continued-fraction snaps, above: fixed point
SNAP_KERNEL_MAX_DEN = 1000
#: widening of the spectrum bounds tried after snapping (relative to L)
RIP_SLACKS = (1e-13, 1e-11, 1e-9)
#: fractions of the float margin μ tried for the exactly certified margin
MARGIN_FACTORS = (1.0, 1 - 1e-9, 1 - 1e-6)
#: margin of the strictly feasible re-solve used when a tight solution does not pass
FALLBACK_MARGIN = 1e-7
#: the re-solve is also tried when the best exact δ exceeds the float δ by more than this
FALLBACK_IF_WORSE = 1e-8
_SNAP_DEN = 10**4
_SNAP_TOL = 1e-12
_FINE_DEN = 10**12
_QRE = re.compile(r"^-?[0-9]{1,4000}(/[0-9]{1,4000})?$")


# -- rationals -----------------------------------------------------------------------
def q(value: Any) -> fmpq:
    """Exact rational of an int, Fraction, fmpq or float (a float is a binary rational)."""
    if isinstance(value, fmpq):
        return value
    f = Fraction(value)
    return fmpq(f.numerator, f.denominator)


def q_round(value: float, max_den: int) -> fmpq:
    """Best rational approximation with denominator ≤ ``max_den`` (continued fractions)."""
    return q(Fraction(float(value)).limit_denominator(max_den))


def q_str(a: fmpq) -> str:
    """``"p/q"`` (always with a denominator) of a rational.

    >>> q_str(q(0.5)), q_str(q(-3))
    ('1/2', '-3/1')
    """
    return f"{a.p}/{a.q}"


def parse_q(s: Any, where: str = "exact") -> fmpq:
    """Parse ``"p/q"`` or ``"p"``; CertificateFormatError on anything else (or q = 0)."""
    if not isinstance(s, str) or not _QRE.match(s):
        raise CertificateFormatError(f"{where}: {str(s)[:40]!r} is not a rational 'p/q'")
    num, _, den = s.partition("/")
    d = int(den) if den else 1
    if d == 0:
        raise CertificateFormatError(f"{where}: zero denominator")
    return fmpq(int(num), d)


def qmat(rows: Any) -> fmpq_mat:
    """fmpq_mat from a nested list / array of numbers (exact)."""
    rows = [list(r) for r in rows]
    nr, nc = len(rows), len(rows[0]) if rows else 0
    return fmpq_mat(nr, nc, [q(v) for r in rows for v in r])


def mat_str(m: fmpq_mat) -> list[list[str]]:
    return [[q_str(m[i, j]) for j in range(m.ncols())] for i in range(m.nrows())]


def parse_mat(obj: Any, where: str, shape: tuple[int | None, int | None]) -> fmpq_mat:
    """Parse a matrix of ``"p/q"`` strings, checking its shape."""
    if not isinstance(obj, list) or not obj or not all(isinstance(r, list) for r in obj):
        raise CertificateFormatError(f"{where} must be a non-empty list of rows")
    nc = len(obj[0])
    if any(len(r) != nc for r in obj) or nc == 0:
        raise CertificateFormatError(f"{where} is not rectangular")
    for want, got in zip(shape, (len(obj), nc), strict=True):
        if want is not None and want != got:
            raise CertificateFormatError(f"{where} has shape {(len(obj), nc)}, expected {shape}")
    return fmpq_mat(len(obj), nc, [parse_q(v, where) for r in obj for v in r])


def to_float(m: fmpq_mat) -> np.ndarray:
    return np.array([[float(m[i, j]) for j in range(m.ncols())] for i in range(m.nrows())])


def _is_zero(m: fmpq_mat) -> bool:
    return all(m[i, j] == 0 for i in range(m.nrows()) for j in range(m.ncols()))


# -- exact linear algebra ----------------------------------------------------------
def ldl_psd(m: fmpq_mat, strict: bool = False) -> tuple[bool, str]:
    """Exact LDLᵀ test of a symmetric rational matrix: PSD (or PD if ``strict``).

    No pivoting; a zero pivot is accepted only if its remaining row is zero (then the
    matrix is PSD iff the rest is), a negative pivot refutes.  Run fraction-free
    (symmetric Bareiss on the integer matrix ``den·M``): the pivots are the leading
    principal minors of the retained indices, so their signs are those of LDLᵀ's ``D``.

    >>> ldl_psd(qmat([[2, 1], [1, 2]]), strict=True)[0], ldl_psd(qmat([[0, 1], [1, 0]]))[0]
    (True, False)
    """
    n = m.nrows()
    if m.ncols() != n:
        return False, "not square"
    num, _ = m.numer_denom()
    a = [[int(num[i, j]) for j in range(n)] for i in range(n)]
    for i in range(n):
        for j in range(i):
            if a[i][j] != a[j][i]:
                return False, f"not symmetric at ({i}, {j})"
    prev = 1
    alive = list(range(n))
    for pos, k in enumerate(alive):
        p = a[k][k]
        rest = alive[pos + 1 :]
        if p < 0:
            return False, f"negative pivot at {k}"
        if p == 0:
            if strict:
                return False, f"zero pivot at {k}"
            if any(a[k][j] != 0 for j in rest):
                return False, f"zero pivot with non-zero row at {k}"
            continue
        row = a[k]
        for i in rest:
            ai, rik = a[i], row[i]
            for j in rest:
                if j >= i:
                    ai[j] = (p * ai[j] - rik * row[j]) // prev
        for i in rest:
            for j in rest:
                if j > i:
                    a[j][i] = a[i][j]
        prev = p
    return True, "ok"


def rref_pivots(m: fmpq_mat) -> tuple[fmpq_mat, list[int]]:
    """Reduced row echelon form and its pivot columns."""
    r, rank = m.rref()
    piv, col = [], 0
    for i in range(rank):
        while r[i, col] == 0:
            col += 1
        piv.append(col)
        col += 1
    return r, piv


def nullspace(m: fmpq_mat) -> fmpq_mat:
    """Rational basis (columns) of ``{v : m v = 0}``."""
    r, piv = rref_pivots(m)
    nc = m.ncols()
    free = [j for j in range(nc) if j not in piv]
    out = fmpq_mat(nc, len(free))
    for c, f in enumerate(free):
        out[f, c] = fmpq(1)
        for i, p in enumerate(piv):
            out[p, c] = -r[i, f]
    return out


def kron(a: fmpq_mat, b: fmpq_mat) -> fmpq_mat:
    ra, ca, rb, cb = a.nrows(), a.ncols(), b.nrows(), b.ncols()
    out = fmpq_mat(ra * rb, ca * cb)
    for i in range(ra):
        for j in range(ca):
            if a[i, j] != 0:
                for k in range(rb):
                    for m in range(cb):
                        out[i * rb + k, j * cb + m] = a[i, j] * b[k, m]
    return out


def identity(n: int) -> fmpq_mat:
    out = fmpq_mat(n, n)
    for i in range(n):
        out[i, i] = fmpq(1)
    return out


# -- triangle coordinates ------------------------------------------------------------
def tindex(n: int) -> list[tuple[int, int]]:
    """Index pairs of ``t(M)``: upper triangle row-major (the svec order)."""
    return [(i, j) for i in range(n) for j in range(i, n)]


def t_metric(n: int) -> fmpq_mat:
    """``D = diag(1 on diagonal pairs, 2 off-diagonal)``: ``‖M‖²_F = t(M)ᵀ D t(M)``."""
    idx = tindex(n)
    out = fmpq_mat(len(idx), len(idx))
    for a, (i, j) in enumerate(idx):
        out[a, a] = fmpq(1 if i == j else 2)
    return out


def t_weights(n: int) -> np.ndarray:
    """Float ``W = diag(1 or √2)`` with ``svec = W t``."""
    return np.array([1.0 if i == j else np.sqrt(2.0) for i, j in tindex(n)])


def tvec(m: fmpq_mat) -> fmpq_mat:
    idx = tindex(m.nrows())
    return fmpq_mat(len(idx), 1, [m[i, j] for i, j in idx])


def s_of(v: fmpq_mat, n: int) -> fmpq_mat:
    """``S = mat(He)`` from ``v = G t(E)``: ``⟨S, M⟩ = vᵀ t(M)``."""
    out = fmpq_mat(n, n)
    for a, (i, j) in enumerate(tindex(n)):
        if i == j:
            out[i, i] = v[a, 0]
        else:
            out[i, j] = out[j, i] = v[a, 0] / 2
    return out


def t_lift(y: fmpq_mat) -> fmpq_mat:
    """Matrix ``T`` of ``vec(U) ↦ t(YUᵀ + UYᵀ)`` (vec column-major, index ``a·n + i``)."""
    n, r = y.nrows(), y.ncols()
    idx = tindex(n)
    out = fmpq_mat(len(idx), n * r)
    for a in range(r):
        for i in range(n):
            col = a * n + i
            for b, (p, s) in enumerate(idx):
                val = fmpq(0)
                if s == i:
                    val += y[p, a]
                if p == i:
                    val += y[s, a]
                if val != 0:
                    out[b, col] = val
    return out


def symmetry_generators(y: fmpq_mat) -> fmpq_mat:
    """Columns ``vec(YΩ_ab)`` for the skew basis ``Ω_ab = e_a e_bᵀ − e_b e_aᵀ`` (a < b)."""
    n, r = y.nrows(), y.ncols()
    pairs = [(a, b) for a in range(r) for b in range(a + 1, r)]
    out = fmpq_mat(n * r, len(pairs))
    for c, (a, b) in enumerate(pairs):
        for i in range(n):
            out[b * n + i, c] = y[i, a]
            out[a * n + i, c] = -y[i, b]
    return out


# -- the exact instance and its checks -------------------------------------------------
@dataclass(frozen=True)
class Check:
    """One exact check: name, pass/fail, and a one-line detail."""

    name: str
    passed: bool
    detail: str = ""


@dataclass(frozen=True)
class ExactReport:
    """Result of :func:`verify_exact`: per-check outcomes, the certified rational δ."""

    checks: tuple[Check, ...]
    delta: str
    claim: str

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "delta": self.delta,
            "claim": self.claim,
            "checks": [
                {"name": c.name, "passed": c.passed, "detail": c.detail} for c in self.checks
            ],
        }


@dataclass(frozen=True)
class ExactInstance:
    """Rational data of an exact claim (reduced coordinates when ``n_full > k``).

    ``x_factor`` Y and ``x_gram`` Γ with ``XXᵀ = YΓYᵀ``; ``zzt`` = ZZᵀ; ``kernel`` G (triangle
    coordinates); ``rip_lower``/``rip_upper`` = ℓ, L; ``margin`` μ (strict claims: the exact
    check is ``B ⪰ L·μ·‖ZZᵀ‖_F·Π`` in the Ũ coordinates, i.e. ``½∇²f̂ ⪰ μ‖ZZᵀ‖_F`` off the
    symmetry directions with ``f̂ = f/λ_max`` as in the float certificate, since λ_max ≤ L).
    """

    x_factor: fmpq_mat
    x_gram: fmpq_mat
    zzt: fmpq_mat
    kernel: fmpq_mat
    rip_lower: fmpq
    rip_upper: fmpq
    claim: str
    n_full: int
    margin: fmpq = fmpq(0)

    @property
    def k(self) -> int:
        return self.x_factor.nrows()

    @property
    def delta(self) -> fmpq:
        return (self.rip_upper - self.rip_lower) / (self.rip_upper + self.rip_lower)

    @property
    def scale(self) -> fmpq:
        return fmpq(2) / (self.rip_upper + self.rip_lower)


def _instance_parts(inst: ExactInstance) -> tuple[fmpq_mat, fmpq_mat, fmpq_mat]:
    """``E``, ``S`` and the bracket ``B`` of an instance."""
    y, gam, k = inst.x_factor, inst.x_gram, inst.k
    e = y * gam * y.transpose() - inst.zzt
    s = s_of(inst.kernel * tvec(e), k)
    t = t_lift(y)
    b = t.transpose() * inst.kernel * t + kron(gam.inv(), s) * fmpq(2)
    return e, s, b


def rip_checks(inst: ExactInstance) -> list[Check]:
    """``ℓD ⪯ G ⪯ LD`` (and ``ℓ ≤ 1 ≤ L`` for a lift), exactly."""
    d = t_metric(inst.k)
    g, lo, hi = inst.kernel, inst.rip_lower, inst.rip_upper
    out = [Check("rip_positive", lo > 0 and hi >= lo, f"ℓ = {q_str(lo)}, L = {q_str(hi)}")]
    if inst.n_full > inst.k:
        ok = lo <= 1 <= hi
        out.append(Check("lift_spectrum", ok, "ℓ ≤ 1 ≤ L (identity on the complement)"))
    out.append(Check("rip_lower", *ldl_psd(g - d * lo)))
    out.append(Check("rip_upper", *ldl_psd(d * hi - g)))
    return out


def landscape_checks(inst: ExactInstance) -> list[Check]:
    """Factor, spuriousness, FOC, SOC (and strictness) — everything but the RIP bounds."""
    y, gam = inst.x_factor, inst.x_gram
    r = y.ncols()
    out = [Check("x_factor_rank", y.rank() == r, f"rank Y = {y.rank()}, r = {r}")]
    out.append(Check("x_gram_pd", *ldl_psd(gam, strict=True)))
    out.append(Check("truth_psd", *ldl_psd(inst.zzt)))
    if not all(c.passed for c in out):
        return out
    e, s, b = _instance_parts(inst)
    out.append(Check("spurious", not _is_zero(e), "XXᵀ ≠ ZZᵀ"))
    out.append(Check("first_order", _is_zero(s * y), "mat(He)·X = 0"))
    if not out[-1].passed:
        return out
    out.append(Check("second_order", *ldl_psd(b)))
    if inst.claim == "strict_local_min":
        v = symmetry_generators(y)
        if v.ncols():
            out.append(Check("symmetry_kernel", _is_zero(b * v), "B·{YΩ} = 0"))
            c = nullspace(v.transpose())
            out.append(Check("strict_pd_complement", *ldl_psd(c.transpose() * b * c, True)))
        else:
            out.append(Check("strict_pd_complement", *ldl_psd(b, strict=True)))
        if inst.margin > 0:
            out.append(margin_check(inst, b))
    return out


def sqrt_low(a: fmpq, bits: int = 60) -> fmpq:
    """A rational ≤ √a (a ≥ 0), within 2⁻ᵇⁱᵗˢ relative."""
    num, den = int(a.p), int(a.q)
    return fmpq(math.isqrt(num * den * 4**bits), den * 2**bits)


def complement_form(y: fmpq_mat, gam: fmpq_mat) -> fmpq_mat:
    """Quadratic form of ``‖Π vec(U)‖²`` in the Ũ coordinates (``U = ŨC⁻ᵀ``, ``CCᵀ = Γ``).

    ``‖U‖² = vec(Ũ)ᵀ (Γ⁻¹⊗I) vec(Ũ)`` and the symmetry directions are ``{YΩ'}``, so the form
    is ``M − MV(VᵀMV)⁻¹VᵀM`` with ``M = Γ⁻¹⊗I``, ``V`` = :func:`symmetry_generators` (Y).
    """
    m = kron(gam.inv(), identity(y.nrows()))
    v = symmetry_generators(y)
    if v.ncols() == 0:
        return m
    mv = m * v
    return m - mv * (v.transpose() * mv).inv() * mv.transpose()


def margin_check(inst: ExactInstance, b: fmpq_mat) -> Check:
    """``B ⪰ L·μ·c_low·Π`` with ``c_low ≤ ‖ZZᵀ‖_F`` (exact)."""
    z = inst.zzt
    fro2 = sum((z[i, j] ** 2 for i in range(z.nrows()) for j in range(z.ncols())), fmpq(0))
    c = inst.margin * sqrt_low(fro2) * inst.rip_upper
    ok, why = ldl_psd(b - complement_form(inst.x_factor, inst.x_gram) * c)
    return Check("margin", ok, f"½∇²f̂ ⪰ μ‖ZZᵀ‖_F Π with μ = {q_str(inst.margin)}: {why}")


def check_instance(inst: ExactInstance) -> list[Check]:
    """Every exact check of an instance."""
    if inst.claim not in ("second_order_critical", "strict_local_min"):
        return [Check("claim", False, f"unknown claim {inst.claim!r}")]
    return landscape_checks(inst) + rip_checks(inst)


# -- rationalising the instance ---------------------------------------------------------
def _snap(a: np.ndarray, den: int, tol: float) -> fmpq_mat | None:
    scale = max(float(np.max(np.abs(a))), 1e-300)
    qs = [[q_round(v, den) for v in row] for row in a]
    err = max(
        abs(float(v) - w)
        for row, qrow in zip(a, qs, strict=True)
        for w, v in zip(row, qrow, strict=True)
    )
    return qmat(qs) if err <= tol * scale else None


def _factor_from_gram(m: fmpq_mat, r: int) -> tuple[fmpq_mat, fmpq_mat] | None:
    """Rational ``Y, Γ`` with ``M = YΓYᵀ``, ``Y`` = r independent columns of M."""
    _, piv = rref_pivots(m)
    if len(piv) != r:
        return None
    n = m.nrows()
    y = fmpq_mat(n, r, [m[i, j] for i in range(n) for j in piv])
    yty_inv = (y.transpose() * y).inv()
    gam = yty_inv * y.transpose() * m * y * yty_inv
    if y * gam * y.transpose() != m or not ldl_psd(gam, strict=True)[0]:
        return None
    return y, gam


def rationalise_x(x: np.ndarray) -> tuple[fmpq_mat, fmpq_mat, str]:
    """``(Y, Γ, how)`` with ``YΓYᵀ ≈ XXᵀ``: exact snap of X, of XXᵀ, or fine rounding."""
    r = x.shape[1]
    snapped = _snap(x, _SNAP_DEN, _SNAP_TOL)
    if snapped is not None and snapped.rank() == r:
        return snapped, identity(r), "x snapped to small denominators"
    gram = _snap(x @ x.T, _SNAP_DEN, _SNAP_TOL)
    if gram is not None:
        got = _factor_from_gram(gram, r)
        if got is not None:
            return got[0], got[1], "XXᵀ snapped to small denominators (X irrational)"
    return _fixed(x, _FINE_DEN), identity(r), "x rounded to the common denominator 1e12"


def rationalise_zzt(z: np.ndarray) -> tuple[fmpq_mat, str]:
    """Rational ``ZZᵀ``: from a snapped Z, a snapped ZZᵀ (if PSD), or a finely rounded Z."""
    snapped = _snap(z, _SNAP_DEN, _SNAP_TOL)
    if snapped is not None:
        return snapped * snapped.transpose(), "z snapped to small denominators"
    gram = _snap(z @ z.T, _SNAP_DEN, _SNAP_TOL)
    if gram is not None and gram == gram.transpose() and ldl_psd(gram)[0]:
        return gram, "ZZᵀ snapped to small denominators"
    zq = _fixed(z, _FINE_DEN)
    return zq * zq.transpose(), "z rounded to the common denominator 1e12"


# -- kernels ------------------------------------------------------------------------
def float_reduced(cert: Certificate) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """``(x_k, z_k, H_k, coordinates)`` of a certificate: reduced for lifted operators."""
    op = cert.operator
    if isinstance(op, LiftedOperator):
        p = op.basis
        return p.T @ cert.x, p.T @ cert.z, np.asarray(op.kernel), "reduced"
    if isinstance(op, KernelOperator):
        return cert.x, cert.z, np.asarray(op.kernel), "full"
    return cert.x, cert.z, op.dense_kernel(), "full"


def kernel_to_t(h: np.ndarray) -> np.ndarray:
    """Float ``G = W H W`` (svec → triangle coordinates)."""
    w = t_weights(int(round((np.sqrt(8 * h.shape[0] + 1) - 1) / 2)))
    return h * np.outer(w, w)


def kernel_from_t(g: np.ndarray) -> np.ndarray:
    """Float ``H = W⁻¹ G W⁻¹``."""
    w = t_weights(int(round((np.sqrt(8 * g.shape[0] + 1) - 1) / 2)))
    return g / np.outer(w, w)


def _sym_vars(d: int) -> list[tuple[int, int]]:
    return [(a, b) for a in range(d) for b in range(a, d)]


def project_foc(g: fmpq_mat, y: fmpq_mat, te: fmpq_mat) -> fmpq_mat:
    """Exact Euclidean projection of G (upper-triangle variables) onto ``{G : S(G)·Y = 0}``."""
    k, r = y.nrows(), y.ncols()
    idx = tindex(k)
    pos = {ij: a for a, ij in enumerate(idx)}
    var = _sym_vars(len(idx))
    rows = []
    for i in range(k):
        for c in range(r):
            # Σ_j S_ij Y_jc with S_ij = v_(ij) (·½ off-diagonal), v_a = Σ_b G_ab te_b
            coef = {}
            for j in range(k):
                if y[j, c] == 0:
                    continue
                a = pos[(min(i, j), max(i, j))]
                w = y[j, c] if i == j else y[j, c] / 2
                coef[a] = coef.get(a, fmpq(0)) + w
            row = [fmpq(0)] * len(var)
            for vi, (a, b) in enumerate(var):
                val = fmpq(0)
                if a in coef:
                    val += coef[a] * te[b, 0]
                if b in coef and a != b:
                    val += coef[b] * te[a, 0]
                row[vi] = val
            rows.append(row)
    amat = fmpq_mat(len(rows), len(var), [v for row in rows for v in row])
    gv = fmpq_mat(len(var), 1, [g[a, b] for a, b in var])
    res = amat * gv
    if _is_zero(res):
        return g
    _, piv = rref_pivots(amat.transpose())
    a1 = fmpq_mat(len(piv), len(var), [amat[i, j] for i in piv for j in range(len(var))])
    res1 = fmpq_mat(len(piv), 1, [res[i, 0] for i in piv])
    lam = (a1 * a1.transpose()).solve(res1)
    gv = gv - a1.transpose() * lam
    out = fmpq_mat(len(idx), len(idx))
    for vi, (a, b) in enumerate(var):
        out[a, b] = out[b, a] = gv[vi, 0]
    return out


def _rip_candidates(g: fmpq_mat, k: int, lifted: bool) -> list[tuple[fmpq, fmpq]]:
    gf = to_float(g)
    w = t_weights(k)
    ev = np.linalg.eigvalsh(gf / np.outer(w, w))
    lo, hi = float(ev[0]), float(ev[-1])
    cands = []
    snap_lo, snap_hi = q_round(lo, 1000), q_round(hi, 1000)
    if abs(float(snap_lo) - lo) <= 1e-8 * hi and abs(float(snap_hi) - hi) <= 1e-8 * hi:
        cands.append((snap_lo, snap_hi))
    for s in RIP_SLACKS:
        cands.append((q_round(lo - s * hi, _FINE_DEN * 10), q_round(hi + s * hi, _FINE_DEN * 10)))
    if lifted:
        cands = [(min(a, fmpq(1)), max(b, fmpq(1))) for a, b in cands]
    return [(a, b) for a, b in cands if a > 0]


def _try_kernel(g, y, gam, zzt, claim, n_full, margin) -> tuple[ExactInstance, list[Check]] | None:
    k = y.nrows()
    base = ExactInstance(y, gam, zzt, g, fmpq(1), fmpq(1), claim, n_full)
    land = landscape_checks(base)
    if not all(c.passed for c in land):
        return None
    for lo, hi in _rip_candidates(g, k, n_full > k):
        inst = ExactInstance(y, gam, zzt, g, lo, hi, claim, n_full)
        rip = rip_checks(inst)
        if not all(c.passed for c in rip):
            continue
        if claim != "strict_local_min" or margin <= 0:
            return inst, land + rip
        _, _, b = _instance_parts(inst)
        for factor in MARGIN_FACTORS:
            inst_m = replace(inst, margin=q_round(margin * factor, 10**15))
            chk = margin_check(inst_m, b)
            if chk.passed:
                return inst_m, land + rip + [chk]
        return None
    return None


def _fixed(a: np.ndarray, den: int) -> fmpq_mat:
    """Round to the common denominator ``den`` (fixed point): keeps exact LDLᵀ cheap, as a
    matrix with one denominator has minors of size O(k·log den) instead of O(k²·log den)."""
    nums = np.rint(np.asarray(a, dtype=float) * den)
    return fmpq_mat(a.shape[0], a.shape[1], [fmpq(int(v), den) for v in nums.ravel()])


def _kernel_candidates(gf: np.ndarray) -> list[tuple[str, fmpq_mat]]:
    """Continued-fraction snaps (small denominators), then fixed-point roundings."""
    gf = 0.5 * (gf + gf.T)
    out, seen = [], set()
    for den in KERNEL_DENOMINATORS:
        if den <= SNAP_KERNEL_MAX_DEN:
            cand = qmat([[q_round(v, den) for v in row] for row in gf])
            how = f"kernel snapped to denominators ≤ {den}"
        else:
            cand = _fixed(gf, den)
            how = f"kernel rounded to the common denominator {den:.0e}"
        key = str(cand)
        if key not in seen:
            seen.add(key)
            out.append((how, cand))
    return out


def _best(gf, y, gam, zzt, te, claim, n_full, label, margin=0.0):
    best = None
    for how, gq in _kernel_candidates(gf):
        g = project_foc(gq, y, te)
        got = _try_kernel(g, y, gam, zzt, claim, n_full, margin)
        if got is not None and (best is None or got[0].delta < best[0].delta):
            moved = float(np.max(np.abs(to_float(g) - to_float(gq))))
            best = (got[0], got[1], f"{label}; {how}; FOC projection moved ≤ {moved:.1e}")
    return best


def certify_exact(cert: Certificate) -> Certificate:
    """Exact rational version of a float certificate: a copy with an ``exact`` section.

    See the module docstring for the coordinates, the checks and what the claim covers.
    The section holds ``delta``, ``scale``, ``rip_lower``, ``rip_upper`` (``"p/q"``),
    ``x_factor`` Y, ``x_gram`` Γ (``XXᵀ = YΓYᵀ``), ``zzT``, ``kernel_t`` (G in triangle
    coordinates), ``claim``, ``space`` and the list of checks passed; it is re-checked from
    the rationals alone by :func:`verify_exact`.  Raises :class:`ExactCertificationError`
    when no candidate passes.

    >>> from ripcert import generate
    >>> ex = certify_exact(generate([0.0, 2**-0.5], [1.0, 0.0])).extra["exact"]
    >>> ex["delta"], ex["rip_lower"], ex["rip_upper"]
    ('1/2', '1/3', '1/1')
    """
    xk, zk, hk, coords = float_reduced(cert)
    k, n_full = xk.shape[0], cert.n
    y, gam, x_how = rationalise_x(xk)
    zzt, z_how = rationalise_zzt(zk)
    te = tvec(y * gam * y.transpose() - zzt)
    claim = cert.claim
    label = "certificate kernel"
    best = _best(kernel_to_t(hk), y, gam, zzt, te, claim, n_full, label, cert.margin)
    if best is None or float(best[0].delta) - cert.delta > FALLBACK_IF_WORSE:
        alt = _fallback(y, gam, zzt, te, claim, n_full, cert.margin)
        if alt is not None and (best is None or alt[0].delta < best[0].delta):
            best = alt
    if best is None:
        raise ExactCertificationError("no rational kernel passed the exact checks")
    inst, checks, how = best
    section = {
        "version": 1,
        "arithmetic": "exact rationals (python-flint fmpq); PSD by exact LDLᵀ",
        "coordinates": "triangle: t(M) = (M_ij)_{i<=j} row-major; ||A(M)||^2 = t(M)^T G t(M), "
        "||M||_F^2 = t(M)^T D t(M), D = diag(1 diagonal, 2 off-diagonal)",
        "space": {"n": n_full, "k": k, "reduced": coords == "reduced"},
        "claim": claim,
        "margin": q_str(inst.margin),
        "delta": q_str(inst.delta),
        "scale": q_str(inst.scale),
        "rip_lower": q_str(inst.rip_lower),
        "rip_upper": q_str(inst.rip_upper),
        "x_factor": mat_str(inst.x_factor),
        "x_gram": mat_str(inst.x_gram),
        "zzT": mat_str(inst.zzt),
        "kernel_t": mat_str(inst.kernel),
        "rationalised": {"x": x_how, "z": z_how, "kernel": how},
        "checks": [c.name for c in checks],
    }
    return cert.with_extra(exact=section)


def _fallback(y, gam, zzt, te, claim, n_full, margin):
    """Re-solve the reduced SDP with a small margin (strictly feasible) and retry."""
    from .problem import CounterexampleProblem
    from .sdp import solve

    gamf = to_float(gam)
    xf = to_float(y) @ np.linalg.cholesky(gamf)
    zf = to_float(zzt)
    lam, vecs = np.linalg.eigh(zf)
    keep = lam > 1e-12 * lam[-1]
    zfac = vecs[:, keep] * np.sqrt(lam[keep])
    if zfac.shape[1] > xf.shape[1]:
        return None
    mu = max(margin, FALLBACK_MARGIN)
    try:
        sol = solve(CounterexampleProblem(xf, zfac, mu))
    except RipcertError:
        return None
    label = f"re-solved, margin {mu}"
    return _best(kernel_to_t(sol.kernel), y, gam, zzt, te, claim, n_full, label, margin)


# -- verification ---------------------------------------------------------------------
def instance_from_section(ex: dict, n_full: int) -> ExactInstance:
    """Parse an ``exact`` section (CertificateFormatError if malformed)."""
    if not isinstance(ex, dict):
        raise CertificateFormatError("exact section must be an object")
    try:
        y = parse_mat(ex["x_factor"], "exact.x_factor", (None, None))
        k, r = y.nrows(), y.ncols()
        gam = parse_mat(ex["x_gram"], "exact.x_gram", (r, r))
        zzt = parse_mat(ex["zzT"], "exact.zzT", (k, k))
        g = parse_mat(ex["kernel_t"], "exact.kernel_t", (sdim(k), sdim(k)))
        lo = parse_q(ex["rip_lower"], "exact.rip_lower")
        hi = parse_q(ex["rip_upper"], "exact.rip_upper")
        claim = ex["claim"]
        margin = parse_q(ex.get("margin", "0"), "exact.margin")
    except KeyError as exc:
        raise CertificateFormatError(f"exact section lacks {exc}") from None
    if margin < 0:
        raise CertificateFormatError("exact.margin must be ≥ 0")
    return ExactInstance(y, gam, zzt, g, lo, hi, claim, n_full, margin)


def _consistency(cert: Certificate, inst: ExactInstance, ex: dict) -> list[Check]:
    """Float checks that the rationals describe *this* certificate (not exact claims)."""
    out = []
    try:
        xk, zk, hk, coords = float_reduced(cert)
    except (MemoryError, ValueError) as exc:
        return [Check("consistency", False, str(exc))]
    space = ex.get("space", {})
    out.append(
        Check(
            "same_space",
            xk.shape[0] == inst.k
            and space.get("reduced") == (coords == "reduced")
            and space.get("n") == cert.n,
            f"k = {inst.k}, coordinates {coords}",
        )
    )
    if not out[-1].passed:
        return out
    scale = max(float(np.linalg.norm(zk.T @ zk)), 1e-300)
    yf = to_float(inst.x_factor)
    dx = np.linalg.norm(xk @ xk.T - yf @ to_float(inst.x_gram) @ yf.T) / scale
    dz = np.linalg.norm(zk @ zk.T - to_float(inst.zzt)) / scale
    out.append(Check("matches_x", dx <= CONSISTENCY_TOL, f"‖XXᵀ − YΓYᵀ‖/‖ZZᵀ‖ = {dx:.1e}"))
    out.append(Check("matches_z", dz <= CONSISTENCY_TOL, f"‖ZZᵀ − zzT‖/‖ZZᵀ‖ = {dz:.1e}"))
    hq = kernel_from_t(to_float(inst.kernel))
    dh = np.linalg.norm(hk - hq) / max(np.linalg.norm(hk), 1e-300)
    out.append(Check("matches_kernel", dh <= 1e-4, f"relative kernel difference {dh:.1e}"))
    if isinstance(cert.operator, LiftedOperator):
        p = cert.operator.basis
        orth = np.linalg.norm(p.T @ p - np.eye(p.shape[1]))
        res = np.linalg.norm(cert.x - p @ xk) + np.linalg.norm(cert.z - p @ zk)
        ok = orth <= 1e-8 and res <= 1e-8 * max(1.0, np.linalg.norm(cert.z))
        out.append(Check("lift_basis", ok, f"‖PᵀP − I‖ = {orth:.1e}, X, Z ∈ span P: {res:.1e}"))
    dq = float(inst.delta)
    out.append(
        Check(
            "matches_delta",
            abs(cert.delta - dq) <= CONSISTENCY_TOL,
            f"float δ = {cert.delta:.12g}, exact δ ≈ {dq:.12g}",
        )
    )
    out.append(Check("matches_claim", cert.claim == inst.claim, f"{cert.claim} / {inst.claim}"))
    mq = float(inst.margin)
    ok = mq <= cert.margin and mq >= cert.margin * (1 - 1e-5)
    out.append(Check("matches_margin", ok, f"float μ = {cert.margin:.6g}, exact μ ≈ {mq:.6g}"))
    return out


def verify_exact(cert: Certificate) -> ExactReport:
    """Re-check the ``exact`` section of a certificate from its rationals alone.

    Exact checks (see :func:`check_instance`), plus: the stated ``delta``/``scale`` equal
    ``(L−ℓ)/(L+ℓ)``, ``2/(L+ℓ)``; and float consistency of the rationals with the
    certificate (x, z, kernel within 1e-6/1e-4, |δ_float − δ_exact| ≤ 1e-6, same claim).
    Returns an :class:`ExactReport`; ``report.ok`` is False on any failure.  Raises
    CertificateFormatError when there is no (well-formed) ``exact`` section.  A ``dual``
    section, if present, is re-checked too (:func:`ripcert.dual.verify_dual`).
    """
    ex = cert.extra.get("exact")
    if ex is None:
        raise CertificateFormatError("certificate has no exact section (generate with --exact)")
    inst = instance_from_section(ex, cert.n)
    checks = check_instance(inst)
    try:
        d_ok = parse_q(ex.get("delta"), "exact.delta") == inst.delta
        s_ok = parse_q(ex.get("scale"), "exact.scale") == inst.scale
    except CertificateFormatError as exc:
        d_ok = s_ok = False
        checks.append(Check("format", False, str(exc)))
    checks.append(Check("delta_value", d_ok, f"δ = (L−ℓ)/(L+ℓ) = {q_str(inst.delta)}"))
    checks.append(Check("scale_value", s_ok, f"γ = 2/(L+ℓ) = {q_str(inst.scale)}"))
    checks.extend(_consistency(cert, inst, ex))
    if "dual" in cert.extra:
        from .dual import verify_dual

        checks.extend(verify_dual(cert))
    return ExactReport(checks=tuple(checks), delta=q_str(inst.delta), claim=inst.claim)


__all__ = [
    "Check",
    "ExactCertificationError",
    "ExactInstance",
    "ExactReport",
    "certify_exact",
    "check_instance",
    "ldl_psd",
    "verify_exact",
]
