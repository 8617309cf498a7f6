"""Real operator families: matrix completion ``P_Ω`` and Gaussian sensing.

* ``completion:MASK`` — sampling the entries of a symmetric ``M`` in a symmetric mask
  ``Ω ⊆ [n]×[n]``: one measurement ``M_ii`` per observed diagonal entry and one
  ``√2 M_ij = ⟨(e_ieⱼᵀ + eⱼeᵢᵀ)/√2, M⟩`` per observed pair ``i < j``, so ``P_Ω`` is an
  orthogonal projection in svec coordinates.  Its structure is read with
  ``derive = "support"``: the kernel may be non-zero only on ``svec(Ω) × svec(Ω)``, i.e.
  the family of *all* operators whose measurements read only the observed entries (of
  which ``P_Ω`` itself, a diagonal kernel, is one member).  The full mask therefore gives
  no structure at all, and a mask without some pair ``(i, j)`` forces the kernel to vanish
  on ``E_ij``, so the full-space RIP can hold only with ``δ ≥ 1``
  (Candès & Recht, doi:10.1007/s10208-009-9045-5, for completion; docs/math.md §3).
* ``gaussian:m,seed`` — ``m`` symmetric matrices with i.i.d. ``N(0,1)`` off-diagonal and
  ``N(0,2)`` diagonal entries (the GOE normalisation); structure read from the kernel.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ripcert.core.families.template import Template


def random_mask(n: int, p: float, seed: int) -> np.ndarray:
    """A symmetric boolean ``n×n`` mask, each pair ``i ≤ j`` observed with probability p."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"mask probability must be in [0, 1], got {p}")
    rng = np.random.default_rng(seed)
    upper = np.triu(rng.random((n, n)) < p)
    return upper | upper.T


def read_mask(path: str | Path) -> np.ndarray:
    """A 0/1 mask from a whitespace- or comma-separated text file (must be symmetric)."""
    text = Path(path).read_text("utf-8").replace(",", " ")
    rows = [line.split() for line in text.splitlines() if line.strip()]
    arr = np.array(rows, dtype=float)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"mask in {path} is not a square matrix")
    if not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"mask in {path} must contain only 0 and 1")
    mask = arr.astype(bool)
    if not np.array_equal(mask, mask.T):
        raise ValueError(f"mask in {path} is not symmetric")
    return mask


def completion_template(mask: np.ndarray, name: str = "completion") -> Template:
    """The sampling operator ``P_Ω`` of a symmetric boolean mask (see the module doc)."""
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2 or mask.shape[0] != mask.shape[1] or not np.array_equal(mask, mask.T):
        raise ValueError("a completion mask must be a symmetric square boolean matrix")
    n = mask.shape[0]
    mats, labels = [], []
    for i, j in zip(*np.triu_indices(n), strict=True):
        if not mask[i, j]:
            continue
        a = np.zeros((n, n))
        if i == j:
            a[i, i] = 1.0
        else:
            a[i, j] = a[j, i] = 1.0 / np.sqrt(2.0)
        mats.append(a)
        labels.append(("entry", int(i * n + j)))
    if not mats:
        raise ValueError("the completion mask observes no entry")
    return Template(name=name, matrices=np.array(mats), derive="support", labels=tuple(labels))


def gaussian_template(n: int, m: int, seed: int, name: str = "gaussian") -> Template:
    """``m`` GOE-normalised symmetric ``n×n`` Gaussian sensing matrices (seeded)."""
    if n < 1 or m < 1:
        raise ValueError(f"gaussian needs n ≥ 1 and m ≥ 1, got n = {n}, m = {m}")
    rng = np.random.default_rng(seed)
    g = rng.standard_normal((m, n, n))
    sym = (g + np.swapaxes(g, 1, 2)) / np.sqrt(2.0)
    return Template(name=name, matrices=sym, derive="kernel")
