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

The user's own input at any n (:func:`ripcert.maker.dual.with_dual`): the bound is computed
on the exact reduced pair ``(C_X, C_Z)`` of a rational basis B of ``span([X Z])``
(:mod:`ripcert.exact.basis`, ``X = B·C_X`` exactly) with the metric ``G = BᵀB``: every
``D`` above becomes ``D_G`` (``‖BSBᵀ‖² = t(S)ᵀD_G t(S)``) and Π the complement projector in
the metric ``I_r⊗G`` of ``‖BV‖²``.  The steps of the proof only use ``D_G ⪰ 0``, so they hold
verbatim.  Compressing any feasible operator on S^n to ``{BSBᵀ}`` gives a feasible reduced
kernel with the same margin and a spectrum inside the original (its FOC, bracket and RIP
restrict; docs/math.md §4), so the reduced η* ≥ the full one and L bounds δ*(X, Z) itself.
"""

from __future__ import annotations

from flint import fmpq, fmpq_mat

from ripcert.core.report import Check, proved
from ripcert.exact.instance import complement_form, truth_norm_sq
from ripcert.exact.rational import (
    gram_metric,
    identity,
    ldl_psd,
    q,
    sqrt_low,
    t_lift,
    t_metric,
    tvec,
)


def projector(x: fmpq_mat, metric: fmpq_mat | None = None) -> fmpq_mat:
    """Quadratic form of ``‖Π vec(U)‖²`` (complement of ``{XΩ}``) in the metric ``I_r⊗G``."""
    return complement_form(x, identity(x.ncols()), metric)


def r_matrix(
    xq: fmpq_mat, teq: fmpq_mat, tq: fmpq_mat, y: fmpq_mat, s1: fmpq_mat, s2: fmpq_mat
) -> fmpq_mat:
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


def norm_form(k: int, metric: fmpq_mat | None) -> fmpq_mat:
    """``D`` (standard metric) or ``D_G``."""
    return t_metric(k) if metric is None else gram_metric(metric)


def dual_checks(
    xq: fmpq_mat,
    zq: fmpq_mat,
    y: fmpq_mat,
    s1: fmpq_mat,
    s2: fmpq_mat,
    metric: fmpq_mat | None = None,
) -> tuple[fmpq_mat, fmpq_mat, list[Check]]:
    """``R``, ``D_G`` and the exact checks on the multipliers (PSD, ``⟨S₂, D_G⟩ = 1``)."""
    n = xq.nrows()
    dmat = norm_form(n, metric)
    tq = t_lift(xq)
    teq = tvec(xq * xq.transpose() - zq * zq.transpose())
    checks = [proved("dual_s1_psd", *ldl_psd(s1)), proved("dual_s2_psd", *ldl_psd(s2))]
    norm = inner(s2, dmat)
    checks.append(proved("dual_s2_normalised", norm == 1, "⟨S₂, D⟩ = 1"))
    rm = r_matrix(xq, teq, tq, y, s1, s2)
    return rm, dmat, checks


def inner(a: fmpq_mat, b: fmpq_mat) -> fmpq:
    """``⟨A, B⟩ = Σ A_ij B_ij``."""
    return sum(
        (a[i, j] * b[i, j] for i in range(a.nrows()) for j in range(a.ncols()) if a[i, j] != 0),
        fmpq(0),
    )


def eta_upper(
    rm: fmpq_mat, dmat: fmpq_mat, tau: fmpq, s1: fmpq_mat, c_low: fmpq, pi: fmpq_mat
) -> fmpq:
    """``η_U = (⟨R, D⟩ + τ‖D‖² − c_low⟨S₁, Π⟩)/(1 + τ‖D‖²)`` (module docstring)."""
    dd = inner(dmat, dmat)
    return (inner(rm, dmat) + tau * dd - c_low * inner(s1, pi)) / (1 + tau * dd)


def lower_from_eta(eta: fmpq) -> fmpq:
    if eta <= 0:
        return fmpq(1)
    if eta >= 1:
        return fmpq(0)
    return (1 - eta) / (1 + eta)


def margin_low(mu: float, zq: fmpq_mat, metric: fmpq_mat | None = None) -> fmpq:
    """A rational ``c_low ≤ c = μ‖ZZᵀ‖_F`` (exact square, rounded-down square root)."""
    return q(mu) * sqrt_low(truth_norm_sq(zq * zq.transpose(), metric))
