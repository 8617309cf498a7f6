"""Losses of the Burer–Monteiro factor U as objects (docs/math.md §8).

:class:`~ripcert.core.losses.base.Loss` is the interface: value, (sub)gradient, directional
derivative, and for smooth losses the Hessian-vector product.  Implementations live one per
module (ℓ2, high-order, ℓ1, …) and are checked against finite differences in the tests.
"""
