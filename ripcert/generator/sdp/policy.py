"""Which solver outcomes are accepted, named per use.

* ``certify`` — only ``optimal``, and the caller must then pass its own residual checks: the
  outcome a certificate may rest on;
* ``search`` — also ``optimal_inaccurate``, for the inner loop of a search (threshold,
  sweeps): the final point of a search is re-solved under ``certify``.
"""

from __future__ import annotations

from typing import Literal

from ripcert.generator.sdp.backends import Status

Acceptance = Literal["certify", "search"]

_ACCEPTED: dict[str, frozenset[str]] = {
    "certify": frozenset({"optimal"}),
    "search": frozenset({"optimal", "optimal_inaccurate"}),
}


def accepts(policy: Acceptance, status: Status) -> bool:
    """Whether ``status`` is acceptable under ``policy``."""
    return status in _ACCEPTED[policy]


__all__ = ["Acceptance", "accepts"]
