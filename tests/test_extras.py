"""The server and the kiosk are installed apart (pyproject extras `server` and `kiosk`): each side runs with the
other side's packages absent, and a command whose own extra is missing says which one to install.

"Absent" is a fresh Python process whose imports of those packages fail as they do when the package is not
installed (ModuleNotFoundError), which is what `pip install 'qr-checkin-kiosk[server]'` alone leaves.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # every test starts a Python process with some packages blocked

REPO = Path(__file__).resolve().parents[1]
KIOSK_PACKAGES = ("PySide6", "shiboken6", "cv2", "numpy", "requests", "sqlite_utils", "pyzbar")
SERVER_PACKAGES = ("fastapi", "starlette", "sqlalchemy", "alembic", "uvicorn", "psycopg", "jinja2", "pydantic",
                   "multipart", "python_multipart")

# Run before the program: every import of a blocked package (or module) fails as if it were not installed.
_BLOCKER = """
import importlib.abc, sys
BLOCKED = frozenset(sys.argv.pop(1).split(","))
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name in BLOCKED or name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Absent())
"""


def run_without(blocked: tuple[str, ...], program: str, *args: str, env: dict[str, str] | None = None,
                 ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _BLOCKER + program, ",".join(blocked), *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})


def run_module_without(blocked: tuple[str, ...], module: str, *args: str) -> subprocess.CompletedProcess:
    return run_without(blocked, f"import runpy; runpy.run_module({module!r}, run_name='__main__', alter_sys=True)",
                       *args)


def test_the_server_runs_without_any_of_the_kiosks_packages(tmp_path: Path) -> None:
    program = """
from fastapi.testclient import TestClient
from server.app import app_from_environment
from server.commands import run_command
from server.database import default_database_url, make_engine, migrate
from server.qr_image import render_qr

migrate(make_engine(default_database_url()))
with TestClient(app_from_environment()) as client:
    assert client.get("/healthz").status_code == 200
    assert client.get("/declare").status_code == 200
png, svg = render_qr("HD1:a made-up declaration")
assert png.startswith(b"\\x89PNG") and "<svg" in svg
print("kiosk packages loaded:", sorted(name for name in BLOCKED if name in sys.modules))
"""
    env = {"KIOSK_SERVER_DB": f"sqlite:///{tmp_path / 'server.sqlite3'}", "KIOSK_SERVER_DATA_DIR": str(tmp_path)}
    done = run_without(KIOSK_PACKAGES, program, env=env)
    assert done.returncode == 0, done.stderr
    assert "kiosk packages loaded: []" in done.stdout


def test_the_kiosk_core_runs_without_any_of_the_servers_packages(tmp_path: Path) -> None:
    program = """
import kiosk.cli, kiosk.station, kiosk.sync
kiosk.cli.build_parser()  # imports every command
print("server packages loaded:", sorted(name for name in BLOCKED if name in sys.modules))
"""
    done = run_without(SERVER_PACKAGES, program)
    assert done.returncode == 0, done.stderr
    assert "server packages loaded: []" in done.stdout
    # And a command works end to end: the log of a fresh station is empty.
    log = run_module_without(SERVER_PACKAGES, "kiosk", "log", "--db", str(tmp_path / "entries.sqlite3"))
    assert log.returncode == 0, log.stderr


def test_the_contract_both_sides_share_needs_neither_sides_packages() -> None:
    done = run_without(KIOSK_PACKAGES + SERVER_PACKAGES, "from kiosk.contract import *; import kiosk.extras")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("missing, command", [
    ("sqlalchemy", ("station", "list")),
    ("fastapi", ("station", "list")),
    ("uvicorn", ("serve", "--port", "0")),  # imported when the server starts
])
def test_kiosk_server_without_its_extra_names_the_extra_to_install(missing: str, command: tuple[str, ...],
                                                                   tmp_path: Path) -> None:
    done = run_module_without((missing,), "server", "--db", str(tmp_path / "server.sqlite3"), *command)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert done.stderr.startswith("kiosk-server: ")
    assert repr(missing) in done.stderr and "pip install 'qr-checkin-kiosk[server]'" in done.stderr


@pytest.mark.parametrize("missing, module, command", [
    ("cv2", "kiosk", ("scan", "nothing.png")),
    ("sqlite_utils", "kiosk", ("log",)),
    ("PySide6", "ui.cli", ("run",)),  # the `kiosk` console script; the window: imported when the command runs, not when it is parsed
])
def test_kiosk_without_its_extra_names_the_extra_to_install(missing: str, module: str, command: tuple[str, ...],
                                                            tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text('station_name = "Cổng thử"\nadmin_pin_hash = "x"\n', encoding="utf-8")
    done = run_module_without((missing,), module, *command, "--config", str(config),
                              "--db", str(tmp_path / "entries.sqlite3"))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert done.stderr.startswith("kiosk: ") and repr(missing) in done.stderr
    assert "pip install 'qr-checkin-kiosk[kiosk]'" in done.stderr


def test_a_missing_module_of_the_project_itself_is_a_bug_not_a_missing_extra(tmp_path: Path) -> None:
    done = run_module_without(("server.commands",), "server", "--db", str(tmp_path / "server.sqlite3"), "--help")
    assert done.returncode == 1 and "pip install" not in done.stderr
    assert "ModuleNotFoundError: No module named 'server.commands'" in done.stderr


def test_each_side_is_an_extra_and_dev_installs_both() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    base = " ".join(project["dependencies"]).lower()
    extras = {name: " ".join(requirements).lower() for name, requirements in project["optional-dependencies"].items()}
    for heavy in ("pyside6", "opencv", "zxing", "numpy", "requests", "sqlite-utils", "fastapi", "sqlalchemy"):
        assert heavy not in base
    for kiosk_only in ("pyside6", "opencv", "requests", "sqlite-utils"):  # zxing-cpp: both (the server draws badges)
        assert kiosk_only in extras["kiosk"] and kiosk_only not in extras["server"]
    for server_only in ("fastapi", "uvicorn", "sqlalchemy", "alembic", "psycopg", "pydantic"):
        assert server_only in extras["server"] and server_only not in extras["kiosk"]
    assert "[kiosk,zbar,server]" in extras["dev"]  # what ./run.sh and the README install
