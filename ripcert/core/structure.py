"""Kernel structure: sparsity pattern and equality groups of a kernel ``H`` (docs/math.md §3).

A structure on the kernel ``H ∈ S^d`` (``d = n(n+1)/2``, svec coordinates of
:mod:`ripcert.core.vectorization`) partitions the upper-triangle pairs ``a ≤ b`` into

* *zeros* — ``H_ab = 0``;
* *groups* ``G_1 … G_g`` — inside a group the **vec-coordinate values**
  ``V_ab = H_ab / (w_a w_b)`` are equal, where ``w_a = 1`` for a diagonal svec index and
  ``√2`` for an off-diagonal one.

so that the admissible kernels are exactly ``H = Σ_j θ_j E_j`` with
``E_j = Σ_{(a,b)∈G_j} w_a w_b (e_a e_bᵀ + e_b e_aᵀ)/(1 + [a = b])``.  ``V_ab`` is the entry
of the canonical (transpose-invariant) vec-coordinate matrix of the quadratic form:
``vec(M)ᵀ V_canon vec(M) = svec(M)ᵀ H svec(M)`` for symmetric ``M``, with
``V_canon[(ij),(kl)] = V_ab`` for all four orderings ``(ij|ji, kl|lk)``.  An equality of
``V``'s — not of ``H``'s — is what a template's equal entries imply, since a diagonal and an
off-diagonal svec entry carry different weights for the same underlying value.

**From a template** (Molybog, Sojoudi, Lavaei, arXiv:2012.10297, ``get_structure.m`` and
``get_identity_structure.m`` in ``igormolybog/matrix-sense-global``).  Molybog's template is
``T = A.'A`` (non-conjugate transpose) with rows ``vec(Y_k)`` — column-major vecs of the
(possibly complex) measurement matrices — an ``n²×n²`` matrix; its zero entries and its
groups of equal non-zero entries constrain an ``n²×n²`` variable.  Only the restriction of
that variable to symmetric matrices enters the landscape, and there the svec kernel is the
compression ``H_ab = w_a w_b · mean{T_pq : p ∈ π(a), q ∈ π(b)}`` with ``π(a)`` the one or
two vec positions ``(i,j), (j,i)`` of svec index ``a = (i,j)``.  The map used here is:

* ``H_ab`` is a zero iff **all** of its (one, two or four) partner entries ``T_pq`` are zero;
* ``(a,b)`` and ``(a',b')`` are in one group iff their partner entries have the same
  multiset of values up to multiplicity scaling (``{v}``, ``{v,v}`` and ``{v,v,v,v}`` agree).

This is the entrywise structure that the compression of *every* ``n²×n²`` kernel
satisfying Molybog's constraints satisfies — as a constraint on the kernel it is a
relaxation of his — and the real operator that the template itself induces on symmetric
matrices (sensing matrices ``Re Y_k``) satisfies it (a zero read entry by entry would
exclude that operator from its own family).  It differs
from reading zeros entry by entry because ``T`` is not transpose-invariant for complex
templates: for the grids, ``T[(i,k),(j,k)]`` can vanish by the cancellation of the active
and reactive injections at bus ``k`` while ``T[(i,k),(k,j)]`` does not.

**Exactly.**  Pattern and groups are decided in exact integer arithmetic: every float of the
template is an integer multiple of a common power of two, the template product is
accumulated in Python integers over the sparse supports, and values are compared exactly.
A floating-point product leaves ~1e-15 residues where terms cancel, which would add
non-zeros and split groups.

``derive = "support"`` templates give a pure sparsity pattern: ``H_ab`` may be non-zero iff
both svec indices lie in the joint support of the template matrices, and every such pair is
its own group (the family of all operators reading only those entries).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np

from ripcert.core.families.template import Template
from ripcert.core.vectorization import order_from_sdim, sdim

#: label of a forced zero in :attr:`KernelStructure.labels`
ZERO = -1


@lru_cache(maxsize=32)
def svec_weights(n: int) -> np.ndarray:
    """``w_a``: 1 for diagonal svec indices, √2 for off-diagonal ones."""
    i, j = np.triu_indices(n)
    w = np.where(i == j, 1.0, np.sqrt(2.0))
    w.setflags(write=False)
    return w


def _canonical(labels: np.ndarray) -> np.ndarray:
    """Renumber groups ``0, 1, …`` in order of first appearance (upper triangle, row-major)."""
    d = labels.shape[0]
    iu, ju = np.triu_indices(d)
    flat = labels[iu, ju]
    out = np.full(flat.shape, ZERO, dtype=np.int64)
    seen: dict[int, int] = {}
    for k, g in enumerate(flat.tolist()):
        if g != ZERO:
            out[k] = seen.setdefault(g, len(seen))
    full = np.full((d, d), ZERO, dtype=np.int64)
    full[iu, ju] = out
    full[ju, iu] = out
    return full


@dataclass(frozen=True, eq=False)
class KernelStructure:
    """Zero pattern and equality groups of a kernel in svec coordinates (module docstring).

    ``labels`` is a symmetric ``d×d`` integer array: ``-1`` for a forced zero, else the
    group id (canonically numbered ``0 … g−1`` by first appearance in the upper triangle).
    """

    labels: np.ndarray
    name: str = ""

    def __post_init__(self) -> None:
        lab = np.asarray(self.labels)
        if lab.ndim != 2 or lab.shape[0] != lab.shape[1]:
            raise ValueError(f"structure labels must be square, got shape {lab.shape}")
        if not np.array_equal(lab, lab.T):
            raise ValueError("structure labels must be symmetric")
        order_from_sdim(lab.shape[0])  # d must be triangular
        lab = _canonical(lab.astype(np.int64))
        lab.setflags(write=False)
        object.__setattr__(self, "labels", lab)

    # -- constructors -------------------------------------------------------------------
    @classmethod
    def unstructured(cls, n: int) -> KernelStructure:
        """Every upper-triangle pair free and on its own: no structure at all."""
        d = sdim(n)
        lab = np.zeros((d, d), dtype=np.int64)
        iu, ju = np.triu_indices(d)
        lab[iu, ju] = np.arange(len(iu))
        lab[ju, iu] = lab[iu, ju]
        return cls(labels=lab, name="none")

    @classmethod
    def from_upper(cls, upper: Iterable[int], n: int, name: str = "") -> KernelStructure:
        """From the labels of the upper triangle, row-major (the JSON form)."""
        d = sdim(n)
        flat = np.asarray(list(upper), dtype=np.int64)
        if flat.shape != (d * (d + 1) // 2,):
            raise ValueError(f"expected {d * (d + 1) // 2} upper-triangle labels, got {flat.size}")
        if np.any(flat < ZERO):
            raise ValueError("structure labels must be ≥ -1")
        lab = np.zeros((d, d), dtype=np.int64)
        iu, ju = np.triu_indices(d)
        lab[iu, ju] = flat
        lab[ju, iu] = flat
        return cls(labels=lab, name=name)

    # -- sizes ----------------------------------------------------------------------------
    @property
    def d(self) -> int:
        return int(self.labels.shape[0])

    @property
    def n(self) -> int:
        return order_from_sdim(self.d)

    def upper(self) -> np.ndarray:
        """Labels of the upper triangle ``a ≤ b``, row-major."""
        iu, ju = np.triu_indices(self.d)
        return self.labels[iu, ju]

    @property
    def num_nonzero(self) -> int:
        """Upper-triangle pairs ``a ≤ b`` that are not forced to zero."""
        return int(np.sum(self.upper() != ZERO))

    @property
    def num_groups(self) -> int:
        """Free parameters θ (groups, singletons included)."""
        up = self.upper()
        return int(up.max() + 1) if np.any(up != ZERO) else 0

    @property
    def num_equality_groups(self) -> int:
        """Groups with at least two pairs."""
        up = self.upper()
        return int(np.sum(np.bincount(up[up != ZERO]) >= 2)) if np.any(up != ZERO) else 0

    @property
    def is_unstructured(self) -> bool:
        return self.num_groups == self.d * (self.d + 1) // 2

    # -- parametrisation ------------------------------------------------------------------
    def generators(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Sparse ``E_j`` over the upper triangle: arrays ``(group, a, b, w_a w_b)``."""
        iu, ju = np.triu_indices(self.d)
        up = self.labels[iu, ju]
        keep = up != ZERO
        w = svec_weights(self.n)
        a, b = iu[keep], ju[keep]
        return up[keep], a, b, w[a] * w[b]

    def kernel(self, theta: np.ndarray) -> np.ndarray:
        """``H = Σ_j θ_j E_j`` (dense ``d×d``)."""
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (self.num_groups,):
            raise ValueError(f"theta must have {self.num_groups} entries, got {theta.shape}")
        g, a, b, c = self.generators()
        h = np.zeros((self.d, self.d))
        h[a, b] = theta[g] * c
        h[b, a] = theta[g] * c
        return h

    def project(self, kernel: np.ndarray) -> np.ndarray:
        """θ of the admissible kernel nearest in the ``V`` coordinates (group means of V)."""
        g, a, b, c = self.generators()
        v = np.asarray(kernel, dtype=float)[a, b] / c
        sums = np.bincount(g, weights=v, minlength=self.num_groups)
        return sums / np.bincount(g, minlength=self.num_groups)

    def violation(self, kernel: np.ndarray) -> tuple[float, float]:
        """``(max |H_ab| over zeros, max |V_ab − V_a'b'| within a group)`` of a dense kernel."""
        h = np.asarray(kernel, dtype=float)
        if h.shape != (self.d, self.d):
            raise ValueError(f"kernel is {h.shape}, structure is for d = {self.d}")
        iu, ju = np.triu_indices(self.d)
        up = self.labels[iu, ju]
        zero = float(np.max(np.abs(h[iu, ju][up == ZERO]), initial=0.0))
        g, a, b, c = self.generators()
        if g.size == 0:
            return zero, 0.0
        v = h[a, b] / c
        hi = np.full(self.num_groups, -np.inf)
        lo = np.full(self.num_groups, np.inf)
        np.maximum.at(hi, g, v)
        np.minimum.at(lo, g, v)
        return zero, float(np.max(hi - lo))

    # -- JSON -----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "n": self.n,
            "labels": self.upper().tolist(),
            "nonzeros": self.num_nonzero,
            "groups": self.num_groups,
        }

    @classmethod
    def from_dict(cls, d: dict) -> KernelStructure:
        return cls.from_upper(d["labels"], int(d["n"]), name=str(d.get("name", "")))


# -- exact template products -------------------------------------------------------------


def _exact_scale(values: np.ndarray) -> int:
    """The smallest ``s`` with every float in ``values`` an integer multiple of ``2^-s``."""
    s = 0
    for x in np.unique(np.abs(values[values != 0])).tolist():
        den = float(x).as_integer_ratio()[1]
        s = max(s, den.bit_length() - 1)
    return s


def exact_vec_rows(template: Template) -> list[dict[int, tuple[int, int]]]:
    """Each template matrix as a sparse column-major vec of exact Gaussian integers.

    Entry ``p = i + n·j`` holds ``(re, im)·2^-s`` exactly, for one common ``s``.
    """
    mats = np.asarray(template.matrices)
    re = np.ascontiguousarray(np.real(mats), dtype=float)
    im = np.ascontiguousarray(np.imag(mats), dtype=float) if np.iscomplexobj(mats) else None
    s = max(_exact_scale(re), _exact_scale(im) if im is not None else 0)
    unit = 1 << s
    n = template.n
    rows = []
    for k in range(template.m):
        row: dict[int, tuple[int, int]] = {}
        nz = re[k] != 0
        if im is not None:
            nz |= im[k] != 0
        for i, j in zip(*np.nonzero(nz), strict=True):
            r_num, r_den = float(re[k, i, j]).as_integer_ratio()
            a = r_num * (unit // r_den)
            b = 0
            if im is not None:
                i_num, i_den = float(im[k, i, j]).as_integer_ratio()
                b = i_num * (unit // i_den)
            row[int(i) + n * int(j)] = (a, b)
        rows.append(row)
    return rows


def exact_template_product(template: Template) -> dict[tuple[int, int], tuple[int, int]]:
    """Molybog's ``T = A.'A`` exactly (scaled by a power of two), as a sparse dict.

    ``T_pq = Σ_k A_kp A_kq`` with the non-conjugate product of Gaussian integers; only
    non-zero entries are kept, both ``(p, q)`` and ``(q, p)``.
    """
    acc: dict[tuple[int, int], tuple[int, int]] = {}
    for row in exact_vec_rows(template):
        items = list(row.items())
        for p, (a, b) in items:
            for q, (c, e) in items:
                re0, im0 = acc.get((p, q), (0, 0))
                acc[(p, q)] = (re0 + a * c - b * e, im0 + a * e + b * c)
    return {k: v for k, v in acc.items() if v != (0, 0)}


@dataclass(frozen=True)
class TemplateCounts:
    """Counts of Molybog's ``n²×n²`` template ``T = A.'A`` (what ``get_structure.m`` sees).

    ``nonzeros``: non-zero entries of the full matrix (MATLAB ``nnz``); ``values``: distinct
    non-zero values in its upper triangle; ``equality_rows``: rows of Molybog's ``W``
    (``Σ (size − 1)`` over the classes of equal upper-triangle values).
    """

    nonzeros: int
    values: int
    equality_rows: int


def template_counts(template: Template) -> TemplateCounts:
    """:class:`TemplateCounts` of a template, exactly."""
    prod = exact_template_product(template)
    upper = [v for (p, q), v in prod.items() if p <= q]
    sizes: dict[tuple[int, int], int] = {}
    for v in upper:
        sizes[v] = sizes.get(v, 0) + 1
    return TemplateCounts(
        nonzeros=len(prod), values=len(sizes), equality_rows=sum(s - 1 for s in sizes.values())
    )


def _partners(n: int) -> list[tuple[int, ...]]:
    """Vec positions ``π(a)`` of each svec index ``a = (i, j)``: ``(i+nj,)`` or both orders."""
    iu, ju = np.triu_indices(n)
    return [
        (i + n * j,) if i == j else (i + n * j, j + n * i)
        for i, j in zip(iu.tolist(), ju.tolist(), strict=True)
    ]


def template_structure(template: Template) -> KernelStructure:
    """The svec :class:`KernelStructure` of a template, exactly (module docstring)."""
    n = template.n
    d = sdim(n)
    if template.derive == "support":
        supp = np.any(template.matrices != 0, axis=0)
        i, j = np.triu_indices(n)
        inside = supp[i, j] | supp[j, i]
        lab = np.full((d, d), ZERO, dtype=np.int64)
        idx = np.flatnonzero(inside)
        aa, bb = np.meshgrid(idx, idx, indexing="ij")
        upper = aa <= bb
        ids = np.arange(int(upper.sum()))
        lab[aa[upper], bb[upper]] = ids
        lab[bb[upper], aa[upper]] = ids
        return KernelStructure(labels=lab, name=template.name)
    prod = exact_template_product(template)
    part = _partners(n)
    keys: dict[tuple, int] = {}
    lab = np.full((d, d), ZERO, dtype=np.int64)
    zero = (0, 0)
    for a in range(d):
        pa = part[a]
        for b in range(a, d):
            pb = part[b]
            vals = [prod.get((p, q), zero) for p in pa for q in pb]
            if all(v == zero for v in vals):
                continue
            counts: dict[tuple[int, int], int] = {}
            for v in vals:
                counts[v] = counts.get(v, 0) + 1
            key = tuple(sorted((v, Fraction(c, len(vals))) for v, c in counts.items()))
            g = keys.setdefault(key, len(keys))
            lab[a, b] = lab[b, a] = g
    return KernelStructure(labels=lab, name=template.name)


@dataclass(frozen=True, eq=False)
class VecStructure:
    """Molybog's structure itself, in vec coordinates: an ``n²×n²`` kernel whose zero entries
    are those of the template ``T = A.'A`` and whose non-zero upper-triangle entries of equal
    exact value share one parameter (``get_structure.m``; ``S.*H == 0``, ``W*H(:) == 0``).

    ``group, p, q``: the admissible upper-triangle entries ``p ≤ q`` of the ``n²×n²`` kernel
    (column-major vec indices) and their parameter; ``H = Σ_j φ_j E_j`` with
    ``E_j = Σ_{(p,q)∈G_j} (e_p e_qᵀ + e_q e_pᵀ)/(1 + [p = q])``.
    """

    n: int
    group: np.ndarray
    p: np.ndarray
    q: np.ndarray
    name: str = ""

    @classmethod
    def from_template(cls, template: Template) -> VecStructure:
        prod = exact_template_product(template)
        keys: dict[tuple[int, int], int] = {}
        rows = sorted((p, q) for (p, q) in prod if p <= q)
        group = [keys.setdefault(prod[pq], len(keys)) for pq in rows]
        arr = np.array(rows, dtype=np.int64).reshape(-1, 2)
        return cls(
            n=template.n,
            group=np.array(group, dtype=np.int64),
            p=arr[:, 0],
            q=arr[:, 1],
            name=template.name,
        )

    @property
    def d(self) -> int:
        """Order of the kernel: ``n²``."""
        return self.n * self.n

    @property
    def num_groups(self) -> int:
        return int(self.group.max() + 1) if self.group.size else 0

    def generators(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(group, p, q, 1)``: the same layout as :meth:`KernelStructure.generators`."""
        return self.group, self.p, self.q, np.ones(len(self.group))

    def kernel(self, theta: np.ndarray) -> np.ndarray:
        """``H = Σ_j θ_j E_j`` (dense ``n²×n²``)."""
        h = np.zeros((self.d, self.d))
        vals = np.asarray(theta, dtype=float)[self.group]
        h[self.p, self.q] = vals
        h[self.q, self.p] = vals
        return h

    def project(self, kernel: np.ndarray) -> np.ndarray:
        """θ from a kernel of this structure (group means)."""
        v = np.asarray(kernel, dtype=float)[self.p, self.q]
        return np.bincount(self.group, weights=v, minlength=self.num_groups) / np.bincount(
            self.group, minlength=self.num_groups
        )


def real_template_kernel(template: Template) -> np.ndarray:
    """Float svec kernel ``Σ svec(Re Y_k) svec(Re Y_k)ᵀ`` of the real operator a template
    induces on symmetric matrices (it satisfies :func:`template_structure` for
    ``derive="kernel"``, up to rounding)."""
    from ripcert.core.vectorization import svec

    s = svec(template.real_sensing())
    return s.T @ s


__all__ = [
    "ZERO",
    "KernelStructure",
    "TemplateCounts",
    "VecStructure",
    "exact_template_product",
    "exact_vec_rows",
    "real_template_kernel",
    "svec_weights",
    "template_counts",
    "template_structure",
]
