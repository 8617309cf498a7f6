"""The ``ripcert`` command line.  One module per subcommand; each defines
``add_parser(subparsers)`` and ``run(args) -> int``, and imports the library (and with it
cvxpy and the solvers) inside ``run``, so that ``ripcert --help``, ``--version`` and
``verify`` start fast.  The CLI holds no library logic: it parses, calls, prints.

Exit codes: 0 success; 1 a verification check failed; 2 invalid input (a one-line
message, no traceback); 3 no counterexample with δ < 1 exists; 4 solver failure.
"""

from __future__ import annotations

import argparse
import sys

from ripcert.errors import RipcertError
from ripcert.version import __version__

from . import demo, generate, landscape, sgd, sweep, threshold, verify

#: subcommand modules, in the order ``ripcert --help`` lists them
SUBCOMMANDS = {
    "demo": demo,
    "generate": generate,
    "verify": verify,
    "sweep": sweep,
    "threshold": threshold,
    "sgd": sgd,
    "landscape": landscape,
}


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit 2 with one line (argparse's own default is 2 too)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"ripcert: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ripcert",
        description="Certificates for spurious local minima and RIP bounds in matrix sensing.",
    )
    parser.add_argument("--version", action="version", version=f"ripcert {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in SUBCOMMANDS.values():
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except RipcertError as exc:
        print(f"ripcert: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # e.g. `ripcert demo | head`
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("ripcert: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
