"""The server's tables (SQLAlchemy Core). The migrations in server/migrations create them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

JsonValue = sa.JSON().with_variant(JSONB(), "postgresql")
Moment = sa.DateTime(timezone=True)

stations = sa.Table(
    "stations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("location", sa.String(200), nullable=False, server_default=""),
    # sha256 of the bearer token: the token itself is shown once and never stored.
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", Moment, nullable=False),
    sa.Column("revoked_at", Moment),
    sa.Column("last_contact_at", Moment),
    # What the kiosk said at its last contact: entries still waiting, and its clock minus ours.
    sa.Column("reported_queue", sa.Integer),
    sa.Column("clock_offset_seconds", sa.Float),
    # The kiosk's oldest waiting entry at its last contact (its clock; NULL: nothing waiting or not said),
    # and when the server last stored a batch of it: together they show a queue that is not draining.
    sa.Column("queue_oldest_at", Moment),
    sa.Column("last_upload_at", Moment),
)

# On PostgreSQL partitioned by month of scanned_at (server/partitions.py), so the primary key must hold
# scanned_at too; ingest still stores each id once (server/ingest.py). SQLite keeps id alone as its key.
# No personal data in clear (migration 0010): `person_key` and `linked_key` hold tagged keys
# (kiosk.sealing.tags.tagged_key under the server's "person-tag" secret), and the personal fields are
# `sealed` to the health authority's key of the week (`sealed_kid` "<fingerprint>/<week>"), or, while no
# authority key covers the week, boxed under the server's "pending-box" secret (`sealed_kid` "local") until
# server.sealing_store.reseal_pending seals them. An entry with nothing personal (a refusal) has neither.
entries = sa.Table(
    "entries",
    metadata,
    sa.Column("id", sa.Uuid, nullable=False),
    sa.Column("station_id", sa.Integer, sa.ForeignKey("stations.id"), nullable=False),
    # The kiosk's clock at the scan, never corrected; the server's clock on arrival, separately.
    sa.Column("scanned_at", Moment, nullable=False),
    sa.Column("received_at", Moment, nullable=False),
    sa.Column("location", sa.String(200), nullable=False),
    sa.Column("direction", sa.String(8), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("format", sa.String(64), nullable=False),
    sa.Column("person_key", sa.String(256), nullable=False),  # tagged; "" for a refusal
    sa.Column("display_name", sa.String(256), nullable=False),  # masked, as the door showed it
    sa.Column("verdict", sa.String(8), nullable=False),
    sa.Column("reasons", JsonValue, nullable=False),
    sa.Column("linked_key", sa.String(256)),  # tagged: the key this entry proves linked to person_key
    sa.Column("sealed", sa.LargeBinary),
    sa.Column("sealed_kid", sa.String(64)),
    sa.PrimaryKeyConstraint("id", "scanned_at", name="entries_pkey"),
    sa.Index("ix_entries_scanned_at", "scanned_at"),
    sa.Index("ix_entries_station_scanned", "station_id", "scanned_at"),
    sa.Index("ix_entries_person_scanned", "person_key", "scanned_at"),  # a person's entries by time (tracing)
    postgresql_partition_by="RANGE (scanned_at)",
)

admins = sa.Table(
    "admins",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(100), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("created_at", Moment, nullable=False),
    sa.Column("role", sa.String(16), nullable=False, server_default="admin"),  # server.roles.Role
)

# The locations a site administrator (role "site") may see.
admin_sites = sa.Table(
    "admin_sites",
    metadata,
    sa.Column("admin_id", sa.Integer, sa.ForeignKey("admins.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("location", sa.String(200), primary_key=True),
)

sessions = sa.Table(
    "admin_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("admin_id", sa.Integer, sa.ForeignKey("admins.id", ondelete="CASCADE"), nullable=False),
    sa.Column("expires_at", Moment, nullable=False),
)

# Bearer tokens of the API for the health authority (server.api_auth): sha256 only, like station tokens.
admin_tokens = sa.Table(
    "admin_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("admin_id", sa.Integer, sa.ForeignKey("admins.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", Moment, nullable=False),
    sa.Column("revoked_at", Moment),
    sa.Index("ix_admin_tokens_admin", "admin_id"),
)

# Settings pushed to kiosks: station_id NULL is the default for every station, a row with a station wins.
station_settings = sa.Table(
    "station_settings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("station_id", sa.Integer, sa.ForeignKey("stations.id", ondelete="CASCADE")),
    sa.Column("key", sa.String(100), nullable=False),
    sa.Column("value", JsonValue, nullable=False),
    sa.UniqueConstraint("station_id", "key", name="uq_station_settings_station_key"),
)

# The watch list, with nothing a copy of the database or a station could read a person or a note from.
# person_key is the server's tagged key (kiosk.sealing.tags.tagged_key under secret_keys "person-tag"), so
# an entry is found again by typing its key; `masked` is what `watch list` shows. The note is sealed to the
# health authority (note_kid "<fingerprint>/<week>"), or, for a row converted before any authority key was
# published, boxed under the server's "pending-box" secret (note_kid "local") until one is.
watch_list = sa.Table(
    "watch_list",
    metadata,
    sa.Column("person_key", sa.String(256), primary_key=True),
    sa.Column("masked", sa.String(64), nullable=False),
    sa.Column("action", sa.String(8), nullable=False),
    sa.Column("added_at", Moment, nullable=False),
    sa.Column("until", Moment, nullable=False),
    sa.Column("note_sealed", sa.LargeBinary),
    sa.Column("note_kid", sa.String(64)),
)

# A watch-list entry as the doors of one week see it: its tag under that week's key (kiosk.sealing.tags
# watch_tag, watch_week_key of the "watch-root" secret) and its note closed to that person's key
# (seal_note, hex, "" for none). Computed when the entry is added, so the clear key is not needed again;
# a station gets the rows of this week and the next (server.station_config.watch_for).
watch_tags = sa.Table(
    "watch_tags",
    metadata,
    sa.Column("person_key", sa.String(256), sa.ForeignKey("watch_list.person_key", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("week", sa.String(8), primary_key=True),
    sa.Column("tag", sa.String(32), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Index("ix_watch_tags_week", "week"),
)

# Every declaration the server signed (kiosk-server issue, /declare), so it can be found and revoked per
# person. No personal data in clear: the ID number is kept only as a keyed tag (server/declarations/ledger.py),
# and what was declared only sealed to the health authority (NULL when no authority key was published).
issued_declarations = sa.Table(
    "issued_declarations",
    metadata,
    sa.Column("cti", sa.String(32), primary_key=True),     # hex
    sa.Column("kid", sa.String(32), nullable=False),       # hex
    sa.Column("person_tag", sa.String(64), nullable=False),  # HMAC-SHA256 of the ID number, hex
    sa.Column("issued_at", Moment, nullable=False),
    sa.Column("expires_at", Moment, nullable=False),
    sa.Column("revoked_at", Moment),
    sa.Column("sealed", sa.LargeBinary),  # kiosk.sealing.seal box of the declaration, bound to "hd1:<cti>"
    sa.Column("sealed_kid", sa.String(64)),
    sa.Index("ix_issued_declarations_person_tag", "person_tag"),
)

# A station's earlier names (`kiosk-server station rename`): entries a kiosk queued under one of them are
# still that station's own. Compared after NFC normalisation and case folding (server.stations.name_key).
station_former_names = sa.Table(
    "station_former_names",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("station_id", sa.Integer, sa.ForeignKey("stations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("renamed_at", Moment, nullable=False),
    sa.Index("ix_station_former_names_station", "station_id"),
)

# Failed logins per user name and per client address (as SHA-256 of the key, not the key itself), for the
# back-off of server.admins; shared by every server process.
login_throttle = sa.Table(
    "login_throttle",
    metadata,
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure_at", Moment, nullable=False),
    sa.Column("locked_until", Moment),
)

# --- Contact tracing (server.tracing) ----------------------------------------------------------------------

# A location's rules for ending a visit nobody scanned out of. A location without a row has the defaults of
# kiosk.tracing.visits (a 2-hour stay, no closing time).
locations = sa.Table(
    "locations",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("default_stay_minutes", sa.Integer, nullable=False),
    sa.Column("closing_time", sa.String(5)),  # "HH:MM" in the server's time zone; NULL: none
)

# One presence interval of a person at a location, built from scans by server.tracing.builder: the entry
# that opened it is its key; `person_key` is a tagged key, as in entries. On PostgreSQL a GiST index on (location, tstzrange(started_at, ended_at, '[)'))
# finds overlaps (migration 0009); the B-tree on (location, started_at) does the same bounded by MAX_STAY.
visits = sa.Table(
    "visits",
    metadata,
    sa.Column("entry_id", sa.Uuid, primary_key=True),
    sa.Column("person_key", sa.String(256), nullable=False),
    sa.Column("location", sa.String(200), nullable=False),
    sa.Column("station_id", sa.Integer, nullable=False),
    sa.Column("started_at", Moment, nullable=False),
    sa.Column("ended_at", Moment, nullable=False),
    sa.Column("end_reason", sa.String(16), nullable=False),  # kiosk.tracing.visits.EndReason
    sa.Column("exit_id", sa.Uuid),
    sa.Column("display_name", sa.String(256), nullable=False),  # masked, as the door stored it
    sa.Index("ix_visits_location_started", "location", "started_at",
             postgresql_include=["ended_at", "person_key"]),
    sa.Index("ix_visits_person_started", "person_key", "started_at"),
)

# "Close all open visits" at a location, as an operator asked (kiosk-server visits close).
visit_closures = sa.Table(
    "visit_closures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("location", sa.String(200), nullable=False),
    sa.Column("at", Moment, nullable=False),
    sa.Index("ix_visit_closures_location_at", "location", "at"),
)

# Two keys of one person, proved by an entry (kiosk.tracing.identity.link_of): a QID and an ID number, both
# tagged keys (entries.person_key and entries.linked_key).
person_links = sa.Table(
    "person_links",
    metadata,
    sa.Column("a", sa.String(256), primary_key=True),
    sa.Column("b", sa.String(256), primary_key=True),
    sa.Column("seen_at", Moment, nullable=False),  # the latest entry that showed the link
    sa.Index("ix_person_links_b", "b"),
)

# Stored entries whose person (a tagged key) has visits still to be rebuilt; filled at ingest, emptied by
# the builder.
# No index but the key: ingest must stay fast.
visit_queue = sa.Table(
    "visit_queue",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), sa.Identity(), primary_key=True),
    sa.Column("person_key", sa.String(256), nullable=False),
    sa.Column("scanned_at", Moment, nullable=False),
)

# Every trace asked, refused ones excepted: who, as what, through what, for which case. The person is kept
# masked and as a keyed tag (server.declarations.ledger), never in clear.
trace_audit = sa.Table(
    "trace_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("asked_at", Moment, nullable=False),
    sa.Column("asked_by", sa.String(100), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("via", sa.String(16), nullable=False),  # cli, api or dashboard
    sa.Column("searched", sa.String(256), nullable=False),  # masked
    # The first key searched as the server stores it ("cccd:#3f2a…"); rows written before 0010: an HMAC.
    sa.Column("person_tag", sa.String(64), nullable=False),
    sa.Column("case_number", sa.String(100), nullable=False),
    sa.Column("since", Moment, nullable=False),
    sa.Column("until", Moment, nullable=False),
    sa.Column("min_minutes", sa.Float, nullable=False),
    sa.Column("padding", sa.Boolean, nullable=False),
    sa.Column("contacts", sa.Integer, nullable=False),
)

# Every time the authority's private key opened entries (kiosk-server trace --key), written before anything
# opened was shown: when, who (the OS user or --as), for which case, which entries, how many.
unseal_audit = sa.Table(
    "unseal_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("unsealed_at", Moment, nullable=False),
    sa.Column("unsealed_by", sa.String(100), nullable=False),
    sa.Column("case_number", sa.String(100), nullable=False),
    sa.Column("entry_ids", JsonValue, nullable=False),  # the entries' ids, as text
    sa.Column("count", sa.Integer, nullable=False),
)

# Meetings, conferences and trainings (server/meetings, docs/meetings.md). An event has sessions (each
# checked in at the stations named for it) and participants. A participant's name, organisation and group
# are kept in clear: the organiser prints them on badges and hands them in with the report. Their ID
# number and phone are not: `person_keys` holds their tagged keys (the "person-tag" secret, as entries'
# person_key), `door` the roster the stations get (door tag → closed card, kiosk.meetings.roster), and the
# hints show the numbers masked.
events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", Moment, nullable=False),
    # What the door says to someone not on the list, and outside the session's hours: "warn" or "refuse".
    sa.Column("not_listed", sa.String(8), nullable=False, server_default="warn"),
    sa.Column("outside_hours", sa.String(8), nullable=False, server_default="warn"),
    # The station opens a session this long before its start; an arrival after start + late_after is late;
    # a last exit before end - early_leave (without coming back) is leaving early.
    sa.Column("opens_before_minutes", sa.Integer, nullable=False, server_default="30"),
    sa.Column("late_after_minutes", sa.Integer, nullable=False, server_default="10"),
    sa.Column("early_leave_minutes", sa.Integer, nullable=False, server_default="10"),
)

event_sessions = sa.Table(
    "event_sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("room", sa.String(200), nullable=False, server_default=""),
    sa.Column("starts_at", Moment, nullable=False),
    sa.Column("ends_at", Moment, nullable=False),
    sa.UniqueConstraint("event_id", "name", name="uq_event_sessions_event_name"),
)

event_session_stations = sa.Table(
    "event_session_stations",
    metadata,
    sa.Column("session_id", sa.Integer, sa.ForeignKey("event_sessions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("station_id", sa.Integer, sa.ForeignKey("stations.id"), primary_key=True),
    sa.Index("ix_event_session_stations_station", "station_id"),
)

participants = sa.Table(
    "participants",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),  # random hex (kiosk.meetings.keys.PARTICIPANT_ID)
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("organisation", sa.String(200), nullable=False, server_default=""),
    sa.Column("group_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("id_hint", sa.String(16), nullable=False, server_default=""),  # masked
    sa.Column("phone_hint", sa.String(16), nullable=False, server_default=""),  # masked
    # What recognises the same participant in a later import: the tagged key of the ID number, else of
    # the phone, else a tag of the name and organisation.
    sa.Column("match_key", sa.String(256), nullable=False),
    sa.Column("person_keys", JsonValue, nullable=False),  # tagged keys: ID number, phone, badge
    sa.Column("door", JsonValue, nullable=False),  # {door tag: closed card}
    sa.Column("source", sa.String(16), nullable=False),  # "import", "manual" (one by one) or "door"
    sa.Column("created_at", Moment, nullable=False),
    sa.Column("updated_at", Moment, nullable=False),
    sa.UniqueConstraint("event_id", "match_key", name="uq_participants_event_match"),
)

# Every badge issued: its code's id (cti) for revocation, and until when it verifies.
badges = sa.Table(
    "badges",
    metadata,
    sa.Column("cti", sa.String(64), primary_key=True),  # hex
    sa.Column("participant_id", sa.String(16), sa.ForeignKey("participants.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("issued_at", Moment, nullable=False),
    sa.Column("expires_at", Moment, nullable=False),
    sa.Column("revoked_at", Moment),
)
