import os
import subprocess
import tempfile
from pathlib import Path
from typing import Callable, Iterator

import pytest

from tests.watch_config import TEST_TAG_KEY

ROOT = Path(__file__).resolve().parent.parent

# Server processes started by tests (some for a whole module) keep their keyring here, never in the
# user's data folder.
os.environ["KIOSK_SERVER_DATA_DIR"] = tempfile.mkdtemp(prefix="kiosk-server-data-")


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path, tmp_path_factory, monkeypatch):
    """No test reads or writes the real user's settings or database."""
    monkeypatch.setenv("KIOSK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    # The station secret (kiosk.secret_store), outside the test's folder as outside the data folder.
    monkeypatch.setenv("KIOSK_SECRETS_DIR", str(tmp_path_factory.mktemp("secrets")))
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", os.environ.get("QT_QPA_PLATFORM", "offscreen"))


@pytest.fixture(autouse=True)
def fixed_tag_key(monkeypatch):
    """The kiosk's own tag key (kiosk.watch_list.kiosk_tag_key reads it from kiosk.secret_store at a real
    door): a fixed one in this process."""
    monkeypatch.setattr("kiosk.watch_list.kiosk_tag_key", lambda: TEST_TAG_KEY)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs, so that a kiosk's disk can really fill up (ENOSPC). Needs the right to mount (root)."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill up (needs root): {mounted.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=True)


def fill_disk(folder: Path, leave_free: int) -> Path:
    """Fill the file system holding `folder`, then give back `leave_free` bytes; returns the filler file."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as out:  # nothing left in a buffer for close() to fail on
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    os.truncate(filler, max(0, filler.stat().st_size - leave_free))
    return filler


@pytest.fixture
def disk_filler() -> Callable[[Path, int], Path]:
    return fill_disk


