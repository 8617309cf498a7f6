"""The counterexample SDP (docs/math.md §3; Zhang, Josz, Sojoudi, Lavaei, NeurIPS 2018,
arXiv:1805.10251; Zhang, Sojoudi, Lavaei, JMLR 2019, arXiv:1901.01631)::

    η*(X, Z) = max η  over η, H ∈ S^{n(n+1)/2}
               s.t.  𝒳ᵀ H e = 0                                   (first order)
                     𝒳ᵀ H 𝒳 + 2 I_r ⊗ mat(He) ⪰ μ·‖ZZᵀ‖_F·Π        (second order, margin μ)
                     η I ⪯ H ⪯ I,  η ≥ −1                             (RIP, η-form)

and ``δ* = (1−η*)/(1+η*)`` with scale ``γ = 2/(1+η*)``; ``Π`` projects onto the complement
of the symmetry directions ``{XΩ}``.  One program built from composable blocks
(:mod:`.blocks`: first order, second order, isometry on S^n or a subspace, and a kernel
parametrisation for structure), assembled into conic data once (:mod:`.program`,
:mod:`.cones`) and solved by interchangeable back-ends (:mod:`.backends`: Clarabel, SCS,
cvxpy with any solver) under a named acceptance policy (:mod:`.policy`).  The solution keeps
the multipliers of every block (:class:`.solution.SDPSolution`), from which the rigorous dual
bound is made without solving again.
"""

from ripcert.generator.sdp.blocks import EtaFloor, FirstOrder, Isometry, SecondOrder
from ripcert.generator.sdp.engine import (
    ETA_ZERO_TOL,
    FOC_TOL,
    PSD_TOL,
    project_first_order,
    residuals,
    solve,
)
from ripcert.generator.sdp.policy import Acceptance, accepts
from ripcert.generator.sdp.program import FullKernel, KernelParametrisation, counterexample_program
from ripcert.generator.sdp.solution import Attempt, SDPSolution, SolverReport

__all__ = [
    "ETA_ZERO_TOL",
    "FOC_TOL",
    "PSD_TOL",
    "Acceptance",
    "Attempt",
    "EtaFloor",
    "FirstOrder",
    "FullKernel",
    "Isometry",
    "KernelParametrisation",
    "SDPSolution",
    "SecondOrder",
    "SolverReport",
    "accepts",
    "counterexample_program",
    "project_first_order",
    "residuals",
    "solve",
]
