"""The checker side: the independent verifier, RIP brackets and the exact/dual re-checks. Imports
nothing from the generator, the makers, the studies or the CLI, and never cvxpy.
"""
