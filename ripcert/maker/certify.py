"""Add the rigorous sections to a float certificate: ``exact`` (rational δ) and ``dual``
(a rigorous lower bound), so that the certificate states ``L ≤ δ*(X, Z) ≤ U`` with both ends
proved in exact arithmetic (docs/exact.md, docs/dual.md)."""

from __future__ import annotations

import numpy as np

from ripcert.certificate import Certificate
from ripcert.core.operator import LiftedOperator
from ripcert.errors import InvalidInputError
from ripcert.generator.counterexample import Solved
from ripcert.maker.dual import Multipliers, with_dual
from ripcert.maker.exact import certify_exact

#: exact arithmetic on the full space S^n (not the reduced instance) is refused above this n
EXACT_FULL_MAX_N = 6


def check_certifiable(n: int, reduced: bool) -> None:
    """Raise InvalidInputError before any work when a full-space exact section is too large."""
    if not reduced and n > EXACT_FULL_MAX_N:
        raise InvalidInputError(
            f"--exact with --no-reduce is limited to n ≤ {EXACT_FULL_MAX_N} (exact arithmetic on"
            f" S^n; n = {n}); drop --no-reduce to certify the reduced instance"
        )


def multipliers_of(solved: Solved) -> Multipliers:
    """The dual bound's multipliers taken from the primal solve (no second solve).

    The engine solved the normalised, span-reduced pair ``(s·PᵀX, s·PᵀZ)`` (P the span basis,
    ``s = ‖ZZᵀ‖_F^{-1/2}``); its blocks are the first-order rows ``Sᵀ𝒳ᵀHe = 0`` and the
    compressed bracket ``SᵀBS`` on the kept coordinates S (:mod:`ripcert.generator.sdp.blocks`).
    With ``𝒳ᵀHe = 2 vec(mat(He)·X)``, a multiplier y′ of the first-order rows pairs with
    ``mat(He)·X`` as ``Y = 2 unvec(S y′)``; the bracket multiplier Z₁ is ``S₁ = S Z₁ Sᵀ`` on
    the full bracket; the multiplier of ``H ⪰ ηI`` is ``S₂`` (svec coordinates).  The exact
    maker only rounds these and proves the bound; their sign convention is not relied on
    (both signs of Y are tried).
    """
    sol = solved.solution
    x = solved.small_x
    k, r = x.shape
    keep = sol.keep if sol.keep is not None else np.arange(k * r)
    sel = np.eye(k * r)[:, keep]
    y = 2.0 * (sel @ np.asarray(sol.duals["first_order"], dtype=float)).reshape((k, r), order="F")
    s1 = sel @ np.asarray(sol.duals["second_order"], dtype=float) @ sel.T
    basis = solved.operator.basis if isinstance(solved.operator, LiftedOperator) else None
    return Multipliers.from_svec(y, s1, sol.duals["isometry_lower"], basis, solved.scale)


def certify(cert: Certificate, solved: Solved | None = None, snap: bool = False) -> Certificate:
    """A copy of ``cert`` with fresh ``exact`` and ``dual`` sections.

    With ``solved`` (from :func:`ripcert.generator.counterexample.generate_solved`), the dual
    multipliers come from that solve, so nothing is solved again.  The exact section is about
    the certificate's own (X, Z); ``snap=True`` proves it for a nearby simple instance
    instead (e.g. x = (0, 1/√2) recognised from its float), recording both and their
    distance.  The dual bound is always about the certificate's own (X, Z).
    """
    check_certifiable(cert.n, isinstance(cert.operator, LiftedOperator))
    exact = certify_exact(cert, snap=snap)
    if solved is not None and solved.solution.duals:
        return with_dual(exact, multipliers=multipliers_of(solved))
    return with_dual(exact)


__all__ = ["EXACT_FULL_MAX_N", "certify", "check_certifiable", "multipliers_of"]
