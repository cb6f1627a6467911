"""Entries the server stored with both sentences become a code with parameters (revision 0005), on SQLite
and PostgreSQL, and still read the same in both languages."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import sqlalchemy as sa

from kiosk.messages import Message
from schema_0009 import migrate_to, old_entries
from server.database import make_engine, writing
from server.tables import stations

OLD_REASONS = [
    {"code": "policy.capacity", "vi": "Đã đủ người: 12/12 đang ở bên trong", "en": "Full: 12 of 12 people inside"},
    {"code": "hd1.expired", "vi": "Tờ khai y tế đã hết hạn — đề nghị khai báo lại",
     "en": "Health declaration has expired — ask for a new one"},
    {"code": "test.note", "vi": "Ghi chú thử", "en": "Test note"},
]


def _reasons(engine: sa.Engine) -> list[dict]:
    with engine.connect() as connection:
        return list(connection.execute(sa.select(old_entries.c.reasons)).scalars())


def test_reasons_stored_before_the_catalogue_become_codes_and_read_the_same(database_url):
    engine = make_engine(database_url)
    try:
        migrate_to(engine, "0004")
        now = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
        with writing(engine) as connection:
            station = connection.execute(stations.insert().values(
                name="Cổng A", token_hash="0" * 64, created_at=now).returning(stations.c.id)).scalar_one()
            connection.execute(old_entries.insert().values(
                id=uuid.uuid4(), station_id=station, scanned_at=now, received_at=now, location="Sảnh A",
                direction="in", source="camera", format="vn-qr", person_key="qid:162900000000000042",
                display_name="NGUYEN V** A*", fields={}, verdict="warn", reasons=OLD_REASONS))

        migrate_to(engine, "0005")
        [stored] = _reasons(engine)
        assert stored == [{"code": "policy.capacity", "params": {"capacity": "12", "inside": "12"}},
                          {"code": "hd1.expired", "params": {}},
                          {"code": "test.note", "params": {"vi": "Ghi chú thử", "en": "Test note"}}]
        for lang in ("vi", "en"):
            assert [Message.from_json(r).text(lang) for r in stored] == [r[lang] for r in OLD_REASONS]

        migrate_to(engine, "0004", down=True)
        assert _reasons(engine) == [OLD_REASONS]
    finally:
        engine.dispose()
