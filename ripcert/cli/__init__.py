"""The ``ripcert`` command line.  One module per subcommand; each defines
``add_parser(subparsers)`` and ``run(args) -> int``, and imports the library (and with it
cvxpy and the solvers) inside ``run``, so that ``ripcert --help``, ``--version`` and
``verify`` start fast.  The CLI holds no library logic: it parses, calls, prints.

Exit codes: 0 success; 1 a verification check failed (or a sweep point failed); 2 invalid
input, an unusable output path, or a sweep that cannot start (a one-line message, no
traceback); 3 no counterexample with δ < 1 exists; 4 solver or numerical failure
(including a LinAlgError/ValueError/ArithmeticError raised inside a solve); 5 out of memory
or an operating-system error while reading or writing (e.g. disk full).  Python warnings
are printed as one line ``ripcert: warning: …``, never with source lines.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from ripcert.errors import RipcertError
from ripcert.version import __version__

from . import (
    certify,
    demo,
    generate,
    landscape,
    radius_search,
    robust,
    sgd,
    sweep,
    threshold,
    verify,
)

#: subcommand modules, in the order ``ripcert --help`` lists them
SUBCOMMANDS = {
    "demo": demo,
    "generate": generate,
    "verify": verify,
    "certify": certify,
    "sweep": sweep,
    "threshold": threshold,
    "sgd": sgd,
    "landscape": landscape,
    "radius-search": radius_search,
    "robust": robust,
}


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit 2 with one line (argparse's own default is 2 too),
    and every ``--help`` shows the defaults."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("formatter_class", argparse.ArgumentDefaultsHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"ripcert: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ripcert",
        description="Certificates for spurious local minima and RIP bounds in matrix sensing.",
        epilog="exit codes: 0 success, 1 a check failed, 2 invalid input or output path,"
        " 3 no counterexample (δ < 1), 4 solver/numerical failure (or failed sweep points),"
        " 5 out of memory or an OS error.  `ripcert COMMAND --help` shows each command's"
        " options with their defaults.",
    )
    parser.add_argument("--version", action="version", version=f"ripcert {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in SUBCOMMANDS.values():
        module.add_parser(sub)
    for leaf in _leaves(parser):  # every command gets -q/--quiet (alias --no-progress)
        taken = {o for a in leaf._actions for o in a.option_strings}
        if "--quiet" not in taken and "quiet" not in {a.dest for a in leaf._actions}:
            flags = [f for f in ("-q", "--quiet", "--no-progress") if f not in taken]
            leaf.add_argument(
                *flags,
                dest="quiet",
                action="store_true",
                help="no progress bars (they are also off when stderr is not a terminal)",
            )
    return parser


def _leaves(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parsers that parse a command's own options (below every sub-command level)."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return [parser]
    return [leaf for a in subs for p in dict.fromkeys(a.choices.values()) for leaf in _leaves(p)]


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:  # type: ignore[no-untyped-def]
    """``warnings.showwarning`` for the CLI: one line, no source file or line."""
    text = str(message).strip().splitlines()[0] if str(message).strip() else category.__name__
    print(f"ripcert: warning: {text}", file=sys.stderr)


def _fail(code: int, message: str) -> int:
    print(f"ripcert: error: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    import numpy as np

    try:
        with warnings.catch_warnings():
            warnings.showwarning = _one_line_warning
            return int(args.run(args))
    except RipcertError as exc:
        return _fail(exc.exit_code, str(exc))
    except MemoryError:
        return _fail(5, "out of memory (try a smaller instance, or without --no-reduce)")
    except np.linalg.LinAlgError as exc:
        return _fail(4, f"numerical failure in linear algebra: {exc}")
    except (ArithmeticError, ValueError) as exc:
        return _fail(4, f"numerical failure: {type(exc).__name__}: {exc}")
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            return _broken_pipe()
        where = f": {exc.filename}" if exc.filename else ""
        return _fail(5, f"{exc.strerror or exc}{where}")
    except KeyboardInterrupt:
        print("ripcert: interrupted", file=sys.stderr)
        return 130


def _broken_pipe() -> int:
    """``ripcert demo | head``: the reader went away; exit quietly."""
    import os

    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
