"""Rigorous dual lower bounds on δ*(X, Z) (docs/math.md §3, issue 5).

The primal is the η-form SDP of :mod:`ripcert.generator.sdp`, written in the rational *triangle
coordinates* of :mod:`ripcert.exact.rational` (``G = WHW``, ``D = W²``, ``T`` the matrix of
``U ↦ t(XUᵀ + UXᵀ)``, ``S(G) = mat(He)``, ``t_E = t(XXᵀ − ZZᵀ)``, ``c = μ‖ZZᵀ‖_F``)::

    η* = max η  s.t.  S(G)·X = 0,   B(G) = TᵀGT + 2 I_r⊗S(G) ⪰ cΠ,   ηD ⪯ G ⪯ D.

Its Lagrange dual (multipliers ``Y ∈ R^{n×r}``, ``S₁ ⪰ 0`` (nr×nr), ``S₂ ⪰ 0`` (d×d))::

    min  ⟨R, D⟩ − c⟨S₁, Π⟩   s.t.  ⟨S₂, D⟩ = 1,   R ⪰ 0,
    R(Y, S₁, S₂) = S₂ + T S₁ Tᵀ + sym(w t_Eᵀ),   w = 2 t(Σ_a S₁^{aa}) + t(sym(Y Xᵀ)),

where ``R`` is the matrix with ``⟨R, G⟩ = ⟨S₂, G⟩ + ⟨S₁, B(G)⟩ + ⟨Y, S(G)X⟩`` for every
symmetric G (``Σ_a S₁^{aa}`` = sum of the diagonal n×n blocks).

Weak duality with a proven error term (Jansson-style).  Take *any* rational ``Y``, rational
``S₁ ⪰ 0``, ``S₂ ⪰ 0`` with ``⟨S₂, D⟩ = 1`` (checked exactly), and a rational ``τ ≥ 0`` with
``R + τD ⪰ 0`` (exact LDLᵀ).  For every primal-feasible (G, η)::

    η = ⟨S₂, ηD⟩ ≤ ⟨S₂, G⟩ ≤ ⟨S₂, G⟩ + ⟨S₁, B(G) − cΠ⟩ + ⟨Y, S(G)X⟩ = ⟨R, G⟩ − c⟨S₁, Π⟩
      = ⟨R + τD, G⟩ − τ⟨D, G⟩ − c⟨S₁,Π⟩ ≤ ⟨R + τD, D⟩ − τη⟨D, D⟩ − c_low⟨S₁, Π⟩

(``G ⪯ D``, ``G ⪰ ηD``, ``0 ≤ c_low ≤ c``), hence ``η* ≤ η_U = (⟨R,D⟩ + τ‖D‖² −
c_low⟨S₁,Π⟩)/(1 + τ‖D‖²)`` and ``δ* = (1−η*)/(1+η*) ≥ L = (1−η_U)/(1+η_U)`` (L = 1 when
η_U ≤ 0: no counterexample).  Everything is exact for the given float (X, Z), which are
binary rationals; (X, Z) are first scaled by a power of two (exact; δ* is invariant).
The multipliers come from solving this dual with cvxpy (Clarabel by default) and are then
rounded and shifted (``S ← S + σI``) until the exact checks pass.  The upper end ``U`` is
the δ of the primal certificate made exact by :func:`ripcert.exact.certify_exact`
(rigorous; ``details["upper_exact"]`` is its ``"p/q"``), or the floating primal value
:func:`ripcert.generator.counterexample.delta_star` when exact certification fails (then
``upper_exact`` is None).

Lifted certificates (:func:`with_dual`): the bound is computed on the reduced instance
``(PᵀX, PᵀZ)``; compressing any feasible full-space kernel to ``span(P)`` gives a feasible
reduced kernel with the same margin and a spectrum inside the original, so the reduced δ*
is ≤ the full one and L bounds both (docs/math.md §4).
"""

from __future__ import annotations

from flint import fmpq, fmpq_mat

from ripcert.core.report import Check, proved
from ripcert.exact.rational import (
    identity,
    ldl_psd,
    q,
    sqrt_low,
    symmetry_generators,
    t_lift,
    t_metric,
    tvec,
)


def projector(x: fmpq_mat) -> fmpq_mat:
    """Exact projector onto the complement of ``{XΩ}`` in vec coordinates."""
    n, r = x.nrows(), x.ncols()
    v = symmetry_generators(x)
    if v.ncols() == 0:
        return identity(n * r)
    return identity(n * r) - v * (v.transpose() * v).inv() * v.transpose()


def r_matrix(xq, teq, tq, y, s1, s2) -> fmpq_mat:
    """``R = S₂ + T S₁ Tᵀ + sym(w t_Eᵀ)`` (module docstring), exactly."""
    n, r = xq.nrows(), xq.ncols()
    kb = fmpq_mat(n, n)
    for a in range(r):
        for i in range(n):
            for j in range(n):
                kb[i, j] += s1[a * n + i, a * n + j]
    km = y * xq.transpose()
    km = (km + km.transpose()) * fmpq(1, 2)
    w = tvec(kb) * fmpq(2) + tvec(km)
    outer = w * teq.transpose()
    return s2 + tq * s1 * tq.transpose() + (outer + outer.transpose()) * fmpq(1, 2)


def dual_checks(xq, zq, mu, y, s1, s2) -> tuple[fmpq, fmpq, list[Check]]:
    """Exact η_U and L from multipliers; the checks made on the way."""
    n = xq.nrows()
    dmat = t_metric(n)
    tq = t_lift(xq)
    teq = tvec(xq * xq.transpose() - zq * zq.transpose())
    checks = [proved("dual_s1_psd", *ldl_psd(s1)), proved("dual_s2_psd", *ldl_psd(s2))]
    norm = sum((dmat[a, a] * s2[a, a] for a in range(dmat.nrows())), fmpq(0))
    checks.append(proved("dual_s2_normalised", norm == 1, "⟨S₂, D⟩ = 1"))
    rm = r_matrix(xq, teq, tq, y, s1, s2)
    return rm, dmat, checks


def eta_upper(rm, dmat, tau, s1, c_low, pi) -> fmpq:
    d = dmat.nrows()
    rd = sum((rm[a, a] * dmat[a, a] for a in range(d)), fmpq(0))
    dd = sum((dmat[a, a] ** 2 for a in range(d)), fmpq(0))
    s1pi = sum((s1[i, j] * pi[i, j] for i in range(s1.nrows()) for j in range(s1.ncols())), fmpq(0))
    return (rd + tau * dd - c_low * s1pi) / (1 + tau * dd)


def lower_from_eta(eta: fmpq) -> fmpq:
    if eta <= 0:
        return fmpq(1)
    if eta >= 1:
        return fmpq(0)
    return (1 - eta) / (1 + eta)


def margin_low(mu: float, zq: fmpq_mat) -> fmpq:
    """A rational ``c_low ≤ c = μ‖ZZᵀ‖_F`` (exact square, rounded-down square root)."""
    m = zq * zq.transpose()
    fro_sq = sum((m[i, j] ** 2 for i in range(m.nrows()) for j in range(m.ncols())), fmpq(0))
    return q(mu) * sqrt_low(fro_sq)
