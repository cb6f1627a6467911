"""The tracing benchmarks' synthetic data: deterministic, shaped like a province's doors, and checked against
an overlap computed pair by pair, which is also the shared tracing core's first test on realistic data."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bench.trace_data import (ScanRow, brute_force_contacts, count_visits, make_sites, pick_cases, rules_for,
                              synthetic_scans, to_scan)
from kiosk.tracing.identity import link_of
from kiosk.tracing.overlap import find_contacts
from kiosk.tracing.visits import EndReason, Visit, build_visits

ROOT = Path(__file__).resolve().parent.parent
VIETNAM_DAY = datetime(2026, 3, 2, tzinfo=timezone(timedelta(hours=7)))  # a Monday, 00:00 in Hà Nội
KEY_FORMS = {"qid": r"\d{18}", "cccd": r"\d{12}", "id": r"\d{9}", "bhyt": r"\d{10}"}
MASKED_NAME = re.compile(r"\w+( \w\.)+", re.UNICODE)


def scans(sites: int, people: int, days: int, seed: int = 1) -> tuple[list, list[ScanRow]]:
    places = make_sites(sites, seed)
    return places, list(synthetic_scans(places, people=people, days=days, start=VIETNAM_DAY, seed=seed))


@pytest.fixture(scope="module")
def town() -> tuple[list, list[ScanRow], list[Visit]]:
    """Ten sites, 600 people, three weeks: a few thousand visits."""
    places, rows = scans(10, 600, 21)
    return places, rows, build_visits(map(to_scan, rows), rules_for(places))


def test_the_same_seed_gives_the_same_scans_and_another_seed_others():
    assert scans(8, 300, 3, seed=5) == scans(8, 300, 3, seed=5)
    assert scans(8, 300, 3, seed=5)[1] != scans(8, 300, 3, seed=6)[1]


def test_scans_come_in_time_order_with_unique_ids(town):
    _, rows, _ = town
    assert all(a.scanned_at <= b.scanned_at for a, b in zip(rows, rows[1:]))
    assert [row.entry_id for row in rows] == sorted({row.entry_id for row in rows})
    assert all(row.scanned_at.utcoffset() == timedelta(0) for row in rows)


def test_scans_fall_in_their_sites_opening_hours(town):
    places, rows, _ = town
    hours = {site.location: (site.opens, site.closes) for site in places}
    for row in rows:
        local = row.scanned_at.astimezone(timezone(timedelta(hours=7))).time()
        opens, closes = hours[row.location]
        if row.direction == "in" and row.verdict != "refuse":
            assert opens <= local < closes, row


def test_days_with_a_clock_change_keep_scans_in_local_opening_hours():
    berlin = ZoneInfo("Europe/Berlin")  # summer time from 2026-03-29 02:00
    places = make_sites(6, seed=2)
    rows = list(synthetic_scans(places, people=400, days=3, start=datetime(2026, 3, 28, tzinfo=berlin),
                                seed=2, zone=berlin))
    hours = {site.location: (site.opens, site.closes) for site in places}
    entries = [row for row in rows if row.direction == "in" and row.verdict != "refuse"]
    assert {row.scanned_at.astimezone(berlin).utcoffset() for row in entries} == {timedelta(hours=1),
                                                                                  timedelta(hours=2)}
    for row in entries:
        opens, closes = hours[row.location]
        assert opens <= row.scanned_at.astimezone(berlin).time() < closes, row
    visits = build_visits(map(to_scan, rows), rules_for(places, zone=berlin))
    closed = [visit for visit in visits if visit.end_reason is EndReason.CLOSING_TIME]
    assert closed and all(visit.end.astimezone(berlin).time() == hours[visit.location][1] for visit in closed)


def test_person_keys_and_names_are_in_the_projects_forms(town):
    _, rows, _ = town
    kinds = Counter()
    for row in rows:
        if not row.person_key:
            assert row.verdict == "refuse" and row.display_name == ""
            continue
        kind, _, number = row.person_key.partition(":")
        kinds[kind] += 1
        assert re.fullmatch(KEY_FORMS[kind], number), row.person_key
        assert MASKED_NAME.fullmatch(row.display_name), row.display_name
    assert set(kinds) == set(KEY_FORMS)
    verdicts = Counter(row.verdict for row in rows)
    assert 0.005 < verdicts["refuse"] / len(rows) < 0.05 and verdicts["warn"] > 0
    assert sum(1 for row in rows if not row.person_key) > 0


def test_unmasked_national_codes_link_each_qid_to_one_id_number_its_holder_also_shows(town):
    _, rows, _ = town
    links = {link_of(row.format, row.person_key, row.fields or {}) for row in rows} - {None}
    masked = [row for row in rows if row.fields and row.fields["id_number_masked"]]
    assert links and masked
    assert all(link_of(row.format, row.person_key, row.fields) is None for row in masked)
    assert len({qid for qid, _ in links}) == len(links) == len({number for _, number in links}), "contested"
    keys = {row.person_key for row in rows}
    assert sum(1 for _, number in links if number in keys) > len(links) / 4  # the chip card, same person


def test_a_guard_at_the_gate_scans_hundreds_of_times():
    _, rows = scans(3, 200, 28)
    (_, count), = Counter(row.person_key for row in rows if row.person_key).most_common(1)
    assert count >= 200


def test_visits_end_every_way_but_by_an_operator(town):
    _, _, visits = town
    reasons = Counter(visit.end_reason for visit in visits)
    assert set(reasons) == set(EndReason) - {EndReason.OPERATOR}
    assert 3000 <= len(visits) <= 12000


def test_counting_day_by_day_gives_the_visits_of_the_whole_build(town):
    places, rows, visits = town
    count, reasons = count_visits(rows, places, VIETNAM_DAY, 21)
    assert count == len(rows)
    assert reasons == Counter(visit.end_reason.value for visit in visits)


def test_the_brute_force_overlap_itself():
    t = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)
    hour = timedelta(hours=1)

    def visit(key: str, start: datetime, end: datetime, location: str = "Hall") -> Visit:
        return Visit(f"{key}-{start:%H%M}", key, location, start, end, EndReason.DEFAULT_STAY)

    visits = [visit("case", t, t + hour), visit("b", t + hour / 2, t + 2 * hour),
              visit("c", t + hour, t + 2 * hour), visit("d", t, t + hour, "Elsewhere"),
              visit("e", t - hour, t + hour / 12)]
    assert brute_force_contacts({"case"}, visits) == [
        ("b", "Hall", t + hour / 2, t + hour), ("e", "Hall", t, t + hour / 12)]
    assert brute_force_contacts({"case"}, visits, min_minutes=10) == [("b", "Hall", t + hour / 2, t + hour)]
    # padded by min(stay, 30 min): "c", who came as the case left, is now a contact for 30 minutes
    assert ("c", "Hall", t + hour, t + 1.5 * hour) in brute_force_contacts({"case"}, visits, padding=True)


@pytest.mark.parametrize("min_minutes, padding", [(0, False), (10, False), (15, False), (0, True), (10, True)])
def test_the_core_finds_the_contacts_a_pair_by_pair_check_finds(town, min_minutes, padding):
    _, _, visits = town
    cases = pick_cases(visits, 20, seed=7)
    assert len(cases) == 20
    compared = 0
    for case in cases:
        own = [visit for visit in visits if visit.person_key == case]
        found = find_contacts(own, visits, case_keys={case}, min_minutes=min_minutes, padding=padding,
                              cap=10**6)
        expected = brute_force_contacts({case}, visits, min_minutes=min_minutes, padding=padding)
        assert sorted((c.person_key, c.location, c.start, c.end) for c in found.contacts) == expected, case
        assert found.total == len(expected) and not found.capped
        compared += len(expected)
    assert compared > 100


def test_the_guards_hundreds_of_visits_meet_everyone_and_the_list_says_it_is_capped(town):
    _, _, visits = town
    (guard, count), = Counter(visit.person_key for visit in visits).most_common(1)
    own = [visit for visit in visits if visit.person_key == guard]
    expected = brute_force_contacts({guard}, visits)
    found = find_contacts(own, visits, case_keys={guard}, cap=10**6)
    assert count >= 200 and len(expected) > 2000
    assert sorted((c.person_key, c.location, c.start, c.end) for c in found.contacts) == expected
    capped = find_contacts(own, visits, case_keys={guard})
    assert (capped.total, capped.capped, len(capped.contacts)) == (len(expected), True, 2000)


def test_cases_have_visits_on_fourteen_days_when_there_are_such_people(town):
    _, _, visits = town
    cases = pick_cases(visits, 20, seed=7)
    assert cases == pick_cases(visits, 20, seed=7) and len(set(cases)) == 20
    for case in cases:
        days = {visit.start.astimezone(timezone(timedelta(hours=7))).date()
                for visit in visits if visit.person_key == case}
        assert len(days) >= 14


def test_too_few_people_with_fourteen_days_gives_the_most_active():
    places, rows = scans(3, 100, 5)
    visits = build_visits(map(to_scan, rows), rules_for(places))
    cases = pick_cases(visits, 3, seed=1)
    per_person = Counter(visit.person_key for visit in visits)
    assert len(cases) == 3 and all(per_person[case] >= 5 for case in cases)


def test_the_command_counts_scans_and_visits():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "trace_data.py"), "--sites", "4", "--people",
                           "300", "--days", "3", "--count-only"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert re.search(r"scans\s+[\d,]+\s+generated: .* rows/s", done.stdout)
    assert re.search(r"visits\s+[\d,]+", done.stdout) and "ended by exit" in done.stdout
