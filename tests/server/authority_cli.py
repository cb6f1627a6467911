"""`kiosk-server COMMAND` as its own process with a data directory of the test's own (the published key
set, the server's secrets), for the health authority's commands and what they change."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from processes import REPO

# server.sealing_store (sealing what waited for a key) comes from another branch of the same change: until
# it is merged, a stand-in that finds nothing waiting lets `authority publish` run here.
RUNNER = """
import sys, types
try:
    import server.sealing_store
except ModuleNotFoundError:
    stand_in = types.ModuleType("server.sealing_store")
    stand_in.reseal_pending = lambda engine: 0
    sys.modules["server.sealing_store"] = stand_in
from server.cli import main
sys.exit(main(sys.argv[1:]))
"""


def authority_cli(database_url: str, data_dir: Path, *args: str, env: dict[str, str] | None = None
                  ) -> subprocess.CompletedProcess:
    environment = {**os.environ, "KIOSK_SERVER_DATA_DIR": str(data_dir), **(env or {})}
    return subprocess.run([sys.executable, "-c", RUNNER, "--db", database_url, *map(str, args)], cwd=REPO,
                          env=environment, capture_output=True, text=True, timeout=60)
