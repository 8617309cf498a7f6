"""Template operators: the measurement matrices from which a kernel structure is read.

A :class:`Template` is a list of Hermitian ``n×n`` measurement matrices ``Y_1 … Y_m``
(real symmetric for completion and Gaussian families, complex Hermitian for power grids)
and a rule saying how a kernel structure is read from them
(:mod:`ripcert.core.structure`, docs/math.md §3):

* ``derive = "kernel"``: the zero pattern and equality groups of the template kernel
  ``AᵀA`` (Molybog, Sojoudi, Lavaei, "No spurious solutions in non-convex matrix sensing:
  structure compensates for isometry", arXiv:2012.10297, whose ``get_structure.m`` this
  follows);
* ``derive = "support"``: only a sparsity pattern — the kernels of *all* operators whose
  measurements read the entries in the joint support of the template (no equalities).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Derive = Literal["kernel", "support"]


@dataclass(frozen=True)
class Template:
    """Measurement matrices ``(m, n, n)`` of a named operator family.

    Attributes
    ----------
    name : the CLI name (``case9``, ``completion:random:0.5,1``, ``gaussian:10,0`` …).
    matrices : ``(m, n, n)`` Hermitian matrices (complex or real), frozen.
    derive : how the structure is read (see the module docstring).
    labels : one label per matrix (e.g. ``("p", 3)`` for the active injection at bus 3).
    """

    name: str
    matrices: np.ndarray
    derive: Derive = "kernel"
    labels: tuple[tuple[str, int], ...] = field(default=())

    def __post_init__(self) -> None:
        m = np.array(self.matrices)
        if m.ndim != 3 or m.shape[1] != m.shape[2]:
            raise ValueError(f"template matrices must have shape (m, n, n), got {m.shape}")
        if not np.all(np.isfinite(m)):
            raise ValueError("template matrices contain NaN or Inf")
        if not np.array_equal(m, np.conj(np.swapaxes(m, 1, 2))):
            raise ValueError("template matrices must be exactly Hermitian")
        if self.derive not in ("kernel", "support"):
            raise ValueError(f"derive must be 'kernel' or 'support', got {self.derive!r}")
        if self.labels and len(self.labels) != m.shape[0]:
            raise ValueError("one label per template matrix")
        m.setflags(write=False)
        object.__setattr__(self, "matrices", m)

    @property
    def n(self) -> int:
        return int(self.matrices.shape[-1])

    @property
    def m(self) -> int:
        return int(self.matrices.shape[0])

    @property
    def is_complex(self) -> bool:
        return bool(np.iscomplexobj(self.matrices) and np.any(self.matrices.imag != 0))

    def real_sensing(self) -> np.ndarray:
        """The real symmetric sensing matrices ``Re Y_k`` of the operator on real ``M ∈ Sⁿ``.

        For a Hermitian ``Y`` and a real symmetric ``M``, ``⟨Y, M⟩ = tr(YM) = tr(Re(Y) M)``
        (the imaginary part of ``Y`` is skew and drops out), so this is the real operator
        that the complex measurements induce on real ``XXᵀ``.
        """
        return np.ascontiguousarray(np.real(self.matrices), dtype=float)
