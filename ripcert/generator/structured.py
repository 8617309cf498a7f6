"""Structured certificates: counterexamples under a kernel structure (docs/math.md §3).

:func:`generate_structured` solves the structured SDP
(:mod:`ripcert.generator.sdp.structured`) and writes a certificate whose optional
``structure`` section states what it proves:

* ``family``, ``n``, ``labels`` (the upper-triangle group labels of
  :class:`~ripcert.core.structure.KernelStructure`, −1 a forced zero), ``nonzeros``,
  ``groups`` — the declared structure of the kernel;
* ``rip``: ``"full"`` (δ-RIP on all of Sⁿ) or ``"span"`` (δ-RIP on ``{PMPᵀ}`` only, with the
  orthonormal ``basis`` P of ``span([X Z])`` stored) — the certificate's ``delta`` and
  ``scale`` refer to that notion;
* ``critical``: ``"plain"`` (X is a second-order critical point of f) or ``"sphere"`` (X lies
  on ``‖X − ω‖ = R`` with ``∇f(X) = −μ(X − ω)``, μ ≥ 0, and ``∇²f(X) + μI ⪰ 0`` on the
  tangent space: a second-order KKT point of f over the ball), with ``omega``, ``radius``
  and ``multiplier`` μ.

The operator is stored as its dense svec kernel, scaled so that its (restricted) spectrum is
``[1−δ, 1+δ]``.  The verifier (:mod:`ripcert.checkers.structure`) re-derives the structure
from the family name and checks the kernel against it.
"""

from __future__ import annotations

import numpy as np

from ripcert.certificate import Certificate, now
from ripcert.core.families import family as family_template
from ripcert.core.operator import KernelOperator
from ripcert.core.structure import KernelStructure, template_structure
from ripcert.errors import InvalidInputError, NoCounterexampleError
from ripcert.generator.sdp.structured import (
    Critical,
    Rip,
    StructuredProblem,
    StructuredSolution,
    solve_structured,
    span_basis,
    span_embedding,
)
from ripcert.version import __version__

#: ‖X − ω‖ must equal the declared radius to this relative tolerance
RADIUS_TOL = 1e-9


def structure_of(name: str, n: int | None = None) -> KernelStructure:
    """The declared structure of a family name (``none`` = unstructured, needs n)."""
    if name == "none":
        if n is None:
            raise InvalidInputError("the empty structure 'none' needs n")
        return KernelStructure.unstructured(n)
    return template_structure(family_template(name, n))


def structure_section(
    name: str, structure: KernelStructure, sol: StructuredSolution, radius: float | None
) -> dict:
    """The certificate's ``structure`` section for a solution (module docstring)."""
    prob = sol.problem
    out = {**structure.to_dict(), "family": name, "rip": prob.rip, "critical": prob.critical}
    out.pop("name", None)
    if prob.rip == "span":
        out["basis"] = span_basis(prob.x, prob.z).tolist()
    if prob.critical == "sphere":
        assert prob.omega is not None
        out["omega"] = prob.omega.tolist()
        out["radius"] = float(radius if radius is not None else np.linalg.norm(prob.x - prob.omega))
    return out


def generate_structured(
    x: np.ndarray,
    z: np.ndarray,
    structure_name: str,
    rip: Rip = "full",
    omega: np.ndarray | None = None,
    radius: float | None = None,
    solver: str = "clarabel",
    structure: KernelStructure | None = None,
) -> tuple[Certificate, StructuredSolution]:
    """A structured certificate for (X, Z) (module docstring).

    ``omega`` given means the sphere criticality on ``‖X − ω‖ = radius`` (radius defaults to
    ``‖X − ω‖``; a given radius must match it).  Raises ``NoCounterexampleError`` when no
    operator with the structure and δ < 1 exists.
    """
    xa = np.asarray(x, dtype=float)
    xa = xa[:, None] if xa.ndim == 1 else xa
    st = structure if structure is not None else structure_of(structure_name, xa.shape[0])
    critical: Critical = "plain"
    if omega is not None:
        critical = "sphere"
        om = np.asarray(omega, dtype=float).reshape(xa.shape, order="F")
        dist = float(np.linalg.norm(xa - om))
        if radius is not None and abs(dist - radius) > RADIUS_TOL * max(1.0, radius):
            raise InvalidInputError(f"‖X − ω‖ = {dist:.12g} is not the radius R = {radius:g}")
        radius = dist
    prob = StructuredProblem(xa, z, st, rip=rip, critical=critical, omega=omega)
    sol = solve_structured(prob, solver=solver)
    kernel = sol.kernel
    if rip == "span":
        q = span_embedding(span_basis(sol.problem.x, sol.problem.z))
        ev = np.linalg.eigvalsh(q.T @ kernel @ q)
    else:
        ev = np.linalg.eigvalsh(kernel)
    lo, hi = float(ev[0]), float(ev[-1])
    if lo <= 0:
        raise NoCounterexampleError("the structured kernel is singular on the RIP space: δ = 1")
    gamma = 2.0 / (lo + hi)
    delta = (hi - lo) / (hi + lo)
    cert = Certificate(
        x=sol.problem.x,
        z=sol.problem.z,
        delta=delta,
        scale=1.0,
        claim="second_order_critical",
        margin=0.0,
        operator=KernelOperator(gamma * kernel),
        solver={**sol.report.to_dict(), "delta_sdp": sol.delta},
        ripcert_version=__version__,
        created=now(),
    )
    section = structure_section(structure_name, st, sol, radius)
    if sol.problem.critical == "sphere":
        # ∇f = 2𝒳ᵀHe = −2ν(X − ω) for the η-form kernel H; the stored kernel is γH
        section["multiplier"] = 2.0 * sol.nu * gamma
    return cert.with_extra(structure=section), sol


__all__ = ["generate_structured", "structure_of", "structure_section"]
