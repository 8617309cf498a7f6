"""Exact rational arithmetic and the exact statements certificates make (checker side).

``rational``: ℚ linear algebra and the triangle coordinates; ``instance``: an exact claim and
its checks; ``duality``: the exact weak-duality bound.  Nothing here solves an SDP or imports
the generator.
"""
