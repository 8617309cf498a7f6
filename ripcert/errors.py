"""Exceptions raised by ripcert.  The CLI maps each to an exit code."""

from __future__ import annotations


class RipcertError(Exception):
    """Base class of every error ripcert raises on purpose."""

    exit_code = 1


class InvalidInputError(RipcertError, ValueError):
    """The user's input is malformed: NaN/Inf, wrong shapes, unparsable text (CLI exit 2)."""

    exit_code = 2


class CertificateFormatError(InvalidInputError):
    """A certificate file is unreadable, fails its schema, or its hash does not match (exit 2)."""


class NoCounterexampleError(RipcertError):
    """No operator with δ < 1 makes X a spurious second-order point (CLI exit 3).

    Raised for X = 0, XXᵀ = ZZᵀ, collinear rank-1 pairs and SDP optimum δ* = 1.
    """

    exit_code = 3


class SolverError(RipcertError):
    """Every solver tried failed or was inaccurate (CLI exit 4)."""

    exit_code = 4


class ExactCertificationError(RipcertError):
    """No rational rounding of the float certificate passed the exact checks (CLI exit 1)."""
