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
>>> ripcert.certify_exact(cert).extra["exact"]["delta"]  # exact rational δ
'1/2'

Modules follow MATH.md: ``vectorization`` (§1), ``landscape`` (§1), ``operator`` (§1, §4),
``sdp`` (§3), ``reduction`` (§4), ``closed_form`` (§5), ``counterexample`` (§3–§4),
``certificate``, ``verification`` and ``rip`` (§2), ``exact`` and ``dual`` (rigorous
brackets), ``sweep``, ``threshold``, ``dynamics`` and ``plots`` (§5–§7).
"""

__version__ = "0.1.0"

from .certificate import Certificate  # noqa: E402
from .closed_form import rank1_delta  # noqa: E402
from .counterexample import delta_star, generate  # noqa: E402
from .dual import DualBound, dual_bound, verify_dual, with_dual  # noqa: E402
from .errors import (  # noqa: E402
    CertificateFormatError,
    ExactCertificationError,
    InvalidInputError,
    NoCounterexampleError,
    RipcertError,
    SolverError,
)
from .exact import ExactReport, certify_exact, verify_exact  # noqa: E402
from .operator import KernelOperator, LiftedOperator, SensingOperator  # noqa: E402
from .problem import CounterexampleProblem  # noqa: E402
from .rip import RipBracket, rip_bracket  # noqa: E402
from .sweep import SweepSpec, run_sweep  # noqa: E402
from .threshold import threshold_table  # noqa: E402
from .verification import VerificationReport, verify, verify_file  # noqa: E402

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
