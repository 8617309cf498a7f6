"""Molybog's programs as published: ``LMI_P.m`` and ``LMI_P_dB.m`` in vec coordinates.

For comparison with the published δ(R) curves (arXiv:2012.10297 §6; code
``igormolybog/matrix-sense-global``), this module reproduces his SDP rather than ripcert's
svec program (:mod:`.structured`).  In the η-form, over a symmetric ``n²×n²`` kernel
``H = Σ_j φ_j E_j`` with the zeros and equal-value groups of the exact template
(:class:`~ripcert.core.structure.VecStructure`), ``e = vec(XXᵀ − ZZᵀ)`` and
``𝒳_v : vec(U) ↦ vec(XUᵀ + UXᵀ)``::

    max η  s.t.  𝒳_vᵀHe = 0                       (LMI_P)   or  = −ν vec(X − ω), ν ≥ 0 (LMI_P_dB)
                 mat(He) = mat(He)ᵀ                 (his M is a symmetric variable equal to
                                                     kron(I, 2 mat(He))ᵀ + 𝒳_vᵀH𝒳_v)
                 Fᵀ(𝒳_vᵀH𝒳_v + 2 I_r⊗mat(He))F ⪰ 0  (F = I, or a tangent basis for LMI_P_dB;
                                                     no multiplier term, as published)
                 ηI ⪯ (P⊗P)ᵀH(P⊗P) ⪯ I,  P = orth([X Z])   (RIP on all PMPᵀ, M any k×k)
                 η ≥ −1

and ``δ = (1−η)/(1+η)``.  Differences from ripcert's program: H acts on all of ``R^{n×n}``
(the RIP includes the skew directions ``P(A − Aᵀ)Pᵀ``), no ``H ⪰ 0``, the sphere's
second-order condition omits ``νI`` and has no ``ν > 0`` branch split.  The sensitivity is
the same envelope-theorem formula as :mod:`.structured`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp

from ripcert.core.structure import VecStructure
from ripcert.errors import InvalidInputError, NoCounterexampleError, SolverError
from ripcert.generator.sdp.backends import RawSolution
from ripcert.generator.sdp.cones import BlockRows, Cone, ConicProgram, assemble, svec_c
from ripcert.generator.sdp.engine import (
    NoneAccepted,
    Rejected,
    backend_order,
    run_until_accepted,
)
from ripcert.generator.sdp.policy import Acceptance
from ripcert.generator.sdp.solution import SolverReport
from ripcert.generator.sdp.structured import (
    DATA_STEP,
    ETA_ZERO_TOL,
    _congruence_columns,
    _he_columns,
    _psd_rows,
    span_basis,
    tangent_basis,
)

Critical = Literal["plain", "sphere"]


def vec_lift(x: np.ndarray) -> np.ndarray:
    """``𝒳_v`` (n² × n·r): column ``c·n + i`` is ``vec(x_c e_iᵀ + e_i x_cᵀ)`` (column-major)."""
    n, r = x.shape
    out = np.zeros((n * n, n * r))
    for c in range(r):
        for i in range(n):
            m = np.zeros((n, n))
            m[:, i] += x[:, c]
            m[i, :] += x[:, c]
            out[:, c * n + i] = m.reshape(-1, order="F")
    return out


@dataclass(frozen=True)
class MolybogProblem:
    """(X, Z), the vec structure, and ``LMI_P`` (plain) or ``LMI_P_dB`` (sphere, centre ω)."""

    x: np.ndarray
    z: np.ndarray
    structure: VecStructure
    critical: Critical = "plain"
    omega: np.ndarray | None = None

    def __post_init__(self) -> None:
        x = np.asarray(self.x, dtype=float)
        z = np.asarray(self.z, dtype=float)
        x = x[:, None] if x.ndim == 1 else x
        z = z[:, None] if z.ndim == 1 else z
        if x.shape[0] != self.structure.n or z.shape[0] != x.shape[0]:
            raise InvalidInputError("X, Z and the structure disagree on n")
        om = None
        if self.critical == "sphere":
            if self.omega is None:
                raise InvalidInputError("LMI_P_dB needs a centre ω")
            om = np.asarray(self.omega, dtype=float).reshape(x.shape, order="F")
        if np.linalg.norm(x @ x.T - z @ z.T) == 0:  # LMI_P.m returns 1 here
            raise NoCounterexampleError("XXᵀ = ZZᵀ")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "z", z)
        object.__setattr__(self, "omega", om)


def _frame(prob: MolybogProblem, x: np.ndarray, pivot: int | None) -> np.ndarray:
    if prob.critical == "sphere":
        assert prob.omega is not None
        return tangent_basis((x - prob.omega).reshape(-1, order="F"), pivot)[0]
    return np.eye(x.size)


def _kron_basis(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    p = span_basis(x, z)
    return np.kron(p, p)


def _antisym_rows(n: int) -> tuple[np.ndarray, np.ndarray]:
    i, j = np.triu_indices(n, 1)
    return i + n * j, j + n * i


def molybog_program(prob: MolybogProblem) -> tuple[ConicProgram, int | None]:
    """Assemble ``LMI_P``/``LMI_P_dB`` (module docstring); returns the tangent pivot too."""
    s = prob.structure
    x, z = prob.x, prob.z
    n = x.shape[0]
    p = s.num_groups
    sphere = prob.critical == "sphere"
    pivot = None
    if sphere:
        assert prob.omega is not None
        pivot = tangent_basis((x - prob.omega).reshape(-1, order="F"))[1]
    e = (x @ x.T - z @ z.T).reshape(-1, order="F")
    lx = vec_lift(x)
    he = _he_columns(s, e)  # type: ignore[arg-type]

    def rows(phi: np.ndarray, nu: np.ndarray | None, eta: np.ndarray | None) -> sp.csr_matrix:
        m = phi.shape[0]
        cols = [phi]
        if sphere:
            cols.append((nu if nu is not None else np.zeros(m))[:, None])
        cols.append((eta if eta is not None else np.zeros(m))[:, None])
        return sp.csr_matrix(np.hstack(cols))

    blocks = []
    u = (x - prob.omega).reshape(-1, order="F") if sphere else None  # type: ignore[operator]
    nr = x.size
    blocks.append(
        BlockRows("first_order", rows(lx.T @ he, u, None), np.zeros(nr), Cone("zero", nr))
    )
    ia, ib = _antisym_rows(n)
    if ia.size:
        blocks.append(
            BlockRows(
                "symmetry",
                rows(he[ia] - he[ib], None, None),
                np.zeros(ia.size),
                Cone("zero", ia.size),
            )
        )
    if sphere:
        blocks.append(
            BlockRows(
                "multiplier",
                rows(np.zeros((1, p)), np.array([-1.0]), None),
                np.zeros(1),
                Cone("nonneg", 1),
            )
        )
    frame = _frame(prob, x, pivot)
    quad = _congruence_columns(s, lx @ frame)  # type: ignore[arg-type]
    r = x.shape[1]
    mats = he.T.reshape(p, n, n, order="F")
    mats = 0.5 * (mats + np.swapaxes(mats, 1, 2))
    kron = np.zeros((p, nr, nr))
    for c in range(r):
        kron[:, c * n : (c + 1) * n, c * n : (c + 1) * n] = mats
    soc = quad + 2.0 * np.matmul(np.matmul(frame.T, kron), frame)
    q = frame.shape[1]
    blocks.append(
        BlockRows(
            "second_order",
            rows(-_psd_rows(soc), None, None),
            np.zeros(q * (q + 1) // 2),
            Cone("psd", q),
        )
    )
    b = _kron_basis(x, z)
    m = b.shape[1]
    rc = _psd_rows(_congruence_columns(s, b))  # type: ignore[arg-type]
    eye = svec_c(np.eye(m))
    blocks.append(
        BlockRows("isometry_lower", rows(-rc, None, eye), np.zeros(len(eye)), Cone("psd", m))
    )
    blocks.append(BlockRows("isometry_upper", rows(rc, None, None), eye.copy(), Cone("psd", m)))
    blocks.append(
        BlockRows(
            "eta_floor",
            rows(np.zeros((1, p)), None, np.array([-1.0])),
            np.ones(1),
            Cone("nonneg", 1),
        )
    )
    cost = np.zeros(p + (2 if sphere else 1))
    cost[-1] = -1.0
    prog = assemble(blocks, cost)
    prog.a.eliminate_zeros()
    return prog, pivot


def molybog_slacks(
    prob: MolybogProblem,
    pivot: int | None,
    kernel: np.ndarray,
    nu: float,
    eta: float,
    x: np.ndarray | None = None,
    z: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The blocks' slacks at ``(H, ν, η)`` with the data at ``(x, z)`` (``ConicProgram.split``)."""
    x = prob.x if x is None else x
    z = prob.z if z is None else z
    n, r = x.shape
    e = (x @ x.T - z @ z.T).reshape(-1, order="F")
    lx = vec_lift(x)
    he = kernel @ e
    out: dict[str, np.ndarray] = {}
    grad = lx.T @ he
    if prob.critical == "sphere":
        assert prob.omega is not None
        out["first_order"] = -(grad + nu * (x - prob.omega).reshape(-1, order="F"))
        out["multiplier"] = np.array([nu])
    else:
        out["first_order"] = -grad
    ia, ib = _antisym_rows(n)
    if ia.size:
        out["symmetry"] = -(he[ia] - he[ib])
    mat = he.reshape(n, n, order="F")
    bracket = lx.T @ kernel @ lx + 2.0 * np.kron(np.eye(r), 0.5 * (mat + mat.T))
    frame = _frame(prob, x, pivot)
    out["second_order"] = frame.T @ bracket @ frame
    b = _kron_basis(x, z)
    comp = b.T @ kernel @ b
    eye = np.eye(comp.shape[0])
    out["isometry_lower"] = comp - eta * eye
    out["isometry_upper"] = eye - comp
    out["eta_floor"] = np.array([1.0 + eta])
    return out


@dataclass(frozen=True)
class MolybogSolution:
    """Optimal ``(φ, ν, η)`` of Molybog's program with its multipliers."""

    problem: MolybogProblem
    pivot: int | None
    v: np.ndarray
    report: SolverReport
    duals: dict[str, np.ndarray]

    @property
    def eta(self) -> float:
        return float(self.v[-1])

    @property
    def nu(self) -> float:
        return float(self.v[-2]) if self.problem.critical == "sphere" else 0.0

    @property
    def kernel(self) -> np.ndarray:
        return self.problem.structure.kernel(self.v[: self.problem.structure.num_groups])

    @property
    def delta(self) -> float:
        return (1.0 - self.eta) / (1.0 + self.eta)

    def delta_gradient(self, step: float = DATA_STEP) -> tuple[np.ndarray, np.ndarray]:
        """Envelope theorem: ``∂δ*/∂p = −2/(1+η*)² Σ ⟨Y_blk, ∂_p S_blk⟩`` (:mod:`.structured`)."""
        prob = self.problem
        h, nu, eta = self.kernel, self.nu, self.eta

        def lagr(x: np.ndarray, z: np.ndarray) -> float:
            sl = molybog_slacks(prob, self.pivot, h, nu, eta, x, z)
            return float(sum(np.sum(self.duals[k] * sl[k]) for k in self.duals))

        x0, z0 = prob.x, prob.z
        hx = step * max(1.0, float(np.abs(x0).max()), float(np.abs(z0).max()))
        gx, gz = np.zeros_like(x0), np.zeros_like(z0)
        for idx in np.ndindex(x0.shape):
            a, b = x0.copy(), x0.copy()
            a[idx] += hx
            b[idx] -= hx
            gx[idx] = (lagr(a, z0) - lagr(b, z0)) / (2 * hx)
        for idx in np.ndindex(z0.shape):
            a, b = z0.copy(), z0.copy()
            a[idx] += hx
            b[idx] -= hx
            gz[idx] = (lagr(x0, a) - lagr(x0, b)) / (2 * hx)
        f = -2.0 / (1.0 + eta) ** 2
        return f * gx, f * gz


def solve_molybog(
    prob: MolybogProblem, solver: str = "clarabel", policy: Acceptance = "search"
) -> MolybogSolution:
    """Solve Molybog's program; the first back-end whose status ``policy`` accepts wins.

    Reproduction only: no own residual re-check beyond the status (no certificate rests on
    it).  ``NoCounterexampleError`` when δ* = 1, ``SolverError`` when nothing is accepted.
    """
    prog, pivot = molybog_program(prob)

    def accept(raw: RawSolution) -> tuple[np.ndarray, dict[str, float]]:
        assert raw.x is not None
        if raw.y is None:
            raise Rejected("no dual values")
        if raw.x[-1] <= ETA_ZERO_TOL:
            raise NoCounterexampleError(f"Molybog's program: δ* = 1 (η* = {raw.x[-1]:.2e})")
        return raw.x, {}

    try:
        x, report, duals = run_until_accepted(
            prog, backend_order(solver.lower(), prog.num_vars), policy, accept
        )
    except NoneAccepted as none:
        raise SolverError(f"Molybog's program not solved: {none}") from None
    return MolybogSolution(prob, pivot, x, report, duals)


__all__ = [
    "MolybogProblem",
    "MolybogSolution",
    "molybog_program",
    "molybog_slacks",
    "solve_molybog",
    "vec_lift",
]
