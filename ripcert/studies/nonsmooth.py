"""Descent for non-smooth, locally Lipschitz functions: a variable-metric gradient bundle.

δ*(X, Z) is the optimal value of an SDP whose data depend on (X, Z); where the SDP's
multipliers are not unique it has kinks, and it has them exactly where the threshold search
needs to go (the known minimisers are highly symmetric).  At a kink the envelope gradient is
one element of the Clarke subdifferential, its negative need not descend, and a smooth
quasi-Newton method stops ("ABNORMAL" line search in L-BFGS-B).  Measured on a (6, 6) search
stalled at δ* = 0.52213: along −g the difference quotients are +0.18, +0.18, +0.14 (steps 1e-2,
1e-3, 1e-4), while another direction decreases δ* to 0.50243.

The method here follows gradient sampling (Burke, Lewis & Overton, SIAM J. Optim. 15(3), 2005,
DOI 10.1137/030601296), with the samples taken from the iterates and trial points already
computed (a bundle) instead of fresh random ones, and a BFGS metric in the manner of Lewis &
Overton (Math. Program. 141, 2013, DOI 10.1007/s10107-012-0514-2):

* the **ε-bundle** is every evaluated point within distance ε of the iterate x, with its gradient;
* the **direction** is ``d = −H g*`` with ``g* = G λ*``, ``λ* = argmin_{λ ∈ Δ} ‖L ᵀ G λ‖``
  (``H = L Lᵀ``): the minimum-norm element, in the metric H, of the convex hull of the
  bundle's gradients, an approximation of the ε-steepest descent direction;
* the **step** backtracks (halving) from ``t = min(1, ρ/‖d‖)`` until Armijo
  ``f(x + td) ≤ f(x) + β t g*ᵀd``, where the reach ρ is twice the last step (1 at first), so
  that a poorly scaled metric does not cost a long chain of halvings.  Every trial
  point joins the bundle; if the step becomes shorter than ε first, the step is *null* (x
  stays, the bundle has gained a gradient from the other side of a kink);
* after a serious step, H receives the BFGS update with ``s = x⁺ − x``, ``y = g(x⁺) − g*``
  when ``sᵀy > 0``;
* when the Euclidean minimum-norm element of the ε-bundle is shorter than ν the iterate is
  ε-stationary (the test of gradient sampling; the metric's own norm is not used, since H
  shrinks along the kinks): ε shrinks (×0.3) until ``ε < ε_min``.

Invariants: the accepted values decrease monotonically; every reported value is one that
``fg`` returned (the method never extrapolates a value).  No convergence rate is claimed; it is
a heuristic built from those two papers' ingredients, measured in benchmarks/README.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.optimize

FG = Callable[[np.ndarray], tuple[float, np.ndarray]]


@dataclass(frozen=True)
class BundleResult:
    """End point, its value, evaluations used and why the descent stopped."""

    x: np.ndarray
    fun: float
    nfev: int
    message: str
    serious_steps: int


def min_norm_element(g: np.ndarray, chol: np.ndarray | None = None) -> np.ndarray:
    """Weights ``λ`` on the simplex minimising ``‖Lᵀ G λ‖`` (columns of ``G`` are gradients,
    ``L = chol``, identity by default): the minimum-norm point of their convex hull.

    Solved as a non-negative least-squares problem with the constraint ``Σλ = 1`` appended as
    a heavily weighted row.

    >>> g = np.array([[1.0, -1.0], [1.0, 1.0]])
    >>> (np.round(g @ min_norm_element(g), 6) + 0.0).tolist()
    [0.0, 1.0]
    """
    g = np.atleast_2d(np.asarray(g, dtype=float))
    m = g.shape[1]
    if m == 1:
        return np.ones(1)
    gm = g if chol is None else chol.T @ g
    weight = 1e3 * max(1.0, float(np.abs(gm).max()))
    a = np.vstack([gm, np.full((1, m), weight)])
    b = np.concatenate([np.zeros(gm.shape[0]), [weight]])
    lam, _ = scipy.optimize.nnls(a, b, maxiter=50 * m)
    total = lam.sum()
    if not total > 0:
        return np.full(m, 1.0 / m)
    return lam / total


def bundle_descent(
    fg: FG,
    x0: np.ndarray,
    maxfev: int = 300,
    eps: float = 1e-2,
    eps_min: float = 1e-6,
    nu: float = 1e-4,
    beta: float = 1e-4,
    metric: bool = True,
) -> BundleResult:
    """Minimise a locally Lipschitz ``f`` given ``fg(x) = (f(x), g)`` with ``g`` any element of
    the generalised gradient at x (module docstring).  ``maxfev`` bounds the calls of ``fg``.

    >>> fg = lambda x: (abs(x[0]) + 2 * abs(x[1]), np.sign(x) * [1.0, 2.0])
    >>> res = bundle_descent(fg, np.array([0.7, -0.3]), maxfev=200)
    >>> res.fun < 1e-4
    True
    """
    x = np.asarray(x0, dtype=float).copy()
    n = len(x)
    f, g = fg(x)
    g = np.asarray(g, dtype=float)
    nfev, serious = 1, 0
    h = np.eye(n)
    pts, grads = [x.copy()], [g]
    keep = 3 * n + 3
    reach = 1.0  # trust in the step length: twice the last serious step
    while nfev < maxfev:
        # the iterate's own gradient always, even when pruning has dropped its point
        near = [grads[i] for i, p in enumerate(pts) if np.linalg.norm(p - x) <= eps]
        gmat = np.column_stack([g, *near])
        lam = min_norm_element(gmat)
        if np.linalg.norm(gmat @ lam) < nu:  # Euclidean test
            eps *= 0.3
            if eps < eps_min:
                return BundleResult(x, f, nfev, "ε-stationary", serious)
            continue
        if metric:
            try:
                lam = min_norm_element(gmat, np.linalg.cholesky(h))
            except np.linalg.LinAlgError:  # the metric lost definiteness: start it afresh
                h = np.eye(n)
        gstar = gmat @ lam
        d = -(h @ gstar)
        slope = float(gstar @ d)
        norm_d = float(np.linalg.norm(d))
        t = min(1.0, reach / norm_d)
        while nfev < maxfev:
            xt = x + t * d
            ft, gt = fg(xt)
            gt = np.asarray(gt, dtype=float)
            nfev += 1
            pts.append(xt.copy())
            grads.append(gt)
            if np.isfinite(ft) and ft <= f + beta * t * slope:
                s, y = xt - x, gt - gstar
                sy = float(s @ y)
                if metric and sy > 1e-12 * np.linalg.norm(s) * np.linalg.norm(y):
                    v = np.eye(n) - np.outer(s, y) / sy
                    h = v @ h @ v.T + np.outer(s, s) / sy
                x, f, g, serious = xt, float(ft), gt, serious + 1
                reach = 2.0 * t * norm_d
                break
            if t * norm_d < eps:  # null step: the bundle gained a gradient
                reach = max(2.0 * t * norm_d, eps_min)
                break
            t *= 0.5
        if len(pts) > keep:
            pts, grads = pts[-keep:], grads[-keep:]
    return BundleResult(x, f, nfev, "evaluation budget", serious)


__all__ = ["BundleResult", "bundle_descent", "min_norm_element"]
