"""Exact rational certificates (docs/math.md §1–§4, issue 5).

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
* second order ``B = TᵀGT + 2 N ⊗ S ⪰ 0`` — the bracket ``½∇²f`` of docs/math.md §1 up to a
  congruence (below), ``T`` the matrix of ``U ↦ t(YUᵀ + UYᵀ)``;
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

What the exact claim covers.  For a :class:`~ripcert.core.operator.LiftedOperator` the exact
claim is about the *reduced instance* in R^k: ``(PᵀX, PᵀZ)`` rationalised, with the rational
kernel ``G_k`` on S^k.  The lift to Rⁿ (identity on the complement of ``P S Pᵀ``) keeps FOC,
SOC and strictness (cross directions get curvature ``2‖XVᵀ‖²``, positive when rank X = r)
and adds the eigenvalue 1 to the spectrum (docs/math.md §4,
:mod:`ripcert.generator.reductions`); this holds
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

from dataclasses import dataclass

import numpy as np
from flint import fmpq, fmpq_mat

from ripcert.certificate import Certificate
from ripcert.core.operator import KernelOperator, LiftedOperator
from ripcert.core.report import Check, proved
from ripcert.exact.rational import (
    identity,
    is_zero,
    kron,
    ldl_psd,
    nullspace,
    q_str,
    s_of,
    sqrt_low,
    symmetry_generators,
    t_lift,
    t_metric,
    tvec,
)


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
    out = [proved("rip_positive", lo > 0 and hi >= lo, f"ℓ = {q_str(lo)}, L = {q_str(hi)}")]
    if inst.n_full > inst.k:
        ok = lo <= 1 <= hi
        out.append(proved("lift_spectrum", ok, "ℓ ≤ 1 ≤ L (identity on the complement)"))
    out.append(proved("rip_lower", *ldl_psd(g - d * lo)))
    out.append(proved("rip_upper", *ldl_psd(d * hi - g)))
    return out


def landscape_checks(inst: ExactInstance) -> list[Check]:
    """Factor, spuriousness, FOC, SOC (and strictness) — everything but the RIP bounds."""
    y, gam = inst.x_factor, inst.x_gram
    r = y.ncols()
    out = [proved("x_factor_rank", y.rank() == r, f"rank Y = {y.rank()}, r = {r}")]
    out.append(proved("x_gram_pd", *ldl_psd(gam, strict=True)))
    out.append(proved("truth_psd", *ldl_psd(inst.zzt)))
    if not all(c.passed for c in out):
        return out
    e, s, b = _instance_parts(inst)
    out.append(proved("spurious", not is_zero(e), "XXᵀ ≠ ZZᵀ"))
    out.append(proved("first_order", is_zero(s * y), "mat(He)·X = 0"))
    if not out[-1].passed:
        return out
    out.append(proved("second_order", *ldl_psd(b)))
    if inst.claim == "strict_local_min":
        v = symmetry_generators(y)
        if v.ncols():
            out.append(proved("symmetry_kernel", is_zero(b * v), "B·{YΩ} = 0"))
            c = nullspace(v.transpose())
            out.append(proved("strict_pd_complement", *ldl_psd(c.transpose() * b * c, True)))
        else:
            out.append(proved("strict_pd_complement", *ldl_psd(b, strict=True)))
        if inst.margin > 0:
            out.append(margin_check(inst, b))
    return out


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
    return proved("margin", ok, f"½∇²f̂ ⪰ μ‖ZZᵀ‖_F Π with μ = {q_str(inst.margin)}: {why}")


def check_instance(inst: ExactInstance) -> list[Check]:
    """Every exact check of an instance."""
    if inst.claim not in ("second_order_critical", "strict_local_min"):
        return [proved("claim", False, f"unknown claim {inst.claim!r}")]
    return landscape_checks(inst) + rip_checks(inst)


def float_reduced(cert: Certificate) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """``(x_k, z_k, H_k, coordinates)`` of a certificate: reduced for lifted operators."""
    op = cert.operator
    if isinstance(op, LiftedOperator):
        p = op.basis
        return p.T @ cert.x, p.T @ cert.z, np.asarray(op.kernel), "reduced"
    if isinstance(op, KernelOperator):
        return cert.x, cert.z, np.asarray(op.kernel), "full"
    return cert.x, cert.z, op.dense_kernel(), "full"
