"""Replacing a file so that a crash or a full disk leaves the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, TextIO


@contextmanager
def replacing(path: Path, *, encoding: str = "utf-8", newline: str | None = None,
              mode: int | None = None) -> Iterator[TextIO]:
    """Write the new content to the stream this yields; on leaving the block it is synced to disk and
    takes the place of `path`. On any error the temporary file is removed and `path` is untouched.
    `mode` sets the permissions first (e.g. 0o600 for a private key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        if mode is not None:
            os.fchmod(handle, mode)
        with os.fdopen(handle, "w", encoding=encoding, newline=newline) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
