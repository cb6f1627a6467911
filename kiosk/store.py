"""The station's durable log of entries: one SQLite file, WAL journal, versioned schema.

No one is readable in it (schema 5, kiosk.person_seal): person keys are tagged with the station's key,
personal fields sealed to the health authority (or boxed under the station's key until a key arrives); every
connection deletes securely, and converting an older database ends with a VACUUM and a truncated WAL, so the
clear bytes of before are gone from the files too.

An entry is on disk when `add` returns (WAL with synchronous=FULL: it survives `kill -9` and a power cut).
Errors the station's environment causes (disk full, read-only folder, corrupt file, database busy) are
raised as `StoreError`, classified by SQLite's error code, with a plain sentence in both languages; anything
else (a mistake in the SQL, a broken constraint) is a bug and propagates as is, for the caller to log in full.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, NoReturn, Sequence

import sqlite_utils

from kiosk.entry import Direction, Entry, Source, format_utc, parse_utc, utc_now
from kiosk.errors import KioskError, os_problem
from kiosk.head_count import Passage, came_in, head_count
from kiosk.messages import upgrade_stored
from kiosk.person_seal import PersonSeal, StoredEntry
from kiosk.reasons import Reason
from kiosk.sealing.authority import AuthorityKeySet
from kiosk.sealing.seal import LOCAL_KID
from kiosk.secret_store import station_keys
from kiosk.tracing.overlap import Candidates
from kiosk.tracing.visits import Visit
from kiosk.verdict import Outcome
from kiosk.visit_log import SCHEMA_V4, TAG_PERSON_KEYS_V5, TraceRecord, VisitLog, VisitRules

log = logging.getLogger(__name__)

SCHEMA_VERSION = 5
VISITS_SCHEMA = 4  # the version that brought visits: migrating to it builds the visits of the entries kept
SEALED_SCHEMA = 5  # the version that tagged person keys and sealed fields: migrating to it rewrites the file
# The database and its WAL/SHM files are for the kiosk's user alone (masked names, visit times).
# SQLite gives the WAL and SHM files the mode of the database file.
FILE_MODE = 0o600


@dataclass(frozen=True)
class DayCounts:
    inside: int
    today: int


@dataclass(frozen=True)
class RejectedEntry:
    entry: Entry
    reason: str
    rejected_at: datetime


@dataclass(frozen=True)
class HeldEntry:
    """An entry the server failed on (5xx) while it took the others: kept aside, sent again at `retry_at`."""

    entry: Entry
    reason: str
    held_at: datetime  # when it was first put aside
    attempts: int  # failed sends since then, the first one included
    retry_at: datetime


@dataclass(frozen=True)
class ExportRecord:
    exported_at: datetime
    path: str
    count: int
    who: str


def _create_v1(db: sqlite_utils.Database, _seal: PersonSeal) -> None:
    db["entries"].create(
        {
            "id": str, "scanned_at": str, "station": str, "direction": str, "source": str, "format": str,
            "person_key": str, "display_name": str, "fields": str, "verdict": str, "reasons": str,
            "sync_state": str, "synced_at": str,
        },
        pk="id",
        not_null={"scanned_at", "station", "direction", "source", "format", "person_key", "verdict",
                  "sync_state"},
        defaults={"sync_state": "pending"},
    )
    db["entries"].create_index(["person_key", "scanned_at"])
    db["entries"].create_index(["sync_state", "scanned_at"])
    db["entries"].create_index(["scanned_at"])
    db["rejected"].create({"entry_id": str, "reason": str, "rejected_at": str}, pk="entry_id",
                          foreign_keys=[("entry_id", "entries", "id")])
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["exports"].create({"id": int, "exported_at": str, "path": str, "count": int, "who": str}, pk="id")


def _add_held_v2(db: sqlite_utils.Database, _seal: PersonSeal) -> None:
    """Entries in sync_state 'held' have one row here: why, since when, and when to send them again."""
    db.execute("""
        CREATE TABLE held (
            entry_id TEXT PRIMARY KEY REFERENCES entries(id),
            reason TEXT NOT NULL,
            held_at TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            retry_at TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX idx_held_retry_at ON held (retry_at)")


def _reasons_as_codes_v3(db: sqlite_utils.Database, _seal: PersonSeal) -> None:
    """Reasons were stored as {"code", "vi", "en"}; they are a code with parameters now, rendered from the
    catalogue (kiosk.messages.upgrade_stored says how each old one is converted)."""
    rows = db.execute("SELECT id, reasons FROM entries WHERE reasons LIKE '%\"vi\"%'").fetchall()
    for entry_id, reasons in rows:
        upgraded = [upgrade_stored(reason) for reason in json.loads(reasons or "[]")]
        db.execute("UPDATE entries SET reasons = ? WHERE id = ?",
                   [json.dumps(upgraded, ensure_ascii=False), entry_id])


def _add_visits_v4(db: sqlite_utils.Database, _seal: PersonSeal) -> None:
    """Visits, the links between a person's keys, operator closures and the trace audit (kiosk.visit_log).
    The visits of the entries already kept are built by the store right after, with its station's rules."""
    for statement in SCHEMA_V4:
        db.execute(statement)


def _seal_people_v5(db: sqlite_utils.Database, seal: PersonSeal) -> None:
    """Person keys were stored in clear and fields as JSON: every entry is converted as the door now writes
    it (kiosk.person_seal: keys tagged, fields sealed to the authority key the stored station config has,
    else boxed under the station's key), the visit tables' keys are tagged, the `fields` column is dropped
    and the watch list a server used to send in clear (ID numbers with notes) is dropped from the stored
    station config, whose next download brings the current one."""
    connection = db.conn
    for statement in ("ALTER TABLE entries ADD COLUMN linked_key TEXT NOT NULL DEFAULT ''",
                      "ALTER TABLE entries ADD COLUMN keys_box BLOB",
                      "ALTER TABLE entries ADD COLUMN sealed BLOB",
                      "ALTER TABLE entries ADD COLUMN sealed_kid TEXT NOT NULL DEFAULT ''"):
        connection.execute(statement)
    after = ""
    while rows := _records(connection, "SELECT * FROM entries WHERE id > ? ORDER BY id LIMIT 1000", [after]):
        stored = [seal.stored(_entry(row)) for row in rows]
        connection.executemany(
            "UPDATE entries SET person_key = :person_key, linked_key = :linked_key, keys_box = :keys_box, "
            "sealed = :sealed, sealed_kid = :sealed_kid WHERE id = :id", [_row(item) for item in stored])
        after = rows[-1]["id"]
    connection.create_function("tag", 1, seal.tag, deterministic=True)
    for statement in TAG_PERSON_KEYS_V5:
        connection.execute(statement)
    connection.execute("ALTER TABLE entries DROP COLUMN fields")
    _drop_clear_watch_list(connection)


def _drop_clear_watch_list(connection: sqlite3.Connection) -> None:
    from kiosk.station_config import META_SERVER_CONFIG, META_SERVER_CONFIG_ETAG  # it reads this store

    kept = connection.execute("SELECT value FROM meta WHERE key = ?", [META_SERVER_CONFIG]).fetchone()
    document = json.loads(kept[0]) if kept and kept[0] else None
    if isinstance(document, dict) and "watch_list" in document:
        del document["watch_list"]
        connection.execute("UPDATE meta SET value = ? WHERE key = ?",
                           [json.dumps(document, ensure_ascii=False), META_SERVER_CONFIG])
        connection.execute("DELETE FROM meta WHERE key = ?", [META_SERVER_CONFIG_ETAG])


# MIGRATIONS[n] brings a database from user_version n to n + 1, with the station's seal (kiosk.person_seal).
MIGRATIONS: tuple[Callable[[sqlite_utils.Database, PersonSeal], None], ...] = (
    _create_v1, _add_held_v2, _reasons_as_codes_v3, _add_visits_v4, _seal_people_v5)
assert len(MIGRATIONS) == SCHEMA_VERSION


def _owner_only(path: Path) -> None:
    """Create the database file readable by its owner only, and tighten the files an older kiosk left
    readable by others. A file that cannot be changed is used as it is (SQLite then says what is wrong)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    except OSError:
        return
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if file.stat().st_mode & 0o077:
                os.chmod(file, FILE_MODE)
        except FileNotFoundError:
            pass
        except OSError as error:
            log.warning("%s stays readable by other users: %s", file, os_problem(error))


class StoreCondition(Enum):
    """Why the database cannot be used now, when a person can put it right; the catalogue words what to do
    (its code is "store.<condition>", with the database's path as `path`)."""

    FULL = "store.full"
    READ_ONLY = "store.read_only"
    BUSY = "store.busy"
    DISK_FAILING = "store.disk_failing"
    DAMAGED = "store.damaged"
    CANNOT_OPEN = "store.cannot_open"
    NEWER_SCHEMA = "store.newer_schema"

    def reason(self, path: Path, detail: str = "") -> Reason:
        """The sentence for this database; `detail` (the system's words, a version) goes in brackets at its end."""
        return Reason(self.value, path=str(path), detail=f" ({detail})" if detail else "")


# SQLite's primary result codes (an extended code's low byte) that the machine, not the kiosk's code, causes.
# SQLITE_LOCKED is not one of them: without a shared cache it means this connection got in its own way (a bug);
# another program's lock is SQLITE_BUSY. Every other code (SQLITE_ERROR for a mistake in the SQL,
# SQLITE_CONSTRAINT, SQLITE_MISUSE, ...) is a bug.
_CONDITIONS = {
    sqlite3.SQLITE_FULL: StoreCondition.FULL,
    sqlite3.SQLITE_READONLY: StoreCondition.READ_ONLY,
    sqlite3.SQLITE_PERM: StoreCondition.READ_ONLY,
    sqlite3.SQLITE_BUSY: StoreCondition.BUSY,
    sqlite3.SQLITE_PROTOCOL: StoreCondition.BUSY,  # a race for a WAL lock that kept failing
    sqlite3.SQLITE_IOERR: StoreCondition.DISK_FAILING,
    sqlite3.SQLITE_CORRUPT: StoreCondition.DAMAGED,
    sqlite3.SQLITE_NOTADB: StoreCondition.DAMAGED,
    sqlite3.SQLITE_CANTOPEN: StoreCondition.CANNOT_OPEN,
}


def condition_of(error: sqlite3.Error) -> StoreCondition | None:
    """What a person can do about `error`, judged by SQLite's error code; None when it is a bug.
    Errors the sqlite3 module raises itself (a closed connection, wrong parameters) carry no code: bugs."""
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else _CONDITIONS.get(code & 0xFF)


class StoreError(KioskError):
    """The database cannot be used right now for a reason a person can fix. `str(error)` says which in English;
    `reason` says it in both languages."""

    def __init__(self, condition: StoreCondition, path: Path, detail: str = "") -> None:
        self.condition = condition
        self.reason = condition.reason(path, detail)
        super().__init__(self.reason.en)


def _raise_for(error: sqlite3.Error, path: Path) -> NoReturn:
    """Raise the condition `error` stands for, or `error` itself when it is a bug (for the caller to log)."""
    condition = condition_of(error)
    if condition is None:
        raise error
    raise StoreError(condition, path) from error


class Store:
    """Thread-safe: the door thread and the sync thread share one connection behind one lock.

    Every person key it is given or returns is a tagged key (`seal.tag`), except in `add`, which takes the
    door's entry (clear) and stores it as kiosk.person_seal says."""

    def __init__(self, connection: sqlite3.Connection, path: Path, visit_rules: VisitRules | None = None,
                 seal: PersonSeal | None = None) -> None:
        """`seal` holds the station's keys; None: those of the station secret (kiosk.secret_store)."""
        self._connection = connection
        self._db = sqlite_utils.Database(connection)
        self._lock = threading.RLock()
        self._visits = VisitLog(connection, visit_rules)
        self.seal = seal or PersonSeal(station_keys())
        self.path = path

    @classmethod
    def open(cls, path: Path, busy_timeout: float = 10.0, visit_rules: VisitRules | None = None,
             seal: PersonSeal | None = None) -> "Store":
        """Open or create the database. While another program holds its write lock, a write waits up to
        `busy_timeout` seconds, then fails as `StoreCondition.BUSY`. `visit_rules` are the station's (the
        station sets them again with `use_visit_rules`); a migration that builds visits uses them. The
        station gives the store its authority keys (`use_authority_keys`); the migration that seals the
        entries of an older database uses those of the station config it keeps, unless `seal` has some."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(StoreCondition.CANNOT_OPEN, path, os_problem(error)) from None
        _owner_only(path)
        try:
            connection = sqlite3.connect(path, check_same_thread=False, timeout=busy_timeout,
                                         isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            # FULL: a committed entry also survives a power cut, not only a killed process.
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("PRAGMA secure_delete=ON")  # what is deleted or replaced is overwritten
            store = cls(connection, path, visit_rules, seal)
            store._migrate()
        except sqlite3.Error as error:
            _raise_for(error, path)
        return store

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        version = self._connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(StoreCondition.NEWER_SCHEMA, self.path, f"schema {version}")
        if 0 < version < SEALED_SCHEMA and self.seal.authority_keys is None:
            self.seal.authority_keys = self._stored_authority_keys()
        for step in range(version, SCHEMA_VERSION):
            with self._transaction():
                MIGRATIONS[step](self._db, self.seal)
                if step + 1 == SCHEMA_VERSION and version < VISITS_SCHEMA:
                    self._visits.rebuild_all()  # from the entries as they are now
                self._connection.execute(f"PRAGMA user_version={step + 1}")
        if 0 < version < SEALED_SCHEMA:
            # The old pages (clear keys and fields) leave the file and the WAL, not only the tables.
            self._connection.execute("VACUUM")
            self._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _stored_authority_keys(self) -> AuthorityKeySet | None:
        """The authority keys of the station config this database keeps."""
        from kiosk.station_config import load_station_config  # it reads a store

        return load_station_config(self).authority_keys

    def use_authority_keys(self, key_set: AuthorityKeySet | None) -> None:
        """Seal with these keys from now on (and entries kept in the station's own box, when uploaded).
        None keeps the keys in use: a config without keys does not take back keys the authority published."""
        if key_set is not None:
            with self._lock:
                self.seal.authority_keys = key_set

    def _transaction(self) -> "_Transaction":
        return _Transaction(self._connection)

    def _run(self, work: Callable[[], Any]) -> Any:
        with self._lock:
            try:
                return work()
            except sqlite3.Error as error:
                _raise_for(error, self.path)

    # --- entries -------------------------------------------------------------------------------

    def add(self, entry: Entry) -> None:
        """Store the door's entry (clear keys and fields) tagged and sealed (kiosk.person_seal) and, in the
        same transaction, the visits it changes (kiosk.visit_log)."""
        stored = self.seal.stored(entry)

        def insert() -> None:
            with self._transaction():
                self._connection.execute(_INSERT_ENTRY, _row(stored))
                self._visits.record([stored.entry])
        self._run(insert)

    def add_many(self, entries: Iterable[Entry]) -> int:
        """Add door entries in one transaction, all or none, with their visits (imports, and filling queues
        in tests and benchmarks)."""
        stored = [self.seal.stored(entry) for entry in entries]
        rows = [_row(item) for item in stored]

        def insert() -> None:
            with self._transaction():
                self._connection.executemany(_INSERT_ENTRY, rows)
                self._visits.record([item.entry for item in stored])
        self._run(insert)
        return len(rows)

    def get(self, entry_id: str) -> Entry | None:
        rows = self._query("SELECT * FROM entries WHERE id = ?", [entry_id])
        return rows[0] if rows else None

    def last_entry_for(self, person_key: str, since: datetime, direction: Direction | None = None) -> Entry | None:
        """The person's (a tagged key: `seal.tag`) latest entry that was not refused, since the given time."""
        sql = "SELECT * FROM entries WHERE person_key = ? AND scanned_at >= ? AND verdict != 'refuse'"
        params: list[Any] = [person_key, format_utc(since)]
        if direction is not None:
            sql += " AND direction = ?"
            params.append(direction.value)
        rows = self._query(sql + " ORDER BY scanned_at DESC LIMIT 1", params)
        return rows[0] if rows else None

    def entries(self, since: datetime | None = None, until: datetime | None = None,
                search: str | None = None, limit: int | None = None) -> list[Entry]:
        """Newest first. `search` matches the masked name, tagged person key, format or station."""
        sql, params = "SELECT * FROM entries WHERE 1=1", []
        if since is not None:
            sql += " AND scanned_at >= ?"
            params.append(format_utc(since))
        if until is not None:
            sql += " AND scanned_at < ?"
            params.append(format_utc(until))
        if search:
            sql += " AND (display_name LIKE ? OR person_key LIKE ? OR format LIKE ? OR station LIKE ?)"
            params += [f"%{search}%"] * 4
        sql += " ORDER BY scanned_at DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return self._query(sql, params)

    def iter_entries(self, since: datetime | None = None) -> Iterator[Entry]:
        """Oldest first, a page at a time (for exports). Pages continue after the last entry read, so a
        purge running meanwhile cannot make the export skip any."""
        after = (format_utc(since) if since else "", "")
        while True:
            sql = ("SELECT * FROM entries WHERE (scanned_at, id) > (?, ?) "
                   "ORDER BY scanned_at, id LIMIT 1000")
            batch = self._query(sql, list(after))
            yield from batch
            if len(batch) < 1000:
                return
            after = (format_utc(batch[-1].scanned_at), batch[-1].id)

    def counts(self, day_start: datetime, unsaved: Sequence[Entry] = ()) -> DayCounts:
        """People inside now (their latest admitted entry since `day_start` is an entry) and checked in since
        then, counted by person (kiosk.head_count: keys linked for certain are one person). `unsaved` are door
        entries the disk refused, kept in the station's memory: they count as if they were stored."""
        counted = head_count(*self._passages(day_start, None, unsaved))
        return DayCounts(inside=counted.inside, today=counted.today)

    def came_in(self, keys: Sequence[str], since: datetime, unsaved: Sequence[Entry] = ()) -> bool:
        """Whether the person of these tagged keys (and of the keys linked to them) is inside: their latest
        admitted entry since `since`, on disk or in `unsaved`, is an entry."""
        passages, links = self._passages(since, keys, unsaved)
        return came_in(keys, passages, links)

    def _passages(self, since: datetime, keys: Sequence[str] | None,
                  unsaved: Sequence[Entry]) -> tuple[list[Passage], list[tuple[str, str]]]:
        """The admitted entries since `since` (of everyone, or of `keys` and the keys linked to them) and the
        links a count needs: those of their keys, and those of the keys these link to (to see which are
        contested); the entries in `unsaved` (clear keys) are tagged and added."""
        tag = self.seal.tag
        extra = [Passage(tag(entry.person_key), entry.direction, entry.scanned_at) for entry in unsaved
                 if entry.verdict is not Outcome.REFUSE and entry.scanned_at >= since]
        extra_links = [(tag(entry.person_key), tag(entry.linked_key)) for entry in unsaved
                       if entry.person_key and entry.linked_key]
        moment = format_utc(since)
        near = json.dumps(sorted({*(keys or ()), *(passage.person_key for passage in extra)}))
        day = ("SELECT DISTINCT person_key FROM entries WHERE scanned_at >= :since AND verdict != 'refuse' "
               "UNION SELECT value FROM json_each(:near)" if keys is None else "SELECT value FROM json_each(:near)")
        links_sql = f"""
            WITH day(k) AS ({day}),
            near(a, b) AS (SELECT l.a, l.b FROM day JOIN person_links l ON l.a = day.k
                           UNION SELECT l.a, l.b FROM day JOIN person_links l ON l.b = day.k)
            SELECT a, b FROM near
            UNION SELECT l.a, l.b FROM near JOIN person_links l ON l.a = near.a
            UNION SELECT l.a, l.b FROM near JOIN person_links l ON l.b = near.b"""

        def read() -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
            links = [(a, b) for a, b in self._connection.execute(links_sql, {"since": moment, "near": near})]
            if keys is None:
                rows = self._connection.execute(
                    "SELECT person_key, direction, scanned_at FROM entries WHERE scanned_at >= ? "
                    "AND verdict != 'refuse' ORDER BY scanned_at", [moment]).fetchall()
            else:
                theirs = json.dumps(sorted({*keys, *(key for link in links + extra_links for key in link)}))
                rows = self._connection.execute(
                    "SELECT person_key, direction, scanned_at FROM entries WHERE person_key IN "
                    "(SELECT value FROM json_each(?)) AND scanned_at >= ? AND verdict != 'refuse' "
                    "ORDER BY scanned_at", [theirs, moment]).fetchall()
            return rows, links
        rows, links = self._run(read)
        # format_utc's times, which datetime reads as they are: a busy day has thousands of rows.
        stored = [Passage(key, _DIRECTIONS[direction], datetime.fromisoformat(at)) for key, direction, at in rows]
        return stored + extra, links + extra_links

    def purge(self, older_than: datetime) -> int:
        """Delete entries scanned before the cut-off (the retention period), with their rejections and holds,
        and the visits, links, closures and trace records as old as they are."""
        cutoff = format_utc(older_than)

        def delete() -> int:
            with self._transaction():
                self._visits.purge(older_than)
                for table in ("rejected", "held"):
                    self._connection.execute(
                        f"DELETE FROM {table} WHERE entry_id IN (SELECT id FROM entries WHERE scanned_at < ?)",
                        [cutoff])
                return self._connection.execute("DELETE FROM entries WHERE scanned_at < ?", [cutoff]).rowcount
        removed = self._run(delete)
        if removed:
            self._run(lambda: self._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)"))
        return removed

    # --- visits (kiosk.visit_log) ----------------------------------------------------------------

    @property
    def visit_rules(self) -> VisitRules:
        return self._visits.rules

    def use_visit_rules(self, rules: VisitRules) -> None:
        """The rules the station's settings give, for the visits built from now on."""
        with self._lock:
            self._visits.rules = rules

    def rebuild_visits(self) -> int:
        """Build every visit again from the entries kept (after a bulk load); returns how many there are."""
        def rebuild() -> int:
            with self._transaction():
                return self._visits.rebuild_all()
        return self._run(rebuild)

    def close_open_visits(self, at: datetime) -> int:
        """The operator's "close all open visits": they end at `at`. Returns how many were open."""
        def close() -> int:
            with self._transaction():
                return self._visits.close_open(at)
        return self._run(close)

    def person_links(self, keys: Sequence[str]) -> list[tuple[str, str]]:
        """The links a trace of these keys follows (kiosk.visit_log.VisitLog.links_around)."""
        return self._run(lambda: self._visits.links_around(keys))

    def visits_of(self, keys: Sequence[str], since: datetime, until: datetime) -> list[Visit]:
        return self._run(lambda: self._visits.visits_of(keys, since, until))

    def visits_starting(self, start_from: datetime, start_before: datetime, end_after: datetime) -> list[Visit]:
        return self._run(lambda: self._visits.visits_starting(start_from, start_before, end_after))

    @contextmanager
    def overlapping_visits(self) -> Iterator[Candidates]:
        """For the length of the `with`: a kiosk.tracing.overlap.Candidates function streaming the visits
        that overlap a case visit (VisitLog.overlapping). The store stays locked meanwhile, so that no other
        thread's statement runs between the reads of its cursors."""
        with self._lock:
            try:
                yield self._visits.overlapping
            except sqlite3.Error as error:
                _raise_for(error, self.path)

    def record_trace(self, record: TraceRecord) -> None:
        def write() -> None:
            with self._transaction():
                self._visits.record_trace(record)
        self._run(write)

    def traces(self) -> list[TraceRecord]:
        """The audit of the traces made at this kiosk, oldest first."""
        return self._run(self._visits.traces)

    # --- sync queue ----------------------------------------------------------------------------

    def pending(self, limit: int) -> list[Entry]:
        sql = "SELECT * FROM entries WHERE sync_state = 'pending' ORDER BY scanned_at, id LIMIT ?"
        return self._query(sql, [limit])

    def pending_count(self) -> int:
        return self._run(lambda: self._connection.execute(
            "SELECT COUNT(*) FROM entries WHERE sync_state = 'pending'").fetchone()[0])

    def oldest_pending(self) -> datetime | None:
        """When the oldest entry still waiting was scanned (one step down the (sync_state, scanned_at) index)."""
        text = self._run(lambda: self._connection.execute(
            "SELECT MIN(scanned_at) FROM entries WHERE sync_state = 'pending'").fetchone()[0])
        return parse_utc(text) if text else None

    def keys_boxes(self, ids: Sequence[str]) -> dict[str, bytes]:
        """The boxes of these entries' clear keys (kiosk.person_seal.StoredEntry.keys_box), for the upload;
        an entry synced meanwhile (by another process) has none any more and is left out."""
        rows = self._run(lambda: self._connection.execute(
            "SELECT id, keys_box FROM entries WHERE keys_box IS NOT NULL AND id IN (SELECT value FROM json_each(?))",
            [json.dumps(list(ids))]).fetchall())
        return {entry_id: box for entry_id, box in rows}

    def mark_synced(self, ids: Iterable[str]) -> None:
        """The server has these entries (accepted, or had them already): what the kiosk kept only to send
        them goes, the box of their clear keys and a "local" box of their fields (the server sealed those
        on arrival). Fields sealed to the authority stay, as on the server: only the authority opens them."""
        now = format_utc(utc_now())
        rows = [(now, entry_id) for entry_id in ids]

        def update() -> None:
            with self._transaction():
                self._connection.executemany(
                    "UPDATE entries SET sync_state = 'synced', synced_at = ?, keys_box = NULL, "
                    f"sealed = CASE sealed_kid WHEN '{LOCAL_KID}' THEN NULL ELSE sealed END, "
                    f"sealed_kid = CASE sealed_kid WHEN '{LOCAL_KID}' THEN '' ELSE sealed_kid END WHERE id = ?", rows)
                self._connection.executemany("DELETE FROM held WHERE entry_id = ?", [row[1:] for row in rows])
        self._run(update)

    def mark_rejected(self, entry_id: str, reason: str) -> None:
        """The server refused the entry for good: it leaves the queue and is kept, with why, for the admin."""
        now = format_utc(utc_now())

        def update() -> None:
            with self._transaction():
                self._connection.execute("UPDATE entries SET sync_state = 'rejected' WHERE id = ?", [entry_id])
                self._connection.execute("DELETE FROM held WHERE entry_id = ?", [entry_id])
                self._connection.execute(
                    "INSERT OR REPLACE INTO rejected (entry_id, reason, rejected_at) VALUES (?, ?, ?)",
                    [entry_id, reason, now])
        self._run(update)

    def mark_held(self, entry_id: str, reason: str, at: datetime, retry_at: datetime) -> int:
        """The server failed on this entry alone: it leaves the queue, kept with why and when to try again.
        Holding an entry that is held already counts one more attempt. Returns the attempts so far."""

        def update() -> int:
            with self._transaction():
                self._connection.execute("UPDATE entries SET sync_state = 'held' WHERE id = ?", [entry_id])
                return self._connection.execute(
                    "INSERT INTO held (entry_id, reason, held_at, attempts, retry_at) VALUES (?, ?, ?, 1, ?) "
                    "ON CONFLICT (entry_id) DO UPDATE SET reason = excluded.reason, "
                    "attempts = held.attempts + 1, retry_at = excluded.retry_at RETURNING attempts",
                    [entry_id, reason, format_utc(at), format_utc(retry_at)]).fetchall()[0][0]
        return self._run(update)

    def held(self, due_at: datetime | None = None, limit: int | None = None) -> list[HeldEntry]:
        """Held entries, oldest hold first; with `due_at`, only those whose retry time has come."""
        sql = ("SELECT e.*, h.reason AS held_reason, h.held_at, h.attempts, h.retry_at FROM held h "
               "JOIN entries e ON e.id = h.entry_id")
        params: list[Any] = []
        if due_at is not None:
            sql += " WHERE h.retry_at <= ?"
            params.append(format_utc(due_at))
        sql += " ORDER BY h.held_at, e.scanned_at"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [HeldEntry(_entry(r), r["held_reason"], parse_utc(r["held_at"]), r["attempts"],
                          parse_utc(r["retry_at"])) for r in self._records(sql, params)]

    def held_count(self) -> int:
        return self._run(lambda: self._connection.execute("SELECT COUNT(*) FROM held").fetchone()[0])

    def rejected(self) -> list[RejectedEntry]:
        records = self._records("SELECT e.*, r.reason AS rejection, r.rejected_at FROM rejected r "
                                "JOIN entries e ON e.id = r.entry_id ORDER BY r.rejected_at", [])
        return [RejectedEntry(_entry(r), r["rejection"], parse_utc(r["rejected_at"])) for r in records]

    # --- small key/value state and the export audit ----------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._run(lambda: self._connection.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone())
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        def write() -> None:
            with self._transaction():
                self._connection.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value])
        self._run(write)

    def record_export(self, path: str, count: int, who: str) -> None:
        def write() -> None:
            with self._transaction():
                self._db["exports"].insert({"exported_at": format_utc(utc_now()),
                                            "path": path, "count": count, "who": who})
        self._run(write)

    def exports(self) -> list[ExportRecord]:
        rows = self._run(lambda: self._connection.execute(
            "SELECT exported_at, path, count, who FROM exports ORDER BY id").fetchall())
        return [ExportRecord(parse_utc(at), path, count, who) for at, path, count, who in rows]

    def _query(self, sql: str, params: list[Any]) -> list[Entry]:
        return [_entry(record) for record in self._records(sql, params)]

    def _records(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        return self._run(lambda: _records(self._connection, sql, params))


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, so that concurrent writers queue instead of failing half-way."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def __enter__(self) -> None:
        self._connection.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        try:
            if exc_type is None:
                self._connection.execute("COMMIT")
        finally:
            # After a failed statement or COMMIT; SQLite may already have rolled back (disk full).
            if self._connection.in_transaction:
                self._connection.execute("ROLLBACK")


_DIRECTIONS = {direction.value: direction for direction in Direction}


def _records(connection: sqlite3.Connection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = connection.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


# `person_key` and `linked_key` hold tagged keys; `keys_box` the clear ones under the station's box key,
# `sealed` the fields sealed to the authority key `sealed_kid` (or boxed, kid "local"); see kiosk.person_seal.
_ENTRY_COLUMNS = ("id", "scanned_at", "station", "direction", "source", "format", "person_key", "linked_key",
                  "display_name", "keys_box", "sealed", "sealed_kid", "verdict", "reasons", "sync_state")
# Plain SQL on the door's hot path: sqlite-utils' insert() looks the table up in sqlite_master each time.
_INSERT_ENTRY = (f"INSERT INTO entries ({', '.join(_ENTRY_COLUMNS)}) "
                 f"VALUES ({', '.join(':' + column for column in _ENTRY_COLUMNS)})")


def _row(stored: StoredEntry) -> dict[str, Any]:
    data = stored.entry.to_json()
    del data["fields"]  # empty: the fields are in `sealed`
    data["sealed"] = base64.b64decode(data["sealed"]) if data["sealed"] else None
    data["keys_box"] = stored.keys_box
    data["reasons"] = json.dumps(data["reasons"], ensure_ascii=False)
    data["sync_state"] = "pending"
    return data


def _entry(row: dict[str, Any]) -> Entry:
    """Rows were checked on the way in: rebuild the entry without validating every field again. A row of
    schema 4 (read by the migration to 5) has clear keys and its `fields`."""
    return Entry(
        id=row["id"], scanned_at=parse_utc(row["scanned_at"]), station=row["station"],
        direction=Direction(row["direction"]), source=Source(row["source"]), format=row["format"],
        person_key=row["person_key"], linked_key=row.get("linked_key") or "", display_name=row["display_name"] or "",
        sealed=base64.b64encode(row["sealed"]).decode("ascii") if row.get("sealed") else "",
        sealed_kid=row.get("sealed_kid") or "", fields=json.loads(row.get("fields") or "{}"),
        verdict=Outcome(row["verdict"]), reasons=tuple(Reason.from_json(r) for r in json.loads(row["reasons"] or "[]")),
    )
