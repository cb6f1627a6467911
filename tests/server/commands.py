"""`kiosk-server COMMAND` run as its own process against a test database, to its end."""

from __future__ import annotations

import subprocess
import sys

from processes import REPO


def kiosk_server(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server", "--db", database_url, *args], cwd=REPO, input=stdin,
                          capture_output=True, text=True, timeout=60)
