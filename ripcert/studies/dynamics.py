"""Gradient descent and SGD on a certificate's objective, vectorised over trials.

For sensing matrices ``A_1 … A_m`` and ground truth Z (docs/math.md §1)::

    f(U)  = Σᵢ yᵢ²,   yᵢ = ⟨Aᵢ, UUᵀ − ZZᵀ⟩
    ∇f(U) = 4 S U,    S = Σᵢ yᵢ Aᵢ            (Aᵢ symmetric)

computed here from the sensing matrices themselves (not from the generator's kernel
formulas), for a whole batch of trials ``U ∈ R^{T×n×r}`` at once.

Methods (the talk — Zhang, Josz, Sojoudi & Lavaei, NeurIPS 2018, the talk's slides —
does not state its SGD protocol, so every result carries its :class:`Protocol`):

* ``gd``        — ``U ← U − α ∇f(U)``;
* ``sgd``       — one measurement i ~ Uniform{1..m} per step and trial, with the unbiased
                  estimate ``∇̂f = 4 m yᵢ Aᵢ U``: ``U ← U − α ∇̂f``;
* ``gd_noise``  — perturbed GD, ``U ← U − α ∇f(U) + σ √α ξ``, ξ ~ N(0, I).

A trial succeeds when ``‖UUᵀ − ZZᵀ‖_F ≤ tol·‖ZZᵀ‖_F`` at the end; a failed trial is
counted as *trapped* when it ends nearer ``X_bad X_badᵀ`` than ``ZZᵀ`` (on the δ = 1/2
instance X_bad is a degenerate saddle, docs/math.md §3, so trapped trials are slowly escaping:
the failure rate falls as the iteration count grows).  Rates come with a Wilson 95%
interval.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from ripcert.certificate import Certificate
from ripcert.errors import InvalidInputError

METHODS = ("gd", "sgd", "gd_noise")
INITS = ("gaussian", "mix")


@dataclass(frozen=True)
class Landscape:
    """``f(U) = Σ ⟨Aᵢ, UUᵀ − ZZᵀ⟩²`` given by sensing matrices ``(m, n, n)``, Z and X_bad."""

    matrices: np.ndarray
    z: np.ndarray
    x_bad: np.ndarray
    name: str = ""

    def __post_init__(self) -> None:
        a = np.asarray(self.matrices, dtype=float)
        if a.ndim != 3 or a.shape[1] != a.shape[2]:
            raise InvalidInputError("sensing matrices must have shape (m, n, n)")
        if not np.allclose(a, np.swapaxes(a, 1, 2)):
            raise InvalidInputError("sensing matrices must be symmetric")
        z = np.asarray(self.z, dtype=float).reshape(a.shape[1], -1)
        x = np.asarray(self.x_bad, dtype=float).reshape(a.shape[1], -1)
        object.__setattr__(self, "matrices", a)
        object.__setattr__(self, "z", z)
        object.__setattr__(self, "x_bad", x)

    @property
    def n(self) -> int:
        return self.matrices.shape[1]

    @property
    def r(self) -> int:
        return self.x_bad.shape[1]


def talk_landscape() -> Landscape:
    """The δ = 1/2 instance of the talk (docs/math.md §6): kernel eigenvalues {1, 3, 3}.

    >>> L = talk_landscape()
    >>> float(objective(L, L.x_bad[None])[0])  # f(x) = 3/2 (docs/math.md §3)
    1.5
    """
    s = math.sqrt(1.5)
    a = np.array(
        [
            [[math.sqrt(2.0), 0.0], [0.0, 1.0 / math.sqrt(2.0)]],
            [[0.0, s], [s, 0.0]],
            [[0.0, 0.0], [0.0, s]],
        ]
    )
    return Landscape(a, np.array([[1.0], [0.0]]), np.array([[0.0], [1.0 / math.sqrt(2.0)]]), "talk")


#: alias used by notebooks and benchmarks
talk_problem = talk_landscape


def from_certificate(cert: Certificate) -> Landscape:
    """The landscape of a certificate, from its sensing matrices (as stored, scale as is)."""
    if cert.sensing_matrices is not None:
        mats = np.asarray(cert.sensing_matrices)
    else:
        if cert.n > 50:
            raise InvalidInputError("dynamics needs n ≤ 50 (explicit sensing matrices)")
        mats = np.array(list(cert.operator.sensing_matrices()))
    return Landscape(mats, cert.z, cert.x, "certificate")


def measurements(land: Landscape, u: np.ndarray) -> np.ndarray:
    """``yᵢ = ⟨Aᵢ, UUᵀ − ZZᵀ⟩`` for a batch ``u`` of shape (T, n, r); returns (T, m)."""
    res = u @ np.swapaxes(u, 1, 2) - land.z @ land.z.T
    n = land.n
    return res.reshape(len(u), n * n) @ land.matrices.reshape(-1, n * n).T


def objective(land: Landscape, u: np.ndarray) -> np.ndarray:
    """``f(U)`` for a batch (T, n, r)."""
    y = measurements(land, u)
    return np.sum(y * y, axis=1)


def gradient(land: Landscape, u: np.ndarray) -> np.ndarray:
    """``∇f(U) = 4 (Σᵢ yᵢ Aᵢ) U`` for a batch (T, n, r)."""
    y = measurements(land, u)
    n = land.n
    s = (y @ land.matrices.reshape(-1, n * n)).reshape(len(u), n, n)
    return 4.0 * s @ u


@dataclass(frozen=True)
class Protocol:
    """Everything that determines a dynamics experiment, recorded beside its numbers.

    ``init="gaussian"``: ``U₀ ~ init_scale·N(0, I)``; ``init="mix"``:
    ``U₀ = (1−γ)·X_bad + γ·init_scale·N(0, I)`` (the talk's second experiment).
    """

    name: str = "sgd"
    method: str = "sgd"
    step: float = 1e-3
    iterations: int = 10_000
    noise: float = 0.0
    init: str = "gaussian"
    init_scale: float = 1.0
    gamma: float = 1.0
    seed: int = 0
    success_tol: float = 1e-2

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise InvalidInputError(f"unknown method {self.method!r}; choose from {METHODS}")
        if self.init not in INITS:
            raise InvalidInputError(f"unknown init {self.init!r}; choose from {INITS}")
        if not (self.step > 0 and self.iterations >= 0 and self.noise >= 0):
            raise InvalidInputError("need step > 0, iterations ≥ 0, noise ≥ 0")
        if not (0 <= self.gamma <= 1 and self.success_tol > 0 and self.init_scale > 0):
            raise InvalidInputError("need 0 ≤ gamma ≤ 1, success_tol > 0, init_scale > 0")

    def describe(self) -> str:
        """One line: method, step, iterations, noise, init, seed, success criterion."""
        noise = f", noise σ={self.noise:g}" if self.method == "gd_noise" else ""
        if self.method == "sgd":
            noise = ", one uniformly sampled measurement per step (unbiased, ×m)"
        init = f"{self.init_scale:g}·N(0,I)"
        if self.init == "mix":
            init = f"(1−γ)·X_bad + γ·{init}, γ={self.gamma:g}"
        return (
            f"{self.method}: step {self.step:g}, {self.iterations} iterations{noise}; "
            f"init {init}; seed {self.seed}; success ‖UUᵀ−ZZᵀ‖_F ≤ {self.success_tol:g}‖ZZᵀ‖_F"
        )

    def to_dict(self) -> dict:
        return asdict(self)


#: protocols reported in benchmarks/README.md and notebook 04
PROTOCOLS: dict[str, Protocol] = {
    p.name: p
    for p in (
        Protocol("sgd", "sgd", step=1e-3, iterations=10_000),
        Protocol("sgd-step3e-3", "sgd", step=3e-3, iterations=10_000),
        Protocol("sgd-step3e-4", "sgd", step=3e-4, iterations=10_000),
        Protocol("sgd-1k-iters", "sgd", step=1e-3, iterations=1_000),
        Protocol("sgd-100k-iters", "sgd", step=1e-3, iterations=100_000),
        Protocol("sgd-init0.5", "sgd", step=1e-3, iterations=10_000, init_scale=0.5),
        Protocol("sgd-init2", "sgd", step=1e-3, iterations=10_000, init_scale=2.0),
        Protocol("gd", "gd", step=1e-3, iterations=10_000),
        Protocol("gd-noise-0.01", "gd_noise", step=1e-3, iterations=10_000, noise=0.01),
        Protocol("gd-noise-0.1", "gd_noise", step=1e-3, iterations=10_000, noise=0.1),
    )
}


def wilson_interval(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion k/n (95% by default).

    >>> [round(v, 4) for v in wilson_interval(5, 10)]
    [0.2366, 0.7634]
    """
    if n <= 0 or not 0 <= k <= n:
        raise InvalidInputError("need 0 ≤ k ≤ n, n > 0")
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, mid - half), min(1.0, mid + half)


def distance_to_truth(land: Landscape, u: np.ndarray) -> np.ndarray:
    """``min_R ‖U − Z R‖_F`` over orthogonal R (Procrustes; ±z for rank 1), per trial.

    Needs r = r*; for r = 1 this is ``min(‖U − z‖, ‖U + z‖)``.
    """
    z = land.z
    if u.shape[2] != z.shape[1]:
        raise InvalidInputError("distance_to_truth needs r = r*")
    # optimal R = P Qᵀ for ZᵀU = P Σ Qᵀ; the distance is then computed directly (no cancellation)
    p, _, qt = np.linalg.svd(np.swapaxes(z, 0, 1)[None] @ u)
    diff = u - z[None] @ (p @ qt)
    return np.sqrt(np.sum(diff * diff, axis=(1, 2)))


def relative_error(land: Landscape, u: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``‖UUᵀ − TTᵀ‖_F / ‖ZZᵀ‖_F`` per trial."""
    d = u @ np.swapaxes(u, 1, 2) - target @ target.T
    return np.sqrt(np.sum(d * d, axis=(1, 2))) / np.linalg.norm(land.z @ land.z.T)


def initial_points(land: Landscape, proto: Protocol, trials: int, rng) -> np.ndarray:
    """Starting points per the protocol's init (see :class:`Protocol`)."""
    g = proto.init_scale * rng.standard_normal((trials, land.n, land.r))
    if proto.init == "gaussian":
        return g
    return (1 - proto.gamma) * land.x_bad[None] + proto.gamma * g


def descend(
    land: Landscape, u0: np.ndarray, proto: Protocol, rng, progress: bool = False
) -> np.ndarray:
    """Run the protocol's method from ``u0`` (T, n, r); diverged trials become NaN.

    Entry-wise over trials (each entry of U is a length-T vector), which for the small n
    of these experiments is much faster than batched matrix products:
    ``yᵢ = Σ_{j≤k} w_jk Aᵢ[j,k] R[j,k]`` (w = 1 on, 2 off the diagonal) and
    ``∇f[j,a] = 4 Σ_k S[j,k] U[k,a]``.
    """
    u0 = np.asarray(u0, dtype=float)
    t_count, n, r = u0.shape
    a = land.matrices
    m = a.shape[0]
    zz = land.z @ land.z.T
    pairs = [(j, k) for j in range(n) for k in range(j, n)]
    w = np.array([[a[i, j, k] * (1.0 if j == k else 2.0) for i in range(m)] for j, k in pairs])
    aent = np.array([[a[i, j, k] for i in range(m)] for j, k in pairs])  # (P, m)
    pidx = {jk: p for p, jk in enumerate(pairs)}
    u = [[np.ascontiguousarray(u0[:, j, c]) for c in range(r)] for j in range(n)]
    step4 = 4.0 * proto.step
    noise = proto.noise * math.sqrt(proto.step) if proto.method == "gd_noise" else 0.0
    buf = np.empty(t_count)
    from tqdm import tqdm

    its = tqdm(
        range(proto.iterations),
        desc=proto.method + (f" γ = {proto.gamma:g}" if proto.init == "mix" else ""),
        unit="it",
        disable=not progress or None,  # None: also off when stderr is not a terminal
        leave=False,
        mininterval=0.5,
    )
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in its:
            res = []
            for j, k in pairs:
                v = u[j][0] * u[k][0]
                for c in range(1, r):
                    np.multiply(u[j][c], u[k][c], out=buf)
                    v += buf
                if zz[j, k] != 0.0:
                    v -= zz[j, k]
                res.append(v)
            if proto.method == "sgd":
                idx = rng.integers(0, m, size=t_count)
                y = np.take(w[0], idx) * res[0]
                for p in range(1, len(pairs)):
                    y += np.take(w[p], idx) * res[p]
                y *= m
                s = [y * np.take(aent[p], idx) for p in range(len(pairs))]
            else:
                ys = []
                for i in range(m):
                    yi = w[0, i] * res[0]
                    for p in range(1, len(pairs)):
                        if w[p, i] != 0.0:
                            yi += w[p, i] * res[p]
                    ys.append(yi)
                s = []
                for p in range(len(pairs)):
                    sp = np.zeros(t_count)
                    for i in range(m):
                        if aent[p, i] != 0.0:
                            sp += aent[p, i] * ys[i]
                    s.append(sp)
            new = []
            for j in range(n):
                row = []
                for c in range(r):
                    g = s[pidx[(min(j, 0), max(j, 0))]] * u[0][c]
                    for k in range(1, n):
                        g += s[pidx[(min(j, k), max(j, k))]] * u[k][c]
                    g *= step4
                    nu = u[j][c] - g
                    if noise:
                        nu += noise * rng.standard_normal(t_count)
                    row.append(nu)
                new.append(row)
            u = new
    out = np.stack([np.stack(row, axis=-1) for row in u], axis=1)
    with np.errstate(invalid="ignore"):
        bad = ~np.all(np.isfinite(out), axis=(1, 2)) | (np.abs(out).max(axis=(1, 2)) > 1e6)
    out[bad] = np.nan
    return out


@dataclass(frozen=True)
class DynamicsResult:
    """Outcome of one experiment: counts, rates with Wilson 95% CI, final errors, protocol."""

    protocol: Protocol
    trials: int
    successes: int
    trapped: int
    diverged: int
    errors: np.ndarray = field(repr=False)
    seconds: float = 0.0

    @property
    def failures(self) -> int:
        return self.trials - self.successes

    @property
    def failure_rate(self) -> float:
        return self.failures / self.trials

    @property
    def ci(self) -> tuple[float, float]:
        """Wilson 95% interval of the failure rate."""
        return wilson_interval(self.failures, self.trials)

    def quantiles(self, qs: Sequence[float] = (0.0, 0.05, 0.5, 0.95, 1.0)) -> np.ndarray:
        """Quantiles of ``‖X_final − X_good‖`` (diverged trials count as +∞)."""
        e = np.where(np.isnan(self.errors), np.inf, self.errors)
        return np.quantile(e, qs)

    def summary(self) -> dict:
        return {
            "protocol": self.protocol.to_dict(),
            "description": self.protocol.describe(),
            "trials": self.trials,
            "successes": self.successes,
            "failures": self.failures,
            "failed_nearer_x_bad": self.trapped,
            "diverged": self.diverged,
            "failure_rate": self.failure_rate,
            "failure_rate_ci95": list(self.ci),
            "seconds": self.seconds,
        }


def run(
    land: Landscape,
    proto: Protocol,
    trials: int = 1000,
    chunk: int = 200_000,
    progress: bool = False,
) -> DynamicsResult:
    """Run ``trials`` independent trials of the protocol (seeded by ``proto.seed``).

    ``progress`` shows a tqdm bar over the iterations on stderr (only if it is a terminal).
    """
    if trials < 1:
        raise InvalidInputError("trials must be ≥ 1")
    t0 = time.perf_counter()
    rng = np.random.default_rng(proto.seed)
    finals = []
    for start in range(0, trials, chunk):
        k = min(chunk, trials - start)
        u0 = initial_points(land, proto, k, rng)
        finals.append(descend(land, u0, proto, rng, progress=progress))
    u = np.concatenate(finals)
    diverged = np.isnan(u).any(axis=(1, 2))
    with np.errstate(invalid="ignore"):
        ok = relative_error(land, u, land.z) <= proto.success_tol
        trapped = relative_error(land, u, land.x_bad) < relative_error(land, u, land.z)
    errors = (
        distance_to_truth(land, np.nan_to_num(u))
        if land.r == land.z.shape[1]
        else relative_error(land, u, land.z)
    )
    errors = np.where(diverged, np.nan, errors)
    return DynamicsResult(
        protocol=proto,
        trials=trials,
        successes=int(np.sum(ok & ~diverged)),
        trapped=int(np.sum(trapped & ~ok & ~diverged)),
        diverged=int(np.sum(diverged)),
        errors=errors,
        seconds=time.perf_counter() - t0,
    )


@dataclass(frozen=True)
class GammaSweep:
    """The talk's second experiment: final error quantiles and failure rate vs γ."""

    gammas: np.ndarray
    quantiles: np.ndarray  # (len(gammas), 5): min, 5%, median, 95%, max
    failure_rates: np.ndarray
    results: tuple[DynamicsResult, ...] = field(repr=False)
    protocol: Protocol | None = None


def gamma_sweep(
    land: Landscape,
    proto: Protocol,
    gammas: Sequence[float],
    trials: int = 1000,
    progress: bool = False,
) -> GammaSweep:
    """Starts ``(1−γ)·X_bad + γ·Gaussian`` for each γ, ``trials`` each (seed ``proto.seed + i``)."""
    results = []
    for i, g in enumerate(gammas):
        p = replace(proto, init="mix", gamma=float(g), seed=proto.seed + i)
        results.append(run(land, p, trials, progress=progress))
    return GammaSweep(
        gammas=np.asarray(gammas, dtype=float),
        quantiles=np.array([r.quantiles() for r in results]),
        failure_rates=np.array([r.failure_rate for r in results]),
        results=tuple(results),
        protocol=proto,
    )


__all__ = [
    "INITS",
    "METHODS",
    "PROTOCOLS",
    "DynamicsResult",
    "GammaSweep",
    "Landscape",
    "Protocol",
    "descend",
    "distance_to_truth",
    "from_certificate",
    "gamma_sweep",
    "gradient",
    "initial_points",
    "measurements",
    "objective",
    "relative_error",
    "run",
    "talk_landscape",
    "talk_problem",
    "wilson_interval",
]
