"""Make the ``exact`` section of a certificate (docs/exact.md).

How the rationals are chosen (:func:`certify_exact`): X is snapped to small-denominator
rationals when that is exact to 1e-12 (else ``XXᵀ`` is, with its rank; else X is rounded
to denominators ≤ 10¹²); the same for Z / ZZᵀ.  Kernel candidates are the float ``G``
rounded by continued fractions at several denominators (10 … 10¹²), projected exactly onto
the first-order affine space; ℓ, L are first snapped to simple rationals, then widened by
ε = 10⁻¹³ … 10⁻⁹.  The candidate with the smallest exactly certified δ wins.  When a tight
(margin-0) solution cannot pass exactly, the SDP is re-solved with a tiny margin 10⁻⁷
(strictly feasible), costing O(10⁻⁷) in δ.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from flint import fmpq, fmpq_mat

from ripcert.certificate import Certificate
from ripcert.core.report import Check
from ripcert.errors import ExactCertificationError, RipcertError
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
    identity,
    is_zero,
    kernel_to_t,
    ldl_psd,
    mat_str,
    q_round,
    q_str,
    qmat,
    rref_pivots,
    t_weights,
    tindex,
    to_float,
    tvec,
)

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
    from ripcert.generator.problem import CounterexampleProblem
    from ripcert.generator.sdp import solve

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
