"""`kiosk-server COMMAND` as its own process with a data directory of the test's own (the published key
set, the server's secrets), for the health authority's commands and what they change."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from processes import REPO



def authority_cli(database_url: str, data_dir: Path, *args: str, env: dict[str, str] | None = None
                  ) -> subprocess.CompletedProcess:
    environment = {**os.environ, "KIOSK_SERVER_DATA_DIR": str(data_dir), **(env or {})}
    return subprocess.run([sys.executable, "-m", "server", "--db", database_url, *map(str, args)], cwd=REPO,
                          env=environment, capture_output=True, text=True, timeout=60)
