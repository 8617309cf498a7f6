"""Independent re-check of a robust ℓ1 certificate (claim ``ground_truth_is_saddle``).

Reads only the certificate (:mod:`ripcert.certificate.robust`); never the generator.
Notation (J. Ma and S. Fattahi, arXiv:2302.10963; docs/math.md §8)::

    L(U) = (1/m) Σᵢ |yᵢ − ⟨Aᵢ, UUᵀ⟩|,   rᵢ = yᵢ − ⟨Aᵢ, U*U*ᵀ⟩,   aᵢ = ⟨Aᵢ, ΔUΔUᵀ⟩.

**Why the checks prove the claim.**  If ``ΔU U*ᵀ = 0`` (so also ``U*ΔUᵀ = 0``) then
``(U*+tΔU)(U*+tΔU)ᵀ = U*U*ᵀ + t²ΔUΔUᵀ`` and the residuals along the ray are ``rᵢ − t²aᵢ``.
For ``rᵢ = 0`` the term is ``t²|aᵢ|``.  For ``rᵢ ≠ 0`` with ``t² sign(rᵢ)aᵢ ≤ |rᵢ|`` the
residual keeps its sign (or reaches 0) and ``|rᵢ − t²aᵢ| = |rᵢ| − t² sign(rᵢ)aᵢ``.  If this
holds at ``t_max`` it holds on all of ``(0, t_max]`` (the left side grows with t), so there

    L(U* + tΔU) − L(U*) = t² q,   q = (1/m)[Σ_{rᵢ=0} |aᵢ| − Σ_{rᵢ≠0} sign(rᵢ)aᵢ],

and ``q < 0`` makes every ``t ∈ (0, t_max]`` a strict decrease: U* is not a local minimum.
The decrease is second order (``L'(U*; ΔU) = 0``): the Θ(γ²) of the paper.

**Stationarity** (when the certificate carries multipliers λ).  Each ``|rᵢ(U)|`` is a convex
function of a smooth map, hence Clarke regular, so the sum rule holds with equality:
``∂L(U*) = {−(1/m) Σ λᵢ (Aᵢ + Aᵢᵀ) U* : λᵢ = sign(rᵢ) if rᵢ ≠ 0, λᵢ ∈ [−1, 1] if rᵢ = 0}``
(R. T. Rockafellar and R. J.-B. Wets, *Variational Analysis*, Thm 10.6 and Ex. 10.8).  The
checks confirm ``0 ∈ ∂L(U*)``: U* is a stationary point that is not a local minimum — a
saddle.  Exactly: the entries with ``|λᵢ| < 1`` are re-solved in rational arithmetic (the
others fixed at ±1) and must stay in [−1, 1].

**Float checks** (``evidence="numerical"``) recompute everything in double precision.
**Exact checks** (``exact=True``, ``evidence="exact"``) read every stored float as the binary
rational it is.  Each array is written ``N·2^-e`` with an integer array N (:func:`dyadic`);
all inner products are then integer dot products — in int64 when a bound proves no overflow,
else in Python integers — and the final comparisons are in python-flint ``fmpq``.  The
identity is also re-evaluated directly at ``t = t_max`` from ``U* + t_max ΔU``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from flint import fmpq, fmpq_mat

from ripcert.certificate.robust import ROBUST_CLAIM, RobustCertificate
from ripcert.core.report import Check, proved
from ripcert.errors import CertificateFormatError

#: ‖ΔU U*ᵀ‖_F ≤ ORTH_TOL·‖ΔU‖_F‖U*‖_F in the float check
ORTH_TOL = 1e-12
#: relative agreement of the stored q with the recomputed one (float check)
Q_TOL = 1e-9
#: a float residual counts as zero when |rᵢ| ≤ ZERO_TOL·(|yᵢ| + Σ|Aᵢ||X*|)
ZERO_TOL = 1e-12
#: relative slack of the float sign and identity checks
SIGN_TOL = 1e-9


# ---------------------------------------------------------------------------------------
# exact dyadic arithmetic
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Dyadic:
    """An array of binary rationals ``N·2^-e``: N int64 or object (Python int), e an int."""

    n: np.ndarray
    e: int

    def scaled(self, e: int) -> np.ndarray:
        """N at exponent ``e ≥ self.e`` (object array of Python ints)."""
        if e < self.e:
            raise ValueError("can only refine the exponent")
        return self.n.astype(object) * (1 << (e - self.e))


def dyadic(x: np.ndarray) -> Dyadic:
    """Exact integer form ``x = N·2^-e`` of a float array (every finite double is dyadic).

    >>> dz = dyadic(np.array([0.75, -2.0, 0.0]))
    >>> dz.n.tolist(), dz.e
    ([3, -8, 0], 2)
    """
    x = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(x)):
        raise CertificateFormatError("non-finite number in exact arithmetic")
    mant, ex = np.frexp(x)
    mi = (mant * 2.0**53).astype(np.int64)  # exact: |mant| < 1
    nz = mi != 0
    if not np.any(nz):
        return Dyadic(np.zeros(x.shape, dtype=np.int64), 0)
    low = np.where(nz, mi & -mi, 1)
    tz = np.frexp(low.astype(float))[1] - 1  # trailing zero bits (exact for powers of two)
    odd = np.where(nz, mi >> tz, 0)
    g = np.where(nz, ex.astype(np.int64) - 53 + tz, 0)  # x = odd · 2^g
    e = int(-g[nz].min())
    shift = np.where(nz, g + e, 0)
    if int(shift.max()) + 54 < 63:
        return Dyadic(odd << shift, e)
    big = np.array([int(o) << int(s) for o, s in zip(odd.ravel(), shift.ravel(), strict=True)])
    return Dyadic(big.astype(object).reshape(x.shape), e)


def _absmax(n: np.ndarray) -> int:
    return (
        int(max((abs(int(v)) for v in n.ravel()), default=0))
        if n.dtype == object
        else int(np.max(np.abs(n), initial=0))
    )


def int_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Exact integer product ``a @ b``: int64 when ``max|a|·max|b|·k < 2^62``, else Python ints."""
    k = a.shape[-1]
    if a.dtype != object and b.dtype != object:
        bound = _absmax(a) * _absmax(b) * max(k, 1)
        if bound < 2**62:
            return a.astype(np.int64) @ b.astype(np.int64)
    return np.dot(a.astype(object), b.astype(object))


def _ints(v: np.ndarray) -> list[int]:
    return [int(x) for x in np.asarray(v).ravel()]


@dataclass(frozen=True)
class ExactRobust:
    """Exact quantities of a certificate: residual numerators at exponent ``e_r``, ``aᵢ``
    numerators at exponent ``e_a``, ``q`` and ``L(U*)`` as fmpq."""

    r: list[int]
    e_r: int
    a: list[int]
    e_a: int
    orth_zero: bool
    q: fmpq
    loss: fmpq
    zero_count: int


def _measure(a_flat: Dyadic, x_int: np.ndarray, e_x: int) -> tuple[np.ndarray, int]:
    """``⟨Aᵢ, X⟩`` numerators and exponent for X = x_int·2^-e_x (integer matrix)."""
    return int_matmul(a_flat.n, x_int.reshape(-1)), a_flat.e + e_x


def _residual_numerators(y: Dyadic, inner: np.ndarray, e_in: int) -> tuple[list[int], int]:
    e = max(y.e, e_in)
    ys, ins = _ints(y.n), _ints(inner)
    sy, si = 1 << (e - y.e), 1 << (e - e_in)
    return [yv * sy - iv * si for yv, iv in zip(ys, ins, strict=True)], e


def exact_quantities(cert: RobustCertificate) -> ExactRobust:
    """Residuals, ``aᵢ``, ``ΔU U*ᵀ = 0``, ``q`` and ``L(U*)``, all exact."""
    m = cert.m
    a = dyadic(cert.sensing.reshape(m, -1))
    u, v, y = dyadic(cert.u_star), dyadic(cert.delta_u), dyadic(cert.y)
    x_int = int_matmul(u.n, u.n.T)
    inner, e_in = _measure(a, x_int, 2 * u.e)
    r, e_r = _residual_numerators(y, inner, e_in)
    orth = int_matmul(v.n, u.n.T)
    orth_zero = not any(int(t) != 0 for t in orth.ravel())
    vv = int_matmul(v.n, v.n.T)
    av, e_a = _measure(a, vv, 2 * v.e)
    avs = _ints(av)
    num = 0
    zero_count = 0
    for ri, ai in zip(r, avs, strict=True):
        if ri == 0:
            zero_count += 1
            num += abs(ai)
        else:
            num -= ai if ri > 0 else -ai
    q = fmpq(num, m * (1 << e_a))
    loss = fmpq(sum(abs(ri) for ri in r), m * (1 << e_r))
    return ExactRobust(r, e_r, avs, e_a, orth_zero, q, loss, zero_count)


def exact_loss_on_ray(cert: RobustCertificate, t: float) -> fmpq:
    """``L(U* + tΔU)`` exactly, from the matrix ``U* + tΔU`` itself (no use of the identity)."""
    m = cert.m
    a = dyadic(cert.sensing.reshape(m, -1))
    u, v, tt, y = dyadic(cert.u_star), dyadic(cert.delta_u), dyadic(np.array([t])), dyadic(cert.y)
    ew = max(u.e, tt.e + v.e)
    tn = int(tt.n[0])
    w = u.scaled(ew) + v.scaled(ew - tt.e) * tn
    inner, e_in = _measure(a, np.dot(w, w.T), 2 * ew)
    r, e_r = _residual_numerators(y, inner, e_in)
    return fmpq(sum(abs(ri) for ri in r), m * (1 << e_r))


def _sign_numbers(ex: ExactRobust, t: fmpq) -> tuple[bool, int, str]:
    """Is ``t² sign(rᵢ)aᵢ ≤ |rᵢ|`` for every nonzero residual?  (ok, #binding, first violation)"""
    t2 = t * t
    scale = fmpq(1 << ex.e_r, 1 << ex.e_a)  # aᵢ/rᵢ numerators → values: a·2^-e_a, r·2^-e_r
    binding = 0
    for i, (ri, ai) in enumerate(zip(ex.r, ex.a, strict=True)):
        if ri == 0:
            continue
        sa = ai if ri > 0 else -ai
        if sa <= 0:
            continue
        binding += 1
        if t2 * sa * scale > abs(ri):
            return False, binding, f"measurement {i} changes sign before t_max"
    return True, binding, ""


#: |λᵢ| ≥ 1 − BOUND_SNAP counts as a multiplier at its bound (fixed to ±1 in the exact check)
BOUND_SNAP = 1e-9


def _stationarity_columns(cert: RobustCertificate) -> np.ndarray:
    """Rows ``vec((Aᵢ + Aᵢᵀ) U*)`` (m × d·r′), float."""
    a = cert.sensing
    s = a + np.swapaxes(a, 1, 2)
    return np.einsum("ijk,kl->ijl", s, cert.u_star, optimize=False).reshape(cert.m, -1)


def exact_stationarity(cert: RobustCertificate, r: list[int]) -> tuple[bool, str]:
    """``0 ∈ ∂L(U*)`` exactly, from the stored multipliers (see the module docstring)."""
    lam = cert.multipliers
    if lam is None:
        return False, "no multipliers"
    m, d = cert.m, cert.d
    a = dyadic(cert.sensing)
    u = dyadic(cert.u_star)
    sym = a.n.astype(object) + np.swapaxes(a.n, 1, 2).astype(object)  # 2·Sᵢ at exponent e_A
    g = int_matmul(sym.reshape(m * d, d), u.n).reshape(m, -1)  # vec(2 Sᵢ U*) numerators
    fixed: dict[int, int] = {}
    free: list[int] = []
    for i in range(m):
        if r[i] != 0:
            fixed[i] = 1 if r[i] > 0 else -1
        elif abs(lam[i]) >= 1.0 - BOUND_SNAP:
            fixed[i] = 1 if lam[i] > 0 else -1
        else:
            free.append(i)
    rows = [int(k) for k in np.flatnonzero(np.any(g != 0, axis=0))]
    if not rows:
        return True, "U* = 0: every measurement term has zero gradient"
    fix_idx = list(fixed)
    fix_val = np.array([fixed[i] for i in fix_idx], dtype=object)
    rhs = (
        [-int(v) for v in np.dot(fix_val, g[fix_idx][:, rows].astype(object))]
        if fix_idx
        else [0] * len(rows)
    )
    if not free:
        ok = all(v == 0 for v in rhs)
        return ok, "all multipliers at ±1" + ("" if ok else ": Σλᵢ(Aᵢ+Aᵢᵀ)U* ≠ 0")
    aug = fmpq_mat(
        len(rows), len(free) + 1, [v for k, rk in zip(rows, rhs, strict=True)
                                   for v in [int(g[i, k]) for i in free] + [rk]]
    )  # fmt: skip
    red, rank = aug.rref()
    nf = len(free)
    pivots: list[int] = []
    for row in range(rank):
        col = next(c for c in range(nf + 1) if red[row, c] != 0)
        if col == nf:
            return False, "Σλᵢ(Aᵢ+Aᵢᵀ)U* = 0 has no solution with these multipliers at ±1"
        pivots.append(col)
    sol = [fmpq(0)] * nf  # free columns without a pivot are set to 0
    for row, col in enumerate(pivots):
        sol[col] = red[row, nf]
    bad = [free[j] for j, v in enumerate(sol) if v > 1 or v < -1]
    if bad:
        return False, f"re-solved multiplier of measurement {bad[0]} leaves [−1, 1]"
    return True, (
        f"{len(fixed)} multipliers at ±1 ({sum(1 for v in r if v != 0)} from nonzero residuals),"
        f" {nf} re-solved exactly in [−1, 1]"
    )


# ---------------------------------------------------------------------------------------
# float path
# ---------------------------------------------------------------------------------------
def _float_quantities(
    cert: RobustCertificate,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(residuals with float-zeros snapped to 0, aᵢ, the zero mask, q)."""
    af = cert.sensing.reshape(cert.m, -1)
    x = cert.u_star @ cert.u_star.T
    r = cert.y - af @ x.reshape(-1)
    scale = np.abs(cert.y) + np.abs(af) @ np.abs(x).reshape(-1)
    zero = np.abs(r) <= ZERO_TOL * np.maximum(scale, np.finfo(float).tiny)
    r = np.where(zero, 0.0, r)
    a = af @ (cert.delta_u @ cert.delta_u.T).reshape(-1)
    q = float((np.sum(np.abs(a[zero])) - np.sign(r[~zero]) @ a[~zero]) / cert.m)
    return r, a, zero, q


def _float_loss(cert: RobustCertificate, u: np.ndarray) -> float:
    af = cert.sensing.reshape(cert.m, -1)
    return float(np.mean(np.abs(cert.y - af @ (u @ u.T).reshape(-1))))


def _allowed_outliers(cert: RobustCertificate) -> int | None:
    p = cert.model.get("p")
    if isinstance(p, (int, float)) and 0 <= p < 1:
        return math.ceil(float(p) * cert.m)
    return None


def robust_checks(cert: RobustCertificate, exact: bool = False) -> list[Check]:
    """Every check of the claim (see the module docstring)."""
    checks: list[Check] = []
    u, v = cert.u_star, cert.delta_u
    nv, nu = float(np.linalg.norm(v)), float(np.linalg.norm(u))
    checks.append(
        Check(
            "direction_nonzero",
            nv > 0,
            f"‖ΔU‖_F = {nv:.6g} > 0",
            value=nv,
            tolerance=0.0,
        )
    )
    orth = float(np.linalg.norm(v @ u.T))
    checks.append(
        Check(
            "orthogonality",
            orth <= ORTH_TOL * max(nv * nu, np.finfo(float).tiny),
            "‖ΔU U*ᵀ‖_F ≤ tol·‖ΔU‖_F‖U*‖_F (the first-order term of ΔX vanishes)",
            value=orth / max(nv * nu, np.finfo(float).tiny),
            tolerance=ORTH_TOL,
        )
    )
    r, a, zero, q = _float_quantities(cert)
    nonzero = int(np.count_nonzero(~zero))
    allowed = _allowed_outliers(cert)
    checks.append(
        Check(
            "ground_truth",
            allowed is None or nonzero <= allowed,
            f"U*U*ᵀ fits {cert.m - nonzero} of {cert.m} measurements exactly (float);"
            + (
                f" nonzero residuals {nonzero} ≤ ⌈p·m⌉ = {allowed}"
                if allowed is not None
                else " model/p absent: not compared"
            ),
            value=nonzero,
            tolerance=float("nan") if allowed is None else allowed,
        )
    )
    qs = cert.q
    checks.append(
        Check(
            "q_negative",
            qs < 0,
            f"stored q = {qs:.6g} < 0",
            value=qs,
            tolerance=0.0,
        )
    )
    qdev = abs(q - qs) / max(abs(q), abs(qs), np.finfo(float).tiny)
    checks.append(
        Check(
            "q_value",
            qdev <= Q_TOL,
            f"recomputed q = {q:.10g} (zero residuals: {int(zero.sum())}) agrees with the stored q",
            value=qdev,
            tolerance=Q_TOL,
        )
    )
    t = cert.t_max
    sa = np.sign(r) * a
    bind = (~zero) & (sa > 0)
    slack = (t * t * sa[bind]) / np.abs(r[bind]) if np.any(bind) else np.zeros(0)
    worst = float(slack.max()) if slack.size else 0.0
    checks.append(
        Check(
            "t_max",
            t > 0 and worst <= 1.0 + SIGN_TOL,
            f"t_max = {t:.6g} > 0 and max t_max²·sign(rᵢ)aᵢ/|rᵢ| = {worst:.6g} ≤ 1"
            f" ({int(bind.sum())} residuals move towards 0)",
            value=worst,
            tolerance=1.0 + SIGN_TOL,
        )
    )
    diff = _float_loss(cert, u + t * v) - _float_loss(cert, u)
    pred = t * t * qs
    dev = abs(diff - pred) / max(abs(pred), np.finfo(float).tiny)
    checks.append(
        Check(
            "decrease",
            diff < 0 and dev <= 1e-6,
            f"L(U*+t_maxΔU) − L(U*) = {diff:.6g} < 0, = t_max²·q = {pred:.6g} to rel. 1e-6",
            value=diff,
            tolerance=1e-6,
        )
    )
    checks.append(_float_stationarity(cert, r, zero))
    if exact:
        checks += exact_robust_checks(cert)
    return checks


def _float_stationarity(cert: RobustCertificate, r: np.ndarray, zero: np.ndarray) -> Check:
    lam = cert.multipliers
    if lam is None:
        return Check("stationarity", True, "no multipliers stored: not checked", evidence="skipped")
    g = _stationarity_columns(cert)
    signs_ok = bool(np.all(lam[~zero] == np.sign(r[~zero])))
    box_ok = bool(np.all(np.abs(lam[zero]) <= 1.0 + BOUND_SNAP))
    scale = float(np.abs(lam) @ np.linalg.norm(g, axis=1)) or 1.0
    res = float(np.linalg.norm(lam @ g)) / scale
    return Check(
        "stationarity",
        signs_ok and box_ok and res <= SIGN_TOL,
        "0 ∈ ∂L(U*): λᵢ = sign(rᵢ) off the inliers, |λᵢ| ≤ 1 on them, and"
        " ‖Σλᵢ(Aᵢ+Aᵢᵀ)U*‖ ≤ tol·Σ|λᵢ|‖(Aᵢ+Aᵢᵀ)U*‖",
        value=res,
        tolerance=SIGN_TOL,
    )


def exact_robust_checks(cert: RobustCertificate) -> list[Check]:
    """The claim in exact rational arithmetic (``evidence="exact"``)."""
    try:
        ex = exact_quantities(cert)
    except CertificateFormatError as exc:  # pragma: no cover - finiteness is checked on load
        return [proved("exact", False, str(exc))]
    out = [
        proved(
            "exact_orthogonality",
            ex.orth_zero,
            "ΔU U*ᵀ = 0 exactly" if ex.orth_zero else "ΔU U*ᵀ ≠ 0 in exact arithmetic",
        )
    ]
    allowed = _allowed_outliers(cert)
    nonzero = cert.m - ex.zero_count
    out.append(
        proved(
            "exact_ground_truth",
            allowed is None or nonzero <= allowed,
            f"yᵢ = ⟨Aᵢ, U*U*ᵀ⟩ exactly for {ex.zero_count} of {cert.m} measurements"
            + (f"; {nonzero} ≤ ⌈p·m⌉ = {allowed} outliers" if allowed is not None else ""),
        )
    )
    qs = fmpq(*float(cert.q).as_integer_ratio())
    out.append(
        proved(
            "exact_q_negative",
            ex.q < 0,
            f"q = {float(ex.q):.10g} < 0 exactly (a {len(str(ex.q.q))}-digit denominator)",
        )
    )
    rel = abs(qs - ex.q) / abs(ex.q) if ex.q != 0 else fmpq(0 if qs == 0 else 1)
    out.append(
        proved(
            "exact_q_value",
            rel <= fmpq(1, 2**40),
            f"stored q = {cert.q:.10g} within 2^-40 (relative) of the exact q",
        )
    )
    t = fmpq(*float(cert.t_max).as_integer_ratio())
    ok, binding, why = _sign_numbers(ex, t)
    out.append(
        proved(
            "exact_signs",
            t > 0 and ok,
            f"t_max = {cert.t_max:.10g} > 0 and t_max²·sign(rᵢ)aᵢ ≤ |rᵢ| for all {binding}"
            " residuals moving towards 0: every nonzero residual keeps its sign on (0, t_max]"
            if (t > 0 and ok)
            else (why or "t_max ≤ 0"),
        )
    )
    if ex.orth_zero and t > 0 and ok:
        lhs = exact_loss_on_ray(cert, cert.t_max) - ex.loss
        ident = lhs == t * t * ex.q
        out.append(
            proved(
                "exact_identity",
                ident and lhs < 0,
                f"L(U*+t_maxΔU) − L(U*) = t_max²·q = {float(lhs):.6g} < 0 exactly, evaluated"
                " directly from U* + t_maxΔU",
            )
        )
    else:
        out.append(proved("exact_identity", False, "not evaluated: a premise above failed exactly"))
    if cert.multipliers is not None:
        ok, why = exact_stationarity(cert, ex.r)
        out.append(proved("exact_stationarity", ok, f"0 ∈ ∂L(U*) exactly: {why}" if ok else why))
    return out


@dataclass(frozen=True)
class RobustReport:
    """The checks of one robust certificate (first: ``integrity``)."""

    checks: tuple[Check, ...]
    d: int
    r_prime: int
    m: int
    q: float
    t_max: float
    seconds: float
    claim: str = ROBUST_CLAIM
    r_star: int | None = None

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def extra(self) -> dict[str, Any]:
        out = {"d": self.d, "r_prime": self.r_prime, "m": self.m, "q": self.q, "t_max": self.t_max}
        return out if self.r_star is None else {**out, "r_star": self.r_star}


def verify_robust(cert: RobustCertificate | Mapping[str, Any], exact: bool = False) -> RobustReport:
    """Load (schema, sha256, shapes, finiteness: CertificateFormatError if not) and re-check.

    ``exact=True`` adds the exact rational checks (:func:`exact_robust_checks`).
    """
    t0 = time.perf_counter()
    if isinstance(cert, RobustCertificate):
        detail = "in-memory certificate: shapes, finite numbers"
    else:
        if cert.get("claim") != ROBUST_CLAIM:
            raise CertificateFormatError(f"claim is {cert.get('claim')!r}, not {ROBUST_CLAIM!r}")
        cert = RobustCertificate.from_dict(cert)
        detail = "schema ripcert-robust-v1, sha256, shapes, finite numbers"
    checks = [Check("integrity", True, detail, value=0.0, tolerance=0.0)]
    checks += robust_checks(cert, exact=exact)
    return RobustReport(
        checks=tuple(checks),
        d=cert.d,
        r_prime=cert.r_prime,
        m=cert.m,
        q=cert.q,
        t_max=cert.t_max,
        seconds=time.perf_counter() - t0,
        r_star=_model_rank(cert.model),
    )


def _model_rank(model: Mapping[str, Any]) -> int | None:
    """The ground truth's rank r* as the certificate's (free-form) model states it, if it does."""
    value = model.get("r_star")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


__all__ = [
    "Dyadic",
    "ExactRobust",
    "RobustReport",
    "dyadic",
    "exact_loss_on_ray",
    "exact_quantities",
    "exact_robust_checks",
    "exact_stationarity",
    "int_matmul",
    "robust_checks",
    "verify_robust",
]
