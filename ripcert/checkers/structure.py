"""Verifier side of structured certificates (docs/math.md §3; arXiv:2012.10297).

A certificate with a ``structure`` section (written by ``ripcert.generator.structured``)
claims, besides X spurious for Z:

* its kernel has the declared structure — the zero pattern and equality groups of
  :class:`~ripcert.core.structure.KernelStructure` — and that structure is the one of the
  named family (re-derived here, exactly, from the family name);
* δ-RIP in the declared notion: on all of Sⁿ (``rip: full``, the verifier's ordinary checks)
  or on ``{PMPᵀ}`` for the stored orthonormal basis P of ``span([X Z])`` (``rip: span``:
  the extreme eigenvalues of ``E_PᵀHE_P`` with the claimed scale; the full-space checks do
  not apply and are replaced);
  The sharp-threshold theorem check (full-space RIP, unconstrained critical points) is
  dropped for ``span`` and for ``sphere``: its hypotheses do not hold;
* criticality: ``plain`` (the ordinary first- and second-order checks) or ``sphere``:
  ``‖X − ω‖ = R``, ``∇f(X) = −μ(X − ω)`` with ``μ ≥ 0`` (μ re-estimated here as
  ``−⟨∇f, X − ω⟩/‖X − ω‖²``), and ``∇²f(X) + μI ⪰ 0`` on the tangent space
  ``{V : ⟨V, X − ω⟩ = 0}`` when μ > 0, on the whole space when μ = 0 (the critical cone is
  then a half-space).  These replace the ordinary first- and second-order checks.

Only numpy/scipy and the core layer: no generator, no solver.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ripcert.core.families import family
from ripcert.core.report import Check
from ripcert.core.structure import KernelStructure, template_structure
from ripcert.core.vectorization import sdim, smat, svec
from ripcert.errors import InvalidInputError

#: relative tolerances
STRUCTURE_TOL = 1e-9
SPAN_TOL = 1e-9
RIP_TOL = 1e-7
FOC_TOL = 1e-6
SOC_TOL = 1e-7
#: μ‖X − ω‖ below this fraction of the first-order scale counts as μ = 0 (then the full
#: Hessian must be PSD); the generator keeps μ at least 100 times above it
MU_ZERO_TOL = 1e-6

#: the ordinary checks that a structured section replaces
FULL_RIP_CHECKS = ("rip_spectral", "rip_scale", "rip_lower", "rip_upper", "theorem_threshold")
PLAIN_CRITICAL_CHECKS = ("first_order", "second_order", "strict_min", "theorem_threshold")


def _declared(section: Mapping, n: int) -> KernelStructure:
    st = KernelStructure.from_upper(section["labels"], int(section.get("n", n)))
    if st.n != n:
        raise InvalidInputError(f"structure is for n = {st.n}, the certificate has n = {n}")
    return st


def structure_checks(section: Mapping, kernel: np.ndarray, n: int) -> list[Check]:
    """The declared structure is the family's, and the kernel satisfies it."""
    try:
        st = _declared(section, n)
    except (KeyError, TypeError, ValueError) as exc:
        return [Check("structure_declared", False, f"malformed structure: {exc}", value=np.nan)]
    name = str(section.get("family", ""))
    checks = []
    try:
        ref = (
            KernelStructure.unstructured(n)
            if name == "none"
            else template_structure(family(name, n))
        )
        if ref.n != n:
            raise InvalidInputError(f"the family acts on n = {ref.n}, the certificate on n = {n}")
        same = bool(np.array_equal(ref.labels, st.labels))
        checks.append(
            Check(
                "structure_family",
                same,
                f"declared labels = the exact structure of {name!r}"
                f" ({ref.num_nonzero} non-zeros, {ref.num_groups} groups)",
                value=float(np.sum(ref.labels != st.labels)),
                tolerance=0.0,
            )
        )
    except InvalidInputError as exc:
        checks.append(Check("structure_family", False, f"family {name!r}: {exc}", value=np.nan))
    zero, eq = st.violation(kernel)
    scale = max(float(np.abs(kernel).max()), 1e-300)
    checks.append(
        Check(
            "structure_zeros",
            zero <= STRUCTURE_TOL * scale,
            "max |H_ab| over the forced zeros / max |H|",
            value=zero / scale,
            tolerance=STRUCTURE_TOL,
        )
    )
    checks.append(
        Check(
            "structure_groups",
            eq <= STRUCTURE_TOL * scale,
            "max spread of H_ab/(w_a w_b) within an equality group / max |H|",
            value=eq / scale,
            tolerance=STRUCTURE_TOL,
        )
    )
    return checks


def span_rip_checks(
    section: Mapping, kernel: np.ndarray, x: np.ndarray, z: np.ndarray, delta: float, scale: float
) -> list[Check]:
    """δ-RIP on ``{PMPᵀ}`` for the stored basis P, which must span exactly ``[X Z]``."""
    try:
        p = np.array(section["basis"], dtype=float)
    except (KeyError, TypeError, ValueError) as exc:
        return [Check("rip_span", False, f"no usable basis: {exc}", value=np.nan)]
    n = x.shape[0]
    xz = np.hstack([x, z])
    if p.ndim != 2 or p.shape[0] != n or not np.all(np.isfinite(p)):
        return [Check("rip_span", False, f"basis has shape {p.shape}, n = {n}", value=np.nan)]
    ortho = float(np.linalg.norm(p.T @ p - np.eye(p.shape[1])))
    xz_norm = float(np.linalg.norm(xz))
    inside = float(np.linalg.norm(xz - p @ (p.T @ xz))) / max(xz_norm, 1e-300)
    rank = int(np.linalg.matrix_rank(xz, tol=SPAN_TOL * max(1.0, xz_norm)))
    basis_ok = ortho <= SPAN_TOL and inside <= SPAN_TOL and p.shape[1] == rank
    k = p.shape[1]
    emb = svec(p @ smat(np.eye(sdim(k))) @ p.T).T
    ev = np.linalg.eigvalsh(emb.T @ kernel @ emb)
    lo, hi = float(ev[0]), float(ev[-1])
    dev = max(scale * hi - 1.0, 1.0 - scale * lo)
    return [
        Check(
            "span_basis",
            basis_ok,
            f"P orthonormal (‖PᵀP − I‖ = {ortho:.2e}), [X Z] ⊆ range(P) (rel. residual"
            f" {inside:.2e}), k = {k} = rank [X Z] = {rank}",
            value=max(ortho, inside),
            tolerance=SPAN_TOL,
        ),
        Check(
            "rip_span",
            dev <= delta + RIP_TOL,
            f"max(γλ_max − 1, 1 − γλ_min) of E_PᵀHE_P (spectrum [{lo:.6g}, {hi:.6g}],"
            f" γ = {scale:.10g}) ≤ claimed δ = {delta:.10g}",
            value=dev,
            tolerance=RIP_TOL,
        ),
    ]


def sphere_checks(
    section: Mapping,
    x: np.ndarray,
    z: np.ndarray,
    grad: np.ndarray,
    hess: np.ndarray,
    lam_max: float,
) -> list[Check]:
    """Second-order KKT point of f over ``‖U − ω‖ ≤ R`` on its boundary (module doc)."""
    try:
        omega = np.array(section["omega"], dtype=float).reshape(x.shape)
        radius = float(section["radius"])
    except (KeyError, TypeError, ValueError) as exc:
        return [Check("sphere", False, f"no usable ω, R: {exc}", value=np.nan)]
    u = (x - omega).reshape(-1, order="F")
    dist = float(np.linalg.norm(u))
    on = abs(dist - radius) / max(radius, 1e-300)
    g = grad.reshape(-1, order="F")
    mu = -float(g @ u) / max(dist**2, 1e-300)
    # first-order scale: 4λ·max(‖X‖₂, ‖Z‖₂)·‖XXᵀ − ZZᵀ‖_F, λ the largest eigenvalue on the
    # RIP space (the ordinary check's scale), or the size of the terms if larger
    gap = float(np.linalg.norm(x @ x.T - z @ z.T))
    size = max(float(np.linalg.norm(x, 2)), float(np.linalg.norm(z, 2)))
    fscale = max(4.0 * lam_max * size * gap, float(np.linalg.norm(g)) + abs(mu) * dist, 1e-300)
    fit = float(np.linalg.norm(g + mu * u))
    foc = fit / fscale
    mu_rel = mu * dist / fscale
    hscale = max(float(np.linalg.norm(hess, 2)), 2.0 * lam_max, 1e-300)
    # μ > 0 is established when μ‖X − ω‖ exceeds the first-order tolerance on that scale and
    # a thousand times the residual of the fit ∇f ≈ −μ(X − ω)
    if mu * dist > max(MU_ZERO_TOL * fscale, 1e3 * fit):
        q = np.linalg.svd(u[:, None], full_matrices=True)[0][:, 1:]
        soc = float(np.linalg.eigvalsh(q.T @ (hess + mu * np.eye(len(u))) @ q)[0]) / hscale
        where = f"on the tangent space, μ = {mu:.6g} > 0"
    else:
        soc = float(np.linalg.eigvalsh(hess)[0]) / hscale
        where = f"on the whole space (μ = {mu:.3g} ≈ 0: the critical cone is a half-space)"
    return [
        Check(
            "sphere_radius",
            on <= 1e-9,
            f"|‖X − ω‖ − R|/R with R = {radius:g}",
            value=on,
            tolerance=1e-9,
        ),
        Check(
            "sphere_first_order",
            foc <= FOC_TOL and mu_rel >= -FOC_TOL,
            f"‖∇f + μ(X − ω)‖/scale with μ = −⟨∇f, X−ω⟩/‖X−ω‖² = {mu:.6g} ≥ 0 (scale:"
            " max(4λ max(‖X‖₂,‖Z‖₂)‖XXᵀ−ZZᵀ‖_F, ‖∇f‖ + μ‖X−ω‖))",
            value=foc,
            tolerance=FOC_TOL,
        ),
        Check(
            "sphere_second_order",
            soc >= -SOC_TOL,
            f"λ_min(∇²f + μI)/‖∇²f‖ {where}",
            value=soc,
            tolerance=SOC_TOL,
        ),
    ]


def amend_structured(cert: object, checks: list[Check], landscape: Any) -> list[Check]:
    """Replace/append the checks of a structured certificate (a ``structure`` section).

    ``cert`` is a :class:`~ripcert.certificate.Certificate`; ``landscape`` is the verifier's
    :class:`~ripcert.checkers.verification.Landscape` class, passed in by the verifier (so
    that this module does not import it back: no import cycle).  The ordinary full-space
    RIP checks are dropped for ``rip: span``, the ordinary first/second-order checks for
    ``critical: sphere``; structure, span-RIP and sphere checks are appended.
    """
    Landscape = landscape  # noqa: N806 - the class, under its own name

    section = cert.extra.get("structure")  # type: ignore[attr-defined]
    if not isinstance(section, Mapping):
        return checks + [Check("structure_declared", False, "structure is not an object")]
    x, z = cert.x, cert.z  # type: ignore[attr-defined]
    op = cert.operator  # type: ignore[attr-defined]
    try:
        kernel = np.asarray(op.dense_kernel(), dtype=float)
    except (MemoryError, ValueError) as exc:
        return checks + [Check("structure_declared", False, f"no dense kernel: {exc}")]
    rip = section.get("rip", "full")
    critical = section.get("critical", "plain")
    drop = set()
    if rip == "span":
        drop |= set(FULL_RIP_CHECKS)
    elif rip != "full":
        return checks + [Check("structure_declared", False, f"unknown rip notion {rip!r}")]
    if critical == "sphere":
        drop |= set(PLAIN_CRITICAL_CHECKS)
    elif critical != "plain":
        return checks + [Check("structure_declared", False, f"unknown criticality {critical!r}")]
    out = [c for c in checks if c.name not in drop]
    out += structure_checks(section, kernel, x.shape[0])
    if rip == "span":
        out += span_rip_checks(section, kernel, x, z, cert.delta, cert.scale)  # type: ignore[attr-defined]
    if critical == "sphere":
        land = Landscape.from_operator(op, z, sensing=cert.sensing_matrices)  # type: ignore[attr-defined]
        lam_max = float(np.linalg.eigvalsh(kernel)[-1])
        if rip == "span":  # λ_max on the RIP space: E_PᵀHE_P
            p = np.asarray(section.get("basis"), dtype=float)
            emb = svec(p @ smat(np.eye(sdim(p.shape[1]))) @ p.T).T
            lam_max = float(np.linalg.eigvalsh(emb.T @ kernel @ emb)[-1])
        out += sphere_checks(section, x, z, land.gradient(x), land.hessian(x), lam_max)
    return out


__all__ = ["amend_structured", "sphere_checks", "span_rip_checks", "structure_checks"]
