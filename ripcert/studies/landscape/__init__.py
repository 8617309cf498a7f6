"""The landscape of a given operator: its critical points, their certificates, the
strict-saddle bounds of Ma, Chen, Lavaei & Sojoudi (arXiv:2403.06056) and the convex
relaxation check (docs/math.md §1, §3, §8)."""
