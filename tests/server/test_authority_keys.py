"""The health authority's keys on the server (keygen, publish, status through the real command line) and
what stations download: the signed key set, and the watch list as weekly tags with no key or note in clear."""

from __future__ import annotations

import json
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from authority_cli import authority_cli
from kiosk.sealing.authority import AuthorityKeySet, read_key_set, read_private_key
from kiosk.sealing.seal import LOCAL_KID, Sealed, open_entry
from kiosk.sealing.tags import open_note, watch_tag, watch_week_key
from kiosk.sealing.weeks import WEEK, week_of
from server import secret_keys
from server.database import MIGRATIONS, make_engine, migrate, writing
from server.stations import add_station, station_for_token
from server.tables import metadata, watch_list, watch_tags
from server.watch_list import watch, watch_for

ID_NUMBER = "001099012345"
NOTE = "Ca bệnh F0 — gọi trạm y tế phường"


def keygen(database_url: str, data: Path, out: Path, *more: str):
    done = authority_cli(database_url, data, "authority", "keygen", "--out", out, *more)
    assert done.returncode == 0, done.stderr
    return done


def everything_stored(engine: sa.Engine, database_url: str) -> str:
    """Every row of every table as text, and for SQLite the raw database files too."""
    with engine.connect() as conn:
        rows = [repr(tuple(row)) for table in metadata.sorted_tables for row in conn.execute(sa.select(table))]
    raw = ""
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        raw = "".join(p.read_bytes().decode("utf-8", "replace") for p in path.parent.glob(path.name + "*"))
    return "\n".join(rows) + raw


def test_keygen_writes_the_keys_publish_hands_them_out_and_status_says_how_long_they_last(
        database_url, tmp_path):
    data, out = tmp_path / "data", tmp_path / "authority"
    never = tmp_path / "no-database" / "server.sqlite3"

    made = authority_cli(f"sqlite:///{never}", data, "authority", "keygen", "--out", out, "--weeks", "8")
    key_set = read_key_set(out / "authority.pub")
    again = keygen(database_url, data, out, "--weeks", "10")
    renewed = read_key_set(out / "authority.pub")
    before = authority_cli(database_url, data, "authority", "status")
    published = authority_cli(database_url, data, "authority", "publish", out / "authority.pub")
    status = authority_cli(database_url, data, "authority", "status")

    assert made.returncode == 0, made.stderr
    assert not never.exists()  # keygen runs on the authority's machine: no server database there
    assert stat.S_IMODE((out / "authority.key").stat().st_mode) == 0o600
    assert read_private_key(out / "authority.key").fingerprint == key_set.fingerprint
    assert f"Fingerprint: {key_set.fingerprint}" in made.stdout
    assert len(key_set.weeks) == 8 and key_set.weeks[0].week == week_of(datetime.now(timezone.utc))
    assert "Kept" in again.stdout and renewed.fingerprint == key_set.fingerprint and len(renewed.weeks) == 10
    assert before.returncode == 0 and "No authority key set is published" in before.stdout
    assert published.returncode == 0, published.stderr
    assert key_set.fingerprint in published.stdout and "10 weeks" in published.stdout
    stored = json.loads((data / "authority_keys.json").read_text(encoding="utf-8"))
    assert AuthorityKeySet.from_json(stored).to_json() == renewed.to_json()
    days_left = (renewed.last_day - datetime.now(timezone.utc)).days
    assert f"Fingerprint: {key_set.fingerprint}" in status.stdout
    assert f"Covers 10 weeks, {renewed.weeks[0].week} to {renewed.weeks[-1].week}" in status.stdout
    assert f"Days left: {days_left}" in status.stdout


def test_publish_refuses_a_damaged_an_unsigned_a_private_and_a_substituted_key_set(database_url, tmp_path):
    data, out, other = tmp_path / "data", tmp_path / "authority", tmp_path / "impostor"
    keygen(database_url, data, out)
    keygen(database_url, data, other)
    genuine = json.loads((out / "authority.pub").read_text(encoding="utf-8"))
    damaged, unsigned = tmp_path / "damaged.pub", tmp_path / "unsigned.pub"
    changed = dict(genuine, weeks=genuine["weeks"][:-1])  # one week's key left out: the signature breaks
    damaged.write_text(json.dumps(changed), encoding="utf-8")
    unsigned.write_text(json.dumps({k: v for k, v in genuine.items() if k != "signature"}), encoding="utf-8")
    assert authority_cli(database_url, data, "authority", "publish", out / "authority.pub").returncode == 0

    refused = {name: authority_cli(database_url, data, "authority", "publish", path)
               for name, path in (("damaged", damaged), ("unsigned", unsigned), ("private", out / "authority.key"),
                                  ("substituted", other / "authority.pub"))}
    still = authority_cli(database_url, data, "authority", "status")
    replaced = authority_cli(database_url, data, "authority", "publish", other / "authority.pub", "--replace")

    for name, done in refused.items():
        assert done.returncode == 1, (name, done.stdout)
        assert done.stderr.startswith("kiosk-server: ") and "Traceback" not in done.stderr, (name, done.stderr)
    assert "signature does not match" in refused["damaged"].stderr
    assert "damaged" in refused["unsigned"].stderr
    assert "PRIVATE key: it must never be on the server" in refused["private"].stderr
    impostor = read_key_set(other / "authority.pub").fingerprint
    genuine_fingerprint = read_key_set(out / "authority.pub").fingerprint
    assert (f"signed by another key ({impostor}) than the one published ({genuine_fingerprint})"
            in refused["substituted"].stderr)
    assert f"Fingerprint: {genuine_fingerprint}" in still.stdout
    assert replaced.returncode == 0 and impostor in replaced.stdout


def test_a_station_downloads_the_key_set_and_the_watch_list_as_tags_without_a_key_or_a_note_in_clear(
        database_url, engine, tmp_path, start_server):
    data, out = tmp_path / "data", tmp_path / "authority"
    keygen(database_url, data, out)
    station, token = add_station(engine, "Cổng thẻ", "Sảnh B")
    assert authority_cli(database_url, data, "authority", "publish", out / "authority.pub").returncode == 0
    added = authority_cli(database_url, data, "watch", "add", ID_NUMBER, "--action", "refuse", "--note", NOTE)
    listed = authority_cli(database_url, data, "watch", "list")
    server = start_server(env={"KIOSK_SERVER_DATA_DIR": str(data)})

    answer = requests.get(f"{server.url}/api/v1/station/config", headers={"Authorization": f"Bearer {token}"},
                          timeout=10)

    assert added.returncode == 0, added.stderr
    assert "cccd:••••••••2345" in listed.stdout and "sealed note" in listed.stdout
    assert ID_NUMBER not in listed.stdout + added.stdout
    assert answer.status_code == 200
    document = answer.json()
    assert AuthorityKeySet.from_json(document["authority"]).to_json() == read_key_set(out / "authority.pub").to_json()
    assert "watch_list" not in document
    now = datetime.now(timezone.utc)
    weeks = [week_of(now), week_of(now + WEEK)]
    root = secret_keys.secret("watch-root", data)
    assert document["watch"]["weeks"] == {week: watch_week_key(root, week).hex() for week in weeks}
    mine = [item for item in document["watch"]["entries"]
            if item["tag"] == watch_tag(bytes.fromhex(document["watch"]["weeks"][item["week"]]), f"cccd:{ID_NUMBER}")]
    assert [item["week"] for item in mine] == weeks and {item["action"] for item in mine} == {"refuse"}
    for item in mine:  # the door that read this person's code opens the note; nothing else does
        week_key = bytes.fromhex(document["watch"]["weeks"][item["week"]])
        assert open_note(week_key, f"cccd:{ID_NUMBER}", item["note"]) == NOTE
        assert open_note(week_key, "cccd:001099012346", item["note"]) is None
    for clear in (ID_NUMBER, "Ca bệnh", "trạm y tế"):
        assert clear not in answer.text
        assert clear not in everything_stored(engine, database_url)
    with engine.connect() as conn:
        row = conn.execute(sa.select(watch_list).where(watch_list.c.masked == "cccd:••••••••2345")).one()
    content = open_entry(Sealed(row.note_kid, row.note_sealed), read_private_key(out / "authority.key"),
                         f"watch:{row.person_key}")
    assert content["note"] == NOTE and content["person_key"] == f"cccd:{ID_NUMBER}"

    removed = authority_cli(database_url, data, "watch", "remove", f"cccd:{ID_NUMBER}")
    after = requests.get(f"{server.url}/api/v1/station/config", headers={"Authorization": f"Bearer {token}"},
                         timeout=10).json()
    assert removed.returncode == 0, removed.stderr
    assert not [item for item in after["watch"]["entries"] if item["tag"] in {m["tag"] for m in mine}]


def test_an_entry_has_a_tag_for_each_week_to_its_end_and_stations_get_this_weeks_and_the_next(
        fresh_database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_SERVER_DATA_DIR", str(tmp_path / "data"))
    engine = make_engine(fresh_database_url)
    migrate(engine)
    station, token = add_station(engine, "Cổng tuần", "Sảnh C")
    added_at = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)  # a Wednesday of 2026-W49
    watch(engine, "qid:162900000000000042", "warn", until=added_at + timedelta(days=14), now=added_at)
    root = secret_keys.secret("watch-root")

    with engine.connect() as conn:
        weeks = conn.execute(sa.select(watch_tags.c.week).order_by(watch_tags.c.week)).scalars().all()
        record = station_for_token(conn, token)
        this_week = watch_for(conn, record, now=added_at)["watch"]
        last_week = watch_for(conn, record, now=added_at + timedelta(days=9))["watch"]
        after_its_end = watch_for(conn, record, now=added_at + timedelta(days=15))["watch"]
    engine.dispose()

    assert weeks == ["2026-W49", "2026-W50", "2026-W51"]  # to Wednesday 16 December, in 2026-W51
    assert set(this_week["weeks"]) == {"2026-W49", "2026-W50"}
    assert this_week["entries"] == [
        {"week": week, "tag": watch_tag(watch_week_key(root, week), "qid:162900000000000042"), "action": "warn",
         "note": ""} for week in ("2026-W49", "2026-W50")]
    assert [item["week"] for item in last_week["entries"]] == ["2026-W50", "2026-W51"]
    assert after_its_end["entries"] == []


def test_a_note_is_refused_while_no_authority_key_is_published(fresh_database_url, tmp_path):
    data = tmp_path / "data"

    refused = authority_cli(fresh_database_url, data, "watch", "add", ID_NUMBER, "--note", NOTE)
    without = authority_cli(fresh_database_url, data, "watch", "add", ID_NUMBER)
    listed = authority_cli(fresh_database_url, data, "watch", "list")

    assert refused.returncode == 1 and "publish the authority key first" in refused.stderr
    assert without.returncode == 0 and "cccd:••••••••2345\twarn" in listed.stdout and "no note" in listed.stdout


def _to(engine: sa.Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with writing(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_the_migration_converts_a_clear_watch_list_and_its_notes_wait_for_the_authority_key(
        fresh_database_url, tmp_path, monkeypatch):
    data, out = tmp_path / "data", tmp_path / "authority"
    monkeypatch.setenv("KIOSK_SERVER_DATA_DIR", str(data))
    engine = make_engine(fresh_database_url)
    _to(engine, "0009")
    added = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)
    with writing(engine) as conn:
        conn.execute(sa.text("INSERT INTO watch_list (person_key, action, note, added_at) VALUES "
                             "(:a, 'refuse', :note, :at), (:b, 'warn', '', :at)"),
                     {"a": ID_NUMBER, "b": "qid:162900000000000099", "note": NOTE, "at": added})

    migrate(engine)
    with engine.connect() as conn:
        rows = {row.masked: row for row in conn.execute(sa.select(watch_list))}
        tags = conn.execute(sa.select(watch_tags.c.person_key, watch_tags.c.week, watch_tags.c.tag)).all()
    stored = everything_stored(engine, fresh_database_url)
    keygen(fresh_database_url, data, out)
    published = authority_cli(fresh_database_url, data, "authority", "publish", out / "authority.pub")
    with engine.connect() as conn:
        resealed = conn.execute(sa.select(watch_list).where(watch_list.c.masked == "cccd:••••••••2345")).one()
    engine.dispose()

    assert set(rows) == {"cccd:••••••••2345", "qid:••••••••••••••0099"}
    listed = rows["cccd:••••••••2345"]
    assert listed.action == "refuse" and listed.note_kid == LOCAL_KID and listed.added_at.date() == added.date()
    assert rows["qid:••••••••••••••0099"].note_sealed is None
    now = datetime.now(timezone.utc)
    root = secret_keys.secret("watch-root")
    assert (listed.person_key, week_of(now), watch_tag(watch_week_key(root, week_of(now)), f"cccd:{ID_NUMBER}")) in tags
    assert len({week for key, week, _ in tags if key == listed.person_key}) in (53, 54)  # 52 weeks from now
    for clear in (ID_NUMBER, "162900000000000099", "Ca bệnh", "trạm y tế"):
        assert clear not in stored
    assert published.returncode == 0, published.stderr
    assert resealed.note_kid == read_key_set(out / "authority.pub").key_id + "/" + week_of(now)
    content = open_entry(Sealed(resealed.note_kid, resealed.note_sealed), read_private_key(out / "authority.key"),
                         f"watch:{resealed.person_key}")
    assert content == {"v": 1, "watch": True, "person_key": f"cccd:{ID_NUMBER}", "note": NOTE}


def test_going_down_keeps_the_entries_under_their_tags_and_coming_back_up_works(
        fresh_database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_SERVER_DATA_DIR", str(tmp_path / "data"))
    engine = make_engine(fresh_database_url)
    migrate(engine)
    watch(engine, ID_NUMBER, "refuse")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))

    with writing(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0010")
    with engine.connect() as conn:
        down = conn.execute(sa.text("SELECT person_key, action, note FROM watch_list")).all()
    migrate(engine)
    with engine.connect() as conn:
        up = conn.execute(sa.select(watch_list.c.masked, watch_list.c.action)).all()
    engine.dispose()

    assert [(key.startswith("cccd:#"), action, note) for key, action, note in down] == [(True, "refuse", "")]
    assert up == [(f"cccd:#{down[0][0].partition('#')[2][:8]}", "refuse")]  # its tag is all that is left
