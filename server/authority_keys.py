"""The health authority's public key set as the server holds it: published by `kiosk-server authority
publish`, handed to every station in its config, and used to seal what old kiosks send in clear.

It is a public document (kiosk.sealing.authority), kept as one file in the data directory so that every
server process reads the same one; the server never holds the authority's private key.
"""

from __future__ import annotations

import json
from pathlib import Path

from kiosk.atomic_file import replacing
from kiosk.sealing.authority import AuthorityKeySet

PUBLISHED_FILE = "authority_keys.json"
_read: dict[Path, tuple[int, AuthorityKeySet]] = {}  # file → (its mtime, what it held)


def published_path(data_dir: Path | None = None) -> Path:
    from server.declarations.issuing import server_data_dir  # the data directory is defined there

    return (data_dir or server_data_dir()) / PUBLISHED_FILE


def published_key_set(data_dir: Path | None = None) -> AuthorityKeySet | None:
    """The key set last published, or None before the first `authority publish`. It was verified when it
    was published and is verified again here: a file changed on disk is refused (AuthorityKeyError)."""
    path = published_path(data_dir)
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    cached = _read.get(path)
    if cached is None or cached[0] != stamp:
        cached = _read[path] = (stamp, AuthorityKeySet.from_json(json.loads(path.read_text(encoding="utf-8"))))
    return cached[1]


def store_key_set(key_set: AuthorityKeySet, data_dir: Path | None = None) -> None:
    path = published_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as out:
        json.dump(key_set.to_json(), out, indent=2)
