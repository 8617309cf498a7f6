"""Robust ℓ1 matrix sensing, generator side (J. Ma and S. Fattahi, arXiv:2302.10963 and
arXiv:2202.08788; docs/math.md §8): the contaminated Gaussian sensing model
(:mod:`.model`) and the maker of "the ground truth is a saddle" certificates (:mod:`.saddle`).
"""

from ripcert.generator.robust.model import RobustInstance, RobustModel, make_instance
from ripcert.generator.robust.saddle import (
    SaddleSearch,
    SearchProtocol,
    make_certificate,
    quadratic_form,
    sdp_lower_bound,
    search_direction,
    step_limit,
)

__all__ = [
    "RobustInstance",
    "RobustModel",
    "SaddleSearch",
    "SearchProtocol",
    "make_certificate",
    "make_instance",
    "quadratic_form",
    "sdp_lower_bound",
    "search_direction",
    "step_limit",
]
