"""Make the ``exact`` section of a certificate (docs/exact.md).

What the section is about (:func:`certify_exact`).  By default the user's own input: every
float is a rational, so X and Z are exact data; the section works in the exact basis
``B = [X Z][:, J]·diag(2^p)`` of span([X Z]) (:mod:`ripcert.exact.basis`) with its Gram
matrix ``G = BᵀB`` and proves the claim for the exact lifted operator of
:mod:`ripcert.exact.instance` on R^n (``basis = "span"``).  A full-space certificate
(``--no-reduce``) is proved on S^n itself (``basis = "identity"``).  With ``snap=True``
the reduced instance ``(PᵀX, PᵀZ)`` is first replaced by a nearby simple one: X snapped to
small-denominator rationals when that is exact to 1e-12 (else ``XXᵀ`` is, with its rank;
else X is rounded to denominators ≤ 10¹²), the same for Z / ZZᵀ; the section then records
both instances and their distance (``basis = "snapped"``).

Kernel candidates are the certificate's float kernel in the section's coordinates (for a
lifted operator ``(P, H_k)``: ``K = D_G + Mᵀ(WH_kW − D)M`` with M the matrix of
``t(S) ↦ t(QSQᵀ)``, ``Q = PᵀB``), rounded by continued fractions at several denominators
(10 … 10¹²) and projected exactly onto the first-order affine space; ℓ, L (generalised
eigenvalues of ``K v = λ D_G v``) are first snapped to simple rationals, then widened by
ε = 10⁻¹³ … 10⁻⁹.  The candidate with the smallest exactly certified δ wins.  When a tight
(margin-0) solution cannot pass exactly, the SDP is re-solved with a tiny margin 10⁻⁷
(strictly feasible), costing O(10⁻⁷) in δ; the certificate's float operator is then replaced
by the exact one's float image (:func:`exact_float_operator`), so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.linalg
from flint import fmpq, fmpq_mat

from ripcert.certificate import Certificate
from ripcert.checkers.exact import operator_distance
from ripcert.core.operator import KernelOperator, LiftedOperator
from ripcert.core.report import Check
from ripcert.errors import ExactCertificationError, RipcertError
from ripcert.exact.basis import SpanBasis, basis_matrix, exact_matrix, span_basis
from ripcert.exact.instance import (
    ExactInstance,
    _instance_parts,
    float_reduced,
    landscape_checks,
    margin_check,
    rip_checks,
)
from ripcert.exact.rational import (
    fixed,
    float_gram_metric,
    identity,
    is_zero,
    kernel_from_t,
    kernel_to_t,
    ldl_psd,
    q_round,
    qmat,
    rref_pivots,
    t_congruence,
    t_weights,
    tindex,
    to_float,
    tvec,
)
from ripcert.exact.sections import EXACT_MAX_K, ExactSection, SnapRecord

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

#: the float operator is replaced by the float image of the exact one beyond this distance
SYNC_TOL = 1e-9


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
    return fixed(x, _FINE_DEN), identity(r), "x rounded to the common denominator 1e12"


def rationalise_zzt(z: np.ndarray) -> tuple[fmpq_mat, str]:
    """Rational ``ZZᵀ``: from a snapped Z, a snapped ZZᵀ (if PSD), or a finely rounded Z."""
    snapped = _snap(z, _SNAP_DEN, _SNAP_TOL)
    if snapped is not None:
        return snapped * snapped.transpose(), "z snapped to small denominators"
    gram = _snap(z @ z.T, _SNAP_DEN, _SNAP_TOL)
    if gram is not None and gram == gram.transpose() and ldl_psd(gram)[0]:
        return gram, "ZZᵀ snapped to small denominators"
    zq = fixed(z, _FINE_DEN)
    return zq * zq.transpose(), "z rounded to the common denominator 1e12"


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
            coef: dict[int, fmpq] = {}
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
    if is_zero(res):
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


@dataclass(frozen=True)
class Reduced:
    """The rational instance a section is about, with its float data for the search.

    ``y``, ``gam``, ``zzt``, ``metric`` as in :class:`ExactInstance`; ``kernel_t`` the float
    kernel of the certificate's operator in the same coordinates; ``x_float``/``z_float``
    float factors with ``x_float x_floatᵀ ≈ YΓYᵀ``, ``z_float z_floatᵀ ≈ zzT`` (re-solves).
    """

    y: fmpq_mat
    gam: fmpq_mat
    zzt: fmpq_mat
    metric: fmpq_mat | None
    kernel_t: np.ndarray
    x_float: np.ndarray
    z_float: np.ndarray
    n_full: int


def _norm_form_float(r: Reduced) -> np.ndarray:
    k = r.y.nrows()
    if r.metric is None:
        return np.diag(t_weights(k) ** 2)
    return float_gram_metric(to_float(r.metric))


def _rip_candidates(g: fmpq_mat, dform: np.ndarray, lifted: bool) -> list[tuple[fmpq, fmpq]]:
    """Rational (ℓ, L) to try: the generalised eigenvalues of ``K v = λ D_G v``, snapped to
    simple rationals when that is within 1e-8, else widened by :data:`RIP_SLACKS`."""
    ev = scipy.linalg.eigh(to_float(g), dform, eigvals_only=True)
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


def _try_kernel(
    g: fmpq_mat, red: Reduced, dform: np.ndarray, claim: str, margin: float
) -> tuple[ExactInstance, list[Check]] | None:
    base = ExactInstance(
        red.y, red.gam, red.zzt, g, fmpq(1), fmpq(1), claim, red.n_full, fmpq(0), red.metric
    )
    land = landscape_checks(base)
    if not all(c.passed for c in land):
        return None
    for lo, hi in _rip_candidates(g, dform, base.lifted):
        inst = replace(base, rip_lower=lo, rip_upper=hi)
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


def _kernel_candidates(gf: np.ndarray) -> list[tuple[str, fmpq_mat]]:
    """Continued-fraction snaps (small denominators), then fixed-point roundings."""
    gf = 0.5 * (gf + gf.T)
    out, seen = [], set()
    for den in KERNEL_DENOMINATORS:
        if den <= SNAP_KERNEL_MAX_DEN:
            cand = qmat([[q_round(v, den) for v in row] for row in gf])
            how = f"kernel snapped to denominators ≤ {den}"
        else:
            cand = fixed(gf, den)
            how = f"kernel rounded to the common denominator {den:.0e}"
        key = str(cand)
        if key not in seen:
            seen.add(key)
            out.append((how, cand))
    return out


Best = tuple[ExactInstance, list[Check], str]


def _best(gf: np.ndarray, red: Reduced, claim: str, label: str, margin: float) -> Best | None:
    """The candidate kernel with the smallest exactly certified δ (None if none passes)."""
    te = tvec(red.y * red.gam * red.y.transpose() - red.zzt)
    dform = _norm_form_float(red)
    best: Best | None = None
    for how, gq in _kernel_candidates(gf):
        g = project_foc(gq, red.y, te)
        got = _try_kernel(g, red, dform, claim, margin)
        if got is not None and (best is None or got[0].delta < best[0].delta):
            moved = float(np.max(np.abs(to_float(g) - to_float(gq))))
            best = (got[0], got[1], f"{label}; {how}; FOC projection moved ≤ {moved:.1e}")
    return best


def _fallback(red: Reduced, claim: str, margin: float, solver: str) -> Best | None:
    """Re-solve the reduced SDP with a small margin (strictly feasible) and retry.

    The SDP is solved in orthonormal coordinates of the span: with ``G = RᵀR`` (Cholesky),
    ``P_o = B R⁻¹`` is orthonormal, ``X = P_o (R C_X)`` and ``BSBᵀ = P_o (RSRᵀ) P_oᵀ``, so
    the solution's kernel ``G_o`` (triangle coordinates of ``S_o = RSRᵀ``) becomes
    ``MᵀG_oM`` with ``M`` the matrix of ``t(S) ↦ t(RSRᵀ)``.
    """
    from ripcert.generator.problem import CounterexampleProblem
    from ripcert.generator.sdp import solve

    k = red.y.nrows()
    rmat = np.eye(k) if red.metric is None else np.linalg.cholesky(to_float(red.metric)).T
    mu = max(margin, FALLBACK_MARGIN)
    try:
        sol = solve(CounterexampleProblem(rmat @ red.x_float, rmat @ red.z_float, mu), solver)
    except RipcertError:
        return None
    m = t_congruence(rmat)
    gf = m.T @ kernel_to_t(np.asarray(sol.kernel)) @ m
    return _best(gf, red, claim, f"re-solved, margin {mu}", margin)


def _span_reduced(cert: Certificate) -> tuple[Reduced, SpanBasis]:
    """The user's own input in the exact basis of span([X Z]) (lifted certificates)."""
    op = cert.operator
    assert isinstance(op, LiftedOperator)
    sb = span_basis(cert.x, cert.z)
    if sb.k > EXACT_MAX_K:
        raise ExactCertificationError(f"dim span([X Z]) = {sb.k} exceeds {EXACT_MAX_K}")
    bq = basis_matrix(exact_matrix(cert.x), exact_matrix(cert.z), sb.columns, sb.powers)
    gram = bq.transpose() * bq
    bf = to_float(bq)
    qm = op.basis.T @ bf
    m = t_congruence(qm)
    dp = np.diag(t_weights(op.k) ** 2)
    gf = float_gram_metric(bf.T @ bf) + m.T @ (kernel_to_t(np.asarray(op.kernel)) - dp) @ m
    red = Reduced(
        y=sb.x_coords,
        gam=identity(cert.r),
        zzt=sb.z_coords * sb.z_coords.transpose(),
        metric=gram,
        kernel_t=gf,
        x_float=to_float(sb.x_coords),
        z_float=to_float(sb.z_coords),
        n_full=cert.n,
    )
    return red, sb


def _identity_reduced(cert: Certificate) -> Reduced:
    """The user's own input on the full space S^n (B = I_n)."""
    xq, zq = exact_matrix(cert.x), exact_matrix(cert.z)
    if cert.n > EXACT_MAX_K:
        raise ExactCertificationError(f"full-space exact section for n = {cert.n} refused")
    return Reduced(
        y=xq,
        gam=identity(cert.r),
        zzt=zq * zq.transpose(),
        metric=None,
        kernel_t=kernel_to_t(np.asarray(cert.operator.dense_kernel())),
        x_float=np.asarray(cert.x, dtype=float),
        z_float=np.asarray(cert.z, dtype=float),
        n_full=cert.n,
    )


def _snapped_reduced(cert: Certificate) -> tuple[Reduced, SnapRecord]:
    """A nearby simple instance of the float reduced one (``snap=True``)."""
    xk, zk, hk, _ = float_reduced(cert)
    y, gam, x_how = rationalise_x(xk)
    zzt, z_how = rationalise_zzt(zk)
    scale = max(float(np.linalg.norm(zk @ zk.T)), 1e-300)
    yf = to_float(y)
    dx = float(np.linalg.norm(xk @ xk.T - yf @ to_float(gam) @ yf.T)) / scale
    dz = float(np.linalg.norm(zk @ zk.T - to_float(zzt))) / scale
    lam, vecs = np.linalg.eigh(to_float(zzt))
    keep = lam > 1e-12 * max(lam[-1], 1e-300)
    red = Reduced(
        y=y,
        gam=gam,
        zzt=zzt,
        metric=None,
        kernel_t=kernel_to_t(hk),
        x_float=yf @ np.linalg.cholesky(to_float(gam)),
        z_float=vecs[:, keep] * np.sqrt(lam[keep]),
        n_full=cert.n,
    )
    return red, SnapRecord(x_how, z_how, dx, dz)


def certify_exact(cert: Certificate, snap: bool = False, solver: str = "clarabel") -> Certificate:
    """Exact rational version of a float certificate: a copy with an ``exact`` section.

    By default the section proves the claim for the certificate's own (X, Z) — rationals as
    they are, no snapping — in the exact basis of span([X Z]) lifted exactly to R^n (lifted
    certificates) or on S^n (full-space ones); ``snap=True`` proves it for a nearby simple
    instance instead and records both and their distance.  See the module docstring and
    :mod:`ripcert.exact.instance` (coordinates, the lift lemma), and
    :class:`ripcert.exact.sections.ExactSection` (the section's fields).  When the exact
    kernel is not within 1e-9 of the certificate's float operator (a re-solve was needed), the
    float operator is replaced by the float image of the exact one, so that the two agree
    and ``verify`` and ``verify --exact`` speak of the same operator.  Raises
    :class:`ExactCertificationError` when no candidate passes.

    >>> from ripcert import generate
    >>> ex = certify_exact(generate([0.0, 0.5], [1.0, 0.0])).extra["exact"]
    >>> ex["delta"], ex["basis"]
    ('5/8', 'span')
    >>> ex = certify_exact(generate([0.0, 2**-0.5], [1.0, 0.0]), snap=True).extra["exact"]
    >>> ex["delta"], ex["rip_lower"], ex["rip_upper"], ex["basis"]
    ('1/2', '1/3', '1/1', 'snapped')
    """
    span: SpanBasis | None = None
    snap_rec = None
    if snap:
        red, snap_rec = _snapped_reduced(cert)
        kind = "snapped"
    elif isinstance(cert.operator, LiftedOperator):
        red, span = _span_reduced(cert)
        kind = "span"
    else:
        red = _identity_reduced(cert)
        kind = "identity"
    claim = cert.claim
    best = _best(red.kernel_t, red, claim, "certificate kernel", cert.margin)
    if best is None or float(best[0].delta) - cert.delta > FALLBACK_IF_WORSE:
        alt = _fallback(red, claim, cert.margin, solver)
        if alt is not None and (best is None or alt[0].delta < best[0].delta):
            best = alt
    if best is None:
        raise ExactCertificationError("no rational kernel passed the exact checks")
    inst, checks, how = best
    section = ExactSection(
        claim=claim,
        n=cert.n,
        k=inst.k,
        basis=kind,
        kernel=inst.kernel,
        rip_lower=inst.rip_lower,
        rip_upper=inst.rip_upper,
        delta=inst.delta,
        scale=inst.scale,
        margin=inst.margin,
        span=span,
        x_factor=inst.x_factor if kind == "snapped" else None,
        x_gram=inst.x_gram if kind == "snapped" else None,
        zzt=inst.zzt if kind == "snapped" else None,
        snap=snap_rec,
        kernel_how=how,
        checks=tuple(c.name for c in checks),
    )
    out = _sync_operator(cert, section)
    dist = _distance(out, section)
    return out.with_extra(exact=replace(section, operator_distance=dist).to_dict())


def _distance(cert: Certificate, sec: ExactSection) -> float:
    if sec.basis != "snapped":
        return operator_distance(sec, cert)[0]
    hk = float_reduced(cert)[2]
    hq = kernel_from_t(to_float(sec.kernel))
    return float(np.linalg.norm(hk - hq)) / max(float(np.linalg.norm(hk)), 1e-300)


def exact_float_operator(cert: Certificate, sec: ExactSection) -> LiftedOperator | KernelOperator:
    """The float image of a section's exact operator, in the certificate's operator form.

    ``span``: on an orthonormal basis P of span(B) (the certificate's, else from a QR of B),
    ``H_k = W⁻¹ M_{Q⁻¹}ᵀ K M_{Q⁻¹} W⁻¹`` with ``Q = PᵀB`` (``S = Q⁻¹S_PQ⁻ᵀ``); identity on
    the complement.  ``identity``/``snapped``: K in the certificate's own coordinates.
    """
    kq = to_float(sec.kernel)
    op = cert.operator
    if sec.basis == "span":
        assert sec.span is not None
        bf = to_float(
            basis_matrix(exact_matrix(cert.x), exact_matrix(cert.z), sec.span.columns,
                         sec.span.powers)
        )  # fmt: skip
        p = op.basis if isinstance(op, LiftedOperator) and op.k == sec.k else None
        if p is None or np.linalg.norm(bf - p @ (p.T @ bf)) > 1e-10 * np.linalg.norm(bf):
            p = np.linalg.qr(bf)[0]
        m = t_congruence(np.linalg.inv(p.T @ bf))
        return LiftedOperator(basis=p, kernel=kernel_from_t(m.T @ kq @ m))
    if isinstance(op, LiftedOperator):
        return LiftedOperator(basis=op.basis, kernel=kernel_from_t(kq))
    return KernelOperator(kernel_from_t(kq))


def _sync_operator(cert: Certificate, sec: ExactSection) -> Certificate:
    """Replace the float operator by the exact one's float image when they differ (> 1e-9)."""
    if _distance(cert, sec) <= SYNC_TOL:
        return cert
    op = exact_float_operator(cert, sec)
    lo, hi = op.spectrum_bounds()
    sensing = None
    if cert.sensing_matrices is not None:
        sensing = np.array(list(op.sensing_matrices()))
    return replace(
        cert,
        operator=op,
        delta=(hi - lo) / (hi + lo),
        scale=2.0 / (hi + lo),
        sensing_matrices=sensing,
    )
