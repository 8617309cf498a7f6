"""Assemble constraint blocks and a kernel parametrisation into one conic program.

The variables of the solver are ``x = (φ, η)`` with ``θ = svec(H) = Pφ``; a block's rows,
written in ``(θ, η)``, become rows in ``(φ, η)`` by the right factor ``diag(P, 1)``.  The
:class:`Layout` maps a solver vector back to ``(H, η)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from ripcert.core.vectorization import sdim, smat
from ripcert.generator.sdp.blocks import (
    EtaFloor,
    FirstOrder,
    Geometry,
    Isometry,
    SecondOrder,
    geometry,
)
from ripcert.generator.sdp.cones import BlockRows, ConicProgram, assemble


class KernelParametrisation(Protocol):
    """A linear parametrisation ``svec(H) = Pφ`` of the admissible kernels."""

    def matrix(self, d: int) -> sp.csc_matrix:
        """``P`` (``d(d+1)/2 × p``) for kernels on ``S^d``... here ``d`` is the order of H."""
        ...


@dataclass(frozen=True)
class FullKernel:
    """Every symmetric kernel: ``P = I``."""

    def matrix(self, d: int) -> sp.csc_matrix:
        return sp.identity(sdim(d), format="csc")


@dataclass(frozen=True)
class Layout:
    """How a solver vector maps back to ``(H, η)``, and the geometry it was built on."""

    param: sp.csc_matrix
    geometry: Geometry

    def kernel(self, x: np.ndarray) -> np.ndarray:
        theta = self.param @ np.asarray(x[:-1], dtype=float)
        h = smat(theta)
        return 0.5 * (h + h.T)

    @staticmethod
    def eta(x: np.ndarray) -> float:
        return float(x[-1])


def counterexample_program(
    x: np.ndarray,
    z: np.ndarray,
    margin_abs: float = 0.0,
    isometry: Isometry | None = None,
    kernel: KernelParametrisation | None = None,
    extra: tuple[BlockRows, ...] = (),
) -> tuple[ConicProgram, Layout]:
    """The η-form SDP ``max η`` s.t. first order, second order (margin), ``ηI ⪯ QᵀHQ ⪯ I``.

    ``margin_abs`` is ``μ·‖ZZᵀ‖_F``; ``isometry`` defaults to the full-space RIP; ``kernel``
    defaults to every symmetric kernel; ``extra`` are further blocks' rows in ``(θ, η)``.
    """
    geo = geometry(np.asarray(x, dtype=float), np.asarray(z, dtype=float))
    iso = isometry if isometry is not None else Isometry()
    lower, upper = iso.rows_pair(geo)
    blocks = [
        FirstOrder().rows(geo),
        EtaFloor().rows(geo),
        SecondOrder(margin_abs).rows(geo),
        lower,
        upper,
        *extra,
    ]
    param = (kernel if kernel is not None else FullKernel()).matrix(geo.d)
    right = sp.block_diag([param, sp.identity(1)], format="csc")
    blocks = [BlockRows(b.name, (b.a @ right).tocsr(), b.b, b.cone) for b in blocks]
    c = np.zeros(param.shape[1] + 1)
    c[-1] = -1.0  # max η
    prog = assemble(blocks, c)
    # drop explicit zeros: Clarabel's KKT pattern must not depend on cancellations
    prog.a.eliminate_zeros()
    return prog, Layout(param, geo)


__all__ = ["FullKernel", "KernelParametrisation", "Layout", "counterexample_program"]
