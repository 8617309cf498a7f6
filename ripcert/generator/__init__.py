"""The generator side: the counterexample problem, its reductions, the SDP and the certificate
maker. The checker side never imports it.
"""
