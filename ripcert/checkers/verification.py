"""Independent verification of certificates (docs/math.md §1–§4, §6): ``ripcert verify``.

The verifier re-derives everything a certificate claims from the operator's data alone
(sensing matrices, kernel, or lifted basis and kernel) on its **own path**: it does not
import the generator's landscape, SDP, reduction or counterexample modules.  Only the
svec convention (:mod:`ripcert.core.vectorization`), the loader (:mod:`ripcert.certificate`)
and the operator classes' stored arrays are shared.

Formulas (``M = UUᵀ − ZZᵀ``, ``G = Σ⟨A_i, M⟩A_i = 𝒜*𝒜(M)``)::

    f(U)        = Σ ⟨A_i, M⟩²
    ∇f(U)       = 4 G U
    ∇²f(U)[V,V] = 2 Σ ⟨A_i, UVᵀ + VUᵀ⟩² + 4 ⟨G, VVᵀ⟩

computed from the sensing matrices when the certificate carries them, else from the
kernel ``H`` (``⟨A(P), A(Q)⟩ = svec(P)ᵀ H svec(Q)``).

**Lifted operators, matrix-free.**  For ``‖A(M)‖² = ‖M‖² + c(M)ᵀ K c(M)`` with
``c(M) = svec(PᵀMP)``, ``K = H_k − I`` and ``PᵀP = I``: ``G = M + P smat(K c(M)) Pᵀ`` and
``GU = U(UᵀU) − Z(ZᵀU) + P S (PᵀU)``, so f and ∇f cost O(n·k·r).  For the Hessian at X
let Q be an orthonormal basis of ``span([P X Z])`` (dimension q ≤ k + r + r*).  Split
``V = Q W + V⊥`` with ``QᵀV⊥ = 0``.  For such V⊥: ``PᵀV⊥ = 0`` and ``XᵀV⊥ = 0``, so
``c(XV⊥ᵀ + V⊥Xᵀ) = 0``, ``‖XV⊥ᵀ + V⊥Xᵀ‖² = 2 tr(XᵀX V⊥ᵀV⊥)`` and ``⟨G, V⊥V⊥ᵀ⟩ = 0``
(G maps into range Q and vanishes on its complement), giving
``∇²f[V⊥, V⊥] = 4 tr(XᵀX V⊥ᵀV⊥)``: eigenvalues ``4σ_j(X)²``, each with multiplicity
n − q.  The cross terms vanish: ``⟨A(D_1), A(D_2)⟩ = ⟨D_1, D_2⟩ = 2 tr(V⊥ᵀ D_1 X) = 0``
since ``D_1 = XWᵀQᵀ + QWXᵀ`` has range in range Q, and ``⟨G, QW V⊥ᵀ⟩ = tr(V⊥ᵀ G Q W) = 0``.
So ``∇²f(X) = ∇²f_Q ⊕ 4(XᵀX ⊗ I_{n−q})`` where ``∇²f_Q`` is the (qr)×(qr) Hessian of the
same problem written in the coordinates of Q (a lifted operator with basis ``QᵀP``).
The symmetry directions ``XΩ = Q(QᵀX)Ω`` lie in the first block.  Nothing of size n×n or
(nr)×(nr) is formed; the dense path (``matrix_free=False``) agrees to 1e-8 in the tests.

**Units.**  Second-order quantities are reported as eigenvalues of ``½∇²f̂(X)/‖ZZᵀ‖_F``
with ``f̂ = f/λ_max(H)``: the certificate's margin convention (docs/math.md §3), so a strict
certificate with margin μ passes when that eigenvalue, off ``{XΩ : Ω skew}``, is ≥ μ.
The first-order residual is ``‖∇f(X)‖_F / (4 λ_max(H) ‖XXᵀ − ZZᵀ‖_F ‖X‖₂)`` ∈ [0, 1].
RIP numbers are scale-optimal (:mod:`ripcert.checkers.rip`), like the certificate's ``delta``.

The δ = 1/2 example of the talk (docs/math.md §6), written by hand:

>>> import numpy as np
>>> from ripcert.certificate import Certificate
>>> from ripcert.core.operator import SensingOperator
>>> a = np.array([[[2**0.5, 0], [0, 2**-0.5]], [[0, 1.5**0.5], [1.5**0.5, 0]],
...               [[0, 0], [0, 1.5**0.5]]])
>>> cert = Certificate(x=np.array([[0.0], [2**-0.5]]), z=np.array([[1.0], [0.0]]),
...                    delta=0.5, scale=0.5, claim="second_order_critical", margin=0.0,
...                    operator=SensingOperator(a))
>>> rep = verify(cert)
>>> rep.status, round(rep.rip["delta_lower"], 9), round(rep.rip["delta_upper"], 9)
('passed', 0.5, 0.5)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.linalg

from ripcert.certificate import Certificate, parse_json
from ripcert.checkers.exact import exact_check
from ripcert.checkers.rip import (
    DEFAULT_SAMPLES,
    RipBracket,
    rip_bracket,
    sensing_kernel,
    spectral_bound,
)
from ripcert.core.operator import KernelOperator, LiftedOperator, Operator, SensingOperator
from ripcert.core.report import Check
from ripcert.core.vectorization import sdim, smat, svec, svec_basis
from ripcert.errors import CertificateFormatError, InvalidInputError

#: relative asymmetry allowed in raw kernels and sensing matrices
SYMMETRY_TOL = 1e-9
#: λ_min(kernel) ≥ −PSD_TOL·λ_max(kernel)
PSD_TOL = 1e-9
#: ‖Σ svec(A_i)svec(A_i)ᵀ − H‖_F ≤ CONSISTENCY_TOL·‖H‖_F
CONSISTENCY_TOL = 1e-8
#: ‖PᵀP − I‖ of a lifted basis
ORTHONORMAL_TOL = 1e-9
#: ‖XXᵀ − ZZᵀ‖_F/‖ZZᵀ‖_F and f(X)/(λ_max‖XXᵀ−ZZᵀ‖²) must reach this for X to be spurious
SPURIOUS_TOL = 1e-6
#: relative first-order residual allowed
FOC_TOL = 1e-6
#: second-order: eigenvalues of ½∇²f̂/‖ZZᵀ‖_F ≥ −SOC_TOL; strict: ≥ max(μ − SOC_TOL, SOC_TOL)
SOC_TOL = 1e-6
#: slack on RIP comparisons with the claimed δ
RIP_TOL = 1e-8
#: dense landscapes (kernel/sensing) refused above this n; lifted ones are matrix-free
DENSE_MAX_N = 80


# ---------------------------------------------------------------------------------------
# reports
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VerificationReport:
    """All checks of one certificate.  ``status`` ∈ {"passed", "failed", "invalid"}.

    ``invalid`` means the file could not be read as a certificate (schema, hash, JSON,
    shapes, NaN): only the ``integrity`` check is then present.
    """

    source: str
    checks: tuple[Check, ...]
    invalid: bool = False
    claim: str = ""
    delta: float = float("nan")
    n: int = 0
    r: int = 0
    rip: dict | None = None
    samples: int = DEFAULT_SAMPLES
    seed: int = 0
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.invalid and all(c.passed for c in self.checks)

    @property
    def status(self) -> str:
        return "invalid" if self.invalid else ("passed" if self.passed else "failed")

    @property
    def failed(self) -> tuple[str, ...]:
        """Names of the failed checks."""
        return tuple(c.name for c in self.checks if not c.passed)

    def check(self, name: str) -> Check:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "status": self.status,
            "passed": self.passed,
            "claim": self.claim,
            "delta": self.delta if np.isfinite(self.delta) else None,
            "n": self.n,
            "r": self.r,
            "samples": self.samples,
            "seed": self.seed,
            "seconds": self.seconds,
            "checks": [c.to_dict() for c in self.checks],
            "rip": self.rip,
            **({"extra": self.extra} if self.extra else {}),
        }


def exit_code(reports: Iterable[VerificationReport]) -> int:
    """CLI convention: 2 if any file is invalid, else 1 if any check failed, else 0."""
    reps = list(reports)
    if any(r.invalid for r in reps):
        return 2
    return 0 if all(r.passed for r in reps) else 1


# ---------------------------------------------------------------------------------------
# the landscape, on the verifier's own path
# ---------------------------------------------------------------------------------------
def _gram_fro_sq(u: np.ndarray, z: np.ndarray) -> float:
    """``‖UUᵀ − ZZᵀ‖²_F`` from r×r Gram matrices."""
    sq = np.sum((u.T @ u) ** 2) - 2.0 * np.sum((u.T @ z) ** 2) + np.sum((z.T @ z) ** 2)
    return float(max(sq, 0.0))


def _sym_directions(x: np.ndarray) -> np.ndarray:
    """Orthonormal basis (columns, column-major vec) of ``{XΩ : Ω skew}``."""
    n, r = x.shape
    cols = []
    for a in range(r):
        for b in range(a + 1, r):
            om = np.zeros((r, r))
            om[a, b], om[b, a] = 1.0, -1.0
            cols.append((x @ om).reshape(-1, order="F"))
    if not cols:
        return np.zeros((n * r, 0))
    u, s, _ = np.linalg.svd(np.array(cols).T, full_matrices=False)
    return u[:, s > 1e-12 * max(1.0, float(s[0]))]


def _spectrum(hess: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """(λ_min, λ_min on the complement of the symmetry directions) of a dense Hessian."""
    hess = 0.5 * (hess + hess.T)
    lam = float(np.linalg.eigvalsh(hess)[0])
    s = _sym_directions(x)
    if s.shape[1] == 0:
        return lam, lam
    comp = scipy.linalg.null_space(s.T)
    if comp.shape[1] == 0:
        return lam, float("inf")
    return lam, float(np.linalg.eigvalsh(comp.T @ hess @ comp)[0])


def _lift_columns(x: np.ndarray) -> np.ndarray:
    """Matrix L (d × nr) of ``vec(V) ↦ svec(XVᵀ + VXᵀ)`` (column-major vec)."""
    n, r = x.shape
    eye = np.eye(n)
    t = np.einsum("ap,iq->aipq", x.T, eye)  # X e_a e_iᵀ... : x_a e_iᵀ at [a, i]
    t = t + np.swapaxes(t, -1, -2)
    return svec(t.reshape(r * n, n, n)).T


def _embedding(basis: np.ndarray) -> np.ndarray:
    """``E : svec(S) ↦ svec(P S Pᵀ)`` as a dense matrix (small n only)."""
    k = basis.shape[1]
    return svec(basis @ svec_basis(k) @ basis.T).T


@dataclass(frozen=True)
class HessianSpectrum:
    """Smallest eigenvalue of ∇²f(X), overall and off the symmetry directions ``{XΩ}``."""

    min_eig: float
    min_eig_complement: float


@dataclass(frozen=True)
class Landscape:
    """``f``, ``∇f``, ``∇²f`` of one operator and ground truth Z, on the verifier's path.

    ``form`` is "sensing" (``matrices`` (m, n, n)), "kernel" (``kernel`` on Sⁿ) or
    "lifted" (``basis`` P, ``kernel`` H_k; matrix-free).  Build with :meth:`from_operator`.
    """

    z: np.ndarray
    form: str
    matrices: np.ndarray | None = None
    kernel: np.ndarray | None = None
    basis: np.ndarray | None = None

    @classmethod
    def from_operator(
        cls,
        op: Operator,
        z: np.ndarray,
        sensing: np.ndarray | None = None,
        matrix_free: bool | None = None,
    ) -> Landscape:
        """Prefer explicit sensing matrices (n ≤ ``DENSE_MAX_N``); lifted operators without
        them are matrix-free unless ``matrix_free=False`` (then the dense kernel
        ``I + E(H_k − I)Eᵀ`` is formed here)."""
        z = np.asarray(z, dtype=float)
        if isinstance(op, SensingOperator):
            sensing = op.matrices
        n = z.shape[0]
        if isinstance(op, LiftedOperator) and (
            matrix_free or (matrix_free is None and (sensing is None or n > DENSE_MAX_N))
        ):
            return cls(z=z, form="lifted", kernel=np.asarray(op.kernel), basis=op.basis)
        if n > DENSE_MAX_N:
            raise InvalidInputError(f"dense verification refused for n = {n} > {DENSE_MAX_N}")
        if sensing is not None:
            a = np.asarray(sensing, dtype=float)
            return cls(z=z, form="sensing", matrices=0.5 * (a + np.swapaxes(a, -1, -2)))
        if isinstance(op, LiftedOperator):
            e = _embedding(op.basis)
            kern = np.eye(sdim(n)) + e @ (op.kernel - np.eye(op.kernel.shape[0])) @ e.T
            return cls(z=z, form="kernel", kernel=kern)
        if isinstance(op, KernelOperator):
            return cls(z=z, form="kernel", kernel=np.asarray(op.kernel))
        raise InvalidInputError(f"not an operator: {type(op).__name__}")

    # -- the three operators A*A, ⟨A·, A·⟩ on this operator ------------------------------
    def _normal(self, u: np.ndarray) -> tuple[float, np.ndarray]:
        """(f(U), G U) with ``M = UUᵀ − ZZᵀ`` and ``G = 𝒜*𝒜(M)`` (factored when lifted)."""
        z = self.z
        if self.form == "lifted":
            p, kern = self.basis, self.kernel
            pu, pz = p.T @ u, p.T @ z
            c = svec(pu @ pu.T - pz @ pz.T)
            kc = (kern - np.eye(len(c))) @ c
            f = _gram_fro_sq(u, z) + float(c @ kc)
            gu = u @ (u.T @ u) - z @ (z.T @ u) + p @ (smat(kc) @ pu)
            return f, gu
        m = u @ u.T - z @ z.T
        if self.form == "sensing":
            res = np.einsum("kij,ij->k", self.matrices, m)
            g = np.einsum("k,kij->ij", res, self.matrices)
            return float(res @ res), g @ u
        e = svec(m)
        he = self.kernel @ e
        return float(e @ he), smat(he) @ u

    def objective(self, u: np.ndarray) -> float:
        """``f(U) = ‖A(UUᵀ − ZZᵀ)‖²``."""
        return self._normal(np.asarray(u, dtype=float))[0]

    def gradient(self, u: np.ndarray) -> np.ndarray:
        """``∇f(U) = 4 G U`` (n×r), ``G = 𝒜*𝒜(UUᵀ − ZZᵀ)``."""
        return 4.0 * self._normal(np.asarray(u, dtype=float))[1]

    def hessian_form(self, u: np.ndarray, v: np.ndarray) -> float:
        """``∇²f(U)[V, V] = 2‖A(UVᵀ + VUᵀ)‖² + 4⟨G, VVᵀ⟩`` (matrix-free when lifted)."""
        u, v, z = np.asarray(u, float), np.asarray(v, float), self.z
        if self.form == "lifted":
            p = self.basis
            kern = self.kernel - np.eye(self.kernel.shape[0])
            utv = u.T @ v
            dd = 2.0 * float(np.sum((u.T @ u) * (v.T @ v))) + 2.0 * float(np.sum(utv * utv.T))
            pu, pv, pz = p.T @ u, p.T @ v, p.T @ z
            cd = svec(pu @ pv.T + pv @ pu.T)
            cm = svec(pu @ pu.T - pz @ pz.T)
            gvv = float(np.sum((u.T @ v) ** 2) - np.sum((z.T @ v) ** 2))
            gvv += float(np.sum(smat(kern @ cm) * (pv @ pv.T)))
            return 2.0 * (dd + float(cd @ kern @ cd)) + 4.0 * gvv
        d = u @ v.T + v @ u.T
        m = u @ u.T - z @ z.T
        if self.form == "sensing":
            a = self.matrices
            rd = np.einsum("kij,ij->k", a, d)
            rm = np.einsum("kij,ij->k", a, m)
            rv = np.einsum("kij,ij->k", a, v @ v.T)
            return float(2.0 * rd @ rd + 4.0 * rm @ rv)
        sd, sm, sv = svec(d), svec(m), svec(v @ v.T)
        h = self.kernel
        return float(2.0 * sd @ h @ sd + 4.0 * sm @ h @ sv)

    def hessian(self, u: np.ndarray) -> np.ndarray:
        """Dense ∇²f(U) on column-major vec(V), (nr)×(nr); refused for lifted forms."""
        u = np.asarray(u, dtype=float)
        n, r = u.shape
        if self.form == "lifted":
            raise InvalidInputError("lifted landscapes are matrix-free: use hessian_spectrum")
        m = u @ u.T - self.z @ self.z.T
        if self.form == "sensing":
            a = self.matrices
            g = np.einsum("k,kij->ij", np.einsum("kij,ij->k", a, m), a)
            j = np.swapaxes(a @ u, 1, 2).reshape(a.shape[0], r * n)  # vec(A_i U), col-major
            return 8.0 * j.T @ j + 4.0 * np.kron(np.eye(r), g)
        h = self.kernel
        g = smat(h @ svec(m))
        lx = _lift_columns(u)
        return 2.0 * lx.T @ h @ lx + 4.0 * np.kron(np.eye(r), g)

    def hessian_spectrum(self, x: np.ndarray) -> HessianSpectrum:
        """Smallest eigenvalues of ∇²f(X); block-diagonal and matrix-free when lifted."""
        x = np.asarray(x, dtype=float)
        if self.form != "lifted":
            lam, lam_c = _spectrum(self.hessian(x), x)
            return HessianSpectrum(lam, lam_c)
        n, r = x.shape
        p, z = self.basis, self.z
        u, s, _ = np.linalg.svd(np.hstack([p, x, z]), full_matrices=False)
        q = u[:, s > 1e-12 * s[0]]
        qp, qx, qz = q.T @ p, q.T @ x, q.T @ z
        e = _embedding(qp)
        kern = np.eye(sdim(q.shape[1])) + e @ (self.kernel - np.eye(self.kernel.shape[0])) @ e.T
        inner = Landscape(z=qz, form="kernel", kernel=kern)
        lam, lam_c = _spectrum(inner.hessian(qx), qx)
        if n > q.shape[1]:
            out = 4.0 * float(np.linalg.eigvalsh(x.T @ x)[0])
            lam, lam_c = min(lam, out), min(lam_c, out)
        return HessianSpectrum(lam, lam_c)


# ---------------------------------------------------------------------------------------
# the checks
# ---------------------------------------------------------------------------------------
def _invalid(source: str, message: str, samples: int, seed: int) -> VerificationReport:
    chk = Check("integrity", False, message, value=float("nan"), tolerance=0.0)
    return VerificationReport(source, (chk,), invalid=True, samples=samples, seed=seed)


def _raw_asymmetry(a: np.ndarray) -> float:
    a = np.asarray(a, dtype=float)
    scale = max(float(np.max(np.abs(a))), 1e-300)
    return float(np.max(np.abs(a - np.swapaxes(a, -1, -2)))) / scale


def _norm_sq(op: Operator, m: np.ndarray) -> float:
    """``‖A(M)‖²`` from the operator's stored arrays (lifted: ‖M‖² + c(M)ᵀ(H_k − I)c(M))."""
    if isinstance(op, LiftedOperator):
        c = svec(op.basis.T @ m @ op.basis)
        return float(np.sum(m * m) + c @ (op.kernel - np.eye(len(c))) @ c)
    if isinstance(op, KernelOperator):
        v = svec(m)
        return float(v @ op.kernel @ v)
    return float(np.sum(np.einsum("kij,ij->k", op.matrices, m) ** 2))


def _probe_consistency(op: Operator, sens: np.ndarray, probes: int = 8) -> Check:
    """Large n: compare ``Σ⟨A_i, M⟩²`` with the operator's ``‖A(M)‖²`` on random M."""
    rng = np.random.default_rng(0)
    worst = 0.0
    a = 0.5 * (sens + np.swapaxes(sens, -1, -2))
    for _ in range(probes):
        g = rng.standard_normal((op.n, op.n))
        m = g + g.T
        lhs = float(np.sum(np.einsum("kij,ij->k", a, m) ** 2))
        rhs = _norm_sq(op, m)
        worst = max(worst, abs(lhs - rhs) / max(abs(rhs), 1e-300))
    return Check(
        "sensing_consistent",
        worst <= CONSISTENCY_TOL,
        f"max relative |Σ⟨A_i,M⟩² − ‖A(M)‖²| over {probes} random symmetric M",
        value=worst,
        tolerance=CONSISTENCY_TOL,
    )


def _structure_checks(cert: Certificate, raw: Mapping | None) -> list[Check]:
    """Kernel symmetric and PSD, lifted basis orthonormal, sensing symmetric and consistent."""
    op = cert.operator
    checks = []
    raw_op = raw.get("operator", {}) if raw is not None else {}
    kern = None
    if isinstance(op, (KernelOperator, LiftedOperator)):
        kern = np.array(raw_op["kernel"], dtype=float) if "kernel" in raw_op else op.kernel
        asym = _raw_asymmetry(kern)
        checks.append(
            Check(
                "kernel_symmetric",
                asym <= SYMMETRY_TOL,
                "max|H − Hᵀ|/max|H| of the stored kernel"
                + ("" if raw is not None else " (as loaded: already symmetrised)"),
                value=asym,
                tolerance=SYMMETRY_TOL,
            )
        )
    if isinstance(op, LiftedOperator):
        p = op.basis
        orth = float(np.max(np.abs(p.T @ p - np.eye(p.shape[1]))))
        checks.append(
            Check(
                "basis_orthonormal",
                orth <= ORTHONORMAL_TOL,
                "‖PᵀP − I‖_max",
                value=orth,
                tolerance=ORTHONORMAL_TOL,
            )
        )
    spec = spectral_bound(op)
    psd = spec.lo / max(spec.hi, 1e-300)
    checks.append(
        Check(
            "kernel_psd",
            psd >= -PSD_TOL and spec.hi > 0,
            f"λ_min/λ_max of the kernel; spectrum [{spec.lo:.6g}, {spec.hi:.6g}]",
            value=psd,
            tolerance=PSD_TOL,
        )
    )
    sens = op.matrices if isinstance(op, SensingOperator) else cert.sensing_matrices
    if sens is not None:
        asym = _raw_asymmetry(sens)
        checks.append(
            Check(
                "sensing_symmetric",
                asym <= SYMMETRY_TOL,
                f"max|A_i − A_iᵀ|/max|A| over {sens.shape[0]} matrices",
                value=asym,
                tolerance=SYMMETRY_TOL,
            )
        )
    if sens is not None and not isinstance(op, SensingOperator) and op.n > DENSE_MAX_N:
        checks.append(_probe_consistency(op, sens))
    elif sens is not None and not isinstance(op, SensingOperator):
        hs = sensing_kernel(sens)
        if isinstance(op, LiftedOperator):
            e = _embedding(op.basis)
            k = np.array(kern, dtype=float)
            dense = np.eye(sdim(op.n)) + e @ (k - np.eye(k.shape[0])) @ e.T
        else:
            dense = np.array(kern, dtype=float)
        rel = float(np.linalg.norm(hs - dense) / max(np.linalg.norm(dense), 1e-300))
        checks.append(
            Check(
                "sensing_consistent",
                rel <= CONSISTENCY_TOL,
                "‖Σ svec(A_i)svec(A_i)ᵀ − H‖_F/‖H‖_F",
                value=rel,
                tolerance=CONSISTENCY_TOL,
            )
        )
    return checks


def _landscape_checks(
    cert: Certificate, land: Landscape, lam_max: float
) -> tuple[list[Check], dict]:
    x, z = cert.x, cert.z
    zz = float(np.linalg.norm(z.T @ z))
    gap_sq = _gram_fro_sq(x, z)
    gap = np.sqrt(gap_sq)
    fx, fz = land.objective(x), land.objective(z)
    f_rel = fx / max(lam_max * gap_sq, 1e-300)
    gap_rel = gap / zz
    spurious = Check(
        "spurious",
        bool(
            gap_rel >= SPURIOUS_TOL
            and f_rel >= SPURIOUS_TOL
            and abs(fz) <= 1e-12 * lam_max * zz * zz
        ),
        f"‖XXᵀ−ZZᵀ‖_F/‖ZZᵀ‖_F; f(X) = {fx:.6g} (relative {f_rel:.3g}) > f(Z) = {fz:.3g}",
        value=gap_rel,
        tolerance=SPURIOUS_TOL,
    )
    grad = land.gradient(x)
    xnorm = float(np.linalg.norm(x, 2))
    foc = float(np.linalg.norm(grad)) / max(4.0 * lam_max * gap * xnorm, 1e-300)
    first = Check(
        "first_order",
        foc <= FOC_TOL,
        "‖∇f(X)‖_F/(4 λ_max ‖XXᵀ−ZZᵀ‖_F ‖X‖₂)",
        value=foc,
        tolerance=FOC_TOL,
    )
    spec = land.hessian_spectrum(x)
    unit = 2.0 * lam_max * zz
    soc = spec.min_eig / unit
    second = Check(
        "second_order",
        soc >= -SOC_TOL,
        "λ_min(½∇²f̂(X))/‖ZZᵀ‖_F, f̂ = f/λ_max(H)",
        value=soc,
        tolerance=SOC_TOL,
    )
    checks = [spurious, first, second]
    comp = spec.min_eig_complement / unit
    if cert.claim == "strict_local_min":
        need = max(cert.margin - SOC_TOL, SOC_TOL)
        checks.append(
            Check(
                "strict_min",
                comp >= need,
                f"λ_min of ½∇²f̂/‖ZZᵀ‖_F off {{XΩ}} must be positive and ≥ margin "
                f"μ = {cert.margin:g} (− tolerance)",
                value=comp,
                tolerance=SOC_TOL,
            )
        )
    info = {"f_x": fx, "f_z": fz, "min_eig": soc, "min_eig_complement": comp}
    return checks, info


def _rip_checks(cert: Certificate, bracket: RipBracket) -> list[Check]:
    spec, claimed = bracket.spectral, cert.delta
    scale_dev = max(cert.scale * spec.hi - 1.0, 1.0 - cert.scale * spec.lo)
    lo, up = bracket.delta_lower, bracket.delta_upper
    k = bracket.order
    return [
        Check(
            "rip_spectral",
            spec.delta <= claimed + RIP_TOL,
            f"(a) scale-optimal δ of the kernel spectrum [{spec.lo:.6g}, {spec.hi:.6g}]"
            f" ≤ claimed δ = {claimed:.10g}; as-is (γ=1) δ = {spec.delta_as_is:.6g}",
            value=spec.delta,
            tolerance=RIP_TOL,
        ),
        Check(
            "rip_scale",
            scale_dev <= claimed + RIP_TOL,
            f"max(γL − 1, 1 − γℓ) with the claimed γ = {cert.scale:.10g} ≤ claimed δ",
            value=scale_dev,
            tolerance=RIP_TOL,
        ),
        Check(
            "rip_lower",
            lo <= claimed + RIP_TOL,
            f"(b) δ_{k} ≥ {lo:.10g} from explicit rank-{k} witnesses"
            f" ({bracket.witnesses.samples} restarts, seed {bracket.witnesses.seed})"
            f" ≤ claimed δ",
            value=lo,
            tolerance=RIP_TOL,
        ),
        Check(
            "rip_upper",
            lo <= up + RIP_TOL and up <= spec.delta + RIP_TOL,
            f"(c) δ_{k} ≤ {up:.10g} [{bracket.sdp.method}]; bracket δ_{k} ∈ [{lo:.10g},"
            f" {up:.10g}] must be consistent, and ≤ (a)",
            value=up,
            tolerance=RIP_TOL,
        ),
    ]


def verify(
    cert: Certificate | Mapping[str, Any],
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    matrix_free: bool | None = None,
    source: str = "",
    extra_checks: Iterable[Callable[[Certificate], Check]] = (),
    exact: bool = False,
) -> VerificationReport:
    """Re-check every claim of a certificate, independently of the generator.

    ``cert`` is a :class:`~ripcert.certificate.Certificate` or its raw JSON dict (then the
    stored kernel is checked for symmetry *before* loading symmetrises it).  Checks:
    integrity (schema, hash, shapes, finiteness; kernel symmetric PSD; lifted basis
    orthonormal; sensing matrices symmetric and consistent with the kernel), spurious,
    first order, second order (and ``strict_min`` for strict claims), and RIP (a) spectral,
    scale, (b) witness lower bound and (c) SDP upper bound of order 2r.  ``extra_checks``
    are callables ``cert -> Check`` appended at the end; ``exact=True`` appends the exact
    re-check of the ``exact`` and ``dual`` sections (:func:`ripcert.checkers.exact.exact_check`,
    skipped when the certificate has none).
    Deterministic for a seed.  Malformed input gives an ``invalid`` report, never raises.
    """
    t0 = time.perf_counter()
    raw: Mapping | None = None
    try:
        if isinstance(cert, Certificate):
            checked = Certificate.from_dict(cert.to_dict())  # schema, shapes, finiteness
            integrity_detail = "schema, shapes, finite numbers (in-memory certificate)"
        elif isinstance(cert, Mapping):
            raw = cert
            checked = Certificate.from_dict(dict(cert))
            integrity_detail = "schema, " + (
                "sha256, " if "sha256" in raw else "no sha256 (hand-written), "
            )
            integrity_detail += "shapes, finite numbers"
        else:
            raise CertificateFormatError(f"cannot verify a {type(cert).__name__}")
    except CertificateFormatError as exc:
        return _invalid(source, str(exc), samples, seed)
    except (KeyError, TypeError, ValueError) as exc:
        return _invalid(source, f"malformed certificate: {exc}", samples, seed)
    op = checked.operator
    if isinstance(op, LiftedOperator) and op.kernel.shape != (sdim(op.k),) * 2:
        return _invalid(
            source,
            f"lifted kernel is {op.kernel.shape}, basis has k = {op.k} columns:"
            f" expected {sdim(op.k)}×{sdim(op.k)}",
            samples,
            seed,
        )
    cert = checked
    checks = [Check("integrity", True, integrity_detail, value=0.0, tolerance=0.0)]
    checks += _structure_checks(cert, raw)
    spec = spectral_bound(cert.operator)
    lam_max = spec.hi
    info: dict = {}
    try:
        land = Landscape.from_operator(
            cert.operator, cert.z, sensing=cert.sensing_matrices, matrix_free=matrix_free
        )
        land_checks, info = _landscape_checks(cert, land, lam_max)
        checks += land_checks
    except (InvalidInputError, np.linalg.LinAlgError) as exc:
        checks.append(Check("landscape", False, str(exc), value=float("nan"), tolerance=0.0))
    order = min(2 * cert.r, cert.n)
    bracket = rip_bracket(cert.operator, order, samples=samples, seed=seed)
    checks += _rip_checks(cert, bracket)
    for fn in extra_checks:
        checks.append(fn(cert))
    if exact:
        checks.append(exact_check(cert))
    return VerificationReport(
        source=source,
        checks=tuple(checks),
        claim=cert.claim,
        delta=cert.delta,
        n=cert.n,
        r=cert.r,
        rip=bracket.to_dict(),
        samples=samples,
        seed=seed,
        seconds=time.perf_counter() - t0,
        extra=info,
    )


def verify_file(
    path: str | os.PathLike,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    matrix_free: bool | None = None,
    extra_checks: Iterable[Callable[[Certificate], Check]] = (),
    exact: bool = False,
) -> VerificationReport:
    """:func:`verify` a certificate file; unreadable or malformed files give ``invalid``."""
    src = str(path)
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return _invalid(src, f"cannot read {src}: {exc.__class__.__name__}", samples, seed)
    try:
        d = parse_json(text)
    except CertificateFormatError as exc:
        return _invalid(src, str(exc), samples, seed)
    return verify(
        d,
        samples=samples,
        seed=seed,
        matrix_free=matrix_free,
        source=src,
        extra_checks=extra_checks,
        exact=exact,
    )


__all__ = [
    "Check",
    "HessianSpectrum",
    "Landscape",
    "VerificationReport",
    "exit_code",
    "verify",
    "verify_file",
]
