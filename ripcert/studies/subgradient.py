"""The subgradient method for robust (ℓ1) matrix sensing, vectorised over trials.

J. Ma and S. Fattahi, "Global convergence of sub-gradient method for robust matrix recovery:
small initialization, noisy measurements, and over-parameterization" (arXiv:2202.08788);
docs/math.md §8.  For ``L(U) = (1/m) Σᵢ |yᵢ − ⟨Aᵢ, UUᵀ⟩|``::

    U_{t+1} = U_t − η_t D_t,    D_t = −(1/m) Σᵢ sign(rᵢ(U_t)) (Aᵢ + Aᵢᵀ) U_t ∈ ∂L(U_t)

(``rᵢ = yᵢ − ⟨Aᵢ, UUᵀ⟩``; the paper writes ``sign(⟨Aᵢ, UUᵀ − X*⟩)``, equal to ``−sign(rᵢ)``
on noiseless data).  Step sizes:

* ``"geometric"``: ``η_t = η·ρ^t`` (the paper's choice under noise);
* ``"polyak"``: ``η_t = η·L(U_t)`` (the paper's noiseless choice, ``≍ η‖U_tU_tᵀ − X*‖_F``).

``loss="l2"`` runs gradient descent on ``(1/(2m))‖y − A(UUᵀ)‖²`` with the same step rules
(constant ``η`` for ``ρ = 1``), for the ℓ1-versus-ℓ2 comparison.

Initialisation ``U₀ = α·B``:

* ``"small"``: B has i.i.d. ``N(0, 1/d)`` entries, independently per trial;
* ``"spectral"``: ``B = Q₊Λ₊^{1/2}`` from the top r′ eigenpairs (negative ones set to zero) of
  the sign estimate ``C = (1/m) Σ sign(yᵢ) (Aᵢ + Aᵢᵀ)/2``, for which
  ``E C = √(2/π) X*/‖X*‖_F`` without outliers (``E[sign(⟨A,X⟩)A] = √(2/π) X/‖X‖_F``);
  the same B in every trial.

Errors ``‖U_tU_tᵀ − X*‖_F`` are recorded at every iteration for every trial.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, replace

import numpy as np

from ripcert.errors import InvalidInputError

STEPS = ("geometric", "polyak")


def _ein(spec: str, *ops: np.ndarray) -> np.ndarray:
    """``np.einsum`` without BLAS: the products here are skinny (trials × m × d²), where
    multithreaded BLAS costs more in synchronisation than it saves on a shared machine."""
    return np.einsum(spec, *ops, optimize=False)


INITS = ("small", "spectral")
LOSSES = ("l1", "l2")


@dataclass(frozen=True)
class SubgradientProtocol:
    """Every parameter of a run (stored with the result)."""

    iterations: int = 600
    eta: float = 0.1
    rho: float = 0.98
    step: str = "geometric"
    alpha: float = 1e-3
    init: str = "small"
    loss: str = "l1"
    trials: int = 5
    seed: int = 0

    def __post_init__(self) -> None:
        if self.step not in STEPS:
            raise InvalidInputError(f"step must be one of {STEPS}, got {self.step!r}")
        if self.init not in INITS:
            raise InvalidInputError(f"init must be one of {INITS}, got {self.init!r}")
        if self.loss not in LOSSES:
            raise InvalidInputError(f"loss must be one of {LOSSES}, got {self.loss!r}")
        if self.iterations < 0 or self.trials < 1:
            raise InvalidInputError("iterations must be ≥ 0 and trials ≥ 1")
        for name in ("eta", "rho", "alpha"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise InvalidInputError(f"{name} must be positive and finite, got {v}")
        if self.rho > 1:
            raise InvalidInputError(f"rho must be ≤ 1, got {self.rho}")


@dataclass(frozen=True)
class SubgradientResult:
    """``errors`` (trials × (iterations+1)) of ``‖U_tU_tᵀ − X*‖_F``; final factors ``u``."""

    errors: np.ndarray
    losses: np.ndarray
    u: np.ndarray
    x_star_norm: float
    protocol: SubgradientProtocol
    seconds: float

    @property
    def relative_final(self) -> np.ndarray:
        """``‖U_TU_Tᵀ − X*‖_F / ‖X*‖_F`` per trial."""
        return self.errors[:, -1] / self.x_star_norm

    @property
    def trials_per_second(self) -> float:
        return self.protocol.trials / self.seconds if self.seconds > 0 else math.inf

    def to_dict(self) -> dict:
        return {
            "protocol": asdict(self.protocol),
            "relative_final": self.relative_final.tolist(),
            "x_star_norm": self.x_star_norm,
            "seconds": self.seconds,
        }


def spectral_factor(sensing: np.ndarray, y: np.ndarray, r_prime: int) -> np.ndarray:
    """B (d×r′) from the sign estimate ``C = (1/m)Σ sign(yᵢ)(Aᵢ+Aᵢᵀ)/2`` (module docstring)."""
    m, d = sensing.shape[0], sensing.shape[1]
    c = (np.sign(y) @ sensing.reshape(m, -1)).reshape(d, d) / m
    c = 0.5 * (c + c.T)
    w, q = np.linalg.eigh(c)
    w, q = w[::-1][:r_prime], q[:, ::-1][:, :r_prime]
    return q * np.sqrt(np.maximum(w, 0.0))


def subgradient_method(
    sensing: np.ndarray,
    y: np.ndarray,
    x_star: np.ndarray,
    r_prime: int,
    protocol: SubgradientProtocol | None = None,
    progress: bool = False,
    u0: np.ndarray | None = None,
) -> SubgradientResult:
    """Run ``protocol.trials`` independent trials at once (see the module docstring).

    ``u0`` (trials × d × r′) gives the starting factors explicitly (e.g. several α at once);
    it then replaces ``protocol.init``/``alpha``/``trials``.
    """
    from tqdm.auto import tqdm

    pr = protocol or SubgradientProtocol()
    a = np.asarray(sensing, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    x_star = np.asarray(x_star, dtype=float)
    if a.ndim != 3 or a.shape[1] != a.shape[2] or y.shape != (a.shape[0],):
        raise InvalidInputError("need sensing (m, d, d) and y (m,)")
    m, d = a.shape[0], a.shape[1]
    if x_star.shape != (d, d):
        raise InvalidInputError(f"X* must be {d}×{d}")
    if not (1 <= r_prime <= d):
        raise InvalidInputError(f"need 1 ≤ r′ ≤ d, got r′ = {r_prime}")
    flat = a.reshape(m, -1)
    sym = 0.5 * (flat + a.transpose(0, 2, 1).reshape(m, -1))
    rng = np.random.default_rng(pr.seed)
    if u0 is not None:
        u = np.array(u0, dtype=float)
        if u.ndim != 3 or u.shape[1:] != (d, r_prime) or not np.all(np.isfinite(u)):
            raise InvalidInputError(f"u0 must be a finite (trials, {d}, {r_prime}) array")
        pr = replace(pr, trials=u.shape[0])
    elif pr.init == "small":
        u = pr.alpha * rng.standard_normal((pr.trials, d, r_prime)) / math.sqrt(d)
    else:
        u = pr.alpha * np.broadcast_to(spectral_factor(a, y, r_prime), (pr.trials, d, r_prime))
    xs = x_star.reshape(-1)
    errors = np.empty((pr.trials, pr.iterations + 1))
    losses = np.empty((pr.trials, pr.iterations + 1))
    t0 = time.perf_counter()
    bar = tqdm(range(pr.iterations + 1), desc=f"{pr.loss} descent", disable=not progress)
    for t in bar:
        uu = _ein("tik,tjk->tij", u, u).reshape(pr.trials, -1)
        errors[:, t] = np.linalg.norm(uu - xs, axis=1)
        res = y - _ein("tj,ij->ti", uu, flat)  # (trials, m)
        if pr.loss == "l1":
            losses[:, t] = np.mean(np.abs(res), axis=1)
            w = np.sign(res)
        else:
            losses[:, t] = 0.5 * np.mean(res * res, axis=1)
            w = res
        if t == pr.iterations:
            break
        g = -2.0 / m * _ein("tij,tjk->tik", _ein("ti,ij->tj", w, sym).reshape(-1, d, d), u)
        if pr.step == "geometric":
            eta = np.full(pr.trials, pr.eta * pr.rho**t)
        else:
            eta = pr.eta * losses[:, t]
        u = u - eta[:, None, None] * g
        if not np.all(np.isfinite(u)):
            raise InvalidInputError("the iterates diverged: reduce eta")
    return SubgradientResult(
        errors=errors,
        losses=losses,
        u=u,
        x_star_norm=float(np.linalg.norm(x_star)),
        protocol=pr,
        seconds=time.perf_counter() - t0,
    )


def fit_power(alphas: np.ndarray, errors: np.ndarray) -> tuple[float, float]:
    """Least-squares fit of ``log err = γ log α + c``: returns ``(γ, c)``."""
    la, le = np.log(np.asarray(alphas, float)), np.log(np.asarray(errors, float))
    gamma, c = np.polyfit(la, le, 1)
    return float(gamma), float(c)


__all__ = [
    "INITS",
    "LOSSES",
    "STEPS",
    "SubgradientProtocol",
    "SubgradientResult",
    "fit_power",
    "spectral_factor",
    "subgradient_method",
]
