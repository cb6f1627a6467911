"""A trace drawn as one SVG, rendered on the server (the dashboard runs no script; the CSP allows no inline
style, so everything is drawn with presentation attributes).

One band per location (per stretch of the case's visits there: visits more than GAP apart get a band each,
so that a visit a week later does not squash the first to a sliver), on its own time axis in local time.
The case's visits are a dark bar (its aerosol padding hatched grey); below it one row per contact, its
overlap drawn in the tier's colour AND pattern (solid / stripes / dots), so that colour is never the only
signal. At most `per_band` contacts are drawn per band (the longest overlaps); the band says that the
table lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Mapping, Sequence
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from kiosk.tracing.masking import mask_person_key
from kiosk.tracing.overlap import Contact, Tier, padded_end
from kiosk.tracing.report import Trace
from kiosk.tracing.visits import Visit

WIDTH = 1240
LABEL_WIDTH = 270  # the contacts' names and minutes, left of the time axis
PLOT_LEFT, PLOT_RIGHT = LABEL_WIDTH + 10, WIDTH - 20
LEGEND_HEIGHT = 34
BAND_HEAD = 46  # the location's name, then the axis' labels
CASE_ROW, CONTACT_ROW = 24, 17
BAND_GAP = 26
FOOT, FOOT_AFTER_ROWS = 20, 12  # a band of more rows repeats its clock below them
GAP = timedelta(hours=6)
PER_BAND = 40
FONT = "system-ui, 'Segoe UI', Roboto, sans-serif"
TICK_STEPS = (5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)  # minutes
MAX_TICKS = 12

# Colour and pattern per tier (ColorBrewer RdBu/PuOr, readable by the colour-blind), and the edge colour.
TIER_LOOK = {Tier.FIFTEEN: ("#b2182b", "#67001f"), Tier.TEN: ("url(#tier-10)", "#8c4a00"),
             Tier.ANY: ("url(#tier-any)", "#2166ac")}
CASE_FILL, PADDING_FILL = "#1b1b1b", "url(#padding)"

_DEFS = """<defs>
<pattern id="tier-10" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
<rect width="6" height="6" fill="#fdb863"/><rect width="2.5" height="6" fill="#b35806"/></pattern>
<pattern id="tier-any" width="5" height="5" patternUnits="userSpaceOnUse">
<rect width="5" height="5" fill="#d1e5f0"/><circle cx="2.5" cy="2.5" r="1.2" fill="#2166ac"/></pattern>
<pattern id="padding" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)">
<rect width="6" height="6" fill="#e0e0e0"/><rect width="2" height="6" fill="#555"/></pattern>
</defs>"""


@dataclass(frozen=True)
class Band:
    location: str
    visits: tuple[Visit, ...]  # the case's, in time order
    contacts: tuple[Contact, ...]  # every listed contact of those visits, in time order
    start: datetime  # the axis
    end: datetime


def bands(result: Trace) -> list[Band]:
    """The case's visits grouped by location and stretch, with their contacts and an axis around them."""
    by_location: dict[str, list[Visit]] = {}
    for visit in result.case_visits:
        by_location.setdefault(visit.location, []).append(visit)
    found = []
    for location, visits in by_location.items():
        for stretch in _stretches(sorted(visits, key=lambda v: v.start), result.padding):
            ids = {visit.entry_id for visit in stretch}
            contacts = tuple(sorted((c for c in result.contacts.contacts if c.case_entry_id in ids),
                                    key=lambda c: (c.start, c.end, c.person_key)))
            start = stretch[0].start
            end = max(padded_end(visit, result.padding) for visit in stretch)
            margin = max((end - start) / 30, timedelta(minutes=5))
            found.append(Band(location, tuple(stretch), contacts, start - margin, end + margin))
    return sorted(found, key=lambda band: band.start)


def timeline_svg(result: Trace, zone: ZoneInfo, words: Mapping[str, str], per_band: int = PER_BAND) -> Markup:
    """The SVG of a trace (empty when the case has no visits). `words`: the dashboard's text of a language."""
    drawn = bands(result)
    if not drawn:
        return Markup("")
    parts, y = [_legend(words, result.padding)], LEGEND_HEIGHT
    for band in drawn:
        part, y = _band(band, y, zone, words, result.padding, per_band)
        parts.append(part)
    label = escape(words["timeline_label"])
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" aria-label="{label}" '
                  f'viewBox="0 0 {WIDTH} {y}" width="{WIDTH}" height="{y}" font-family="{FONT}" '
                  f'font-size="13" fill="#111">{_DEFS}{"".join(parts)}</svg>')


def _stretches(visits: Sequence[Visit], padding: bool) -> list[list[Visit]]:
    stretches: list[list[Visit]] = []
    for visit in visits:
        if stretches and visit.start - max(padded_end(v, padding) for v in stretches[-1]) <= GAP:
            stretches[-1].append(visit)
        else:
            stretches.append([visit])
    return stretches


def _legend(words: Mapping[str, str], padding: bool) -> str:
    items = [(CASE_FILL, CASE_FILL, words["legend_case"])]
    if padding:
        items.append((PADDING_FILL, "#555", words["legend_padding"]))
    items += [(TIER_LOOK[tier][0], TIER_LOOK[tier][1], words[f"tier_{tier.value}"])
              for tier in (Tier.FIFTEEN, Tier.TEN, Tier.ANY)]
    x, out = 0, []
    for fill, edge, text in items:
        out.append(f'<rect x="{x}" y="8" width="34" height="14" fill="{fill}" stroke="{edge}"/>'
                   f'<text x="{x + 40}" y="20">{escape(text)}</text>')
        x += 40 + 8 * len(text) + 28
    return "".join(out)


def _band(band: Band, top: int, zone: ZoneInfo, words: Mapping[str, str], padding: bool,
          per_band: int) -> tuple[str, int]:
    # Past the cap, the longest overlaps (the closest contacts) are drawn, still in time order.
    longest = set(sorted(band.contacts, key=lambda c: (-(c.end - c.start), c.start))[:per_band])
    shown = [contact for contact in band.contacts if contact in longest]
    rows_top = top + BAND_HEAD
    rows_bottom = rows_top + CASE_ROW + CONTACT_ROW * len(shown) + 2
    bottom = rows_bottom + (FOOT if len(shown) > FOOT_AFTER_ROWS else 4)
    scale = _Scale(band.start, band.end)
    day = band.visits[0].start.astimezone(zone).strftime("%d/%m/%Y")
    count = words["band_contact"] if len(band.contacts) == 1 else words["band_contacts"].format(count=len(band.contacts))
    if len(shown) < len(band.contacts):
        count += " — " + words["band_capped"].format(drawn=len(shown), total=len(band.contacts))
    out = [f'<rect x="0" y="{top}" width="{WIDTH}" height="{bottom - top}" fill="#fafafa" stroke="#ccc"/>',
           f'<text x="8" y="{top + 18}" font-size="15" font-weight="bold">{escape(_short(band.location, 70))}'
           f'<tspan font-weight="normal" fill="#444">  ·  {day}  ·  {escape(words["legend_case"])} '
           f'{_clock(band.visits[0].start, zone)}–{_clock(band.visits[-1].end, zone)}  ·  {escape(count)}'
           '</tspan></text>']
    out += [f'<rect x="1" y="{rows_top + CASE_ROW + n * CONTACT_ROW}" width="{WIDTH - 2}" height="{CONTACT_ROW}" '
            f'fill="#ececec"/>' for n in range(1, len(shown), 2)]  # every other row shaded, to follow a row
    # The clock above the rows, and below them too when the band is taller than a screen's share.
    out += _axis(scale, zone, rows_top - 4, rows_bottom, rows_bottom + 14 if bottom > rows_bottom + 4 else None)
    for visit in band.visits:  # the case's presence, shaded through every contact row below
        x0, x1 = scale.x(visit.start), scale.x(padded_end(visit, padding))
        out.append(f'<rect x="{x0:.1f}" y="{rows_top}" width="{max(x1 - x0, 1):.1f}" '
                   f'height="{rows_bottom - rows_top}" fill="#000" fill-opacity="0.05"/>')
    out.append(f'<text x="8" y="{rows_top + 16}" font-weight="bold">{escape(words["legend_case"])}</text>')
    for visit in band.visits:
        out.append(_case_bar(visit, scale, rows_top, zone, words, padding))
    for n, contact in enumerate(shown):
        out.append(_contact_row(contact, scale, rows_top + CASE_ROW + n * CONTACT_ROW, zone, words))
    return "".join(out), bottom + BAND_GAP


def _case_bar(visit: Visit, scale: "_Scale", y: int, zone: ZoneInfo, words: Mapping[str, str],
              padding: bool) -> str:
    x0, x1 = scale.x(visit.start), scale.x(visit.end)
    title = (f"{words['legend_case']}: {_clock(visit.start, zone)}–{_clock(visit.end, zone)}, "
             f"{int(visit.minutes)} {words['minutes_short']}")
    out = (f'<g><title>{escape(title)}</title><rect x="{x0:.1f}" y="{y + 3}" width="{max(x1 - x0, 2):.1f}" '
           f'height="17" fill="{CASE_FILL}"/>')
    if padding:
        end = scale.x(padded_end(visit, True))
        out += (f'<rect x="{x1:.1f}" y="{y + 3}" width="{max(end - x1, 1):.1f}" height="17" fill="{PADDING_FILL}" '
                f'stroke="#555"/>')
    return out + "</g>"


def _contact_row(contact: Contact, scale: "_Scale", y: int, zone: ZoneInfo, words: Mapping[str, str]) -> str:
    fill, edge = TIER_LOOK[contact.tier]
    x0, x1 = scale.x(contact.start), scale.x(contact.end)
    key = mask_person_key(contact.person_key)
    # Masked names repeat (NGUYEN V** A*): the key's visible end tells two people apart.
    who = f"{_short(contact.display_name, 22)} ·{key[-4:]}" if contact.display_name else key
    minutes = f"{int(contact.minutes)} {words['minutes_short']}"
    title = (f"{contact.display_name} ({key}): {_clock(contact.start, zone)}–{_clock(contact.end, zone)}, "
             f"{minutes}, {words['tier_' + contact.tier.value]}")
    return (f'<g><title>{escape(title)}</title>'
            f'<text x="8" y="{y + 13}">{escape(who)}</text>'
            f'<text x="{LABEL_WIDTH}" y="{y + 13}" text-anchor="end" fill="#333">{escape(minutes)}</text>'
            f'<rect x="{x0:.1f}" y="{y + 3}" width="{max(x1 - x0, 2):.1f}" height="12" fill="{fill}" '
            f'stroke="{edge}"/></g>')


def _axis(scale: "_Scale", zone: ZoneInfo, y: int, bottom: int, foot: int | None) -> list[str]:
    """Grid lines at round local times from y to bottom, labelled above y (and at foot, if given)."""
    step = next((s for s in TICK_STEPS if scale.minutes / s <= MAX_TICKS), TICK_STEPS[-1])
    tick = scale.start.astimezone(zone).replace(minute=0, second=0, microsecond=0)
    if step >= 60:
        tick = tick.replace(hour=tick.hour - tick.hour % (step // 60)) if step < 1440 else tick.replace(hour=0)
    out = []
    while tick <= scale.end:
        if tick >= scale.start:
            x = scale.x(tick)
            text = tick.strftime("%H:%M") if (tick.hour, tick.minute) != (0, 0) else tick.strftime("%d/%m")
            out.append(f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{bottom}" stroke="#c8c8c8"/>')
            out += [f'<text x="{x:.1f}" y="{label_y}" text-anchor="middle" font-size="12" fill="#333">{text}</text>'
                    for label_y in (y - 4, foot) if label_y is not None]
        tick = (tick.astimezone(ZoneInfo("UTC")) + timedelta(minutes=step)).astimezone(zone)
    return out


@dataclass(frozen=True)
class _Scale:
    start: datetime
    end: datetime

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60

    def x(self, moment: datetime) -> float:
        share = (moment - self.start).total_seconds() / max((self.end - self.start).total_seconds(), 1)
        return PLOT_LEFT + min(max(share, 0.0), 1.0) * (PLOT_RIGHT - PLOT_LEFT)


def _clock(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


def _short(text: str, longest: int) -> str:
    return text if len(text) <= longest else text[:longest - 1] + "…"
