"""Makers of the rigorous sections: the exact rational certificate and the dual lower bound.

They take a float certificate (from :mod:`ripcert.generator`), propose rationals, and keep
only what the exact checks of :mod:`ripcert.exact` accept.
"""
