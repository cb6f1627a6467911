"""The report's one-page PDF summary: the event, when the report was made, a table of each session's counts
and a bar chart of arrivals over time (each person's first "in", in 10-minute bars, wider when the event is
long), all drawn as text and vector shapes in the bundled font.

Always one page: with many sessions the table's rows get smaller, and past what a page holds the last row
says how many more the XLSX and CSV list. A long event's chart leaves out the hours nobody arrived in
(a break mark on the axis), so that two days of sessions do not become a flat line.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Sequence

from fpdf import FPDF

from server.meetings.attendance import EventReport, SessionSummary
from server.meetings.pdf_text import BOLD, FAMILY, REGULAR, Fitted, draw, fit, new_document, shown
from server.meetings.report_words import (ATTENDED_NOTE, BAR_LENGTH, CHART_TITLE, CHART_X, CHART_Y, GENERATED, MORE_SESSIONS,
                                          NOBODY_YET, PDF_COLUMNS, TITLE)

PAGE = (210.0, 297.0)
MARGIN = 15.0
WIDTH = PAGE[0] - 2 * MARGIN
COLUMN_WIDTHS = (52.0, 32.0, 16.0, 16.0, 16.0, 16.0, 16.0, 16.0)
ROW_SIZES = ((6.0, 8.5), (4.2, 7.0))  # (row height mm, font pt): the second when the first does not fit
CHART_HEIGHT = 82.0
CHART_GAP = 12.0  # between the table's notes and the chart
PLOT_LEFT, PLOT_BOTTOM, PLOT_TOP = 14.0, 16.0, 9.0  # room for the axes' labels, in mm
BAR_MINUTES = (10, 15, 30, 60, 120, 240, 1440, 10080)  # the last two: a day, a week
DAY_MINUTES = 1440
MOST_BARS = 72
BREAK_AFTER = timedelta(hours=2)  # a stretch this long with no arrival is left out of the chart
BREAK_SLOTS = 1.5
BAR_COLOUR = (38, 92, 160)
GRID_GRAY, TEXT_GRAY, HEADER_FILL, STRIPE_FILL = 205, 90, 228, 244
_EPOCH = datetime(2000, 1, 1)


@dataclass(frozen=True)
class _Bars:
    minutes: int
    segments: tuple[tuple[tuple[datetime, int], ...], ...]  # runs of (local start of the bar, arrivals)

    @property
    def slots(self) -> float:
        return sum(len(segment) for segment in self.segments) + BREAK_SLOTS * max(0, len(self.segments) - 1)


def summary_pdf(report: EventReport, language: str = "vi") -> bytes:
    pdf = new_document(PAGE, report.event)
    pdf.add_page()
    top = _heading(pdf, report, language)
    below_table = _table(pdf, report, language, top + 4.0, PAGE[1] - MARGIN - CHART_HEIGHT - CHART_GAP)
    arrivals = sorted(moment for session in report.sessions for moment in session.arrivals)
    _chart(pdf, _bars(arrivals, report.zone), language, below_table + CHART_GAP)
    return bytes(pdf.output())


def _heading(pdf: FPDF, report: EventReport, language: str) -> float:
    pdf.set_text_color(TEXT_GRAY)
    top = draw(pdf, Fitted(10, (TITLE.text(language),)), MARGIN, MARGIN, style=REGULAR)
    pdf.set_text_color(0)
    event = fit(pdf, report.event, style=BOLD, largest=18, smallest=10, width=WIDTH, height=16.0)
    top = draw(pdf, event, MARGIN, top + 1.0, style=BOLD)
    generated = report.generated_at.astimezone(report.zone).strftime("%d/%m/%Y %H:%M")
    pdf.set_text_color(TEXT_GRAY)
    top = draw(pdf, Fitted(9, (f"{GENERATED.text(language)}: {generated} ({report.zone})",)), MARGIN, top + 1.0,
               style=REGULAR)
    pdf.set_text_color(0)
    return top


def _table(pdf: FPDF, report: EventReport, language: str, top: float, bottom: float) -> float:
    """The sessions' counts from `top`, no lower than `bottom`; returns where its notes end."""
    sessions = list(report.sessions)
    for row_height, size in ROW_SIZES:
        rows = int((bottom - top) // row_height) - 1  # the header takes one
        if len(sessions) <= rows:
            break
    shown_sessions = sessions if len(sessions) <= rows else sessions[:rows - 1]
    pdf.set_fill_color(HEADER_FILL)
    pdf.rect(MARGIN, top, WIDTH, row_height, style="F")
    _row(pdf, [words.text(language) for words in PDF_COLUMNS], top, row_height, size - 0.5, BOLD)
    for number, session in enumerate(shown_sessions, 1):
        y = top + number * row_height
        if number % 2 == 0:
            pdf.set_fill_color(STRIPE_FILL)
            pdf.rect(MARGIN, y, WIDTH, row_height, style="F")
        _row(pdf, _cells(session, report.zone), y, row_height, size, REGULAR)
    y = top + (len(shown_sessions) + 1) * row_height
    pdf.set_draw_color(GRID_GRAY)
    pdf.set_line_width(0.2)
    pdf.line(MARGIN, top, MARGIN + WIDTH, top)
    pdf.line(MARGIN, y, MARGIN + WIDTH, y)
    notes = [ATTENDED_NOTE.text(language)]
    if len(shown_sessions) < len(sessions):
        notes.insert(0, MORE_SESSIONS.text(language).format(count=len(sessions) - len(shown_sessions)))
    pdf.set_text_color(TEXT_GRAY)
    end = draw(pdf, Fitted(7, tuple(notes)), MARGIN, y + 1.0, style=REGULAR)
    pdf.set_text_color(0)
    return end


def _cells(session: SessionSummary, zone: tzinfo) -> list[str]:
    start, end = session.start.astimezone(zone), session.end.astimezone(zone)
    until = end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%d/%m %H:%M")
    name = session.session + (f" · {session.room}" if session.room else "")
    return [name, f"{start.strftime('%d/%m %H:%M')}–{until}",
            *(str(count) for count in (session.listed, session.attended, session.late, session.left_early,
                                       session.absent, session.walk_ins))]


def _row(pdf: FPDF, cells: Sequence[str], top: float, height: float, size: float, style: str) -> None:
    """One line per cell, shrunk to its column; the numbers right-aligned. A session name longer than its
    column even at 5.5 pt ends in "…" (the XLSX and CSV have it whole)."""
    x = MARGIN
    for column, (text, width) in enumerate(zip(cells, COLUMN_WIDTHS)):
        inner = width - 3.0
        fitted = fit(pdf, text, style=style, largest=size, smallest=min(size, 5.5), width=inner,
                     height=Fitted(size, ("",)).height)  # one line
        line = fitted.lines[0] if len(fitted.lines) == 1 else _ellipsized(pdf, shown(text), inner)
        line = Fitted(fitted.size, (line,))
        draw(pdf, line, x + 1.5, top + (height - line.height) / 2, style=style, width=inner,
             align="right" if column >= 2 else "left")
        x += width


def _ellipsized(pdf: FPDF, text: str, width: float) -> str:
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _bars(arrivals: Sequence[datetime], zone: tzinfo) -> _Bars:
    """Arrivals counted per bar of local time, in runs without a long empty stretch; the narrowest bars
    (from 10 minutes) that keep the chart to MOST_BARS."""
    local = [moment.astimezone(zone).replace(tzinfo=None) for moment in arrivals]
    for minutes in BAR_MINUTES:
        width = timedelta(minutes=minutes)
        counts = Counter((moment - _EPOCH) // width for moment in local)
        segments: list[list[int]] = []
        for index in sorted(counts):
            if segments and (index - segments[-1][-1] - 1) * width <= BREAK_AFTER:
                segments[-1].extend(range(segments[-1][-1] + 1, index + 1))
            else:
                segments.append([index])
        bars = _Bars(minutes, tuple(tuple((_EPOCH + index * width, counts.get(index, 0)) for index in segment)
                                    for segment in segments))
        if bars.slots <= MOST_BARS:
            break
    return bars


def _chart(pdf: FPDF, bars: _Bars, language: str, top: float) -> None:
    unit = max(unit for unit in BAR_LENGTH if bars.minutes % unit == 0)
    length = BAR_LENGTH[unit].text(language).format(n=bars.minutes // unit)
    draw(pdf, Fitted(9, (CHART_TITLE.text(language).format(length=length),)), MARGIN, top, style=BOLD)
    left, right = MARGIN + PLOT_LEFT, MARGIN + WIDTH
    plot_top, plot_bottom = top + PLOT_TOP, top + CHART_HEIGHT - PLOT_BOTTOM
    highest = max((count for segment in bars.segments for _, count in segment), default=0)
    scale = _nice_ceiling(highest)
    pdf.set_line_width(0.2)
    pdf.set_text_color(TEXT_GRAY)
    for tick in (0, scale // 2, scale) if scale >= 2 else (0, scale):
        y = plot_bottom - (plot_bottom - plot_top) * tick / scale
        pdf.set_draw_color(GRID_GRAY)
        pdf.line(left, y, right, y)
        draw(pdf, Fitted(7, (str(tick),)), left - 11.0, y - 1.6, style=REGULAR, width=9.5, align="right")
    with pdf.rotation(90, MARGIN + 2.5, (plot_top + plot_bottom) / 2):
        draw(pdf, Fitted(8, (CHART_Y.text(language),)), MARGIN + 2.5 - 15, (plot_top + plot_bottom) / 2 - 1.5,
             style=REGULAR, width=30, align="center")
    draw(pdf, Fitted(8, (CHART_X.text(language),)), left, plot_bottom + 10.0, style=REGULAR, width=right - left,
         align="center")
    pdf.set_draw_color(60)
    pdf.line(left, plot_bottom, right, plot_bottom)
    pdf.line(left, plot_top, left, plot_bottom)
    if not bars.segments:
        pdf.set_text_color(0)
        draw(pdf, Fitted(10, (NOBODY_YET.text(language),)), left, (plot_top + plot_bottom) / 2 - 2, style=REGULAR,
             width=right - left, align="center")
        return
    _draw_bars(pdf, bars, left, right, plot_top, plot_bottom, scale)
    pdf.set_text_color(0)


def _draw_bars(pdf: FPDF, bars: _Bars, left: float, right: float, plot_top: float, plot_bottom: float,
               scale: int) -> None:
    slot = (right - left) / max(bars.slots, 1)
    free_from = left - 2.0  # where the next time label may start without touching the last one
    x = left
    pdf.set_fill_color(*BAR_COLOUR)
    for number, segment in enumerate(bars.segments):
        if number:
            _break_mark(pdf, x + slot * BREAK_SLOTS / 2, plot_bottom)
            x += slot * BREAK_SLOTS
        for index, (start, count) in enumerate(segment):
            if count:
                height = (plot_bottom - plot_top) * count / scale
                pdf.rect(x + slot * 0.1, plot_bottom - height, slot * 0.8, height, style="F")
            label = Fitted(6.5, (_time_label(start, index == 0, bars.minutes),))
            pdf.set_font(FAMILY, REGULAR, label.size)
            if x - 1.0 >= free_from and (index == 0 or start.minute % 30 == 0):
                pdf.set_draw_color(60)
                pdf.line(x, plot_bottom, x, plot_bottom + 1.2)
                draw(pdf, label, x - 1.0, plot_bottom + 1.8, style=REGULAR)
                free_from = x - 1.0 + pdf.get_string_width(label.lines[0]) + 2.0
            x += slot


def _time_label(start: datetime, first: bool, minutes: int) -> str:
    if minutes >= DAY_MINUTES:
        return start.strftime("%d/%m")
    return start.strftime("%d/%m %H:%M") if first or (start.hour, start.minute) == (0, 0) else start.strftime("%H:%M")


def _break_mark(pdf: FPDF, x: float, y: float) -> None:
    pdf.set_draw_color(60)
    for offset in (-0.8, 0.8):
        pdf.line(x + offset - 0.8, y + 1.5, x + offset + 0.8, y - 1.5)


def _nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ at least `value` (1 for nothing)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if factor * step >= value:
                return factor * step
        step *= 10
