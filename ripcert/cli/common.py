"""Small helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import sys


def progress_enabled(args: argparse.Namespace) -> bool:
    """Progress bars are shown unless ``--quiet`` or stderr is not a terminal."""
    return not getattr(args, "quiet", False) and sys.stderr.isatty()


def add_mkdir(p: argparse.ArgumentParser) -> None:
    """The ``--mkdir`` flag: create missing parent directories of output paths."""
    p.add_argument(
        "--mkdir",
        action="store_true",
        help="create missing parent directories of output paths (otherwise an error)",
    )
