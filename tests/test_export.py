"""The CSV export for the health authority: complete, audited, and never half a file."""

import csv

import pytest

from factories import make_entry
from kiosk.export import ExportError, export_csv
from kiosk.store import Store
from kiosk.tracing.masking import mask_person_key


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "entries.sqlite3") as opened:
        yield opened


def test_every_entry_is_exported_oldest_first_and_the_export_is_audited(store, tmp_path):
    entries = [make_entry(n) for n in range(2500)]  # more than one page
    store.add_many(reversed(entries))
    out = tmp_path / "export.csv"
    assert export_csv(store, out, who="admin") == 2500
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [row["id"] for row in rows] == [entry.id for entry in entries]
    assert (rows[0]["person_key"], rows[0]["name"]) == (mask_person_key(store.seal.tag(entries[0].person_key)),
                                                        "NGUYEN V** A*")
    assert "0912345678" not in out.read_text(encoding="utf-8-sig")  # masked only: no fields
    [audit] = store.exports()
    assert (audit.path, audit.count, audit.who) == (str(out), 2500, "admin")


def test_an_export_that_cannot_be_written_leaves_nothing_behind(store, tmp_path):
    store.add(make_entry(0))
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="Cannot write"):
        export_csv(store, blocker / "export.csv", who="admin")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entries.sqlite3", "entries.sqlite3-shm",
                                                         "entries.sqlite3-wal", "not-a-folder"]
    assert store.exports() == []


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text(store, tmp_path):
    store.add(make_entry(0, station='=HYPERLINK("http://example.org","Cổng A")'))
    out = tmp_path / "export.csv"
    export_csv(store, out, who="admin")
    [row] = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert row["station"] == '\'=HYPERLINK("http://example.org","Cổng A")'
