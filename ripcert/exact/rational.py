"""Exact rational linear algebra and the triangle coordinates (docs/exact.md).

python-flint ``fmpq``/``fmpq_mat`` rationals; every function is an identity over ℚ.
svec coordinates carry √2 on off-diagonals, so a rational kernel in svec coordinates does
not give rational conditions.  Everything exact is written in the *triangle coordinates*
``t(M) = (M_ij)_{i≤j}`` (upper triangle, row-major, no √2): with ``W = diag(1 or √2)``,
``svec(M) = W t(M)``, the kernel becomes ``G = W H W``, and
``‖A(M)‖² = t(M)ᵀ G t(M)``, ``‖M‖²_F = t(M)ᵀ D t(M)`` with ``D = W² = diag(1 or 2)``.

PSD tests are exact LDLᵀ without pivoting: a negative pivot refutes, a zero pivot is allowed
only when the rest of its row (in the Schur complement) is zero; "PD" requires every pivot > 0.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

import numpy as np
from flint import fmpq, fmpq_mat

from ripcert.errors import CertificateFormatError

_QRE = re.compile(r"^-?[0-9]{1,4000}(/[0-9]{1,4000})?$")


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


def is_zero(m: fmpq_mat) -> bool:
    return all(m[i, j] == 0 for i in range(m.nrows()) for j in range(m.ncols()))


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


def sqrt_low(a: fmpq, bits: int = 60) -> fmpq:
    """A rational ≤ √a (a ≥ 0), within 2⁻ᵇⁱᵗˢ relative."""
    num, den = int(a.p), int(a.q)
    return fmpq(math.isqrt(num * den * 4**bits), den * 2**bits)


def sqrt_high(a: fmpq, bits: int = 60) -> fmpq:
    """A rational ≥ √a (a ≥ 0), within 2⁻ᵇⁱᵗˢ relative (the ceiling of the scaled root)."""
    num, den = int(a.p), int(a.q)
    scaled = num * den * 4**bits
    root = math.isqrt(scaled)
    return fmpq(root if root * root == scaled else root + 1, den * 2**bits)


def fixed(a: np.ndarray, den: int) -> fmpq_mat:
    """Round to the common denominator ``den`` (fixed point): keeps exact LDLᵀ cheap, as a
    matrix with one denominator has minors of size O(k·log den) instead of O(k²·log den)."""
    nums = np.rint(np.asarray(a, dtype=float) * den)
    return fmpq_mat(a.shape[0], a.shape[1], [fmpq(int(v), den) for v in nums.ravel()])


def kernel_to_t(h: np.ndarray) -> np.ndarray:
    """Float ``G = W H W`` (svec → triangle coordinates)."""
    w = t_weights(int(round((np.sqrt(8 * h.shape[0] + 1) - 1) / 2)))
    return h * np.outer(w, w)


def kernel_from_t(g: np.ndarray) -> np.ndarray:
    """Float ``H = W⁻¹ G W⁻¹``."""
    w = t_weights(int(round((np.sqrt(8 * g.shape[0] + 1) - 1) / 2)))
    return g / np.outer(w, w)


def gram_metric(g: fmpq_mat) -> fmpq_mat:
    """``D_G``: the matrix of ``t(S) ↦ tr(G S G S)`` (= ``‖B S Bᵀ‖²_F`` when ``G = BᵀB``).

    With ``S = Σ_a t_a E_a`` (``E_a = e_i e_iᵀ`` or ``e_i e_jᵀ + e_j e_iᵀ``),
    ``D_G[a, b] = tr(G E_a G E_b)`` and ``tr(G e_i e_jᵀ G e_p e_qᵀ) = G_jp G_qi``.
    ``D_I`` is :func:`t_metric`.

    >>> gram_metric(identity(2)) == t_metric(2)
    True
    """
    k = g.nrows()
    idx = tindex(k)

    def terms(i: int, j: int) -> list[tuple[int, int]]:
        return [(i, j)] if i == j else [(i, j), (j, i)]

    out = fmpq_mat(len(idx), len(idx))
    for a, (i, j) in enumerate(idx):
        for b in range(a, len(idx)):
            p, s = idx[b]
            val = fmpq(0)
            for ii, jj in terms(i, j):
                for pp, ss in terms(p, s):
                    val += g[jj, pp] * g[ss, ii]
            out[a, b] = out[b, a] = val
    return out


def t_congruence(qm: np.ndarray) -> np.ndarray:
    """Float matrix of ``t(S) ↦ t(Q S Qᵀ)`` (``Q`` of shape ``k'×k``): ``(d_{k'}, d_k)``.

    Column ``a`` is ``t(Q E_a Qᵀ)`` with ``E_a`` as in :func:`gram_metric`.  A kernel ``G'``
    in triangle coordinates of ``S'`` becomes ``Mᵀ G' M`` in those of ``S`` when
    ``S' = Q S Qᵀ``.
    """
    qm = np.asarray(qm, dtype=float)
    kp, k = qm.shape
    rows = [(i, j) for i in range(kp) for j in range(i, kp)]
    ri = np.array([i for i, _ in rows], dtype=int)
    rj = np.array([j for _, j in rows], dtype=int)
    cols = []
    for i, j in tindex(k):
        m = np.outer(qm[:, i], qm[:, j])
        if i != j:
            m = m + m.T
        cols.append(m[ri, rj])
    return np.array(cols).T


def float_gram_metric(g: np.ndarray) -> np.ndarray:
    """Float :func:`gram_metric`."""
    k = g.shape[0]
    idx = tindex(k)
    out = np.zeros((len(idx), len(idx)))
    for a, (i, j) in enumerate(idx):
        ea = np.zeros((k, k))
        ea[i, j] = ea[j, i] = 1.0
        for b, (p, s) in enumerate(idx):
            eb = np.zeros((k, k))
            eb[p, s] = eb[s, p] = 1.0
            out[a, b] = np.trace(g @ ea @ g @ eb)
    return out
