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

Reduced instance with a metric (the user's own input at any n).  In this paragraph the
kernel is written K and the bracket 𝔅, as B and G name the basis and its Gram matrix (in the
code: ``kernel``, ``metric``).  Every float is a rational, so (X, Z) *are* rational data.
Let ``B`` (n×k, rational, full column rank) span
``span([X Z])`` — :mod:`ripcert.exact.basis` takes independent columns of ``[X Z]`` — with
Gram matrix ``G = BᵀB`` and exact coordinates ``X = B·C_X``, ``Z = B·C_Z``.  The subspace
``𝒱 = {B S Bᵀ : S ∈ S^k}`` of S^n has ``‖B S Bᵀ‖²_F = tr(G S G S) = t(S)ᵀ D_G t(S)``
(:func:`~ripcert.exact.rational.gram_metric`) and Frobenius-orthogonal projection
``Π(M) = B G⁻¹ BᵀMB G⁻¹ Bᵀ`` (rational).  A rational ``K`` (triangle coordinates of S)
defines the *exact lifted operator* on S^n::

    ‖A(M)‖² = ‖M − Π(M)‖²_F + t(S_M)ᵀ K t(S_M),      Π(M) = B S_M Bᵀ.

Lift lemma (all identities exact; ``E = XXᵀ − ZZᵀ = B E_C Bᵀ``, ``E_C = C_X C_Xᵀ − C_Z C_Zᵀ``):

1. *Spectrum.*  ``‖M‖² = ‖M − ΠM‖² + ‖ΠM‖²``, so ``ℓ‖M‖² ≤ ‖A(M)‖² ≤ L‖M‖²`` on S^n iff
   ``ℓ D_G ⪯ K ⪯ L D_G`` and, when ``𝒱^⊥ ≠ 0`` (n > k), ``ℓ ≤ 1 ≤ L``.
2. *Gradient.*  ``E ∈ 𝒱`` is A-orthogonal to ``𝒱^⊥``, so ``⟨E, N⟩_A = vᵀ t(S_N)`` with
   ``v = K t(E_C)``; the Riesz matrix of ``N ↦ ⟨E, N⟩_A`` is ``Σ = B G⁻¹ S_v G⁻¹ Bᵀ`` with
   ``S_v = mat(v)`` (:func:`~ripcert.exact.rational.s_of`), and
   ``∇f(X) = 4ΣX = 4 B G⁻¹ S_v C_X``.  B has full column rank: ``∇f(X) = 0 ⇔ S_v C_X = 0``.
3. *Hessian.*  Write ``U = B V + U⊥`` with ``BᵀU⊥ = 0``.  Then ``XU⊥ᵀ + U⊥Xᵀ ∈ 𝒱^⊥`` (its
   compression ``Bᵀ(·)B`` vanishes) and ``⟨Σ, UUᵀ⟩ = ⟨S_v, VVᵀ⟩``, so ``½∇²f(X)[U, U] =
   Q(XUᵀ + UXᵀ) + 2⟨Σ, UUᵀ⟩`` splits with no cross term::

       ½∇²f(X)[U, U] = t(C_X Vᵀ + V C_Xᵀ)ᵀ K t(C_X Vᵀ + V C_Xᵀ) + 2⟨S_v, VVᵀ⟩ + 2‖X U⊥ᵀ‖²_F.

   The first two terms are the bracket 𝔅 of the reduced instance ``(C_X, C_Z, K)`` (the
   formula above with ``Y = C_X``, Γ = I), the last is ``2 tr(U⊥ XᵀX U⊥ᵀ) ≥ 0``.  So
   SOC on R^{n×r} ⇔ SOC of the reduced bracket; with ``{XΩ} = {B C_X Ω}`` and rank X = r
   (``XᵀX = C_XᵀGC_X ≻ 0``), strictness lifts too; a margin lifts iff in addition
   ``2XᵀX ⪰ L·μ·c·I`` (checked exactly as ``2C_XᵀGC_X ⪰ LμcΓ⁻¹``).  Norms of U:
   ``‖BV‖² = vec(V)ᵀ(I_r⊗G)vec(V)``, hence the metric ``Γ⁻¹⊗G`` of the margin check.

An :class:`ExactInstance` therefore carries ``metric = G`` (None: the standard metric,
G = I); the RIP check is against ``D_G`` and the margin is measured in ``Γ⁻¹⊗G``.  With
``B = I_n`` (full space, ``--no-reduce``) nothing is lifted.  When the instance was *snapped*
to a nearby simple one (``certify_exact(..., snap=True)``), the claim is about that instance
in R^k with G = I; the section records both instances and their distance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from flint import fmpq, fmpq_mat

from ripcert.certificate import Certificate
from ripcert.core.operator import KernelOperator, LiftedOperator
from ripcert.core.report import Check, proved
from ripcert.exact.rational import (
    gram_metric,
    identity,
    is_zero,
    kron,
    ldl_psd,
    nullspace,
    q_str,
    s_of,
    sqrt_high,
    symmetry_generators,
    t_lift,
    t_metric,
    tvec,
)


@dataclass(frozen=True)
class ExactInstance:
    """Rational data of an exact claim, in the coordinates of a basis B of span([X Z]).

    ``x_factor`` Y and ``x_gram`` Γ with ``C_X C_Xᵀ = YΓYᵀ`` (Γ = I when X itself is
    rational); ``zzt`` = ``C_Z C_Zᵀ``; ``kernel`` K (triangle coordinates of S, ``M = BSBᵀ``);
    ``metric`` G = BᵀB (None: G = I); ``rip_lower``/``rip_upper`` = ℓ, L; ``n_full`` the
    dimension of the lift; ``margin`` μ (strict claims: ``B ⪰ L·μ·c_low·Π`` in the metric
    ``Γ⁻¹⊗G``, i.e. ``½∇²f̂ ⪰ μ‖ZZᵀ‖_F`` off the symmetry directions with ``f̂ = f/λ_max`` as
    in the float certificate, since λ_max ≤ L).
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
    metric: fmpq_mat | None = None

    @property
    def k(self) -> int:
        return self.x_factor.nrows()

    @property
    def gram(self) -> fmpq_mat:
        """G (k×k): the identity when no metric is given."""
        return identity(self.k) if self.metric is None else self.metric

    @property
    def norm_form(self) -> fmpq_mat:
        """``D_G``: ``‖BSBᵀ‖²_F = t(S)ᵀ D_G t(S)``."""
        return t_metric(self.k) if self.metric is None else gram_metric(self.metric)

    @property
    def lifted(self) -> bool:
        """True when the claim is lifted to a larger space (a non-empty complement)."""
        return self.n_full > self.k

    @property
    def delta(self) -> fmpq:
        return (self.rip_upper - self.rip_lower) / (self.rip_upper + self.rip_lower)

    @property
    def scale(self) -> fmpq:
        return fmpq(2) / (self.rip_upper + self.rip_lower)


def _instance_parts(inst: ExactInstance) -> tuple[fmpq_mat, fmpq_mat, fmpq_mat]:
    """``E_C``, ``S_v`` and the reduced bracket of an instance (module docstring)."""
    y, gam, k = inst.x_factor, inst.x_gram, inst.k
    e = y * gam * y.transpose() - inst.zzt
    s = s_of(inst.kernel * tvec(e), k)
    t = t_lift(y)
    b = t.transpose() * inst.kernel * t + kron(gam.inv(), s) * fmpq(2)
    return e, s, b


def rip_checks(inst: ExactInstance) -> list[Check]:
    """``ℓD_G ⪯ K ⪯ LD_G`` (and ``ℓ ≤ 1 ≤ L`` for a lift), exactly (lift lemma, part 1)."""
    d = inst.norm_form
    g, lo, hi = inst.kernel, inst.rip_lower, inst.rip_upper
    out = [proved("rip_positive", lo > 0 and hi >= lo, f"ℓ = {q_str(lo)}, L = {q_str(hi)}")]
    if inst.lifted:
        ok = lo <= 1 <= hi
        out.append(proved("lift_spectrum", ok, "ℓ ≤ 1 ≤ L (identity on the complement)"))
    out.append(proved("rip_lower", *ldl_psd(g - d * lo)))
    out.append(proved("rip_upper", *ldl_psd(d * hi - g)))
    return out


def _cross_gram(inst: ExactInstance) -> fmpq_mat:
    """``YᵀGY``: ``XᵀX = CᵀYᵀGYC`` with ``CCᵀ = Γ``."""
    y = inst.x_factor
    return y.transpose() * inst.gram * y


def landscape_checks(inst: ExactInstance) -> list[Check]:
    """Factor, spuriousness, FOC, SOC (and strictness) — everything but the RIP bounds."""
    y, gam = inst.x_factor, inst.x_gram
    r = y.ncols()
    out = [proved("x_factor_rank", y.rank() == r, f"rank Y = {y.rank()}, r = {r}")]
    out.append(proved("x_gram_pd", *ldl_psd(gam, strict=True)))
    if inst.metric is not None:
        out.append(proved("basis_gram_pd", *ldl_psd(inst.metric, strict=True)))
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
        if inst.lifted:
            ok, why = ldl_psd(_cross_gram(inst), strict=True)
            out.append(proved("lift_cross_curvature", ok, f"XᵀX ≻ 0 (2‖XU⊥ᵀ‖² > 0): {why}"))
        if inst.margin > 0:
            out.append(margin_check(inst, b))
    return out


def complement_form(y: fmpq_mat, gam: fmpq_mat, metric: fmpq_mat | None = None) -> fmpq_mat:
    """Quadratic form of ``‖Π vec(U)‖²`` in the Ũ coordinates (``U = BŨC⁻ᵀ``, ``CCᵀ = Γ``).

    ``‖U‖² = vec(Ũ)ᵀ (Γ⁻¹⊗G) vec(Ũ)`` and the symmetry directions are ``{YΩ'}``, so the form
    is ``M − MV(VᵀMV)⁻¹VᵀM`` with ``M = Γ⁻¹⊗G``, ``V`` = :func:`symmetry_generators` (Y).
    """
    g = identity(y.nrows()) if metric is None else metric
    m = kron(gam.inv(), g)
    v = symmetry_generators(y)
    if v.ncols() == 0:
        return m
    mv = m * v
    return m - mv * (v.transpose() * mv).inv() * mv.transpose()


def truth_norm_sq(zzt: fmpq_mat, metric: fmpq_mat | None = None) -> fmpq:
    """``‖ZZᵀ‖²_F = tr(G·zzT·G·zzT)`` exactly (``ZZᵀ = B·zzT·Bᵀ``)."""
    m = zzt if metric is None else metric * zzt
    mm = m * m
    return sum((mm[i, i] for i in range(mm.nrows())), fmpq(0))


def margin_check(inst: ExactInstance, b: fmpq_mat) -> Check:
    """``B ⪰ L·μ·c_high·Π`` with ``c_high ≥ ‖ZZᵀ‖_F`` (exact; rounded *up*, so the proof
    covers the full margin μ: ``B/λ_max ⪰ μ‖ZZᵀ‖_F Π`` since ``λ_max ≤ L``), and on a lift also
    the cross directions: ``2XᵀX ⪰ L·μ·c_high·I`` ⇔ ``2YᵀGY ⪰ L·μ·c_high·Γ⁻¹`` (module
    docstring)."""
    c = inst.margin * sqrt_high(truth_norm_sq(inst.zzt, inst.metric)) * inst.rip_upper
    ok, why = ldl_psd(b - complement_form(inst.x_factor, inst.x_gram, inst.metric) * c)
    if ok and inst.lifted:
        ok, why = ldl_psd(_cross_gram(inst) * fmpq(2) - inst.x_gram.inv() * c)
        why = f"cross directions: {why}"
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
