"""Operator families with a CLI name each, supplying template operators (docs/math.md §3).

=============================  ==========================================================
``case9``, ``case14``,         MATPOWER power grids (pypower), Molybog's ``casetoA.m``;
``case30`` (``…:all``)         ``:all`` keeps the flows of every in-service branch
``completion:FILE``            ``P_Ω`` for a 0/1 symmetric mask read from a text file
``completion:random:p,seed``   ``P_Ω`` for a random symmetric mask (needs ``n``)
``gaussian:m,seed``            ``m`` Gaussian symmetric sensing matrices (needs ``n``)
=============================  ==========================================================

:func:`family` parses a name into a :class:`Template`; the structure of the kernel is then
read by :func:`ripcert.core.structure.template_structure`.  Pure numpy (pypower is imported
only for the grids); no solver.
"""

from __future__ import annotations

from pathlib import Path

from ripcert.core.families.grids import CASES, grid_template
from ripcert.core.families.sampling import (
    completion_template,
    gaussian_template,
    random_mask,
    read_mask,
)
from ripcert.core.families.template import Template
from ripcert.errors import InvalidInputError


def _numbers(spec: str, count: int, what: str) -> list[str]:
    parts = [p.strip() for p in spec.split(",")]
    if len(parts) != count or not all(parts):
        raise InvalidInputError(f"{what}: expected {count} comma-separated values, got {spec!r}")
    return parts


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInputError(f"{what}: {text!r} is not an integer") from None


def family(name: str, n: int | None = None) -> Template:
    """The template operator of a CLI family name (see the module docstring).

    ``n`` is the matrix order for the families that do not fix it (random masks, Gaussian);
    a mask file and a grid fix it themselves.  Bad names raise ``InvalidInputError``.
    """
    name = name.strip()
    try:
        base, _, tail = name.partition(":")
        if base in CASES:
            if tail not in ("", "all", "first"):
                raise InvalidInputError(f"{name}: a grid takes ':all' or nothing")
            return grid_template(base, "all" if tail == "all" else "first")
        if base == "completion":
            if tail.startswith("random:"):
                p_text, seed_text = _numbers(tail[len("random:") :], 2, name)
                try:
                    p = float(p_text)
                except ValueError:
                    raise InvalidInputError(f"{name}: {p_text!r} is not a number") from None
                mask = random_mask(_need_n(n, name), p, _int(seed_text, name))
                return completion_template(mask, name=name)
            if not tail:
                raise InvalidInputError("completion needs a mask: completion:FILE|random:p,seed")
            path = Path(tail)
            if not path.is_file():
                raise InvalidInputError(f"{name}: mask file {tail!r} not found")
            mask = read_mask(path)
            if n is not None and mask.shape[0] != n:
                raise InvalidInputError(f"{name}: mask is {mask.shape[0]}×{mask.shape[0]}, n = {n}")
            return completion_template(mask, name=name)
        if base == "gaussian":
            m_text, seed_text = _numbers(tail, 2, name)
            return gaussian_template(
                _need_n(n, name), _int(m_text, name), _int(seed_text, name), name=name
            )
    except (ValueError, OSError) as exc:
        if isinstance(exc, InvalidInputError):
            raise
        raise InvalidInputError(f"{name}: {exc}") from None
    known = ", ".join((*CASES, "completion:FILE", "completion:random:p,seed", "gaussian:m,seed"))
    raise InvalidInputError(f"unknown operator family {name!r}; known: {known}")


def _need_n(n: int | None, name: str) -> int:
    if n is None or n < 1:
        raise InvalidInputError(f"{name}: the matrix order n must be given (n ≥ 1)")
    return n


__all__ = [
    "CASES",
    "Template",
    "completion_template",
    "family",
    "gaussian_template",
    "grid_template",
    "random_mask",
    "read_mask",
]
