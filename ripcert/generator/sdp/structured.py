"""Structured counterexample SDP: kernel structure, restricted isometry, sphere criticality.

Molybog, Sojoudi, Lavaei (arXiv:2012.10297; code ``igormolybog/matrix-sense-global``,
``util/LMI_P.m`` and ``util/LMI_P_dB.m``) ask for the smallest δ such that an operator
*with a given kernel structure* (:mod:`ripcert.core.structure`) makes X spurious.  In the
η-form of docs/math.md §3, over ``H = Σ_j φ_j E_j`` (the structure's generators)::

    max η  over φ, η (and ν for the sphere)
    s.t.   first order      plain:  Sᵀ𝒳ᵀHe = 0
                            sphere: 𝒳ᵀHe + ν·vec(X − ω) = 0,  ν ≥ ν_min > 0
           second order     plain:  Sᵀ(𝒳ᵀH𝒳 + 2 I_r⊗mat(He))S ⪰ μ‖ZZᵀ‖_F SᵀΠS
                            sphere: Tᵀ(𝒳ᵀH𝒳 + 2 I_r⊗mat(He) + ν I)T ⪰ 0
           isometry         full:   ηI ⪯ H ⪯ I
                            span:   ηI ⪯ E_PᵀHE_P ⪯ I,  P = orth([X Z]),  and H ⪰ 0
           η ≥ −1

with ``δ = (1−η)/(1+η)``.  ``S`` is the coordinate complement of the symmetry directions
(:mod:`.blocks`), ``T`` a basis of the tangent space ``{V : ⟨V, X − ω⟩ = 0}`` and ``E_P``
the isometry ``svec(M) ↦ svec(PMPᵀ)`` of ``S^k`` onto the svec image of ``{PMPᵀ}``.

**Sphere.**  X is a local minimum of ``f`` over the ball ``‖U − ω‖ ≤ R`` lying on its
boundary: KKT gives ``∇f(X) = −2ν(X − ω)`` with ``ν ≥ 0`` (``∇f = 2𝒳ᵀHe``), and the
second-order necessary condition is on the Hessian of the *Lagrangian*
``f + ν(‖U − ω‖² − R²)``, ``∇²f + 2νI = 2(𝒳ᵀH𝒳 + 2I_r⊗mat(He) + νI)``, on the critical cone:
the tangent space when ν > 0, the half-space of inward directions — hence, the form being
even, the whole space — when ν = 0.  :func:`solve_structured` therefore solves two programs,
``ν ≥ ν_min`` (:data:`NU_FLOOR`, strict complementarity with a margin the verifier can
resolve) with the tangent condition, and the plain program (ν = 0, full Hessian), and keeps
the smaller δ.  ``LMI_P_dB.m`` has ``ν ≥ 0`` with the tangent condition and no ``νI`` term
(``lagrangian_hessian=False`` reproduces the latter).

**Restricted isometry.**  ``LMI_P.m`` imposes RIP on ``kron(P, P)``, i.e. on all
``PMPᵀ`` with ``M`` any (non-symmetric) ``k×k`` matrix, for an ``n²×n²`` kernel; only its
action on symmetric matrices enters the landscape, and here the isometry holds on the
symmetric ``PMPᵀ`` only.  With the isometry restricted, ``H`` is otherwise free off the span:
``H ⪰ 0`` (``psd=True``, the default) keeps it the kernel ``AᵀA`` of an actual operator; it
is imposed on the principal block of the svec indices whose diagonal the structure allows,
and forces the groups touching the others to zero.  Molybog's program has neither ``H ⪰ 0``
nor the symmetric restriction, so neither value bounds the other in general; his program is
reproduced in :mod:`.molybog`.

**Assembly.**  The program is built column by column from the structure's generators with
dense linear algebra: for ``p`` free parameters the second-order block costs
``O(p·q²)`` (``q = n·r``), so a sparse structure (case 30: 232 parameters instead of 108 345)
is cheap; the rows go to the same back-ends and acceptance policy as the unstructured
engine (:mod:`.backends`, :mod:`.policy`).

**Sensitivity.**  With the conic program ``min cᵀv s.t. s(v; p) = b(p) − A(p)v ∈ K`` depending
on ``p = (X, Z)``, the optimal value's derivative at a primal–dual optimum ``(v*, y*)`` with a
unique dual is ``∂v*/∂p = −y*ᵀ ∂_p s(v*; p)`` (envelope theorem for the Lagrangian
``cᵀv − yᵀs``).  With ``v* = −η*``::

    ∂η*/∂p = Σ_blocks ⟨Y_blk, ∂_p S_blk(H*, ν*, η*; X, Z)⟩,   ∂δ*/∂p = −2/(1+η*)² · ∂η*/∂p

where ``S_blk`` are the blocks' slack matrices evaluated at the fixed optimal ``(H*, ν*, η*)``
(:func:`slacks`).  ``∂_p S`` is evaluated by central differences of the *data* only (no
re-solve); the data are smooth in ``p`` (the discrete choices — kept coordinates, the
tangent pivot — are frozen at ``p``, and ``P`` is the Gram–Schmidt basis of ``[X Z]``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import scipy.sparse as sp

from ripcert.core.landscape import complement_projector, lift_map, residual
from ripcert.core.structure import KernelStructure
from ripcert.core.vectorization import sdim, smat, svec
from ripcert.errors import InvalidInputError, NoCounterexampleError, SolverError
from ripcert.generator.sdp.backends import RawSolution
from ripcert.generator.sdp.blocks import kept_coordinates
from ripcert.generator.sdp.cones import (
    BlockRows,
    Cone,
    ConicProgram,
    assemble,
    svec_c,
    triu_colmajor,
)
from ripcert.generator.sdp.engine import (
    ETA_ZERO_TOL,
    NoneAccepted,
    Rejected,
    backend_order,
    run_until_accepted,
)
from ripcert.generator.sdp.policy import Acceptance
from ripcert.generator.sdp.solution import SolverReport

Rip = Literal["full", "span"]
Critical = Literal["plain", "sphere"]

#: relative residual tolerances of an accepted structured solve
FOC_TOL = 1e-6
PSD_TOL = 1e-6
#: relative step of the central differences of the program data
DATA_STEP = 1e-6
#: strict complementarity on the sphere branch: ∇f = −2ν(X−ω) with
#: 2ν‖X − ω‖ ≥ NU_FLOOR·4 max(‖X‖₂, ‖Z‖₂)‖XXᵀ − ZZᵀ‖_F (the first-order scale of the verifier,
#: times 100 its tolerance, so that ν > 0 is decided by the verifier with room to spare)
NU_FLOOR = 1e-4


# ---------------------------------------------------------------------------------------
# the kernel parametrisation for the unstructured engine
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StructuredKernel:
    """:class:`~ripcert.generator.sdp.program.KernelParametrisation` of a structure.

    ``svec(H) = Pφ`` on ``S^d``: column j of P is ``svec(E_j)`` (``√2·c`` at an off-diagonal
    pair (a, b), ``c`` at a diagonal one, ``c = w_a w_b``).
    """

    structure: KernelStructure

    def matrix(self, d: int) -> sp.csc_matrix:
        s = self.structure
        if d != s.d:
            raise ValueError(f"structure is for kernels of order {s.d}, not {d}")
        g, a, b, c = s.generators()
        row = a * d - a * (a - 1) // 2 + (b - a)  # row-major upper-triangle index of (a, b)
        val = np.where(a == b, c, math.sqrt(2.0) * c)
        return sp.csc_matrix((val, (row, g)), shape=(sdim(d), s.num_groups))


# ---------------------------------------------------------------------------------------
# geometry: the smooth frames of (X, Z)
# ---------------------------------------------------------------------------------------
def span_basis(x: np.ndarray, z: np.ndarray, tol: float = 1e-10) -> np.ndarray:
    """Orthonormal basis of ``span([X Z])`` by Gram–Schmidt (QR with a positive diagonal).

    Smooth in (X, Z) where the columns are independent; dependent columns are dropped.
    """
    m = np.hstack([x, z])
    scale = max(float(np.linalg.norm(m, 2)), 1e-300)
    cols: list[np.ndarray] = []
    for j in range(m.shape[1]):
        v = m[:, j].copy()
        for _ in range(2):  # Gram–Schmidt twice: orthogonal to rounding
            for c in cols:
                v -= c * (c @ v)
        nrm = float(np.linalg.norm(v))
        if nrm > tol * scale:
            cols.append(v / nrm)
    return np.array(cols).T if cols else np.zeros((m.shape[0], 0))


def span_embedding(p: np.ndarray) -> np.ndarray:
    """``E_P``: svec(M) ↦ svec(PMPᵀ), shape ``(n(n+1)/2, k(k+1)/2)``, orthonormal columns."""
    k = p.shape[1]
    return svec(p @ smat(np.eye(sdim(k))) @ p.T).T


def tangent_basis(u: np.ndarray, pivot: int | None = None) -> tuple[np.ndarray, int]:
    """Basis ``e_i − (u_i/u_k) e_k`` (i ≠ k) of ``{v : ⟨v, u⟩ = 0}``, k = pivot (default argmax)."""
    k = int(np.argmax(np.abs(u))) if pivot is None else pivot
    if u[k] == 0:
        raise InvalidInputError("X − ω = 0: the sphere constraint is degenerate")
    m = len(u)
    cols = [i for i in range(m) if i != k]
    t = np.zeros((m, m - 1))
    t[cols, np.arange(m - 1)] = 1.0
    t[k, :] = -u[cols] / u[k]
    return t, k


@dataclass(frozen=True)
class Frames:
    """The discrete choices frozen at a point: kept coordinates and the tangent pivot."""

    keep: np.ndarray | None
    pivot: int | None


@dataclass(frozen=True)
class StructuredProblem:
    """A structured counterexample problem: (X, Z), structure, RIP notion, criticality.

    ``omega`` (n×r) is the sphere's centre (``critical="sphere"``); ``margin`` μ ≥ 0 applies
    to ``critical="plain"`` only (as in the unstructured engine).  ``lagrangian_hessian=False``
    drops the multiplier term ``νI`` from the sphere's second-order block, as ``LMI_P_dB.m``
    does (a stricter, not a necessary, condition — for comparison with the published curves).
    """

    x: np.ndarray
    z: np.ndarray
    structure: KernelStructure
    rip: Rip = "full"
    critical: Critical = "plain"
    omega: np.ndarray | None = None
    margin: float = 0.0
    lagrangian_hessian: bool = True
    psd: bool = True

    def __post_init__(self) -> None:
        x = np.asarray(self.x, dtype=float)
        z = np.asarray(self.z, dtype=float)
        x = x[:, None] if x.ndim == 1 else x
        z = z[:, None] if z.ndim == 1 else z
        if x.ndim != 2 or z.ndim != 2 or x.shape[0] != z.shape[0]:
            raise InvalidInputError(f"X {x.shape} and Z {z.shape} must have the same rows")
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(z))):
            raise InvalidInputError("X or Z contains NaN or Inf")
        if self.structure.n != x.shape[0]:
            raise InvalidInputError(
                f"structure is for n = {self.structure.n}, X has n = {x.shape[0]}"
            )
        if self.rip not in ("full", "span"):
            raise InvalidInputError(f"rip must be 'full' or 'span', got {self.rip!r}")
        if self.critical not in ("plain", "sphere"):
            raise InvalidInputError(f"critical must be 'plain' or 'sphere', got {self.critical!r}")
        om = None
        if self.critical == "sphere":
            if self.omega is None:
                raise InvalidInputError("the sphere criticality needs a centre ω")
            om = np.asarray(self.omega, dtype=float).reshape(x.shape, order="F")
            if self.margin:
                raise InvalidInputError("a margin applies to plain criticality only")
        if not np.isfinite(self.margin) or self.margin < 0:
            raise InvalidInputError(f"margin must be ≥ 0, got {self.margin}")
        if np.linalg.norm(x @ x.T - z @ z.T) <= 1e-12 * max(1.0, float(np.linalg.norm(z)) ** 2):
            raise NoCounterexampleError("XXᵀ = ZZᵀ: X is a global minimum")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "z", z)
        object.__setattr__(self, "omega", om)

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    @property
    def r(self) -> int:
        return int(self.x.shape[1])

    def frames(self) -> Frames:
        """Kept coordinates (plain) or tangent pivot (sphere) at this (X, Z)."""
        if self.critical == "sphere":
            assert self.omega is not None
            u = (self.x - self.omega).reshape(-1, order="F")
            return Frames(None, tangent_basis(u)[1])
        return Frames(kept_coordinates(self.x), None)


def _nu_floor(
    prob: StructuredProblem, x: np.ndarray | None = None, z: np.ndarray | None = None
) -> float:
    """Absolute floor of ν on the sphere branch (strict complementarity, see NU_FLOOR)."""
    x = prob.x if x is None else x
    z = prob.z if z is None else z
    assert prob.omega is not None
    gap = float(np.linalg.norm(x @ x.T - z @ z.T))
    dist = max(float(np.linalg.norm(x - prob.omega)), 1e-300)
    size = max(float(np.linalg.norm(x, 2)), float(np.linalg.norm(z, 2)))
    return NU_FLOOR * 2.0 * size * gap / dist


def _second_order_frame(
    prob: StructuredProblem, x: np.ndarray, z: np.ndarray, frames: Frames
) -> np.ndarray:
    """The (n·r × q) frame of the second-order block: S (plain) or T (sphere)."""
    nr = x.size
    if prob.critical == "sphere":
        assert prob.omega is not None
        return tangent_basis((x - prob.omega).reshape(-1, order="F"), frames.pivot)[0]
    assert frames.keep is not None
    return np.eye(nr)[:, frames.keep]


def _rip_frame(prob: StructuredProblem, x: np.ndarray, z: np.ndarray) -> np.ndarray | None:
    return span_embedding(span_basis(x, z)) if prob.rip == "span" else None


# ---------------------------------------------------------------------------------------
# block columns from the generators
# ---------------------------------------------------------------------------------------
def _he_columns(s: KernelStructure, e: np.ndarray) -> np.ndarray:
    """``(d × p)`` matrix whose column j is ``E_j e``."""
    g, a, b, c = s.generators()
    out = np.zeros((s.d, s.num_groups))
    np.add.at(out, (a, g), c * e[b])
    off = a != b
    np.add.at(out, (b[off], g[off]), c[off] * e[a[off]])
    return out


def _congruence_columns(s: KernelStructure, frame: np.ndarray) -> np.ndarray:
    """``(p × m × m)``: ``Fᵀ E_j F`` for a (d × m) frame F."""
    g, a, b, c = s.generators()
    m = frame.shape[1]
    out = np.zeros((s.num_groups, m, m))
    chunk = max(1, 2_000_000 // max(1, m * m))
    for lo in range(0, len(g), chunk):
        sl = slice(lo, lo + chunk)
        fa, fb = frame[a[sl]], frame[b[sl]]
        outer = np.einsum("ki,kj->kij", fa, fb)
        outer = outer + np.swapaxes(outer, 1, 2)
        scale = np.where(a[sl] == b[sl], 0.5, 1.0) * c[sl]
        np.add.at(out, g[sl], outer * scale[:, None, None])
    return out


def _bracket_columns(
    s: KernelStructure, x: np.ndarray, e: np.ndarray, frame: np.ndarray
) -> np.ndarray:
    """``(p × q × q)``: ``Fᵀ(𝒳ᵀE_j𝒳 + 2 I_r⊗mat(E_j e))F``."""
    n, r = x.shape
    lx = lift_map(x)
    quad = _congruence_columns(s, lx @ frame)
    he = _he_columns(s, e)  # (d, p)
    mats = smat(he.T)  # (p, n, n)
    kron = np.zeros((s.num_groups, n * r, n * r))
    for a in range(r):
        kron[:, a * n : (a + 1) * n, a * n : (a + 1) * n] = mats
    return quad + 2.0 * np.matmul(np.matmul(frame.T, kron), frame)


def _psd_rows(mats: np.ndarray) -> np.ndarray:
    """``svec_c`` of each matrix of a stack (p, m, m), as columns (rows × p)."""
    r, c, w = triu_colmajor(mats.shape[-1])
    return (mats[:, r, c] * w).T


@dataclass(frozen=True)
class ProgramLayout:
    """Variables ``v = (φ, [ν], η)`` and the frames the program was built on."""

    structure: KernelStructure
    sphere: bool
    frames: Frames

    @property
    def num_params(self) -> int:
        return self.structure.num_groups

    def phi(self, v: np.ndarray) -> np.ndarray:
        return np.asarray(v[: self.num_params], dtype=float)

    def nu(self, v: np.ndarray) -> float:
        return float(v[self.num_params]) if self.sphere else 0.0

    @staticmethod
    def eta(v: np.ndarray) -> float:
        return float(v[-1])

    def kernel(self, v: np.ndarray) -> np.ndarray:
        return self.structure.kernel(self.phi(v))


def _psd_split(s: KernelStructure) -> tuple[np.ndarray, np.ndarray]:
    """``(active, dead)``: svec indices whose diagonal may be non-zero, and the groups that
    touch an index whose diagonal is a forced zero (H ⪰ 0 forces those groups to vanish)."""
    diag = np.diag(s.labels)
    active = np.flatnonzero(diag != -1)
    g, a, b, _ = s.generators()
    inactive = diag == -1
    dead = np.unique(g[inactive[a] | inactive[b]])
    return active, dead


def _psd_blocks(s: KernelStructure, rows) -> list[BlockRows]:  # type: ignore[no-untyped-def]
    """``H ⪰ 0`` (a kernel ``AᵀA``), on the principal block of the active indices, and
    ``φ_j = 0`` for the groups it forces to zero."""
    active, dead = _psd_split(s)
    p = s.num_groups
    out = []
    if dead.size:
        sel = np.zeros((dead.size, p))
        sel[np.arange(dead.size), dead] = 1.0
        out.append(
            BlockRows(
                "kernel_zero", rows(sel, None, None), np.zeros(dead.size), Cone("zero", dead.size)
            )
        )
    frame = np.eye(s.d)[:, active]
    cols = _psd_rows(_congruence_columns(s, frame))
    out.append(
        BlockRows(
            "kernel_psd", rows(-cols, None, None), np.zeros(cols.shape[0]), Cone("psd", active.size)
        )
    )
    return out


def structured_program(prob: StructuredProblem) -> tuple[ConicProgram, ProgramLayout]:
    """Assemble the structured SDP (module docstring) in ``s = b − A v ∈ K`` form."""
    s = prob.structure
    x, z = prob.x, prob.z
    p = s.num_groups
    if p == 0:
        raise NoCounterexampleError("the structure forces H = 0: no operator")
    sphere = prob.critical == "sphere"
    nv = p + (1 if sphere else 0) + 1
    frames = prob.frames()
    e = residual(x, z)
    lx = lift_map(x)
    he = _he_columns(s, e)
    blocks: list[BlockRows] = []

    def rows(
        phi_part: np.ndarray, nu_col: np.ndarray | None, eta_col: np.ndarray | None
    ) -> sp.csr_matrix:
        m = phi_part.shape[0]
        cols = [phi_part]
        if sphere:
            cols.append((nu_col if nu_col is not None else np.zeros(m))[:, None])
        cols.append((eta_col if eta_col is not None else np.zeros(m))[:, None])
        return sp.csr_matrix(np.hstack(cols))

    # first order: s = −(Fφ + u ν) = 0
    foc = lx.T @ he  # (nr × p)
    if sphere:
        assert prob.omega is not None
        u = (x - prob.omega).reshape(-1, order="F")
        blocks.append(
            BlockRows("first_order", rows(foc, u, None), np.zeros(x.size), Cone("zero", x.size))
        )
        blocks.append(
            BlockRows(
                "multiplier",
                rows(np.zeros((1, p)), np.array([-1.0]), None),
                np.array([-_nu_floor(prob)]),
                Cone("nonneg", 1),
            )
        )
    else:
        assert frames.keep is not None
        kf = foc[frames.keep]
        blocks.append(
            BlockRows(
                "first_order",
                rows(kf, None, None),
                np.zeros(len(frames.keep)),
                Cone("zero", len(frames.keep)),
            )
        )
    # second order: s = svec_c(Fᵀ(B + νI)F − μ_abs FᵀΠF) ⪰ 0
    frame = _second_order_frame(prob, x, z, frames)
    q = frame.shape[1]
    bcols = _psd_rows(_bracket_columns(s, x, e, frame))
    if sphere:
        nu_col = -svec_c(frame.T @ frame) if prob.lagrangian_hessian else np.zeros(len(bcols))
        b2 = np.zeros(bcols.shape[0])
    else:
        nu_col = None
        mu_abs = prob.margin * float(np.linalg.norm(z.T @ z))
        b2 = -mu_abs * svec_c(frame.T @ complement_projector(x) @ frame)
    blocks.append(BlockRows("second_order", rows(-bcols, nu_col, None), b2, Cone("psd", q)))
    # isometry: ηI ⪯ QᵀHQ ⪯ I
    qf = _rip_frame(prob, x, z)
    if qf is None:
        m = s.d
        g, a, b, c = s.generators()
        tri = np.maximum(a, b) * (np.maximum(a, b) + 1) // 2 + np.minimum(a, b)
        val = np.where(a == b, c, math.sqrt(2.0) * c)
        rcols = sp.csr_matrix((val, (tri, g)), shape=(sdim(m), p)).toarray()
    else:
        m = qf.shape[1]
        rcols = _psd_rows(_congruence_columns(s, qf))
    eye = svec_c(np.eye(m))
    blocks.append(
        BlockRows("isometry_lower", rows(-rcols, None, eye), np.zeros(len(eye)), Cone("psd", m))
    )
    blocks.append(BlockRows("isometry_upper", rows(rcols, None, None), eye.copy(), Cone("psd", m)))
    if prob.psd and qf is not None:
        blocks += _psd_blocks(s, rows)
    blocks.append(
        BlockRows(
            "eta_floor",
            rows(np.zeros((1, p)), None, np.array([-1.0])),
            np.ones(1),
            Cone("nonneg", 1),
        )
    )
    c = np.zeros(nv)
    c[-1] = -1.0
    prog = assemble(blocks, c)
    prog.a.eliminate_zeros()
    return prog, ProgramLayout(s, sphere, frames)


# ---------------------------------------------------------------------------------------
# slacks at a fixed kernel: residual checks and the sensitivity
# ---------------------------------------------------------------------------------------
def slacks(
    prob: StructuredProblem,
    frames: Frames,
    kernel: np.ndarray,
    nu: float,
    eta: float,
    x: np.ndarray | None = None,
    z: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The blocks' slacks ``s = b − Av`` at ``(H, ν, η)``, the data taken at ``(x, z)``.

    Vectors for the zero and non-negative cones, symmetric matrices for the PSD cones — the
    same layout as ``ConicProgram.split``.  ``x, z`` default to the problem's own.
    """
    x = prob.x if x is None else x
    z = prob.z if z is None else z
    e = residual(x, z)
    lx = lift_map(x)
    he = kernel @ e
    grad = lx.T @ he
    out: dict[str, np.ndarray] = {}
    n, r = x.shape
    bracket = lx.T @ kernel @ lx + 2.0 * np.kron(np.eye(r), smat(he))
    frame = _second_order_frame(prob, x, z, frames)
    if prob.critical == "sphere":
        assert prob.omega is not None
        u = (x - prob.omega).reshape(-1, order="F")
        out["first_order"] = -(grad + nu * u)
        out["multiplier"] = np.array([nu - _nu_floor(prob, x, z)])
        lag = nu if prob.lagrangian_hessian else 0.0
        out["second_order"] = frame.T @ (bracket + lag * np.eye(n * r)) @ frame
    else:
        assert frames.keep is not None
        out["first_order"] = -grad[frames.keep]
        mu_abs = prob.margin * float(np.linalg.norm(z.T @ z))
        out["second_order"] = frame.T @ (bracket - mu_abs * complement_projector(x)) @ frame
    qf = _rip_frame(prob, x, z)
    comp = kernel if qf is None else qf.T @ kernel @ qf
    eye = np.eye(comp.shape[0])
    out["isometry_lower"] = comp - eta * eye
    out["isometry_upper"] = eye - comp
    out["eta_floor"] = np.array([1.0 + eta])
    if prob.psd and qf is not None:
        active, dead = _psd_split(prob.structure)
        if dead.size:
            out["kernel_zero"] = -prob.structure.project(kernel)[dead]
        out["kernel_psd"] = kernel[np.ix_(active, active)]
    return out


def structured_residuals(
    prob: StructuredProblem, frames: Frames, kernel: np.ndarray, nu: float, eta: float
) -> dict[str, float]:
    """Relative residuals of a candidate: first order, second order, RIP, multiplier sign."""
    sl = slacks(prob, frames, kernel, nu, eta)
    lx = lift_map(prob.x)
    he = kernel @ residual(prob.x, prob.z)
    dist = float(np.linalg.norm(prob.x - prob.omega)) if prob.omega is not None else 0.0
    # Frobenius norms: cheap upper bounds of the spectral ones (the tolerances are relative)
    lx_norm, he_norm, h_norm = (float(np.linalg.norm(a)) for a in (lx, he, kernel))
    scale = he_norm * (lx_norm + dist) + abs(nu) * dist
    soc = sl["second_order"]
    soc_scale = max(lx_norm**2 * h_norm + 2.0 * he_norm * np.sqrt(prob.r), 1e-300)
    return {
        "first_order_rel": float(np.linalg.norm(sl["first_order"]) / max(scale, 1e-300)),
        "second_order_min_eig_rel": float(np.linalg.eigvalsh(soc)[0] / soc_scale),
        "rip_lower_violation": float(max(0.0, -np.linalg.eigvalsh(sl["isometry_lower"])[0])),
        "rip_upper_violation": float(max(0.0, -np.linalg.eigvalsh(sl["isometry_upper"])[0])),
        "multiplier_violation": float(max(0.0, -nu)),
        "kernel_psd_violation": float(
            max(0.0, -np.linalg.eigvalsh(sl["kernel_psd"])[0]) / max(h_norm, 1e-300)
            if "kernel_psd" in sl
            else 0.0
        ),
    }


def _accurate(res: dict[str, float]) -> bool:
    return (
        res["first_order_rel"] <= FOC_TOL
        and res["second_order_min_eig_rel"] >= -PSD_TOL
        and max(res["rip_lower_violation"], res["rip_upper_violation"]) <= PSD_TOL
        and res["multiplier_violation"] <= PSD_TOL
        and res["kernel_psd_violation"] <= PSD_TOL
    )


def _project_first_order(
    prob: StructuredProblem, layout: ProgramLayout, v: np.ndarray
) -> np.ndarray:
    """Least-change correction of ``(φ, ν)`` onto the first-order equations (exact structure)."""
    s = layout.structure
    x = prob.x
    foc = lift_map(x).T @ _he_columns(s, residual(x, prob.z))
    if layout.sphere:
        assert prob.omega is not None
        u = (x - prob.omega).reshape(-1, order="F")
        amat = np.hstack([foc, u[:, None]])
        w = v[:-1]
    else:
        assert layout.frames.keep is not None
        amat = foc[layout.frames.keep]
        w = v[: s.num_groups]
    if prob.psd and prob.rip == "span":
        dead = _psd_split(s)[1]
        sel = np.zeros((dead.size, amat.shape[1]))
        sel[np.arange(dead.size), dead] = 1.0
        amat = np.vstack([amat, sel])
    corr = np.linalg.lstsq(amat, amat @ w, rcond=1e-13)[0]
    out = np.array(v, dtype=float)
    out[: len(w)] = w - corr
    return out


@dataclass(frozen=True)
class StructuredSolution:
    """Optimal structured kernel, η, ν, the block multipliers, and the program's layout."""

    problem: StructuredProblem
    layout: ProgramLayout
    v: np.ndarray
    report: SolverReport
    duals: dict[str, np.ndarray]

    @property
    def eta(self) -> float:
        return self.layout.eta(self.v)

    @property
    def nu(self) -> float:
        return self.layout.nu(self.v)

    @property
    def kernel(self) -> np.ndarray:
        return self.layout.kernel(self.v)

    @property
    def delta(self) -> float:
        return (1.0 - self.eta) / (1.0 + self.eta)

    @property
    def scale(self) -> float:
        """``γ = 2/(1+η)``: the scaled kernel γH has its (restricted) spectrum in [1−δ, 1+δ]."""
        return 2.0 / (1.0 + self.eta)

    def eta_gradient(self, step: float = DATA_STEP) -> tuple[np.ndarray, np.ndarray]:
        """``(∂η*/∂X, ∂η*/∂Z)`` by the envelope theorem (module docstring)."""
        prob, frames = self.problem, self.layout.frames
        h, nu, eta = self.kernel, self.nu, self.eta
        names = list(self.duals)

        def lagr(x: np.ndarray, z: np.ndarray) -> float:
            sl = slacks(prob, frames, h, nu, eta, x, z)
            return float(sum(np.sum(self.duals[k] * sl[k]) for k in names))

        x0, z0 = prob.x, prob.z
        hx = step * max(1.0, float(np.abs(x0).max()), float(np.abs(z0).max()))
        gx, gz = np.zeros_like(x0), np.zeros_like(z0)
        for arr, g, which in ((x0, gx, 0), (z0, gz, 1)):
            for idx in np.ndindex(arr.shape):
                plus, minus = arr.copy(), arr.copy()
                plus[idx] += hx
                minus[idx] -= hx
                if which == 0:
                    g[idx] = (lagr(plus, z0) - lagr(minus, z0)) / (2 * hx)
                else:
                    g[idx] = (lagr(x0, plus) - lagr(x0, minus)) / (2 * hx)
        return gx, gz

    def delta_gradient(self, step: float = DATA_STEP) -> tuple[np.ndarray, np.ndarray]:
        """``(∂δ*/∂X, ∂δ*/∂Z) = −2/(1+η*)² · (∂η*/∂X, ∂η*/∂Z)``."""
        gx, gz = self.eta_gradient(step)
        f = -2.0 / (1.0 + self.eta) ** 2
        return f * gx, f * gz


def solve_structured(
    prob: StructuredProblem, solver: str = "clarabel", policy: Acceptance = "certify"
) -> StructuredSolution:
    """Solve the structured SDP; the first accepted back-end wins.

    For ``critical="sphere"`` the exact second-order necessary condition at a boundary KKT
    point depends on the multiplier: with ``ν > 0`` the critical cone is the tangent space;
    with ``ν = 0`` it is the half-space of inward directions, and a quadratic form
    non-negative on a half-space is PSD, so the *full* Hessian must be PSD (X is then a
    second-order critical point of f).  Both branches are solved — ``ν ≥ NU_FLOOR·‖ZZᵀ‖_F``
    with the tangent condition, and the plain program — and the smaller δ is returned (the
    solution's ``problem.critical`` says which).  Without the split the degenerate KKT point
    ``X = 0`` on a sphere through the origin would give δ = 0.

    Raises :class:`~ripcert.errors.NoCounterexampleError` when δ* = 1 (or the program is
    infeasible) and :class:`~ripcert.errors.SolverError` when no back-end is accepted (status
    not accepted by ``policy``, or — under ``certify`` — residuals above tolerance after the
    first-order projection).
    """
    name = solver.lower()
    backend_order(name, 0)  # validates the name before any solve
    if prob.critical == "plain":
        return _solve_branch(prob, name, policy)
    plain = replace(prob, critical="plain", omega=None)
    found: list[StructuredSolution] = []
    errors: list[Exception] = []
    for branch in (prob, plain):
        try:
            found.append(_solve_branch(branch, name, policy))
        except (NoCounterexampleError, SolverError) as exc:
            errors.append(exc)
    if found:
        return min(found, key=lambda sol: sol.delta)
    if all(isinstance(e, NoCounterexampleError) for e in errors):
        raise NoCounterexampleError(
            f"no operator with this structure and δ < 1 makes X a spurious boundary minimum"
            f" ({prob.rip} RIP): {'; '.join(map(str, errors))}"
        )
    raise SolverError("; ".join(map(str, errors)))


def _solve_branch(prob: StructuredProblem, name: str, policy: Acceptance) -> StructuredSolution:
    prog, layout = structured_program(prob)
    order = backend_order(name, prog.num_vars)  # "auto": Clarabel for these small programs

    def accept(raw: RawSolution) -> tuple[np.ndarray, dict[str, float]]:
        assert raw.x is not None
        eta = layout.eta(raw.x)
        if eta <= ETA_ZERO_TOL:
            raise NoCounterexampleError(
                f"structured SDP optimum δ* = 1 (η* = {eta:.2e} with {raw.backend}): no operator"
                f" with this structure and δ < 1 makes X spurious ({prob.rip} RIP,"
                f" {prob.critical} criticality)"
            )
        v = _project_first_order(prob, layout, raw.x)
        res = structured_residuals(prob, layout.frames, layout.kernel(v), layout.nu(v), eta)
        if policy == "certify" and not _accurate(res):
            raise Rejected(f"residuals too large {res}")
        return v, res

    try:
        v, report, duals = run_until_accepted(prog, order, policy, accept)
    except NoneAccepted as none:
        if "infeasible" in none.statuses and "optimal" not in none.statuses:
            raise NoCounterexampleError(
                f"the structured SDP is infeasible ({prob.rip} RIP, {prob.critical} criticality):"
                f" {none}"
            ) from None
        raise SolverError(f"structured SDP not solved accurately: {none}") from None
    return StructuredSolution(prob, layout, v, report, duals)


__all__ = [
    "Critical",
    "Frames",
    "ProgramLayout",
    "Rip",
    "StructuredKernel",
    "StructuredProblem",
    "StructuredSolution",
    "slacks",
    "solve_structured",
    "span_basis",
    "span_embedding",
    "structured_program",
    "structured_residuals",
    "tangent_basis",
]
