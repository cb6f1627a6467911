"""`kiosk-server authority forget`: the authority's key file, rewritten in place, opens no week before the one
given, not even for its holder, while later weeks open as before; it runs with no database (the authority's
machine) and says what the file now opens. A trace whose contacts were sealed to a forgotten week says so."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from authority_cli import authority_cli
from kiosk.sealing.authority import generate_private_key, read_private_key, write_private_key
from kiosk.sealing.seal import Sealed, UnsealError, open_entry, seal_entry
from kiosk.sealing.weeks import WEEK, week_of, week_start
from server.tracing.reveal import Outcome, open_released

NOW = datetime.now(timezone.utc)
THIS_WEEK = week_of(NOW)


def weeks_ago(n: int) -> str:
    return week_of(week_start(THIS_WEEK) - WEEK * n)


def sealed_in(key, week: str) -> tuple[str, Sealed]:
    """An entry of `week` with a made-up visitor's fields, sealed to the key's set."""
    entry_id = str(uuid.uuid4())
    content = {"format": "cccd", "person_key": "cccd:001099012345", "fields": {"name": "Trần Thị Mơ"}}
    sealed = seal_entry(content, key.key_set(week_start(weeks_ago(4)), 6), week_start(week) + WEEK / 2, entry_id)
    assert sealed is not None and sealed.kid.endswith(week)
    return entry_id, sealed


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "authority.key"
    write_private_key(generate_private_key(weeks_ago(4)), path)
    return path


def forget(tmp_path, *args):
    """On a machine with no database: the --db names a file that must never be made."""
    return authority_cli(f"sqlite:///{tmp_path / 'never.sqlite3'}", tmp_path / "data", "authority", "forget", *args)


def test_forgetting_makes_an_old_weeks_entry_unopenable_while_a_later_one_opens(key_file, tmp_path):
    key = read_private_key(key_file)
    old_id, old = sealed_in(key, weeks_ago(3))
    later_id, later = sealed_in(key, weeks_ago(1))
    assert open_entry(old, key, old_id)["fields"]["name"] == "Trần Thị Mơ"

    done = forget(tmp_path, "--key", key_file, "--before", weeks_ago(2))

    assert done.returncode == 0, done.stderr
    assert f"now opens the weeks from {weeks_ago(2)} on" in done.stdout
    assert f"weeks before {weeks_ago(2)} can no longer be opened by anyone" in done.stdout
    assert "Destroy every other copy" in done.stdout
    forgotten = read_private_key(key_file)
    assert forgotten.fingerprint == key.fingerprint and forgotten.first_week == weeks_ago(2)
    with pytest.raises(UnsealError):
        open_entry(old, forgotten, old_id)
    assert open_entry(later, forgotten, later_id)["fields"]["name"] == "Trần Thị Mơ"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["authority.key"]  # no database, no temporary file
    revealed = open_released([(old_id, old), (later_id, later)], forgotten)
    assert [revealed.readings[i].outcome for i in (old_id, later_id)] == [Outcome.FORGOTTEN, Outcome.OPENED]


def test_keep_weeks_keeps_this_week_and_the_weeks_before_it(key_file, tmp_path):
    done = forget(tmp_path, "--key", key_file, "--keep-weeks", "2")
    again = forget(tmp_path, "--key", key_file, "--keep-weeks", "3")

    assert done.returncode == 0, done.stderr
    assert read_private_key(key_file).first_week == weeks_ago(1)
    assert again.returncode == 0 and "nothing to forget" in again.stdout
    assert read_private_key(key_file).first_week == weeks_ago(1)


@pytest.mark.parametrize("args, said", [
    (["--before", week_of(NOW + WEEK)], "would forget this week"),
    (["--before", "last week"], "--before must be an ISO week"),
    (["--keep-weeks", "0"], "--keep-weeks must be between 1 and"),
])
def test_what_cannot_be_forgotten_is_refused_and_the_file_is_left_as_it_was(key_file, tmp_path, args, said):
    before = key_file.read_bytes()

    done = forget(tmp_path, "--key", key_file, *args)

    assert done.returncode == 1 and said in done.stderr and "Traceback" not in done.stderr
    assert key_file.read_bytes() == before


def test_a_file_that_is_no_private_key_is_refused(tmp_path):
    public = tmp_path / "authority.pub"
    public.write_text("{}", encoding="utf-8")

    done = forget(tmp_path, "--key", public, "--keep-weeks", "4")

    assert done.returncode == 1 and "not a health authority private key file" in done.stderr
