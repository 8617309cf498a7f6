"""Kernel structure of template operators, decided exactly (Molybog's get_structure.m)."""

from __future__ import annotations

import flint
import numpy as np
import pytest

from ripcert.core.families import family
from ripcert.core.families.template import Template
from ripcert.core.structure import (
    ZERO,
    KernelStructure,
    exact_vec_rows,
    real_template_kernel,
    template_counts,
    template_structure,
)
from ripcert.core.vectorization import sdim, smat, svec

pytest.importorskip("pypower.api")

#: counts per case: Molybog's n²×n² template (nnz, distinct non-zero upper values, rows of W)
#: and the svec structure (non-zero upper pairs, groups, groups of size ≥ 2)
COUNTS = {
    "case9": ((147, 75, 3), (48, 48, 0)),
    "case14": ((398, 197, 9), (120, 120, 0)),
    "case30": ((840, 385, 50), (253, 232, 20)),
    "case9:all": ((147, 75, 3), (48, 48, 0)),
}


def _dense_exact_template(t: Template) -> tuple[np.ndarray, np.ndarray]:
    """Second method: T = A.'A as dense flint integer matrices, Re and Im separately.

    The rows are rebuilt from scratch with fmpq (each float exactly), cleared of the common
    denominator, and multiplied by flint's exact integer matrix product."""
    n2 = t.n * t.n
    vr = [[flint.fmpq(*float(x).as_integer_ratio()) for x in row] for row in _vecs(t.matrices.real)]
    vi = [[flint.fmpq(*float(x).as_integer_ratio()) for x in row] for row in _vecs(t.matrices.imag)]
    den = 1
    for row in vr + vi:
        for q in row:
            den = max(den, int(q.q))
    ar = flint.fmpz_mat([[int(q * den) for q in row] for row in vr])
    ai = flint.fmpz_mat([[int(q * den) for q in row] for row in vi])
    tr = ar.transpose() * ar - ai.transpose() * ai
    ti = ar.transpose() * ai + ai.transpose() * ar
    to_np = lambda m: np.array([[int(m[i, j]) for j in range(n2)] for i in range(n2)], dtype=object)  # noqa: E731
    return to_np(tr), to_np(ti)


def _vecs(mats: np.ndarray) -> list[list[float]]:
    m, n, _ = mats.shape
    return [[float(mats[k][i, j]) for j in range(n) for i in range(n)] for k in range(m)]


def _second_method(t: Template) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    tr, ti = _dense_exact_template(t)
    n, n2 = t.n, t.n * t.n
    nz = (tr != 0) | (ti != 0)
    vals = {}
    for p in range(n2):
        for q in range(p, n2):
            if nz[p, q]:
                vals.setdefault((tr[p, q], ti[p, q]), []).append((p, q))
    molybog = (int(nz.sum()), len(vals), sum(len(v) - 1 for v in vals.values()))
    # svec: four partner values (a diagonal index's single position counted twice)
    iu, ju = np.triu_indices(n)
    pos = [(i + n * j, j + n * i) for i, j in zip(iu, ju, strict=True)]
    groups: dict[tuple, int] = {}
    nonzero = 0
    for a in range(len(pos)):
        for b in range(a, len(pos)):
            four = sorted((tr[p, q], ti[p, q]) for p in pos[a] for q in pos[b])
            if all(v == (0, 0) for v in four):
                continue
            nonzero += 1
            groups[tuple(four)] = groups.get(tuple(four), 0) + 1
    svec_counts = (nonzero, len(groups), sum(1 for c in groups.values() if c >= 2))
    return molybog, svec_counts


@pytest.mark.parametrize("name", ["case9", "case14"])
def test_counts_by_a_second_method(name: str) -> None:
    t = family(name)
    tc = template_counts(t)
    s = template_structure(t)
    first = (
        (tc.nonzeros, tc.values, tc.equality_rows),
        (s.num_nonzero, s.num_groups, s.num_equality_groups),
    )
    assert first == _second_method(t) == COUNTS[name]


@pytest.mark.slow
def test_counts_case30_by_a_second_method() -> None:
    t = family("case30")
    tc = template_counts(t)
    s = template_structure(t)
    first = (
        (tc.nonzeros, tc.values, tc.equality_rows),
        (s.num_nonzero, s.num_groups, s.num_equality_groups),
    )
    assert first == _second_method(t) == COUNTS["case30"]


def test_exact_rows_are_the_floats() -> None:
    t = family("case9")
    rows = exact_vec_rows(t)
    scale = max(max(abs(a), abs(b)) for row in rows for a, b in row.values())
    assert scale > 0
    # every stored integer divided by the common power of two gives back the float exactly
    k, row = 20, rows[20]
    vecs = t.matrices[k].reshape(-1, order="F")
    unit = None
    for p, (a, _b) in row.items():
        if vecs[p].real != 0:
            unit = a / vecs[p].real
            break
    assert unit is not None and float(unit).is_integer()
    for p, (a, b) in row.items():
        assert a == vecs[p].real * unit and b == vecs[p].imag * unit


def test_float_product_adds_spurious_nonzeros() -> None:
    """The reason for exact arithmetic: BLAS leaves residues where P and Q terms cancel."""
    t = family("case14")
    a = t.matrices.reshape(t.m, -1, order="F")
    h = a.T @ a  # MATLAB's A.'*A in floats
    exact = template_counts(t).nonzeros
    assert np.count_nonzero(h) >= exact
    big = np.abs(h) > 1e-9 * np.abs(h).max()
    assert np.count_nonzero(big) == exact  # the extra ones are round-off


@pytest.mark.parametrize("name", ["case9", "case14", "case30"])
def test_real_operator_of_the_template_satisfies_its_structure(name: str) -> None:
    t = family(name)
    s = template_structure(t)
    k = real_template_kernel(t)
    zero, eq = s.violation(k)
    assert zero <= 1e-12 * np.abs(k).max() and eq <= 1e-12 * np.abs(k).max()
    # and it is not trivially satisfied: a dense perturbation breaks it
    zero2, _ = s.violation(k + 1e-3)
    assert zero2 > 1e-4


def test_real_template_structure_matches_kernel_pattern() -> None:
    """For a real template the svec structure is the kernel's own pattern and V-equalities."""
    t = family("completion:random:0.6,2", n=4)
    kt = Template("probe", t.matrices, derive="kernel")
    s = template_structure(kt)
    k = real_template_kernel(kt)
    iu, ju = np.triu_indices(s.d)
    assert np.array_equal(s.upper() == ZERO, np.abs(k[iu, ju]) == 0)
    # P_Ω is an orthogonal projector, H = diag(1 on Ω): in V = H/(w_a w_b) the observed
    # diagonal entries (V = 1) and the observed off-diagonal ones (V = 1/2) are two groups
    kinds = {i == j for (_, e) in t.labels for i, j in [divmod(e, 4)]}
    assert s.num_groups == len(kinds) == 2 and s.num_nonzero == t.m


def test_support_structure_and_parametrisation_roundtrip() -> None:
    n = 3
    mask = np.array([[1, 1, 0], [1, 1, 0], [0, 0, 0]], dtype=bool)
    from ripcert.core.families import completion_template

    s = template_structure(completion_template(mask))
    assert s.num_nonzero == s.num_groups == 6  # svec indices (0,0),(0,1),(1,1): 3·4/2 pairs
    full = template_structure(completion_template(np.ones((n, n), dtype=bool)))
    assert full.is_unstructured
    assert np.array_equal(full.labels, KernelStructure.unstructured(n).labels)
    rng = np.random.default_rng(1)
    theta = rng.standard_normal(s.num_groups)
    h = s.kernel(theta)
    assert np.allclose(s.project(h), theta)
    assert s.violation(h) == (0.0, 0.0)
    # the kernel reads only the observed entries: ‖A(M)‖² ignores M_02, M_12, M_22
    m = smat(rng.standard_normal(sdim(n)))
    m2 = m.copy()
    m2[0, 2] = m2[2, 0] = 5.0
    m2[2, 2] = -3.0
    assert np.isclose(svec(m) @ h @ svec(m), svec(m2) @ h @ svec(m2))
    back = KernelStructure.from_dict(s.to_dict())
    assert np.array_equal(back.labels, s.labels)


def test_equality_groups_use_vec_values() -> None:
    """A diagonal and an off-diagonal svec entry of one value V differ by the weights."""
    t = family("case30")
    s = template_structure(t)
    g, a, b, c = s.generators()
    sizes = np.bincount(g)
    assert sizes.max() >= 2
    theta = np.arange(1.0, s.num_groups + 1)
    h = s.kernel(theta)
    assert np.allclose(h[a, b] / c, theta[g])


@pytest.mark.parametrize("name", ["case9", "case14"])
def test_compression_of_molybog_feasible_kernels_satisfies_the_svec_structure(name: str) -> None:
    """The map to svec coordinates: every n²×n² kernel with Molybog's zeros and equal-value
    groups (random values per group) compresses, on symmetric matrices, to an svec kernel
    with the derived structure."""
    from ripcert.core.structure import exact_template_product

    t = family(name)
    n = t.n
    prod = exact_template_product(t)
    rng = np.random.default_rng(0)
    values: dict[tuple[int, int], float] = {}
    h = np.zeros((n * n, n * n))
    for (p, q), v in prod.items():
        h[p, q] = values.setdefault(v, float(rng.standard_normal()))
    assert np.array_equal(h, h.T)
    # T: vec(M) = T svec(M) for symmetric M
    iu, ju = np.triu_indices(n)
    tmat = np.zeros((n * n, sdim(n)))
    for a, (i, j) in enumerate(zip(iu, ju, strict=True)):
        if i == j:
            tmat[i + n * i, a] = 1.0
        else:
            tmat[i + n * j, a] = tmat[j + n * i, a] = 1.0 / np.sqrt(2.0)
    m = smat(rng.standard_normal(sdim(n)))
    assert np.allclose(tmat @ svec(m), m.reshape(-1, order="F"))
    k = tmat.T @ h @ tmat
    s = template_structure(t)
    zero, eq = s.violation(k)
    assert zero <= 1e-12 * np.abs(k).max() and eq <= 1e-12 * np.abs(k).max()
    # a generic n²×n² kernel (no structure) does not compress into it
    g = rng.standard_normal(h.shape)
    assert s.violation(tmat.T @ (g + g.T) @ tmat)[0] > 1e-3
