"""Output paths, checked before any work starts.

Every command that writes files calls these checks first, so that a bad path costs a
one-line error (exit 2) and not the result of a long solve.  The rules, as documented in the
README:

* an output **file** (``-o``, ``--json``) must have an existing, writable parent directory;
  missing directories are created only with ``--mkdir``.  The path may not be empty, a
  directory, or an existing read-only file (no write bit set: ripcert refuses to replace
  it, as ``cp`` would).  A symbolic link is written through: its target is replaced and the
  link stays.  An existing file keeps its permission bits;
* an output **folder** (``--out``) is created if missing — but only the folder itself; its
  parent must exist unless ``--mkdir`` is given.  An existing one must be a writable
  directory.

Writability is established by creating and removing a probe file, which is the only test
that is right for root, read-only mounts and ACLs alike.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ripcert.errors import InvalidInputError


def _probe_dir(d: Path, flag: str) -> None:
    """Raise unless a file can be created in the existing directory ``d``."""
    try:
        fd, name = tempfile.mkstemp(dir=d, prefix=".ripcert-probe-")
    except OSError as exc:
        raise InvalidInputError(
            f"{flag}: cannot write in {str(d)!r} ({exc.strerror or exc})"
        ) from None
    os.close(fd)
    os.unlink(name)


def _ensure_parent(parent: Path, flag: str, mkdir: bool) -> None:
    if parent.is_dir():
        _probe_dir(parent, flag)
        return
    if parent.exists():
        raise InvalidInputError(f"{flag}: {str(parent)!r} is not a directory")
    if not mkdir:
        raise InvalidInputError(
            f"{flag}: directory {str(parent)!r} does not exist (create it, or pass --mkdir)"
        )
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInputError(
            f"{flag}: cannot create directory {str(parent)!r} ({exc.strerror or exc})"
        ) from None
    _probe_dir(parent, flag)


def check_output_file(path: str | os.PathLike, flag: str, *, mkdir: bool = False) -> Path:
    """Check that ``path`` can be written; return the path to write (a link's target).

    Raises :class:`InvalidInputError` (exit 2) with a one-line reason naming ``flag``.
    """
    text = os.fspath(path)
    if not text.strip():
        raise InvalidInputError(f"{flag}: empty path")
    p = Path(text)
    if p.is_symlink():
        p = Path(os.path.realpath(p))
    if text.endswith(os.sep) or p.is_dir():
        raise InvalidInputError(f"{flag}: {text!r} is a directory; give a file name")
    if p.exists():
        st = p.stat()
        if not st.st_mode & 0o222 or not os.access(p, os.W_OK):
            raise InvalidInputError(f"{flag}: {text!r} is read-only; not replacing it")
    _ensure_parent(p.parent if str(p.parent) else Path("."), flag, mkdir)
    return p


def check_output_dir(path: str | os.PathLike, flag: str, *, mkdir: bool = False) -> Path:
    """Check that the output folder ``path`` exists and is writable, or can be created.

    Nothing is created here (except, with ``mkdir``, the missing parents); the command
    creates the folder itself when it writes.  Without ``mkdir`` the parent must exist.
    """
    text = os.fspath(path)
    if not text.strip():
        raise InvalidInputError(f"{flag}: empty path")
    p = Path(text)
    if p.exists() and not p.is_dir():
        raise InvalidInputError(f"{flag}: {text!r} exists and is not a directory")
    if p.exists():
        _probe_dir(p, flag)
    else:  # the command creates the folder itself when it first writes
        _ensure_parent(p.resolve().parent, flag, mkdir)
    return p


def check_files_in(folder: Path, names: list[str], flag: str) -> None:
    """Existing files that a command will replace in ``folder`` must not be read-only."""
    for name in names:
        f = folder / name
        if f.exists() and (f.is_dir() or not f.stat().st_mode & 0o222):
            raise InvalidInputError(f"{flag}: {str(f)!r} is read-only or a directory")
