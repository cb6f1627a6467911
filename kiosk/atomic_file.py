"""Replacing a file so that a crash or a full disk leaves the old file or the new one, never half of one."""

from __future__ import annotations

import os
import secrets
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator, TextIO


@contextmanager
def replacing(path: Path, *, encoding: str = "utf-8", newline: str | None = None,
              mode: int | None = None) -> Iterator[TextIO]:
    """Write the new content to the stream this yields; on leaving the block it is synced to disk and
    takes the place of `path`. On any error the temporary file is removed and `path` is untouched.
    `mode` sets the permissions first (e.g. 0o600 for a private key)."""
    with _replacing(path, mode, "w", encoding=encoding, newline=newline) as out:
        yield out


def replace_with_bytes(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """`replacing` for bytes (an XLSX file, a key file)."""
    with _replacing(path, mode, "wb") as out:
        out.write(data)


def create_once(path: Path, data: bytes) -> None:
    """Create `path` owner-only (0600) holding `data`, unless it exists: several processes may start at
    once, so the file is written under a temporary name and linked into place, and the first one wins
    (the others keep what it wrote)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.parent / f".{path.name}.{secrets.token_hex(8)}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)


@contextmanager
def _replacing(path: Path, mode: int | None, open_mode: str, **open_args: Any) -> Iterator[IO[Any]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        if mode is not None:
            os.fchmod(handle, mode)
        with os.fdopen(handle, open_mode, **open_args) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
