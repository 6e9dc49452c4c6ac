"""Reporting periods of the monthly review (policy.md §6, seeds 002/003): half-month, month,
quarter, year and custom ranges, written the way people type them.

    2026-10      October 2026            2026-10a / 2026-10b   1st–15th / 16th–end
    2026Q4       October–December        2026                  the whole year
    2026-10-05..2026-10-20               a custom range, both days included

A period is a half-open range of local calendar days [start, end); ``bounds`` turns it into
aware datetimes in the office's time zone. Pure: no clock, no I/O.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum


class PeriodKind(StrEnum):
    HALF = "半月"
    MONTH = "月"
    QUARTER = "季度"
    YEAR = "年"
    CUSTOM = "自定义"


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: date  # first day
    end: date  # day after the last day

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def code(self) -> str:
        """The text ``parse_period`` reads back."""
        s = self.start
        if self.kind is PeriodKind.MONTH:
            return f"{s.year:04d}-{s.month:02d}"
        if self.kind is PeriodKind.HALF:
            return f"{s.year:04d}-{s.month:02d}{'a' if s.day == 1 else 'b'}"
        if self.kind is PeriodKind.QUARTER:
            return f"{s.year:04d}Q{(s.month - 1) // 3 + 1}"
        if self.kind is PeriodKind.YEAR:
            return f"{s.year:04d}"
        return f"{s.isoformat()}..{self.last_day.isoformat()}"

    @property
    def label(self) -> str:
        """How the period is named on screen and on paper: 2026年10月上半月, 2026年第4季度…"""
        s = self.start
        if self.kind is PeriodKind.MONTH:
            return f"{s.year}年{s.month}月"
        if self.kind is PeriodKind.HALF:
            return f"{s.year}年{s.month}月{'上' if s.day == 1 else '下'}半月"
        if self.kind is PeriodKind.QUARTER:
            return f"{s.year}年第{(s.month - 1) // 3 + 1}季度"
        if self.kind is PeriodKind.YEAR:
            return f"{s.year}年"
        last = self.last_day
        return f"{s.year}年{s.month}月{s.day}日至{last.year}年{last.month}月{last.day}日"

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes at local midnight."""
        return (datetime.combine(self.start, time(), tz), datetime.combine(self.end, time(), tz))

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end


class PeriodError(ValueError):
    """Text that names no period; the message says what was expected."""


def _month_end(year: int, month: int) -> date:
    return date(year + (month == 12), month % 12 + 1, 1)


def month(year: int, m: int) -> Period:
    return Period(PeriodKind.MONTH, date(year, m, 1), _month_end(year, m))


def half(year: int, m: int, second: bool) -> Period:
    mid = date(year, m, 16)
    return (
        Period(PeriodKind.HALF, mid, _month_end(year, m))
        if second
        else Period(PeriodKind.HALF, date(year, m, 1), mid)
    )


def quarter(year: int, q: int) -> Period:
    first = 3 * (q - 1) + 1
    return Period(PeriodKind.QUARTER, date(year, first, 1), _month_end(year, first + 2))


def year(y: int) -> Period:
    return Period(PeriodKind.YEAR, date(y, 1, 1), date(y + 1, 1, 1))


def custom(first: date, last: date) -> Period:
    if last < first:
        raise PeriodError(f"结束日期 {last} 早于开始日期 {first}")
    return Period(PeriodKind.CUSTOM, first, last + timedelta(days=1))


_MONTH = re.compile(r"(\d{4})-(\d{1,2})([ab])?")
_QUARTER = re.compile(r"(\d{4})[Qq]([1-4])")
_YEAR = re.compile(r"\d{4}")
_RANGE = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})\s*(?:\.\.|~|至|到)\s*(\d{4}-\d{1,2}-\d{1,2})")

EXPECTED = (
    "应如 2026-10、2026-10a(上半月)、2026-10b(下半月)、2026Q4、2026 或 2026-10-05..2026-10-20"
)


def _day(text: str) -> date:
    y, m, d = (int(x) for x in text.split("-"))
    return date(y, m, d)


def parse_period(text: str) -> Period:
    """The period a person typed; PeriodError names the text and the expected forms."""
    t = (text or "").strip()
    try:
        if m := _MONTH.fullmatch(t):
            y, mo = int(m.group(1)), int(m.group(2))
            if not 1 <= mo <= 12:
                raise PeriodError(f"期间“{text}”的月份 {mo} 不在 1–12 之间")
            return half(y, mo, m.group(3) == "b") if m.group(3) else month(y, mo)
        if m := _QUARTER.fullmatch(t):
            return quarter(int(m.group(1)), int(m.group(2)))
        if _YEAR.fullmatch(t):
            return year(int(t))
        if m := _RANGE.fullmatch(t):
            return custom(_day(m.group(1)), _day(m.group(2)))
    except PeriodError:
        raise
    except ValueError as e:
        raise PeriodError(f"期间“{text}”中的日期无效({e})") from None
    raise PeriodError(f"无法识别期间“{text}”:{EXPECTED}")


def _shift_years(d: date, n: int) -> date:
    y = d.year + n
    return d.replace(year=y, day=min(d.day, calendar.monthrange(y, d.month)[1]))


def previous(p: Period) -> Period:
    """The period just before, of the same kind (a custom range: the same number of days)."""
    s = p.start
    if p.kind is PeriodKind.MONTH:
        return month(s.year - (s.month == 1), (s.month - 2) % 12 + 1)
    if p.kind is PeriodKind.HALF:
        if s.day == 16:
            return half(s.year, s.month, False)
        return half(s.year - (s.month == 1), (s.month - 2) % 12 + 1, True)
    if p.kind is PeriodKind.QUARTER:
        q = (s.month - 1) // 3 + 1
        return quarter(s.year - (q == 1), (q - 2) % 4 + 1)
    if p.kind is PeriodKind.YEAR:
        return year(s.year - 1)
    return Period(PeriodKind.CUSTOM, s - timedelta(days=p.days), s)


def same_last_year(p: Period) -> Period:
    """The same period one year earlier (29 Feb becomes 28 Feb)."""
    if p.kind is PeriodKind.CUSTOM:
        return Period(
            p.kind, _shift_years(p.start, -1), _shift_years(p.last_day, -1) + timedelta(days=1)
        )
    return parse_period(f"{p.start.year - 1}{p.code[4:]}")


def months_ending(p: Period, n: int = 12) -> list[Period]:
    """The ``n`` months up to and including the month of the period's last day (trend line)."""
    last = p.last_day
    y, m = last.year, last.month
    out = []
    for _ in range(n):
        out.append(month(y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def current(kind: PeriodKind, today: date) -> Period:
    """The period of ``kind`` that holds ``today`` (custom: the month so far)."""
    if kind is PeriodKind.MONTH:
        return month(today.year, today.month)
    if kind is PeriodKind.HALF:
        return half(today.year, today.month, today.day >= 16)
    if kind is PeriodKind.QUARTER:
        return quarter(today.year, (today.month - 1) // 3 + 1)
    if kind is PeriodKind.YEAR:
        return year(today.year)
    return custom(today.replace(day=1), today)


def following(p: Period) -> Period:
    """The period just after, of the same kind (a custom range: the same number of days)."""
    s = p.start
    if p.kind is PeriodKind.MONTH:
        return month(s.year + (s.month == 12), s.month % 12 + 1)
    if p.kind is PeriodKind.HALF:
        if s.day == 1:
            return half(s.year, s.month, True)
        return half(s.year + (s.month == 12), s.month % 12 + 1, False)
    if p.kind is PeriodKind.QUARTER:
        q = (s.month - 1) // 3 + 1
        return quarter(s.year + (q == 4), q % 4 + 1)
    if p.kind is PeriodKind.YEAR:
        return year(s.year + 1)
    return Period(PeriodKind.CUSTOM, p.end, p.end + timedelta(days=p.days))


def months_touching(p: Period) -> list[Period]:
    """Every calendar month that shares a day with the period (the months whose business
    volume the 统计 page asks for)."""
    out = []
    y, m = p.start.year, p.start.month
    while date(y, m, 1) < p.end:
        out.append(month(y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def whole_months(p: Period) -> list[Period] | None:
    """The calendar months the period is made of, or None when it does not consist of whole
    months (a half-month, most custom ranges): the volume is kept per month, and a rate over
    part of a month would need a guessed share of it."""
    months = months_touching(p)
    if months[0].start != p.start or months[-1].end != p.end:
        return None
    return months
