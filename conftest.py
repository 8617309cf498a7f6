"""Root pytest configuration: doctests of the package run too, except entry-point modules."""

collect_ignore_glob = ["ripcert/__main__.py", "ripcert/cli/__main__.py", "certificates/*.py"]
