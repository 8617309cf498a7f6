"""Add the rigorous sections to a float certificate: ``exact`` (rational δ) and ``dual``
(a rigorous lower bound), so that the certificate states ``L ≤ δ*(X, Z) ≤ U`` with both ends
proved in exact arithmetic (docs/exact.md, docs/dual.md)."""

from __future__ import annotations

from ripcert.certificate import Certificate
from ripcert.core.operator import LiftedOperator
from ripcert.errors import InvalidInputError
from ripcert.maker.dual import with_dual
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


def certify(cert: Certificate) -> Certificate:
    """A copy of ``cert`` with fresh ``exact`` and ``dual`` sections."""
    check_certifiable(cert.n, isinstance(cert.operator, LiftedOperator))
    return with_dual(certify_exact(cert))


__all__ = ["EXACT_FULL_MAX_N", "certify", "check_certifiable"]
