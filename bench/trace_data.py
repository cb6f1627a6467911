"""Synthetic scans for the tracing benchmarks: a province's sites, its people, four weeks of doors.

    python bench/trace_data.py --sites 2000 --people 333000 --days 28 --count-only  # a province
    python bench/trace_data.py --sites 1 --people 45000 --days 28 --count-only      # one busy kiosk
    python bench/trace_data.py --sites 5 --people 200 --days 1 | head              # the rows, JSON lines

A province (seed 1): 6.6 M scans, 4.97 M visits (58% ended by the default stay, 22% by an exit, 12% by the
next scan, 8% by the closing time). One busy kiosk, a hospital: 1.01 M scans, 0.75 M visits. 100,000 to
140,000 rows a second of CPU on this machine (63 s for the province's scans, 7 s for the kiosk's), so 10 M
rows take under two minutes of CPU; building the visits with kiosk.tracing.visits.build_visits takes about
three times as long. The command prints wall and CPU time: on a busy machine they differ.

What is modelled, and why (each trait exercises a rule of kiosk.tracing.visits or a cost of a trace):
- Sites of five kinds with their own hours: markets open early (05:00-18:00), hospitals long (06:00-22:00),
  offices 07:30-17:30, schools 06:30-17:00, meeting halls run short sessions (08:00-17:00). The closing time
  is the location's "exit all at" and the default stay is the kind's usual stay, so visits end every way the
  rules allow. A site has one to six doors (stations); with three or more the last one is an exit door.
- Regulars (a quarter of the people: staff, vendors, teachers) come most working days to the same site
  (offices and schools on weekdays, hospitals and markets on any day) and scan out two times in three;
  some leave after the closing time (their exit is not believed), some go out for lunch at another site and
  come back (next scan elsewhere, re-entry). They are the cases with 14 days of visits a trace is timed on.
- One-off visitors (the rest) go out on about three days in ten, to one to four sites a day (a market, then
  a hospital...), and rarely scan out: their visits end at the default stay, the next site or the closing
  time, as forgotten exits do.
- A guard at the gate of every fiftieth site scans in ten to thirty times a day: hundreds of scans and a
  contact list that reaches the cap.
- Refusals (about 2%): some with a person key (an expired card), some with none (an unreadable code);
  warnings (about 3%) are admitted. A refused visitor often tries again a minute later and is let in.
- Person keys in the project's forms: `qid:` 18 digits (the national QR, half the people), `cccd:` 12
  digits (chip ID card or a declaration), `id:` 9 digits (a declaration with an old ID number), `bhyt:` 10
  digits (health-insurance card). Display names are masked as the doors store them ("Nguyễn V. A.", without
  accents in capitals from the national QR); every name and number is made up.
- Links: a QID holder sometimes shows the app unmasked (its `fields` name the ID number, so
  kiosk.tracing.identity.link_of gives a QID-ID link) and sometimes the chip ID card (the same person under
  `cccd:`); a masked code's fields give no link. No two people share a number, so no link is contested.
  Visits are built per key, so an exit scanned with the other document leaves the visit open, as at a door.

Rows come day by day, each day sorted by time, and every scan lies inside its local day's opening hours, so
the whole stream is sorted by `scanned_at` (ties in no particular order). Entry ids are UUID-shaped and
increase with time. The same arguments and seed give the same rows.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sys
import time as clock
from bisect import bisect_right
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from itertools import accumulate
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Collection, Iterable, Iterator, Mapping, Sequence
from zoneinfo import ZoneInfo

sys.path[:0] = [str(Path(__file__).resolve().parent.parent)]

from kiosk.contract import Direction  # noqa: E402
from kiosk.tracing.visits import LocationRules, Scan, Visit, build_visits, stay_from_minutes  # noqa: E402

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = timezone.utc


@dataclass(frozen=True)
class Site:
    name: str
    location: str
    stations: tuple[str, ...]
    opens: time
    closes: time
    default_stay_minutes: int
    kind: str  # office, hospital, market, school, meeting


@dataclass(frozen=True)
class ScanRow:
    entry_id: str
    station: str
    location: str
    person_key: str
    display_name: str
    scanned_at: datetime  # UTC
    direction: str  # "in" / "out"
    verdict: str  # "admit" / "warn" / "refuse"
    format: str
    fields: Mapping[str, Any] | None = None  # national QR only: what kiosk.tracing.identity.link_of reads


@dataclass(frozen=True)
class _Kind:
    label: str
    opens: time
    closes: time
    default_stay_minutes: int
    stations: tuple[int, int]  # fewest, most doors
    visitors: float  # how much a site of this kind draws visitors
    staff: float  # how many regulars work there
    every_day: bool  # open at weekends too
    stay: tuple[int, int]  # a visitor's stay, minutes


KINDS = {
    "hospital": _Kind("Bệnh viện", time(6), time(22), 120, (3, 6), 6.0, 4.0, True, (30, 180)),
    "market": _Kind("Chợ", time(5), time(18), 60, (2, 4), 4.0, 2.0, True, (15, 60)),
    "office": _Kind("Văn phòng", time(7, 30), time(17, 30), 240, (1, 3), 1.0, 3.0, False, (15, 90)),
    "school": _Kind("Trường", time(6, 30), time(17), 300, (1, 2), 0.4, 3.0, False, (10, 30)),
    "meeting": _Kind("Hội trường", time(8), time(17), 90, (1, 1), 1.5, 0.1, False, (60, 90)),
}
_KIND_SHARES = {"office": 0.4, "school": 0.2, "market": 0.15, "meeting": 0.15, "hospital": 0.1}
_SESSIONS = (8 * 60, 9 * 60 + 30, 13 * 60 + 30, 15 * 60)  # meeting sessions start, local minutes
_WARDS = ("Phường Bến Nghé", "Phường Tân Định", "Xã Tân Phú", "Phường 7", "Xã Bình Hưng", "Phường Hòa Bình")

REGULAR_SHARE = 0.25
REGULAR_DAY = 0.85  # chance a regular comes on a day the site works
REGULAR_EXIT = 0.65  # regulars scan out this often
REGULAR_LUNCH = 0.15  # ... and go out for lunch elsewhere this often
VISITOR_DAY = 0.3  # chance a visitor goes out on a given day
VISITOR_EXIT = 0.1
SITES_PER_TRIP = (1, 2, 3, 4)
SITES_PER_TRIP_CUMULATIVE = tuple(accumulate((55, 25, 13, 7)))
GUARD_EVERY = 50  # sites per guard
REFUSE = 0.02
REFUSE_NO_KEY = 0.35  # of refusals: no person key at all
RETRY = 0.6  # of refused people: try again a minute later and get in
WARN = 0.03

# A scan's credential: what the person showed.
_SHOWN, _UNMASKED, _CHIP, _NO_KEY = range(4)
# Person key forms and their shares.
_FORMS = ("qid", "cccd", "id", "bhyt")
_FORM_CUMULATIVE = tuple(accumulate((0.5, 0.3, 0.07, 0.13)))
_UNMASKED_SHARE = 0.2  # of a QID holder's scans with the national QR
_CHIP_SHARE = 0.15  # of a QID holder's scans: the chip ID card instead
_PROVINCES = ("001", "031", "048", "079", "092", "096")
_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
           "Dương", "Lý")
_MIDDLE = ("Văn", "Thị", "Đức", "Hữu", "Minh", "Ngọc", "Quốc", "Thanh", "Xuân", "Hoài")
_GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khánh", "Lan", "Mai", "Nam", "Phúc", "Quân", "Sơn", "Tâm",
          "Uyên", "Việt", "Yến", "Đạt", "Ánh", "Ơn")


class _Draw(random.Random):
    """random.Random with the few draws the generator makes millions of, a few times faster than randint."""

    def between(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def below(self, count: int) -> int:
        return int(self.random() * count)

    def pick(self, items: Sequence[Any]) -> Any:
        return items[int(self.random() * len(items))]

    def weighted(self, items: Sequence[Any], cumulative: Sequence[float]) -> Any:
        return items[min(bisect_right(cumulative, self.random() * cumulative[-1]), len(items) - 1)]


def make_sites(count: int, seed: int = 1) -> list[Site]:
    """`count` sites; the first is always a hospital (one busy kiosk is a hospital's waiting hall)."""
    rng = random.Random(f"sites-{seed}")
    kinds = list(_KIND_SHARES)
    sites = []
    for number in range(1, count + 1):
        kind = "hospital" if number == 1 else rng.choices(kinds, weights=list(_KIND_SHARES.values()))[0]
        spec = KINDS[kind]
        location = f"{spec.label} {rng.choice(_WARDS)} {number:04d}"
        doors = rng.randint(*spec.stations)
        stations = tuple(f"{location} · {'Lối ra' if doors >= 3 and door == doors else f'Cổng {door}'}"
                         for door in range(1, doors + 1))
        sites.append(Site(location, location, stations, spec.opens, spec.closes, spec.default_stay_minutes, kind))
    return sites


def rules_for(sites: Iterable[Site], *, zone: ZoneInfo = VIETNAM) -> Callable[[str], LocationRules]:
    """Each site's location rules: its kind's default stay and its closing time (local time in `zone`, as
    given to synthetic_scans); unknown locations: the defaults."""
    rules = {site.location: LocationRules(default_stay=stay_from_minutes(site.default_stay_minutes),
                                          closing_time=site.closes, zone=zone)
             for site in sites}
    fallback = LocationRules(zone=zone)
    return lambda location: rules.get(location, fallback)


def to_scan(row: ScanRow) -> Scan:
    """A row as kiosk.tracing.visits reads it."""
    return Scan(row.entry_id, row.person_key, row.location, row.scanned_at, Direction(row.direction),
                row.verdict != "refuse", row.display_name)


@dataclass(frozen=True)
class _Person:
    """What a scan records for each credential the person may show: usual, unmasked national QR, chip card."""
    keys: tuple[str, str, str]
    names: tuple[str, str, str]  # masked; the national QR's in capitals without accents
    formats: tuple[str, str, str]
    fields: tuple[Mapping[str, Any] | None, Mapping[str, Any] | None, None]
    national_qr: bool


class _Population:
    """The people, their credentials and their roles, made once per seed."""

    def __init__(self, sites: Sequence[Site], people: int, seed: int) -> None:
        rng = _Draw(f"people-{seed}")
        numbers = rng.sample(range(10**9), people)  # distinct, and each number below is made from one of them
        self.people = [_person(rng, number) for number in numbers]
        regulars = int(people * REGULAR_SHARE)
        staff_weights = [KINDS[site.kind].staff * rng.lognormvariate(0, 0.6) for site in sites]
        self.home = rng.choices(range(len(sites)), weights=staff_weights, k=regulars) if sites else []
        guards = min(regulars, max(1, len(sites) // GUARD_EVERY) if sites else 0)
        self.guards = {index: index * GUARD_EVERY for index in range(guards)}  # person: site
        for guard, site in self.guards.items():
            self.home[guard] = site
        self.visitors = range(regulars, people)
        draw = [KINDS[site.kind].visitors * rng.lognormvariate(0, 0.8) for site in sites]
        self.draw_cumulative = list(accumulate(draw))


def _person(rng: _Draw, number: int) -> _Person:
    family, middle, given = rng.pick(_FAMILY), rng.pick(_MIDDLE), rng.pick(_GIVEN)
    card_name = f"{family} {middle[0]}. {given[0]}."
    qr_name = _unaccented(card_name).upper()
    id_number = f"{rng.pick(_PROVINCES)}{number:09d}"
    form = rng.weighted(_FORMS, _FORM_CUMULATIVE)
    if form == "qid":
        qid = f"{162 + number % 7}{number:015d}"
        masked = MappingProxyType({"id_number": "*" * 6 + id_number[6:], "id_number_masked": True})
        unmasked = MappingProxyType({"id_number": id_number, "id_number_masked": False})
        return _Person((f"qid:{qid}", f"qid:{qid}", f"cccd:{id_number}"), (qr_name, qr_name, card_name),
                       ("vn-qr", "vn-qr", "cccd"), (masked, unmasked, None), True)
    if form == "cccd":
        key, fmt = f"cccd:{id_number}", rng.pick(("cccd", "cccd", "hd1"))
    elif form == "id":
        key, fmt = f"id:{number:09d}", "hd1"
    else:
        key, fmt = f"bhyt:{number:010d}", "bhyt"
    return _Person((key, key, key), (card_name, card_name, card_name), (fmt, fmt, fmt), (None, None, None), False)


_ASCII = str.maketrans("àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
                       "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ",
                       "aaaaaaaaaaaaaaaaadeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyy"
                       "AAAAAAAAAAAAAAAAADEEEEEEEEEEEIIIIIOOOOOOOOOOOOOOOOOUUUUUUUUUUUYYYYY")


@cache  # a few thousand distinct masked names
def _unaccented(text: str) -> str:
    return text.translate(_ASCII)


# One scan before it has an id and a time: (local second of day, person, site, door, direction, verdict, shown).
_Event = tuple[int, int, int, int, str, str, int]


class _Day:
    """The scans of one local day, drawn from the day's own random stream."""

    def __init__(self, sites: Sequence[Site], population: _Population, day: date, rng: _Draw) -> None:
        self.sites, self.population, self.rng, self.weekend = sites, population, rng, day.weekday() >= 5
        self.events: list[_Event] = []

    def draw(self) -> list[_Event]:
        for person, site in enumerate(self.population.home):
            if person in self.population.guards:
                self._guard(person, site)
            elif self._works(site) and self.rng.random() < REGULAR_DAY:
                self._regular(person, site)
        visitors = self.population.visitors
        going = self.rng.sample(visitors, _binomial(self.rng, len(visitors), VISITOR_DAY)) if visitors else []
        for person in going:
            self._trip(person)
        self.events.sort()
        return self.events

    def _works(self, site: int) -> bool:
        return KINDS[self.sites[site].kind].every_day or not self.weekend

    def _open(self, site: int, minute: int) -> bool:
        """Open at this local minute for one more entry (with a few minutes to spare for a second try)."""
        spec = self.sites[site]
        return self._works(site) and _minutes(spec.opens) <= minute < _minutes(spec.closes) - 5

    def _regular(self, person: int, site: int) -> None:
        rng, spec = self.rng, self.sites[site]
        opens, closes = _minutes(spec.opens), _minutes(spec.closes)
        if spec.kind == "hospital":  # two shifts of eight hours
            arrive = rng.pick((opens, opens + 8 * 60)) + rng.between(-15, 10)
            leave = arrive + 8 * 60 + rng.between(-10, 30)
        else:
            arrive = opens + rng.between(-10, 45)
            leave = closes - rng.between(-15, 60)  # about one in seven stays past the closing time
        arrive = max(arrive, opens)
        out = rng.random() < REGULAR_EXIT
        if rng.random() < REGULAR_LUNCH and leave - arrive > 6 * 60:
            lunch = arrive + (leave - arrive) // 2 + rng.between(-30, 30)
            back = lunch + rng.between(40, 80)
            self._scan_in(person, site, arrive * 60 + rng.below(60))
            if out:
                self._scan_out(person, site, lunch * 60 + rng.below(60))
            elsewhere, there = self._visited_site(), lunch + rng.between(5, 15)
            if elsewhere is not None and elsewhere != site and self._open(elsewhere, there):
                self._scan_in(person, elsewhere, there * 60 + rng.below(60))
            arrive = back
        self._scan_in(person, site, arrive * 60 + rng.below(60))
        if out:
            self._scan_out(person, site, leave * 60 + rng.below(60))

    def _guard(self, person: int, site: int) -> None:
        rng = self.rng
        opens, closes = _minutes(self.sites[site].opens), _minutes(self.sites[site].closes)
        for moment in sorted(rng.sample(range(opens * 60, closes * 60), rng.between(10, 30))):
            if rng.random() < 0.2:
                self._scan_out(person, site, moment)
            else:
                self._scan_in(person, site, moment)

    def _trip(self, person: int) -> None:
        rng = self.rng
        stops = rng.weighted(SITES_PER_TRIP, SITES_PER_TRIP_CUMULATIVE)
        now = None
        for _ in range(stops):
            site = self._visited_site()
            if site is None:
                return
            spec, kind = self.sites[site], KINDS[self.sites[site].kind]
            opens, closes = _minutes(spec.opens), _minutes(spec.closes)
            if spec.kind == "meeting":
                session = rng.pick(_SESSIONS)
                arrive, stay = max(session - rng.between(0, 15), opens), rng.between(*kind.stay)
                if now is not None and arrive < now:
                    continue
            else:
                arrive = rng.between(opens, closes - 15) if now is None else max(now, opens)
                stay = rng.between(*kind.stay)
            if not self._open(site, arrive):
                continue
            self._scan_in(person, site, arrive * 60 + rng.below(60))
            leave = arrive + stay
            if rng.random() < (0.4 if spec.kind == "meeting" else VISITOR_EXIT) and leave < closes:
                self._scan_out(person, site, leave * 60 + rng.below(60))
            now = leave + rng.between(10, 40)

    def _visited_site(self) -> int | None:
        cumulative = self.population.draw_cumulative
        return self.rng.weighted(range(len(cumulative)), cumulative) if cumulative else None

    def _scan_in(self, person: int, site: int, second: int) -> None:
        rng = self.rng
        doors = self.sites[site].stations
        door = rng.below(len(doors) - 1 if len(doors) >= 3 else len(doors))
        shown = self._shown(person)
        draw = rng.random()
        if draw < REFUSE:
            self.events.append((second, person, site, door, "in", "refuse",
                                _NO_KEY if rng.random() < REFUSE_NO_KEY else shown))
            if rng.random() >= RETRY:
                return
            second += rng.between(30, 120)
            shown = _SHOWN
        verdict = "warn" if draw > 1 - WARN else "admit"
        self.events.append((second, person, site, door, "in", verdict, shown))

    def _scan_out(self, person: int, site: int, second: int) -> None:
        doors = self.sites[site].stations
        door = len(doors) - 1 if len(doors) >= 3 else self.rng.below(len(doors))
        self.events.append((second, person, site, door, "out", "admit", self._shown(person)))

    def _shown(self, person: int) -> int:
        if not self.population.people[person].national_qr:
            return _SHOWN
        draw = self.rng.random()
        return _CHIP if draw < _CHIP_SHARE else _UNMASKED if draw < _CHIP_SHARE + _UNMASKED_SHARE else _SHOWN


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _binomial(rng: _Draw, n: int, p: float) -> int:
    """About n*p, varying day to day as a binomial count would (normal approximation)."""
    mean, spread = n * p, (n * p * (1 - p)) ** 0.5
    return max(0, min(n, round(rng.gauss(mean, spread))))


def synthetic_scans(sites: Sequence[Site], *, people: int, days: int, start: datetime, seed: int = 1,
                    zone: ZoneInfo = VIETNAM) -> Iterator[ScanRow]:
    """Scans of `people` people at `sites` for `days` local days from `start`'s local date, sorted by time.

    Starting `days` days before today (as the command does) gives days that end yesterday, all of which a
    server with a 28-day retention accepts (it allows a day of clock skew beyond it)."""
    population = _Population(sites, people, seed)
    first = start.astimezone(zone).date()
    serial = 0
    for offset in range(days):
        day = first + timedelta(days=offset)
        events = _Day(sites, population, day, _Draw(f"day-{seed}-{offset}")).draw()
        moment = _clock(day, zone)
        prefix = f"{seed & 0xFFFFFFFF:08x}-{offset:04x}-4000-8000-"
        for second, person, site, door, direction, verdict, shown in events:
            serial += 1
            who, place = population.people[person], sites[site]
            if shown == _NO_KEY:
                yield ScanRow(f"{prefix}{serial:012x}", place.stations[door], place.location, "", "",
                              moment(second), direction, verdict, "unknown")
                continue
            yield ScanRow(f"{prefix}{serial:012x}", place.stations[door], place.location, who.keys[shown],
                          who.names[shown], moment(second), direction, verdict, who.formats[shown],
                          who.fields[shown])


def _clock(day: date, zone: ZoneInfo) -> Callable[[int], datetime]:
    """Local second of `day` -> UTC moment, each made once per day."""
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    steady = midnight.utcoffset() == datetime.combine(day, time(23, 59), tzinfo=zone).utcoffset()
    base = midnight.astimezone(UTC)
    made: dict[int, datetime] = {}

    def moment(second: int) -> datetime:
        at = made.get(second)
        if at is None:
            if steady:
                at = base + timedelta(seconds=second)
            else:  # a day with a clock change: go through the wall clock
                at = (midnight + timedelta(seconds=second)).astimezone(UTC)
            made[second] = at
        return at

    return moment


PADDING_CAP = timedelta(minutes=30)


def brute_force_contacts(case_keys: Collection[str], visits: Sequence[Visit], *, min_minutes: float = 0,
                         padding: bool = False) -> list[tuple[str, str, datetime, datetime]]:
    """Every overlap of another person's visit with a case visit at the same location, checked pair by pair
    over all visits: (person_key, location, start, end), sorted. Written apart from kiosk.tracing.overlap to
    check it: no interval index, no time bounds, every visit compared with every case visit at its location
    (the only shortcut: finding those by location, so a sample of cases on 5 M visits takes seconds each)."""
    case_visits: dict[str, list[Visit]] = defaultdict(list)
    for visit in visits:
        if visit.person_key in case_keys:
            case_visits[visit.location].append(visit)
    found = []
    for other in visits:
        if other.person_key in case_keys:
            continue
        for case in case_visits.get(other.location, ()):
            case_end = case.end + min(case.end - case.start, PADDING_CAP) if padding else case.end
            start, end = max(case.start, other.start), min(case_end, other.end)
            if start < end and (end - start).total_seconds() >= min_minutes * 60:
                found.append((other.person_key, other.location, start, end))
    return sorted(found)


def pick_cases(visits: Iterable[Visit], count: int, seed: int, min_days: int = 14, *,
               zone: ZoneInfo = VIETNAM) -> list[str]:
    """`count` person keys drawn with `seed` from those with visits on at least `min_days` local days; when
    there are too few, the most active others (most days, then most visits) fill the list."""
    days: dict[str, set[date]] = defaultdict(set)
    visit_counts: Counter[str] = Counter()
    for visit in visits:
        days[visit.person_key].add(visit.start.astimezone(zone).date())
        visit_counts[visit.person_key] += 1
    eligible = sorted(key for key, seen in days.items() if len(seen) >= min_days)
    if len(eligible) >= count:
        return random.Random(seed).sample(eligible, count)
    others = sorted((key for key, seen in days.items() if len(seen) < min_days),
                    key=lambda key: (-len(days[key]), -visit_counts[key], key))
    return random.Random(seed).sample(eligible, len(eligible)) + others[: count - len(eligible)]


def count_visits(rows: Iterable[ScanRow], sites: Sequence[Site], start: datetime, days: int,
                 zone: ZoneInfo = VIETNAM) -> tuple[int, Counter[str]]:
    """(scans, visits by end reason) with build_visits, one local day at a time so memory stays small.

    A visit lasts at most a day (MAX_STAY) and its end depends only on its person's next scan: the visits
    opened on a day are built from that day's scans and each person's first scan of the next day."""
    rules = rules_for(sites, zone=zone)
    reasons: Counter[str] = Counter()
    scans = 0
    daily = _by_day(rows, start.astimezone(zone).date(), days, zone)
    edge, today = next(daily)
    for next_edge, following in daily:
        scans += len(today)
        firsts: dict[str, Scan] = {}
        for scan in following:
            firsts.setdefault(scan.person_key, scan)
        for visit in build_visits(today + list(firsts.values()), rules):
            if visit.start < edge:
                reasons[visit.end_reason.value] += 1
        edge, today = next_edge, following
    return scans, reasons


def _by_day(rows: Iterable[ScanRow], first: date, days: int, zone: ZoneInfo) -> Iterator[tuple[datetime, list[Scan]]]:
    """(end of the local day, its scans) for each of `days` days from `first`, then an empty day after."""
    edges = iter([datetime.combine(first + timedelta(days=n), time(0), tzinfo=zone) for n in range(1, days + 2)])
    edge, today = next(edges), []
    for row in rows:
        while row.scanned_at >= edge:
            yield edge, today
            edge, today = next(edges), []
        today.append(to_scan(row))
    for later in edges:
        yield edge, today
        edge, today = later, []
    yield edge, today


@contextmanager
def _timed() -> Iterator[list[float]]:
    """[wall seconds, CPU seconds] of the block: the CPU time says what the wall time would be on an idle
    machine."""
    spent: list[float] = []
    wall, cpu = clock.perf_counter(), clock.process_time()
    yield spent
    spent += [clock.perf_counter() - wall, clock.process_time() - cpu]


def _rate(count: int, spent: list[float]) -> str:
    wall, cpu = spent
    return f"{wall:.1f} s, {count / wall:,.0f} rows/s (CPU {cpu:.1f} s, {count / cpu:,.0f} rows/s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=2000)
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=date.fromisoformat, help="first local day (default: DAYS days ago)")
    parser.add_argument("--count-only", action="store_true", help="print counts and rates, not the rows")
    args = parser.parse_args()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` ends the output quietly
    first = args.start or datetime.now(VIETNAM).date() - timedelta(days=args.days)
    start = datetime.combine(first, time(0), tzinfo=VIETNAM)
    sites = make_sites(args.sites, args.seed)
    rows = synthetic_scans(sites, people=args.people, days=args.days, start=start, seed=args.seed)
    if not args.count_only:
        for row in rows:
            print(json.dumps({**row.__dict__, "scanned_at": row.scanned_at.isoformat(),
                              "fields": dict(row.fields) if row.fields else None}, ensure_ascii=False))
        return
    with _timed() as generating:
        generated = sum(1 for _ in synthetic_scans(sites, people=args.people, days=args.days, start=start,
                                                   seed=args.seed))
    with _timed() as building:
        scans, reasons = count_visits(rows, sites, start, args.days)
    visits = sum(reasons.values())
    print(f"sites {args.sites}, people {args.people}, days {args.days} from {first}, seed {args.seed}")
    print(f"scans                {scans:12,d}   generated: {_rate(generated, generating)}")
    print(f"visits               {visits:12,d}   generated and built: {_rate(scans, building)}")
    for reason, count in sorted(reasons.items()):
        print(f"  ended by {reason:<12}{count:12,d}  ({count / max(visits, 1):.0%})")


if __name__ == "__main__":
    main()
