"""Studies built on the engine: sweeps, threshold searches, gradient dynamics and figures."""
