"""Power-system state estimation: the MATPOWER grids ``case9``, ``case14``, ``case30``.

The measurement matrices are built from the bus admittance matrices exactly as in Molybog's
``casetoA.m`` (repository ``igormolybog/matrix-sense-global``, ``util/``; Molybog, Sojoudi,
Lavaei, arXiv:2012.10297 §6).  With ``Y`` the bus admittance matrix, ``Y_f``/``Y_t`` the
branch admittance matrices at the from/to ends, ``e_i`` the unit vector of bus ``i`` and
``ε_l`` that of branch ``l`` (``f(l)``, ``t(l)`` its end buses), and ``ᴴ`` the conjugate
transpose::

    voltage magnitude   V_i  = e_i e_iᵀ                          ⟨V_i, vvᴴ⟩ = |v_i|²
    active injection    P_i  = (Yᴴ e_i e_iᵀ + e_i e_iᵀ Y) / 2     ⟨P_i, vvᴴ⟩ = Re(v_i conj(I_i))
    reactive injection  Q_i  = (Yᴴ e_i e_iᵀ − e_i e_iᵀ Y) / 2j    ⟨Q_i, vvᴴ⟩ = Im(v_i conj(I_i))
    from-end flows      Pf_l = (Y_fᴴ ε_l e_fᵀ + e_f ε_lᵀ Y_f) / 2,  Qf_l likewise with / 2j
    to-end flows        Pt_l, Qt_l with Y_t and e_t

with ``⟨Y, vvᴴ⟩ = vᴴ Y v`` and ``I = Y v`` (per unit).  All are Hermitian.  Rows are
ordered ``[V, P, Q, Pf, Qf, Pt, Qt]`` as in ``casetoA.m``; buses are renumbered ``0 … n−1``
in the order of the bus table and out-of-service branches are dropped.  ``casetoA.m`` keeps
the flows of the first ``n`` in-service branches only (``ppf = 1:nb``); that is the default
here (``branches="first"``) so that its published curves are comparable, and
``branches="all"`` keeps every in-service branch.

**Real model.**  The measurement matrices are complex Hermitian, but ripcert — like
Molybog — uses them only for the *structure* of a real kernel acting on real symmetric
matrices ``XXᵀ − ZZᵀ`` with ``X, Z ∈ Rⁿ`` (``n`` = number of buses): the template kernel
``AᵀA`` (non-conjugate transpose, rows the column-major vecs of the matrices) gives a zero
pattern and equality groups (:mod:`ripcert.core.structure`).  No claim is made about the
complex state-estimation problem in ``v ∈ Cⁿ``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ripcert.core.families.template import Template

CASES = ("case9", "case14", "case30")
Branches = Literal["first", "all"]


@dataclass(frozen=True)
class Grid:
    """A MATPOWER case in consecutive internal numbering, with its admittance matrices.

    ``case`` is the raw pypower dict (bus numbers renumbered to ``0 … n−1``, in-service
    branches only), ``branch_rows`` the rows of the original branch table that were kept.
    """

    name: str
    case: dict
    ybus: np.ndarray
    yf: np.ndarray
    yt: np.ndarray
    branch_rows: np.ndarray

    @property
    def n(self) -> int:
        return int(self.ybus.shape[0])

    @property
    def from_bus(self) -> np.ndarray:
        from pypower.idx_brch import F_BUS  # type: ignore[import-untyped]

        return self.case["branch"][:, F_BUS].astype(int)

    @property
    def to_bus(self) -> np.ndarray:
        from pypower.idx_brch import T_BUS  # type: ignore[import-untyped]

        return self.case["branch"][:, T_BUS].astype(int)


def load_grid(name: str) -> Grid:
    """Load a pypower case, renumber its buses and keep the in-service branches."""
    if name not in CASES:
        raise ValueError(f"unknown grid {name!r}; known: {', '.join(CASES)}")
    import pypower.api as pp  # type: ignore[import-untyped]
    from pypower.idx_brch import BR_STATUS, F_BUS, T_BUS  # type: ignore[import-untyped]
    from pypower.idx_bus import BUS_I  # type: ignore[import-untyped]
    from pypower.idx_gen import GEN_BUS  # type: ignore[import-untyped]

    case = dict(getattr(pp, name)())
    bus = np.array(case["bus"], dtype=float)
    branch = np.array(case["branch"], dtype=float)
    gen = np.array(case["gen"], dtype=float)
    number = {int(b): k for k, b in enumerate(bus[:, BUS_I])}
    keep = np.flatnonzero(branch[:, BR_STATUS] != 0)
    branch = branch[keep]
    bus[:, BUS_I] = np.arange(len(bus))
    for col in (F_BUS, T_BUS):
        branch[:, col] = [number[int(b)] for b in branch[:, col]]
    gen[:, GEN_BUS] = [number[int(b)] for b in gen[:, GEN_BUS]]
    case.update(bus=bus, branch=branch, gen=gen)
    ybus, yf, yt = pp.makeYbus(case["baseMVA"], bus, branch)
    return Grid(
        name=name,
        case=case,
        ybus=np.asarray(ybus.todense()),
        yf=np.asarray(yf.todense()),
        yt=np.asarray(yt.todense()),
        branch_rows=keep,
    )


def _pair(left: np.ndarray, e_left: np.ndarray, row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(Lᴴ ε eᵀ ± e εᵀ L)`` halves for a row ``εᵀL`` of an admittance matrix ``L``.

    Returns the Hermitian pair ``(P, Q) = ((Gᴴ + G)/2, (Gᴴ − G)/2j)`` with
    ``G = e_left · row`` (the matrix ``e εᵀ L``), so ``Gᴴ = Lᴴ ε eᵀ``.
    """
    g = np.outer(e_left, row)
    gh = np.conj(g.T)
    return (gh + g) / 2.0, (gh - g) / 2.0j


def grid_measurements(grid: Grid, branches: Branches = "first") -> Template:
    """The measurement matrices of ``casetoA.m`` for a loaded grid (see the module doc)."""
    n = grid.n
    nl = grid.yf.shape[0]
    if branches == "first":
        if nl < n:
            raise ValueError(f"{grid.name} has {nl} in-service branches < {n} buses")
        lines = range(n)
    elif branches == "all":
        lines = range(nl)
    else:
        raise ValueError(f"branches must be 'first' or 'all', got {branches!r}")
    eye = np.eye(n)
    volt = [eye[i][:, None] * eye[i][None, :] + 0j for i in range(n)]
    inj = [_pair(grid.ybus, eye[i], grid.ybus[i]) for i in range(n)]
    fr = [_pair(grid.yf, eye[grid.from_bus[ll]], grid.yf[ll]) for ll in lines]
    to = [_pair(grid.yt, eye[grid.to_bus[ll]], grid.yt[ll]) for ll in lines]
    mats = (
        volt
        + [p for p, _ in inj]
        + [q for _, q in inj]
        + [p for p, _ in fr]
        + [q for _, q in fr]
        + [p for p, _ in to]
        + [q for _, q in to]
    )
    labels = (
        [("v", i) for i in range(n)]
        + [("p", i) for i in range(n)]
        + [("q", i) for i in range(n)]
        + [(kind, ll) for kind in ("pf", "qf", "pt", "qt") for ll in lines]
    )
    arr = np.array(mats, dtype=complex)
    # exact Hermitian symmetry: (Gᴴ ± G) is Hermitian in exact arithmetic and in floats alike
    suffix = "" if branches == "first" else ":all"
    return Template(name=grid.name + suffix, matrices=arr, derive="kernel", labels=tuple(labels))


def grid_template(name: str, branches: Branches = "first") -> Template:
    """:func:`grid_measurements` of the pypower case ``name`` (``case9|case14|case30``)."""
    return grid_measurements(load_grid(name), branches)
