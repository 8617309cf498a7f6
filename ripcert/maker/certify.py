"""Add the rigorous sections to a float certificate: ``exact`` (rational δ) and ``dual``
(a rigorous lower bound), so that the certificate states ``L ≤ δ*(X, Z) ≤ U`` with both ends
proved in exact arithmetic (docs/exact.md, docs/dual.md)."""

from __future__ import annotations

from ripcert.certificate import Certificate
from ripcert.core.operator import LiftedOperator
from ripcert.errors import InvalidInputError
from ripcert.generator.counterexample import Solved
from ripcert.maker.dual import Multipliers, solution_multipliers, with_dual
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

    The engine solved the normalised pair ``(s·PᵀX, s·PᵀZ)`` (P the span basis on the reduced
    path, ``s = ‖ZZᵀ‖_F^{-1/2}``); :func:`ripcert.maker.dual.solution_multipliers` maps its
    block multipliers, and :class:`~ripcert.maker.dual.Multipliers` records P and s.
    """
    k, r = solved.small_x.shape
    y, s1, s2_svec = solution_multipliers(solved.solution, k, r)
    return Multipliers.from_svec(y, s1, s2_svec, solved.solve_basis, solved.scale)


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
