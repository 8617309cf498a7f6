"""Shared mathematics with no solver: svec coordinates, operators, derivatives at X, the rank-1
closed form, known examples, checks.
"""
