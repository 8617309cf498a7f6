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
"""

__version__ = "0.1.0"

from .certificate import Certificate  # noqa: E402
from .closed_form import rank1_delta  # noqa: E402
from .counterexample import delta_star, generate  # noqa: E402
from .errors import (  # noqa: E402
    CertificateFormatError,
    InvalidInputError,
    NoCounterexampleError,
    RipcertError,
    SolverError,
)
from .operator import KernelOperator, LiftedOperator, SensingOperator  # noqa: E402
from .problem import CounterexampleProblem  # noqa: E402

__all__ = [
    "Certificate",
    "CertificateFormatError",
    "CounterexampleProblem",
    "InvalidInputError",
    "KernelOperator",
    "LiftedOperator",
    "NoCounterexampleError",
    "RipcertError",
    "SensingOperator",
    "SolverError",
    "__version__",
    "delta_star",
    "generate",
    "rank1_delta",
]
