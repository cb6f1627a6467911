"""The door's signal per verdict, for a door without a screen (a buzzer, a relay, a lamp): a command the
admin configures and/or a line (a serial device or a GPIO value file) that gets a text per verdict.

Signals go out on their own thread, one after another, so a slow command or a stuck device never holds
the door up; a command runs without a shell and is stopped after its timeout. Failures are logged with
the command's exit status or the device's error only: nothing about the visitor is passed or logged.
"""

from __future__ import annotations

import logging
import os
import queue
import shlex
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from kiosk.entry import Direction
from kiosk.errors import os_problem
from kiosk.settings import Settings

log = logging.getLogger(__name__)

PLACEHOLDERS = ("{look}", "{direction}")
# The looks whose screen tells the guard to let the person through, so the line opens for them: an admit
# (an exit too: its look signals "admit") and a repeat of someone admitted ("let through").
OPENING_LOOKS = ("admit", "repeat")
QUEUE_LIMIT = 16  # signals waiting behind a slow one; beyond that they are dropped (and logged)


@dataclass(frozen=True)
class SignalSettings:
    command: tuple[str, ...]
    timeout: float
    line: Path | None
    line_admit: str
    line_other: str

    @classmethod
    def of(cls, settings: Settings) -> "SignalSettings":
        command = tuple(shlex.split(settings.verdict_command, posix=os.name != "nt"))
        return cls(command, settings.verdict_command_timeout,
                   Path(settings.verdict_line) if settings.verdict_line else None,
                   settings.verdict_line_admit, settings.verdict_line_other)

    @property
    def active(self) -> bool:
        return bool(self.command or self.line)


def command_line(command: tuple[str, ...], look: str, direction: Direction) -> list[str]:
    """The arguments for one verdict: placeholders replaced, or look and direction appended."""
    if not any(placeholder in part for part in command for placeholder in PLACEHOLDERS):
        return [*command, look, direction.value]
    return [part.replace("{look}", look).replace("{direction}", direction.value) for part in command]


class VerdictSignal:
    """`send(look, direction)` returns at once; `wait_until_sent()` waits for what was sent so far."""

    def __init__(self, settings: Settings) -> None:
        self._settings = SignalSettings.of(settings)
        self._queue: queue.Queue[tuple[SignalSettings, str, Direction]] = queue.Queue(QUEUE_LIMIT)
        self._thread: threading.Thread | None = None

    def configure(self, settings: Settings) -> None:
        self._settings = SignalSettings.of(settings)

    def send(self, look: str, direction: Direction) -> None:
        if not self._settings.active:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="verdict-signal", daemon=True)
            self._thread.start()
        try:
            self._queue.put_nowait((self._settings, look, direction))
        except queue.Full:
            log.warning("verdict signal dropped: %d signals are still waiting", QUEUE_LIMIT)

    def wait_until_sent(self) -> None:
        self._queue.join()

    def _run(self) -> None:
        while True:
            settings, look, direction = self._queue.get()
            try:
                if settings.command:
                    _run_command(settings, look, direction)
                if settings.line is not None:
                    _write_line(settings, look)
            except Exception:  # noqa: BLE001 - a bug here must not end the door's signals; logged in full
                log.exception("verdict signal failed")
            finally:
                self._queue.task_done()


def _run_command(settings: SignalSettings, look: str, direction: Direction) -> None:
    args = command_line(settings.command, look, direction)
    try:
        done = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=settings.timeout, check=False)
    except subprocess.TimeoutExpired:
        log.error("verdict command %s stopped after %g s", args[0], settings.timeout)
    except OSError as error:
        log.error("verdict command %s cannot run: %s", args[0], os_problem(error))
    else:
        if done.returncode != 0:
            log.error("verdict command %s exited with status %d", args[0], done.returncode)


def _write_line(settings: SignalSettings, look: str) -> None:
    text = settings.line_admit if look in OPENING_LOOKS else settings.line_other
    try:
        with open(settings.line, "wb", buffering=0) as line:
            line.write(text.encode("utf-8"))
    except OSError as error:
        log.error("verdict line %s not written: %s", settings.line, os_problem(error))
