"""ripcert: certificates for counterexamples and RIP bounds in nonconvex low-rank
matrix recovery (Burer–Monteiro matrix sensing).

Given a candidate point X (n×r) and ground truth Z (n×r*), ripcert finds the sensing
operator with the smallest RIP constant δ for which X is a spurious second-order
critical point of ``f(U) = ‖A(UUᵀ − ZZᵀ)‖²`` (Zhang, Josz, Sojoudi & Lavaei, NeurIPS
2018; Zhang, Sojoudi & Lavaei, JMLR 2019), and writes it as a verifiable certificate.

>>> import ripcert
>>> cert = ripcert.generate([0.0, 2**-0.5], [1.0, 0.0])
>>> round(cert.delta, 6)
0.5
>>> ripcert.verify(cert).passed                        # independent re-check
True
>>> ripcert.certify_exact(cert, snap=True).extra["exact"]["delta"]  # x snapped to (0, 1/√2)
'1/2'

Packages by role (docs/architecture.md): ``core`` (svec coordinates, operators, derivatives,
closed form), ``certificate`` (the record and its file form), ``generator`` (problem,
reductions, SDP, counterexample), ``checkers`` (verifier, RIP brackets, exact and dual
re-checks; never imports the generator), ``exact`` (rational arithmetic), ``maker`` (exact and
dual sections), ``studies`` (sweeps, thresholds, dynamics, figures) and ``cli``.

The names below are imported lazily (PEP 562), so ``import ripcert`` stays cheap and the
command line starts fast; ``ripcert.generate`` loads the generator (and cvxpy) on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ripcert.version import __version__

#: public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "Certificate": "ripcert.certificate",
    "rank1_delta": "ripcert.core.closed_form",
    "KernelOperator": "ripcert.core.operator",
    "LiftedOperator": "ripcert.core.operator",
    "SensingOperator": "ripcert.core.operator",
    "CertificateFormatError": "ripcert.errors",
    "ExactCertificationError": "ripcert.errors",
    "InvalidInputError": "ripcert.errors",
    "NoCounterexampleError": "ripcert.errors",
    "RipcertError": "ripcert.errors",
    "SolverError": "ripcert.errors",
    "CounterexampleProblem": "ripcert.generator.problem",
    "delta_star": "ripcert.generator.counterexample",
    "generate": "ripcert.generator.counterexample",
    "RipBracket": "ripcert.checkers.rip",
    "rip_bracket": "ripcert.checkers.rip",
    "VerificationReport": "ripcert.checkers.verification",
    "verify": "ripcert.checkers.verification",
    "verify_file": "ripcert.checkers.verification",
    "ExactReport": "ripcert.checkers.exact",
    "verify_exact": "ripcert.checkers.exact",
    "verify_dual": "ripcert.checkers.dual",
    "certify_exact": "ripcert.maker.exact",
    "DualBound": "ripcert.maker.dual",
    "Multipliers": "ripcert.maker.dual",
    "dual_bound": "ripcert.maker.dual",
    "with_dual": "ripcert.maker.dual",
    "SweepSpec": "ripcert.studies.sweep",
    "run_sweep": "ripcert.studies.sweep",
    "threshold_table": "ripcert.studies.threshold",
}

__all__ = [
    "Certificate",
    "CertificateFormatError",
    "CounterexampleProblem",
    "DualBound",
    "ExactCertificationError",
    "ExactReport",
    "InvalidInputError",
    "KernelOperator",
    "LiftedOperator",
    "Multipliers",
    "NoCounterexampleError",
    "RipBracket",
    "RipcertError",
    "SensingOperator",
    "SolverError",
    "SweepSpec",
    "VerificationReport",
    "__version__",
    "certify_exact",
    "delta_star",
    "dual_bound",
    "generate",
    "rank1_delta",
    "rip_bracket",
    "run_sweep",
    "threshold_table",
    "verify",
    "verify_dual",
    "verify_exact",
    "verify_file",
    "with_dual",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ripcert' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # static tools see the eager imports
    from ripcert.certificate import Certificate
    from ripcert.checkers.dual import verify_dual
    from ripcert.checkers.exact import ExactReport, verify_exact
    from ripcert.checkers.rip import RipBracket, rip_bracket
    from ripcert.checkers.verification import VerificationReport, verify, verify_file
    from ripcert.core.closed_form import rank1_delta
    from ripcert.core.operator import KernelOperator, LiftedOperator, SensingOperator
    from ripcert.errors import (
        CertificateFormatError,
        ExactCertificationError,
        InvalidInputError,
        NoCounterexampleError,
        RipcertError,
        SolverError,
    )
    from ripcert.generator.counterexample import delta_star, generate
    from ripcert.generator.problem import CounterexampleProblem
    from ripcert.maker.dual import DualBound, Multipliers, dual_bound, with_dual
    from ripcert.maker.exact import certify_exact
    from ripcert.studies.sweep import SweepSpec, run_sweep
    from ripcert.studies.threshold import threshold_table
