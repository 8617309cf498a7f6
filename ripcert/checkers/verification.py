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

**What a PASS means.**  Every check carries its kind of evidence
(:class:`~ripcert.core.report.Check`): the landscape and RIP checks are *numerical* (floats
against :class:`~ripcert.checkers.thresholds.Tolerances`: evidence, not proof); the
``theorem_threshold`` check applies the sharp RIP thresholds (Zhang, Sojoudi & Lavaei 2019,
arXiv:1901.01631; R. Y. Zhang 2021, arXiv:2104.10790) and rejects any claim below them;
the ``exact`` sections (``verify --exact``) are proofs.  :meth:`VerificationReport.summary_line`
says which is which.  Before any dense work, the declared sizes are checked against
:class:`~ripcert.checkers.thresholds.ResourceLimits`, then the sha256, then the schema.

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
from typing import Any

import numpy as np
import scipy.linalg

from ripcert.certificate import Certificate, parse_json
from ripcert.certificate.io import read_text, text_hash_matches
from ripcert.checkers.exact import exact_check
from ripcert.checkers.rip import (
    DEFAULT_SAMPLES,
    RipBracket,
    rip_bracket,
    sensing_kernel,
    spectral_bound,
)
from ripcert.checkers.thresholds import (
    DEFAULT_LIMITS,
    DEFAULT_TOLERANCES,
    ResourceLimits,
    Tolerances,
)
from ripcert.core.closed_form import theory_threshold
from ripcert.core.operator import KernelOperator, LiftedOperator, Operator, SensingOperator
from ripcert.core.report import Check
from ripcert.core.vectorization import sdim, smat, svec, svec_basis
from ripcert.errors import CertificateFormatError, InvalidInputError

# The default tolerances, by their historical names (the one set is
# :data:`ripcert.checkers.thresholds.DEFAULT_TOLERANCES`; ``verify(tolerances=...)`` overrides).
#: relative asymmetry allowed in raw kernels and sensing matrices
SYMMETRY_TOL = DEFAULT_TOLERANCES.symmetry
#: λ_min(kernel) ≥ −PSD_TOL·λ_max(kernel)
PSD_TOL = DEFAULT_TOLERANCES.psd
#: ‖Σ svec(A_i)svec(A_i)ᵀ − H‖_F ≤ CONSISTENCY_TOL·‖H‖_F
CONSISTENCY_TOL = DEFAULT_TOLERANCES.consistency
#: ‖PᵀP − I‖ of a lifted basis
ORTHONORMAL_TOL = DEFAULT_TOLERANCES.orthonormal
#: ‖XXᵀ − ZZᵀ‖_F/‖ZZᵀ‖_F and f(X)/(λ_max‖XXᵀ−ZZᵀ‖²) must reach this for X to be spurious
SPURIOUS_TOL = DEFAULT_TOLERANCES.spurious
#: relative first-order residual allowed
FOC_TOL = DEFAULT_TOLERANCES.first_order
#: second-order: eigenvalues of ½∇²f̂/‖ZZᵀ‖_F ≥ −SOC_TOL; strict: ≥ max(μ − SOC_TOL, SOC_TOL)
SOC_TOL = DEFAULT_TOLERANCES.second_order
#: slack on RIP comparisons with the claimed δ
RIP_TOL = DEFAULT_TOLERANCES.rip
#: dense landscapes (kernel/sensing) refused above this n; lifted ones are matrix-free
DENSE_MAX_N = DEFAULT_LIMITS.max_dense_n
#: evidence kinds that are proofs (exact arithmetic, or a theorem applied to checked numbers)
PROOF_EVIDENCE = ("exact", "theorem")


# ---------------------------------------------------------------------------------------
# reports
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VerificationReport:
    """All checks of one certificate.  ``status`` ∈ {"passed", "failed", "invalid"}.

    ``invalid`` means the file could not be read as a certificate (schema, hash, JSON,
    shapes, NaN, resource limits): only the ``integrity`` check is then present.

    Every check says what kind of evidence it is (:class:`~ripcert.core.report.Check`):
    :attr:`proofs` lists the checks decided exactly or by a theorem, :attr:`numerical` the
    float checks with tolerances (evidence, not proof); :meth:`summary_line` states both.
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
    tolerances: Tolerances = DEFAULT_TOLERANCES

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

    @property
    def proofs(self) -> tuple[str, ...]:
        """Names of the checks that are proofs (evidence "exact" or "theorem")."""
        return tuple(c.name for c in self.checks if c.evidence in PROOF_EVIDENCE)

    @property
    def numerical(self) -> tuple[str, ...]:
        """Names of the float checks (tolerance-based evidence, not proofs)."""
        return tuple(c.name for c in self.checks if c.evidence == "numerical")

    def summary_line(self) -> str:
        """One line: the verdict, then the checks by kind of evidence.

        ``exact`` checks are proofs; a ``theorem`` check either finds the claim consistent
        with the sharp RIP thresholds (which proves nothing by itself) or refutes it (a proof
        that the certificate is wrong); ``numerical`` checks are floats against tolerances:
        evidence, not proof.
        """
        if self.invalid:
            return f"INVALID: {self.checks[0].detail}"
        failed = self.failed
        head = self.status.upper() + (f" ({', '.join(failed)} failed)" if failed else "")
        exact = [
            c.name + ("" if c.passed else " FAILED") for c in self.checks if c.evidence == "exact"
        ]
        theorem = [
            c.name + (" consistent" if c.passed else " CONTRADICTED")
            for c in self.checks
            if c.evidence == "theorem"
        ]
        return (
            f"{head}; exact proofs: {', '.join(exact) or 'none'}; theorem: "
            f"{', '.join(theorem) or 'none'}; numerical (floats with tolerances: evidence,"
            f" not proof): {len(self.numerical)} checks"
        )

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
            "evidence": {
                "proofs": list(self.proofs),
                "numerical": list(self.numerical),
                "skipped": [c.name for c in self.checks if c.evidence == "skipped"],
            },
            "summary": self.summary_line(),
            "tolerances": self.tolerances.to_dict(),
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
def outer_gap(u: np.ndarray, z: np.ndarray) -> float:
    """``‖UUᵀ − ZZᵀ‖_F``, computed stably in an orthonormal basis of ``span([U Z])``.

    With the QR factorisation ``[U Z] = Q [R_U R_Z]`` (Householder, Q orthonormal),
    ``UUᵀ − ZZᵀ = Q (R_U R_Uᵀ − R_Z R_Zᵀ) Qᵀ`` and the norm is that of the small
    (r + r*)×(r + r*) difference, whose rounding error is O(ε‖U‖²) however small the gap.
    The Gram formula ``√(‖UᵀU‖² − 2‖UᵀZ‖² + ‖ZᵀZ‖²)`` loses everything below
    √ε·‖ZZᵀ‖ ≈ 1e-8‖ZZᵀ‖ to cancellation (it certified X = [Z 0]R, a global minimiser, as
    spurious).  O(n(r + r*)²), nothing n×n is formed.

    >>> z = np.array([[1.0], [0.0]]); c, s = np.cos(0.3), np.sin(0.3)
    >>> outer_gap(np.hstack([z, 0 * z]) @ np.array([[c, -s], [s, c]]), z) < 1e-15
    True
    """
    u = np.asarray(u, dtype=float)
    z = np.asarray(z, dtype=float)
    r = u.shape[1]
    rr = np.asarray(np.linalg.qr(np.hstack([u, z]), mode="r"))
    a, b = rr[:, :r], rr[:, r:]
    return float(np.linalg.norm(a @ a.T - b @ b.T))


def _gram_fro_sq(u: np.ndarray, z: np.ndarray) -> float:
    """``‖UUᵀ − ZZᵀ‖²_F`` (stable: :func:`outer_gap`)."""
    return outer_gap(u, z) ** 2


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

    # -- the stored arrays of this form (present by construction) --------------------------
    @staticmethod
    def _need(a: np.ndarray | None, what: str) -> np.ndarray:
        if a is None:
            raise InvalidInputError(f"landscape has no {what}")
        return a

    @property
    def _a(self) -> np.ndarray:
        return self._need(self.matrices, "sensing matrices")

    @property
    def _h(self) -> np.ndarray:
        return self._need(self.kernel, "kernel")

    @property
    def _p(self) -> np.ndarray:
        return self._need(self.basis, "basis")

    # -- the three operators A*A, ⟨A·, A·⟩ on this operator ------------------------------
    def _normal(self, u: np.ndarray) -> tuple[float, np.ndarray]:
        """(f(U), G U) with ``M = UUᵀ − ZZᵀ`` and ``G = 𝒜*𝒜(M)`` (factored when lifted)."""
        z = self.z
        if self.form == "lifted":
            p, kern = self._p, self._h
            pu, pz = p.T @ u, p.T @ z
            c = svec(pu @ pu.T - pz @ pz.T)
            kc = (kern - np.eye(len(c))) @ c
            f = _gram_fro_sq(u, z) + float(c @ kc)
            gu = u @ (u.T @ u) - z @ (z.T @ u) + p @ (smat(kc) @ pu)
            return f, gu
        m = u @ u.T - z @ z.T
        if self.form == "sensing":
            res = np.einsum("kij,ij->k", self._a, m)
            g = np.einsum("k,kij->ij", res, self._a)
            return float(res @ res), g @ u
        e = svec(m)
        he = self._h @ e
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
            p = self._p
            kern = self._h - np.eye(self._h.shape[0])
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
            a = self._a
            rd = np.einsum("kij,ij->k", a, d)
            rm = np.einsum("kij,ij->k", a, m)
            rv = np.einsum("kij,ij->k", a, v @ v.T)
            return float(2.0 * rd @ rd + 4.0 * rm @ rv)
        sd, sm, sv = svec(d), svec(m), svec(v @ v.T)
        h = self._h
        return float(2.0 * sd @ h @ sd + 4.0 * sm @ h @ sv)

    def hessian(self, u: np.ndarray) -> np.ndarray:
        """Dense ∇²f(U) on column-major vec(V), (nr)×(nr); refused for lifted forms."""
        u = np.asarray(u, dtype=float)
        n, r = u.shape
        if self.form == "lifted":
            raise InvalidInputError("lifted landscapes are matrix-free: use hessian_spectrum")
        m = u @ u.T - self.z @ self.z.T
        if self.form == "sensing":
            a = self._a
            g = np.einsum("k,kij->ij", np.einsum("kij,ij->k", a, m), a)
            j = np.swapaxes(a @ u, 1, 2).reshape(a.shape[0], r * n)  # vec(A_i U), col-major
            return 8.0 * j.T @ j + 4.0 * np.kron(np.eye(r), g)
        h = self._h
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
        p, z = self._p, self.z
        u, s, _ = np.linalg.svd(np.hstack([p, x, z]), full_matrices=False)
        q = u[:, s > 1e-12 * s[0]]
        qp, qx, qz = q.T @ p, q.T @ x, q.T @ z
        e = _embedding(qp)
        kern = np.eye(sdim(q.shape[1])) + e @ (self._h - np.eye(self._h.shape[0])) @ e.T
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


def _rank_needed(eigs: np.ndarray, extra_ones: int, tol: float) -> tuple[int, float]:
    """(#eigenvalues above ``tol·‖H‖_F``, ‖H‖_F) for a kernel with spectrum ``eigs ∪ {1}^extra``.

    Eckart–Young: m matrices give ``rank(Σ svec(A_i)svec(A_i)ᵀ) ≤ m``, so their kernel is at
    distance ≥ the (m+1)-th eigenvalue of H from H; fewer matrices than this count can never
    pass the Frobenius comparison, and are rejected before any Gram matrix is formed.
    """
    fro = float(np.sqrt(np.sum(eigs**2) + extra_ones))
    cut = tol * fro
    return int(np.sum(eigs > cut)) + (extra_ones if 1.0 > cut else 0), fro


def _lifted_copy_distance(op: LiftedOperator, a: np.ndarray) -> float:
    """``‖Σ svec(A_i)svec(A_i)ᵀ − H‖_F`` for the lifted kernel ``H = I + E(H_k − I)Eᵀ``.

    In the orthonormal basis ``Q = [P, P⊥]`` of Rⁿ (a congruence ``M ↦ QᵀMQ``, an isometry
    of Sⁿ) the kernel is ``blockdiag(H_k, I)``: H_k on the compressions ``C_i = PᵀA_iP``
    and the identity on the complement coordinates ``t_i = (√2·vec(PᵀA_iP⊥),
    svec(P⊥ᵀA_iP⊥))`` (dimension ``N_c = n(n+1)/2 − k(k+1)/2``).  With ``u_i = svec(C_i)``
    the squared distance is the sum of three blocks, each computed directly (no sum of large
    terms cancels, so the result is accurate to rounding, not to its square root):

    * ``‖Σ u_i u_iᵀ − H_k‖²_F``   (compression block, ``k(k+1)/2`` square);
    * ``2‖Σ u_i t_iᵀ‖²_F``        (cross block, must vanish);
    * ``‖Σ t_i t_iᵀ − I‖²_F``     (complement block, ``N_c`` square).

    Nothing of the size of the dense kernel on Sⁿ is built beyond these blocks, and the size
    of n is bounded beforehand (``ResourceLimits.max_copy_n``).
    """
    p = np.asarray(op.basis)
    hk = np.asarray(op.kernel)
    m, n, k = a.shape[0], op.n, op.k
    q, _ = np.linalg.qr(p, mode="complete")
    pc = q[:, k:]  # orthonormal basis of range(P)⊥
    u = svec(p.T @ a @ p)  # (m, d_k)
    t = np.hstack(
        [np.sqrt(2.0) * (p.T @ a @ pc).reshape(m, k * (n - k)), svec(pc.T @ a @ pc)]
    )  # (m, N_c)
    comp = float(np.sum((u.T @ u - hk) ** 2))
    cross = float(np.sum((u.T @ t) ** 2))
    block = float(np.sum((t.T @ t - np.eye(t.shape[1])) ** 2))
    return float(np.sqrt(comp + 2.0 * cross + block))


def _copy_consistency(op: Operator, sens: np.ndarray, tol: Tolerances) -> Check:
    """Exact comparison of an explicit sensing copy with the operator it accompanies.

    ``‖Σ svec(A_i)svec(A_i)ᵀ − H‖_F ≤ tol·‖H‖_F`` over *all* of Sⁿ (no probes: a
    copy matching any fixed finite set of test matrices but differing elsewhere fails),
    after the count ``m ≥ #{eigenvalues of H above tol·‖H‖_F}`` (:func:`_rank_needed`).
    Lifted operators are compared block by block (:func:`_lifted_copy_distance`); dense
    kernels directly.  Sizes are bounded by ``ResourceLimits.max_copy_n`` beforehand.
    """
    a = 0.5 * (sens + np.swapaxes(sens, -1, -2))
    m = a.shape[0]
    if isinstance(op, LiftedOperator):
        need, fro = _rank_needed(
            np.linalg.eigvalsh(op.kernel), sdim(op.n) - sdim(op.k), tol.consistency
        )
    elif isinstance(op, KernelOperator):
        need, fro = _rank_needed(np.linalg.eigvalsh(op.kernel), 0, tol.consistency)
    else:  # a sensing form is its own operator: nothing to compare
        raise InvalidInputError("a sensing-form operator has no separate copy to compare")
    what = "‖Σ svec(A_i)svec(A_i)ᵀ − H‖_F/‖H‖_F over all of Sⁿ"
    if m < need:
        return Check(
            "sensing_consistent",
            False,
            f"{m} sensing matrices cannot reproduce a kernel of numerical rank {need}"
            f" (Eckart–Young: distance ≥ its ({m + 1})-th eigenvalue)",
            value=float("inf"),
            tolerance=tol.consistency,
        )
    if isinstance(op, LiftedOperator):
        dist = _lifted_copy_distance(op, a)
        what += f" (blocks in [P, P⊥], k = {op.k}, m = {m})"
    else:
        assert isinstance(op, KernelOperator)
        dist = float(np.linalg.norm(sensing_kernel(a) - op.kernel))
        what += f" (m = {m})"
    rel = dist / max(fro, 1e-300)
    return Check(
        "sensing_consistent", rel <= tol.consistency, what, value=rel, tolerance=tol.consistency
    )


def _structure_checks(
    cert: Certificate, raw: Mapping | None, tol: Tolerances = DEFAULT_TOLERANCES
) -> list[Check]:
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
                asym <= tol.symmetry,
                "max|H − Hᵀ|/max|H| of the stored kernel"
                + ("" if raw is not None else " (as loaded: already symmetrised)"),
                value=asym,
                tolerance=tol.symmetry,
            )
        )
    if isinstance(op, LiftedOperator):
        p = op.basis
        orth = float(np.max(np.abs(p.T @ p - np.eye(p.shape[1]))))
        checks.append(
            Check(
                "basis_orthonormal",
                orth <= tol.orthonormal,
                "‖PᵀP − I‖_max",
                value=orth,
                tolerance=tol.orthonormal,
            )
        )
    spec = spectral_bound(op)
    psd = spec.lo / max(spec.hi, 1e-300)
    checks.append(
        Check(
            "kernel_psd",
            psd >= -tol.psd and spec.hi > 0,
            f"λ_min/λ_max of the kernel; spectrum [{spec.lo:.6g}, {spec.hi:.6g}]",
            value=psd,
            tolerance=tol.psd,
        )
    )
    sens = op.matrices if isinstance(op, SensingOperator) else cert.sensing_matrices
    if sens is not None:
        asym = _raw_asymmetry(sens)
        checks.append(
            Check(
                "sensing_symmetric",
                asym <= tol.symmetry,
                f"max|A_i − A_iᵀ|/max|A| over {sens.shape[0]} matrices",
                value=asym,
                tolerance=tol.symmetry,
            )
        )
    if sens is not None and not isinstance(op, SensingOperator):
        checks.append(_copy_consistency(op, sens, tol))
    return checks


def _landscape_checks(
    cert: Certificate, land: Landscape, lam_max: float, tol: Tolerances = DEFAULT_TOLERANCES
) -> tuple[list[Check], dict]:
    x, z = cert.x, cert.z
    zz = float(np.linalg.norm(z.T @ z))
    gap = outer_gap(x, z)
    gap_sq = gap * gap
    fx, fz = land.objective(x), land.objective(z)
    f_rel = fx / max(lam_max * gap_sq, 1e-300)
    gap_rel = gap / zz
    # f(X)/(λ_max‖XXᵀ−ZZᵀ‖²) ≥ ℓ/L = (1−δ)/(1+δ) for any operator: the floor is half the
    # value at δ = 1 − tol.delta_one, the largest δ the generator writes, so the two agree
    f_floor = 0.25 * tol.delta_one
    spurious = Check(
        "spurious",
        bool(gap_rel >= tol.spurious and f_rel >= f_floor and abs(fz) <= 1e-12 * lam_max * zz * zz),
        f"‖XXᵀ−ZZᵀ‖_F/‖ZZᵀ‖_F (in an orthonormal basis of span[X Z]); f(X) = {fx:.6g}"
        f" (relative {f_rel:.3g} ≥ {f_floor:g}) > f(Z) = {fz:.3g}",
        value=gap_rel,
        tolerance=tol.spurious,
    )
    grad = land.gradient(x)
    grad_norm = float(np.linalg.norm(grad))
    xnorm = float(np.linalg.norm(x, 2))
    foc = grad_norm / max(4.0 * lam_max * gap * xnorm, 1e-300)
    first = Check(
        "first_order",
        foc <= tol.first_order,
        "‖∇f(X)‖_F/(4 λ_max ‖XXᵀ−ZZᵀ‖_F ‖X‖₂)",
        value=foc,
        tolerance=tol.first_order,
    )
    spec = land.hessian_spectrum(x)
    unit = 2.0 * lam_max * zz
    soc = spec.min_eig / unit
    second = Check(
        "second_order",
        soc >= -tol.second_order,
        "λ_min(½∇²f̂(X))/‖ZZᵀ‖_F, f̂ = f/λ_max(H)",
        value=soc,
        tolerance=tol.second_order,
    )
    checks = [spurious, first, second]
    comp = spec.min_eig_complement / unit
    if cert.claim == "strict_local_min":
        need = max(cert.margin - tol.second_order, tol.second_order)
        checks.append(
            Check(
                "strict_min",
                comp >= need,
                f"λ_min of ½∇²f̂/‖ZZᵀ‖_F off {{XΩ}} must be positive and ≥ margin "
                f"μ = {cert.margin:g} (− tolerance)",
                value=comp,
                tolerance=tol.second_order,
            )
        )
        checks.append(
            _basin_check(x, grad_norm, spec.min_eig_complement, gap, lambda s: 24.0 * lam_max * s)
        )
    info = {"f_x": fx, "f_z": fz, "min_eig": soc, "min_eig_complement": comp}
    return checks, info


def _basin_check(
    x: np.ndarray, eps: float, lam_c: float, gap: float, lip: Callable[[float], float]
) -> Check:
    """Kantorovich-type basin estimate for a strict claim: a true strict spurious local minimum
    of f lies within ρ = 3ε/λ_c of X (ε = ‖∇f(X)‖_F, λ_c = λ_min(∇²f(X)) off ``{XΩ}``).

    On the slice ``X + V``, ``V ⊥ {XΩ}`` (∇f(X) already lies in it: ⟨GX, XΩ⟩ = 0 for Ω skew),
    ``g(V) = f(X + V)`` has ``∇²g ⪰ λ_c − L(ρ)·ρ`` on the ball ``‖V‖_F ≤ ρ``, where
    ``L(ρ) ≥ sup |D³f(U)[V,V,V]|/‖V‖³`` over the ball (``lip``: for the quadratic loss
    ``D³f(U)[V,V,V] = 12⟨A(UVᵀ + VUᵀ), A(VVᵀ)⟩``, so ``L = 24 λ_max (‖X‖₂ + ρ)``; a symmetric
    trilinear form attains its norm on the diagonal, Banach 1938).  If ``L(ρ)ρ < 2λ_c/3``
    then g is ``λ_c/3``-strongly convex on the ball and ``⟨∇g(V), V⟩ > 0`` on its boundary
    (``ε < (λ_c/3)ρ``): a unique minimiser V* with ‖V*‖ < ρ, where ∇²g ≻ 0.  For r > 1,
    ``ρ < σ_r(X)²/‖X‖₂`` makes ``∇f(X + V*) = 0`` (a gradient in ``{XΩ₀}`` orthogonal to
    every ``(X + V*)Ω`` vanishes), and ``2‖X‖₂ρ + ρ² < ‖XXᵀ − ZZᵀ‖_F`` keeps the minimiser
    spurious.  This couples the first- and second-order residuals into one quantitative
    statement instead of two independent tolerances; ε and λ_c are float numbers, so the check
    is numerical evidence, not a proof.
    """
    r = x.shape[1]
    sv = np.linalg.svd(x, compute_uv=False)
    xn = float(sv[0])
    if not lam_c > 0:
        return Check(
            "strict_basin",
            False,
            f"λ_min(∇²f) off {{XΩ}} = {lam_c:.3g} ≤ 0: no basin",
            value=float("inf"),
            tolerance=2.0 / 3.0,
        )
    rho = 3.0 * eps / lam_c
    ratio = lip(xn + rho) * rho / lam_c
    orbit_ok = r == 1 or rho < float(sv[-1]) ** 2 / max(xn, 1e-300)
    spurious_ok = 2.0 * xn * rho + rho * rho < gap
    ok = ratio < 2.0 / 3.0 and orbit_ok and spurious_ok
    return Check(
        "strict_basin",
        ok,
        f"L(ρ)ρ/λ_c < 2/3 with ρ = 3‖∇f‖/λ_c = {rho:.3g}: an exact strict spurious local"
        f" minimum of f lies within ρ of X (Kantorovich-type basin estimate"
        + ("" if orbit_ok else "; ρ ≥ σ_r(X)²/‖X‖₂: orbit condition fails")
        + ("" if spurious_ok else "; ball reaches the global minimisers")
        + ")",
        value=ratio,
        tolerance=2.0 / 3.0,
    )


def _theorem_check(cert: Certificate, bracket: RipBracket, tol: Tolerances) -> Check:
    """The RIP thresholds below which no spurious second-order critical point exists, applied
    to the certificate's numbers (docs/math.md §5, §7).

    RIP is meant as in Definition 1 of arXiv:1901.01631: ``(1 − δ)‖M‖²_F ≤ ‖A(M)‖² ≤
    (1 + δ)‖M‖²_F`` for every M of rank ≤ 2r, r the search rank; ``f(U) = ‖A(UUᵀ − ZZᵀ)‖²``
    with ``U ∈ R^{n×r}`` and ``rank ZZᵀ ≤ r*``.  What is proved:

    * Zhang, Sojoudi & Lavaei, JMLR 20(114) 2019, arXiv:1901.01631, **Theorem 3** (Global
      guarantee), r = r* = 1: "If δ < 1/2, then f has no spurious local minima:
      ∇f(x) = 0, ∇²f(x) ⪰ 0 ⟺ xxᵀ = M⋆", and for δ ≥ 1/2 a counterexample exists.  The
      paper's "no spurious local minima" *is* this statement about second-order critical
      points (so is its Lemma 6, (17), for any r with ``rank M⋆ ≤ r``); it is stronger than
      one about local minima, since every local minimum is second-order critical and not
      conversely (§4.3 of the paper; docs/math.md §1).
    * R. Y. Zhang, "Sharp global guarantees for nonconvex low-rank matrix recovery in the
      overparameterized regime", arXiv:2104.10790 (2021; abstract of v1): for r* ≤ r, "an
      RIP constant of δ < 1/(1 + √(r*/r)) is sufficient for the inexistence of spurious local
      minima, and δ < 1/(1 + 1/√(r − r* + 1)) is necessary due to existence of
      counterexamples".  Same method and same meaning of "spurious local minima" (second-order
      critical points, by the inexistence of counterexamples to (∇f = 0, ∇²f ⪰ 0)).  The
      threshold is sharp for r = r* (1/2) and for r* = 1 (1/(1 + 1/√r)); for other
      (r, r*) the paper proves it sufficient only.
    * R. Y. Zhang, arXiv:2207.01789 (2022): ``φ`` L-smooth and μ-strongly convex,
      ``r > ¼(L/μ − 1)² r*``.  For the ℓ2 loss this needs the full-space δ
      (``L/μ = (1 + δ)/(1 − δ)``) and then reads δ < 1/(1 + √(r*/r)) again.

    Both claims a certificate can make (``second_order_critical``; ``strict_local_min``,
    whose Hessian is positive definite off ``{XΩ}`` and zero on it) say that X is a spurious
    second-order critical point, so the theorems cover both.  The inequality is strict:
    δ_2r ≥ threshold is consistent (counterexamples exist there), δ_2r below it is not.
    Scaling A by a constant does not move critical points, so the scale-optimal δ is the one
    to compare; a ground truth of rank below r* only raises the threshold, so using the
    stated r* is conservative.  The check compares ``min(claimed δ, upper bound on δ_2r
    from rip_upper)`` with ``1/(1 + √(r*/r)) − tol.theorem`` and, on a contradiction, says
    which part of the claim must be false.  Skipped when r* > r (no theorem applies).
    """
    r, rs = cert.r, cert.r_star
    k = bracket.order
    cite = (
        "[Zhang–Sojoudi–Lavaei 2019, arXiv:1901.01631, Thm 3 (r = r* = 1);"
        " R. Y. Zhang 2021, arXiv:2104.10790 (r ≥ r*)]"
    )
    if rs > r:
        return Check(
            "theorem_threshold",
            True,
            f"r* = {rs} > r = {r}: no RIP threshold theorem applies (they assume r* ≤ r)",
            evidence="skipped",
        )
    thr = theory_threshold(r, rs)
    upper = bracket.delta_upper
    claimed = float(cert.delta)
    ref = min(claimed, upper)
    ok = ref >= thr - tol.theorem
    theorem = (
        f"δ-RIP of order 2r with δ < 1/(1+√(r*/r)) = {thr:.10g} leaves no spurious"
        f" second-order critical point for (r, r*) = ({r}, {rs})"
    )
    if ok:
        detail = (
            f"δ_{k} ≤ {ref:.10g} (claimed {claimed:.10g}, upper bound {upper:.10g}) is not"
            f" below the threshold: consistent with the theorem ({theorem}) {cite}"
        )
    elif upper < thr - tol.theorem:
        detail = (
            f"contradicts the theorem ({theorem}): the verifier's own upper bound"
            f" δ_{k} ≤ {upper:.10g} is below it, so X is not a spurious second-order critical"
            f" point of this operator and the float checks that accepted X are wrong {cite}"
        )
    else:
        detail = (
            f"contradicts the theorem ({theorem}): the claimed δ = {claimed:.10g} is below it"
            f" while the verifier's upper bound is δ_{k} ≤ {upper:.10g}: the claimed δ is not"
            f" an RIP constant of this operator (see rip_spectral) or X is not a spurious"
            f" second-order critical point {cite}"
        )
    return Check(
        "theorem_threshold", ok, detail, value=ref - thr, tolerance=tol.theorem, evidence="theorem"
    )


def _rip_checks(
    cert: Certificate, bracket: RipBracket, tol: Tolerances = DEFAULT_TOLERANCES
) -> list[Check]:
    spec, claimed = bracket.spectral, cert.delta
    scale_dev = max(cert.scale * spec.hi - 1.0, 1.0 - cert.scale * spec.lo)
    lo, up = bracket.delta_lower, bracket.delta_upper
    k = bracket.order
    return [
        Check(
            "rip_spectral",
            spec.delta <= claimed + tol.rip,
            f"(a) scale-optimal δ of the kernel spectrum [{spec.lo:.6g}, {spec.hi:.6g}]"
            f" ≤ claimed δ = {claimed:.10g}; as-is (γ=1) δ = {spec.delta_as_is:.6g}",
            value=spec.delta,
            tolerance=tol.rip,
        ),
        Check(
            "rip_scale",
            scale_dev <= claimed + tol.rip,
            f"max(γL − 1, 1 − γℓ) with the claimed γ = {cert.scale:.10g} ≤ claimed δ",
            value=scale_dev,
            tolerance=tol.rip,
        ),
        Check(
            "rip_lower",
            lo <= claimed + tol.rip,
            f"(b) δ_{k} ≥ {lo:.10g} from explicit rank-{k} witnesses"
            f" ({bracket.witnesses.samples} restarts, seed {bracket.witnesses.seed})"
            f" ≤ claimed δ",
            value=lo,
            tolerance=tol.rip,
        ),
        Check(
            "rip_upper",
            lo <= up + tol.rip and up <= spec.delta + tol.rip,
            f"(c) δ_{k} ≤ {up:.10g} [{bracket.sdp.method}]; bracket δ_{k} ∈ [{lo:.10g},"
            f" {up:.10g}] must be consistent, and ≤ (a)",
            value=up,
            tolerance=tol.rip,
        ),
    ]


def _shape(obj: Any, ndim: int) -> tuple[int, ...] | None:
    """Largest extent along each of ``ndim`` list levels, from ``len`` alone (no conversion);
    None when ``obj`` is not nested lists that deep (the schema reports that later)."""
    level = [obj]
    out = []
    for _ in range(ndim):
        if not level or not set(map(type, level)) <= {list}:
            return None
        out.append(max(map(len, level)))
        level = [w for v in level for w in v] if len(out) < ndim else []
    return tuple(out)


#: in-memory certificates up to this n are checked through their JSON form (schema, shapes);
#: larger ones directly (the round trip costs seconds at n = 10⁶ and checks nothing more)
IN_MEMORY_ROUND_TRIP_MAX_N = 20_000


def in_memory_problem(cert: Certificate, limits: ResourceLimits = DEFAULT_LIMITS) -> str | None:
    """:func:`resource_problem` for a :class:`Certificate` object: sizes, shapes, finiteness."""
    n, r, rs = cert.n, cert.r, cert.r_star
    if n > limits.max_n or max(r, rs) > limits.max_rank or not (rs <= r <= n):
        return f"sizes n = {n}, r = {r}, r* = {rs} outside the verifier's limits"
    if cert.z.shape[0] != n:
        return f"x has {n} rows but z has {cert.z.shape[0]}"
    op = cert.operator
    if isinstance(op, LiftedOperator):
        if op.k > limits.max_lifted_k or op.basis.shape[0] != n:
            return f"lifted basis is {op.basis.shape}, limit k ≤ {limits.max_lifted_k}"
    elif n > limits.max_dense_n:
        return f"dense operator with n = {n} exceeds the verifier's limit {limits.max_dense_n}"
    arrays = [cert.x, cert.z, np.asarray(op.kernel if hasattr(op, "kernel") else 0.0)]
    if not all(np.all(np.isfinite(a)) for a in arrays):
        return "the certificate contains NaN or Inf"
    if cert.claim not in ("second_order_critical", "strict_local_min"):
        return f"unknown claim {cert.claim!r}"
    return None


def resource_problem(d: Mapping[str, Any], limits: ResourceLimits = DEFAULT_LIMITS) -> str | None:
    """Why a raw certificate dict exceeds ``limits``, or None: declared sizes only.

    Reads list lengths (never converts arrays, never builds a kernel), so it is cheap and
    runs before the hash, the schema and any dense work.  Checks n, r, r* ≤ r ≤ n, the form's
    dimension (dense n, lifted k ≤ n), kernel sizes against n(n+1)/2 or k(k+1)/2, the
    number m of sensing matrices, the size of an explicit sensing copy, and the declared
    size k of an ``exact`` section (k ≤ n).
    """
    xs, zs = _shape(d.get("x"), 2), _shape(d.get("z"), 2)
    if xs is None or zs is None:
        return None
    (n, r), (nz, rs) = xs, zs
    if n > limits.max_n:
        return f"n = {n} exceeds the verifier's limit {limits.max_n}"
    if max(r, rs) > limits.max_rank:
        return f"rank r = {r}, r* = {rs} exceeds the verifier's limit {limits.max_rank}"
    if r > n or rs > r:
        return f"need r* ≤ r ≤ n, got n = {n}, r = {r}, r* = {rs}"
    if nz != n:
        return f"x has {n} rows but z has {nz}"
    op = d.get("operator")
    if not isinstance(op, Mapping):
        return None
    form = op.get("form")
    kern = _shape(op.get("kernel"), 2)
    if form in ("kernel", "sensing") and n > limits.max_dense_n:
        return (
            f"dense operator form {form!r} with n = {n} exceeds the verifier's limit"
            f" {limits.max_dense_n} (use a lifted operator)"
        )
    if form == "kernel" and kern is not None and kern != (sdim(n), sdim(n)):
        return f"kernel is {kern[0]}×{kern[1]}, expected {sdim(n)}×{sdim(n)} for n = {n}"
    if form == "span":
        cols = op.get("columns")
        k = len(cols) if isinstance(cols, list) else 0
        if k > min(limits.max_lifted_k, n, r + rs):
            return (
                f"span operator names k = {k} columns; need k ≤ min(n, r + r*,"
                f" {limits.max_lifted_k})"
            )
        if kern is not None and kern != (sdim(k), sdim(k)):
            return f"span kernel is {kern[0]}×{kern[1]}, expected {sdim(k)}×{sdim(k)} for k = {k}"
    if form == "lifted":
        basis = _shape(op.get("basis"), 2)
        if basis is not None:
            k = basis[1]
            if basis[0] != n or k > n:
                return f"lifted basis is {basis[0]}×{k}, expected n×k with k ≤ n = {n}"
            if k > limits.max_lifted_k:
                return f"lifted basis has k = {k} columns, above the limit {limits.max_lifted_k}"
            if kern is not None and kern != (sdim(k), sdim(k)):
                return (
                    f"lifted kernel is {kern[0]}×{kern[1]}, basis has k = {k} columns:"
                    f" expected {sdim(k)}×{sdim(k)}"
                )
    sens = _shape(op.get("sensing_matrices"), 3)
    if sens is not None:
        if sens[0] > limits.max_matrices:
            return f"{sens[0]} sensing matrices exceed the limit {limits.max_matrices}"
        if sens[1:] != (n, n):
            return f"sensing matrices are {sens[1]}×{sens[2]}, expected {n}×{n}"
        if form != "sensing" and n > limits.max_copy_n:
            return (
                f"explicit sensing copy of an n = {n} operator refused (limit n ≤"
                f" {limits.max_copy_n}): remove operator.sensing_matrices, the operator is"
                " fully given by its basis and kernel"
            )
    ex = d.get("exact")
    if isinstance(ex, Mapping):
        k_ex = _shape(ex.get("x_factor"), 1)
        if k_ex is not None and k_ex[0] > n:
            return f"exact section has dimension k = {k_ex[0]} > n = {n}"
        kt = _shape(ex.get("kernel_t"), 1)
        if kt is not None and kt[0] > sdim(n):
            return f"exact kernel has {kt[0]} rows > n(n+1)/2 = {sdim(n)}"
    return None


def verify(
    cert: Certificate | Mapping[str, Any],
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    matrix_free: bool | None = None,
    source: str = "",
    extra_checks: Iterable[Callable[[Certificate], Check]] = (),
    exact: bool = False,
    tolerances: Tolerances = DEFAULT_TOLERANCES,
    limits: ResourceLimits = DEFAULT_LIMITS,
    hash_verified: bool = False,
) -> VerificationReport:
    """Re-check every claim of a certificate, independently of the generator.

    ``cert`` is a :class:`~ripcert.certificate.Certificate` or its raw JSON dict (then the
    stored kernel is checked for symmetry *before* loading symmetrises it).  Order: declared
    sizes against ``limits`` (:func:`resource_problem`), then the sha256 (required except
    for hand-written ``sensing`` forms), the schema, shapes and finiteness — any failure gives
    an ``invalid`` report before dense work.  Checks: kernel symmetric PSD; lifted basis
    orthonormal; sensing matrices symmetric and, for an explicit copy, equal to the operator
    on all of Sⁿ; spurious, first order, second order (and ``strict_min``, ``strict_basin``
    for strict claims); RIP (a) spectral, scale, (b) witness lower bound, (c) SDP upper bound
    of order 2r; and ``theorem_threshold`` (evidence "theorem"): claims below the sharp RIP
    threshold are rejected.  ``extra_checks`` are callables ``cert -> Check`` appended at the
    end; ``exact=True`` appends the exact re-check of the ``exact`` and ``dual`` sections
    (:func:`ripcert.checkers.exact.exact_check`, skipped when the certificate has none).
    ``tolerances`` is the one set of float tolerances (the generator uses the same).
    Deterministic for a seed.  Malformed input gives an ``invalid`` report, never raises.
    """
    t0 = time.perf_counter()
    raw: Mapping | None = None

    def invalid(message: str) -> VerificationReport:
        return _invalid(source, message, samples, seed)

    try:
        if isinstance(cert, Certificate) and cert.n > IN_MEMORY_ROUND_TRIP_MAX_N:
            problem = in_memory_problem(cert, limits)
            if problem is not None:
                return invalid(problem)
            d = None
            integrity_detail = "shapes, finite numbers (in-memory certificate, not serialised)"
        elif isinstance(cert, Certificate):
            d = cert.to_dict()
            integrity_detail = "schema, shapes, finite numbers (in-memory certificate)"
        elif isinstance(cert, Mapping):
            raw = cert
            d = dict(cert)
            integrity_detail = "sizes, " + (
                "sha256, " if "sha256" in raw else "no sha256 (hand-written sensing form), "
            )
            integrity_detail += "schema, shapes, finite numbers"
        else:
            raise CertificateFormatError(f"cannot verify a {type(cert).__name__}")
        checked: Certificate
        if d is None:
            assert isinstance(cert, Certificate)
            checked = cert
        else:
            problem = resource_problem(d, limits)
            if problem is not None:
                return invalid(problem)
            # hash first, then schema, shapes, finiteness
            checked = Certificate.from_dict(d, hash_verified=hash_verified)
    except CertificateFormatError as exc:
        return invalid(str(exc))
    except (KeyError, TypeError, ValueError) as exc:
        return invalid(f"malformed certificate: {exc}")
    op = checked.operator
    if isinstance(op, LiftedOperator) and op.kernel.shape != (sdim(op.k),) * 2:
        return invalid(
            f"lifted kernel is {op.kernel.shape}, basis has k = {op.k} columns:"
            f" expected {sdim(op.k)}×{sdim(op.k)}"
        )
    cert = checked
    tol = tolerances
    checks = [Check("integrity", True, integrity_detail, value=0.0, tolerance=0.0)]
    checks += _structure_checks(cert, raw, tol)
    spec = spectral_bound(cert.operator)
    lam_max = spec.hi
    info: dict = {}
    try:
        land = Landscape.from_operator(
            cert.operator, cert.z, sensing=cert.sensing_matrices, matrix_free=matrix_free
        )
        land_checks, info = _landscape_checks(cert, land, lam_max, tol)
        checks += land_checks
    except (InvalidInputError, np.linalg.LinAlgError) as exc:
        checks.append(Check("landscape", False, str(exc), value=float("nan"), tolerance=0.0))
    order = min(2 * cert.r, cert.n)
    bracket = rip_bracket(cert.operator, order, samples=samples, seed=seed)
    checks += _rip_checks(cert, bracket, tol)
    checks.append(_theorem_check(cert, bracket, tol))
    if "structure" in cert.extra:  # structured certificates: ripcert.checkers.structure
        from ripcert.checkers.structure import amend_structured

        checks = amend_structured(cert, checks, Landscape)
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
        tolerances=tol,
    )


def verify_file(
    path: str | os.PathLike,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    matrix_free: bool | None = None,
    extra_checks: Iterable[Callable[[Certificate], Check]] = (),
    exact: bool = False,
    tolerances: Tolerances = DEFAULT_TOLERANCES,
    limits: ResourceLimits = DEFAULT_LIMITS,
) -> VerificationReport:
    """:func:`verify` a certificate file; unreadable, oversized, too deeply nested or
    malformed files (duplicate keys, NaN) give ``invalid`` before any other work."""
    src = str(path)
    try:
        text = read_text(path, max_bytes=limits.max_file_bytes)
        d = parse_json(text, max_depth=limits.max_depth)
    except CertificateFormatError as exc:
        return _invalid(src, str(exc), samples, seed)
    if d.get("claim") == "ground_truth_is_saddle":  # robust ℓ1 certificate (checkers.robust)
        from ripcert.checkers.robust import verify_robust

        try:
            rob = verify_robust(d, exact=exact)
        except CertificateFormatError as exc:
            return _invalid(src, str(exc), samples, seed)
        return VerificationReport(
            src, rob.checks, claim=rob.claim, n=rob.d, r=rob.r_prime, samples=samples,
            seed=seed, seconds=rob.seconds, extra=rob.extra,
        )  # fmt: skip
    return verify(
        d,
        samples=samples,
        seed=seed,
        matrix_free=matrix_free,
        source=src,
        extra_checks=extra_checks,
        exact=exact,
        tolerances=tolerances,
        limits=limits,
        hash_verified=text_hash_matches(text),
    )


__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_TOLERANCES",
    "Check",
    "HessianSpectrum",
    "Landscape",
    "ResourceLimits",
    "Tolerances",
    "VerificationReport",
    "exit_code",
    "outer_gap",
    "resource_problem",
    "verify",
    "verify_file",
]
