"""The verifier's tolerances and resource limits, as one named set each (docs/math.md §1–§3, §7).

:class:`Tolerances` is what a float verdict of ``ripcert verify`` depends on; the generator
uses the same object (:data:`DEFAULT_TOLERANCES`) so that what it writes is what the verifier
accepts, and its "no counterexample" message for a kernel with δ numerically 1 names the same
threshold (:func:`numerically_one_message`).

:class:`ResourceLimits` bounds what ``verify`` is willing to do before any dense work: file
size and JSON nesting depth (checked on the text), and the declared sizes of the certificate
(n, r, r*, the lifted dimension k, the number of sensing matrices m, kernel dimensions).
Certificates above a limit are *refused* (invalid, exit 2) with a one-line reason, never
half-processed.  Why these numbers: a dense kernel on Sⁿ has ``n(n+1)/2`` rows, and the RIP
witness search (2·samples restarts × up to 200 iterations, each an eigendecomposition on the
span of a rank-2r iterate) grows quickly with it, so dense forms stop at n = 16 (136 × 136
kernels: the structured case-14 grid fits; a dense n = 30 kernel took 210 s on the loaded
2-core machine, n = 14 took 3 s); lifted operators are matrix-free in n (n up to 3·10⁶, the
file-size limit binds first) and their cost is set by ``k = dim span(P)`` (the span
reduction gives k ≤ r + r* ≤ 2r, and for 2r ≥ k the RIP bracket is exact, with no witness
search), so k stops at 24 (a crafted k = 24, r = 1 operator verifies in 8 s) and r at 12;
an explicit sensing copy is compared with its operator exactly,
at a cost of about ``m² n²`` flops with m ≈ n²/2 (and its file grows like n⁴), so copies
stop at n = 16 (the generator writes them for n ≤ 6 only).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerances:
    """Every tolerance of the float verifier (relative quantities; see each field).

    symmetry:     max|A − Aᵀ|/max|A| of stored kernels and sensing matrices
    psd:          λ_min(H) ≥ −psd·λ_max(H)
    consistency:  ‖Σ svec(A_i)svec(A_i)ᵀ − H‖_F ≤ consistency·‖H‖_F (explicit sensing copies)
    orthonormal:  ‖PᵀP − I‖_max of a lifted basis
    spurious:     ‖XXᵀ − ZZᵀ‖_F/‖ZZᵀ‖_F must reach this (and f(X)/(λ_max‖XXᵀ − ZZᵀ‖²_F),
                  which is ≥ (1 − δ)/(1 + δ) for every operator, must reach delta_one/4)
    first_order:  ‖∇f(X)‖_F/(4 λ_max ‖XXᵀ − ZZᵀ‖_F ‖X‖₂) ≤ first_order
    second_order: λ_min(½∇²f̂(X))/‖ZZᵀ‖_F ≥ −second_order (f̂ = f/λ_max)
    rip:          slack on every comparison of a RIP bound with the claimed δ
    theorem:      a claim with δ < threshold(r, r*) − theorem contradicts the sharp theorems
    delta_one:    δ ≥ 1 − delta_one counts as "numerically 1" (no certificate is written)
    """

    symmetry: float = 1e-9
    psd: float = 1e-9
    consistency: float = 1e-8
    orthonormal: float = 1e-9
    spurious: float = 1e-6
    first_order: float = 1e-6
    second_order: float = 1e-6
    rip: float = 1e-8
    theorem: float = 1e-8
    delta_one: float = 2e-7

    def to_dict(self) -> dict[str, float]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ResourceLimits:
    """What ``verify`` accepts before doing any dense work (see the module docstring).

    max_file_bytes:  size of a certificate file on disk
    max_depth:       nesting depth of JSON arrays/objects (a certificate needs about 6)
    max_n:           n, the order of X (lifted operators: matrix-free in n)
    max_rank:        r and r* (columns of X and Z)
    max_dense_n:     n for ``kernel`` and ``sensing`` forms (dense kernels on Sⁿ)
    max_lifted_k:    k, the columns of a lifted basis
    max_copy_n:      n of an explicit sensing copy attached to a lifted or kernel operator
    max_matrices:    m, the number of sensing matrices
    """

    max_file_bytes: int = 64 * 2**20
    max_depth: int = 64
    max_n: int = 3_000_000
    max_rank: int = 12
    max_dense_n: int = 16
    max_lifted_k: int = 24
    max_copy_n: int = 16
    max_matrices: int = 2_000

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


#: default number of random restarts per side (max and min) of the witness search
DEFAULT_SAMPLES = 32

DEFAULT_TOLERANCES = Tolerances()
DEFAULT_LIMITS = ResourceLimits()


def numerically_one(delta: float, tol: Tolerances = DEFAULT_TOLERANCES) -> bool:
    """True when δ ≥ 1 − ``tol.delta_one``: too close to 1 for a float certificate."""
    return float(delta) >= 1.0 - tol.delta_one


def numerically_one_message(delta: float, tol: Tolerances = DEFAULT_TOLERANCES) -> str:
    """The exit-3 message for a δ that is numerically 1 (it is not a proof that δ* = 1).

    >>> numerically_one_message(1 - 1e-8)
    'δ* ≥ 1 − 2e-7: numerically 1 (δ = 0.99999999, 1 − δ = 1e-08); no certificate written'
    """
    one = f"{tol.delta_one:.0e}".replace("e-0", "e-")
    return (
        f"δ* ≥ 1 − {one}: numerically 1 (δ = {delta:.10g}, 1 − δ = {1 - delta:.1g});"
        " no certificate written"
    )


__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_SAMPLES",
    "DEFAULT_TOLERANCES",
    "ResourceLimits",
    "Tolerances",
    "numerically_one",
    "numerically_one_message",
]
