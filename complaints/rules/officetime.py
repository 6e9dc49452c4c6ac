"""Office time: office hours per weekday, public holidays and make-up workdays
(调休), and the arithmetic of limits counted in office time. Pure: the calendar's data and the
instants come in as values; nothing here reads a clock, a file or the database.

Conventions (deliberate, tested in tests/complaints/test_officetime.py):
- office hours are half-open per day for starting ([open, close)): a case received at or after
  closing, before opening, or on a day off starts at the next opening;
- an hour limit counts only the minutes inside office hours on working days; a limit that runs
  out exactly at closing is due at closing (never at the next opening), so a due time always
  lies within a working day's [open, close];
- a day limit of N is due at closing time of the N-th working day after the day the clock
  started (the start day itself does not count, whatever the hour);
- D4's "that day" ends at the closing time of the working day the case was received, or of
  the next working day when it came after closing or on a day off;
- a make-up workday (调休, a weekend day declared a working day) keeps the hours of an ordinary
  working day: Monday's unless the office names another weekday;
- a year the calendar has no data for: every weekday with office hours is a working day (no
  holidays are known). ``missing_years`` / ``next_year_warning`` say so where people see it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
DEFAULT_OFFICE_HOURS = "mon-fri 08:30-17:30"

# A calendar that finds no working day within this many days is refused rather than looping.
_MAX_SCAN_DAYS = 400

_HM = r"([01]?\d|2[0-3]):([0-5]\d)"
_PART_RE = re.compile(rf"\s*([a-z,\-\s]+?)\s+{_HM}\s*-\s*{_HM}\s*")


class OfficeTimeError(ValueError):
    """A bad office-hours text or a calendar without working days (message in Chinese)."""


Hours = tuple[time, time] | None


def parse_office_hours(text: str) -> tuple[Hours, ...]:
    """``mon-fri 08:30-17:30; sat,sun 09:00-17:00`` → hours per weekday (Monday first), None
    for a day without office hours. A later part overrides an earlier one for its days."""
    hours: list[Hours] = [None] * 7
    parts = [p for p in (text or "").lower().split(";") if p.strip()]
    if not parts:
        raise OfficeTimeError("办公时间为空:应写成如 mon-fri 08:30-17:30; sat 09:00-12:00")
    for part in parts:
        m = _PART_RE.fullmatch(part)
        if not m:
            raise OfficeTimeError(
                f"办公时间“{part.strip()}”无法识别:应写成 星期 开始-结束,如 mon-fri 08:30-17:30"
            )
        days = _parse_days(m.group(1), part)
        start = time(int(m.group(2)), int(m.group(3)))
        end = time(int(m.group(4)), int(m.group(5)))
        if end <= start:
            raise OfficeTimeError(f"办公时间“{part.strip()}”的结束时刻应晚于开始时刻")
        for d in days:
            hours[d] = (start, end)
    return tuple(hours)


def _parse_days(spec: str, part: str) -> list[int]:
    out: list[int] = []
    for item in spec.replace(" ", "").split(","):
        if not item:
            continue
        a, _, b = item.partition("-")
        if a not in WEEKDAYS or (b and b not in WEEKDAYS):
            raise OfficeTimeError(
                f"办公时间“{part.strip()}”中的星期“{item}”无法识别:可用 mon tue wed thu fri sat sun"
            )
        i, j = WEEKDAYS.index(a), WEEKDAYS.index(b or a)
        if j < i:
            raise OfficeTimeError(f"办公时间“{part.strip()}”中的星期范围“{item}”应从前往后写")
        out.extend(range(i, j + 1))
    if not out:
        raise OfficeTimeError(f"办公时间“{part.strip()}”没有写星期")
    return out


def format_office_hours(hours: tuple[Hours, ...]) -> str:
    """The canonical text of ``hours`` (runs of equal days joined: ``mon-fri 08:30-17:30``)."""
    parts: list[str] = []
    i = 0
    while i < 7:
        h = hours[i]
        j = i
        while j + 1 < 7 and hours[j + 1] == h:
            j += 1
        if h is not None:
            days = WEEKDAYS[i] if i == j else f"{WEEKDAYS[i]}-{WEEKDAYS[j]}"
            parts.append(f"{days} {h[0]:%H:%M}-{h[1]:%H:%M}")
        i = j + 1
    return "; ".join(parts)


@dataclass(frozen=True)
class DayMark:
    """One date of the official calendar: a day off (holiday) or a make-up workday."""

    day: date
    off: bool
    name: str = ""


@dataclass(frozen=True, eq=False)
class CalendarData:
    """The official calendar's marked dates and the years it covers (without office hours).
    ``fingerprint`` changes with the data (kept figures computed with other data are stale)."""

    marks: Mapping[date, DayMark] = field(default_factory=dict)
    years: frozenset[int] = frozenset()
    fingerprint: str = ""

    @classmethod
    def of(
        cls, marks: Iterable[DayMark], years: Iterable[int] | None = None, fingerprint: str = ""
    ) -> CalendarData:
        ms = {m.day: m for m in marks}
        ys = frozenset(years) if years is not None else frozenset(d.year for d in ms)
        return cls(ms, ys, fingerprint)


EMPTY_CALENDAR = CalendarData()


@dataclass(frozen=True)
class OfficeCalendar:
    """Office hours, the official calendar's marked dates and the years it covers, in ``tz``."""

    hours: tuple[Hours, ...]
    tz: tzinfo
    marks: Mapping[date, DayMark] = field(default_factory=dict)
    years: frozenset[int] = frozenset()
    makeup_weekday: int = 0  # whose hours a make-up workday keeps (Monday)

    @classmethod
    def build(
        cls,
        office_hours: str,
        tz: tzinfo,
        marks: Iterable[DayMark] = (),
        years: Iterable[int] | None = None,
        makeup_weekday: int = 0,
    ) -> OfficeCalendar:
        data = CalendarData.of(marks, years)
        return cls.of(office_hours, tz, data, makeup_weekday)

    @classmethod
    def of(
        cls,
        office_hours: str,
        tz: tzinfo,
        data: CalendarData = EMPTY_CALENDAR,
        makeup_weekday: int = 0,
    ) -> OfficeCalendar:
        hours = parse_office_hours(office_hours)
        if all(h is None for h in hours):
            raise OfficeTimeError("办公时间中没有任何工作日")
        if hours[makeup_weekday] is None:
            raise OfficeTimeError(
                f"调休上班日按{WEEKDAY_NAMES[makeup_weekday]}的办公时间,"
                f"但{WEEKDAY_NAMES[makeup_weekday]}没有办公时间"
            )
        return cls(hours, tz, data.marks, data.years, makeup_weekday)

    # --- days -------------------------------------------------------------------------------

    def has_year(self, year: int) -> bool:
        return year in self.years

    def hours_on(self, d: date) -> Hours:
        """The office hours of date ``d``, None on a day off."""
        mark = self.marks.get(d) if d.year in self.years else None
        if mark is not None:
            if mark.off:
                return None
            return self.hours[self.makeup_weekday]  # a make-up workday: a working day's hours
        return self.hours[d.weekday()]

    def is_workday(self, d: date) -> bool:
        return self.hours_on(d) is not None

    def _interval(self, d: date) -> tuple[datetime, datetime] | None:
        h = self.hours_on(d)
        if h is None:
            return None
        return (datetime.combine(d, h[0], self.tz), datetime.combine(d, h[1], self.tz))

    def _days_from(self, d: date, step: int = 1) -> Iterator[date]:
        for _ in range(_MAX_SCAN_DAYS):
            yield d
            d += timedelta(days=step)
        raise OfficeTimeError(f"办公日历在 {d} 前后 {_MAX_SCAN_DAYS} 天内没有任何工作日")

    def missing_years(self, years: Iterable[int]) -> list[int]:
        return [y for y in years if y not in self.years]

    # --- arithmetic ---------------------------------------------------------------------------

    def start_of(self, t: datetime) -> datetime:
        """When an office-time clock started at ``t`` begins to run: ``t`` itself within office
        hours, else the next opening."""
        return self.add(t, timedelta(0))

    def add(self, start: datetime, limit: timedelta) -> datetime:
        """The instant ``limit`` of office time after ``start`` (in this calendar's zone)."""
        if limit < timedelta(0):
            return self.subtract(start, -limit)
        t = start.astimezone(self.tz)
        rem = limit
        for d in self._days_from(t.date()):
            iv = self._interval(d)
            if iv is None:
                continue
            o, c = iv
            s = max(t, o)
            if s < c:
                if rem <= c - s:
                    return s + rem
                rem -= c - s
        raise AssertionError("unreachable")  # pragma: no cover

    def subtract(self, end: datetime, limit: timedelta) -> datetime:
        """The instant ``limit`` of office time before ``end``; the inverse of ``add`` for a
        start within office hours (a limit reaching an opening exactly stops there)."""
        t = end.astimezone(self.tz)
        rem = limit
        for d in self._days_from(t.date(), -1):
            iv = self._interval(d)
            if iv is None:
                continue
            o, c = iv
            e = min(t, c)
            if e >= o:
                if rem <= e - o:
                    return e - rem
                rem -= e - o
        raise AssertionError("unreachable")  # pragma: no cover

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        """Office time between ``a`` and ``b`` (negative when ``b`` is earlier)."""
        if b < a:
            return -self.elapsed(b, a)
        a, b = a.astimezone(self.tz), b.astimezone(self.tz)
        total = timedelta(0)
        d = a.date()
        while d <= b.date():
            iv = self._interval(d)
            if iv is not None:
                lo, hi = max(a, iv[0]), min(b, iv[1])
                if hi > lo:
                    total += hi - lo
            d += timedelta(days=1)
        return total

    def add_workdays(self, start: datetime, n: int) -> datetime:
        """Closing time of the ``n``-th working day after the day of ``start``."""
        d = start.astimezone(self.tz).date()
        count = 0
        for day in self._days_from(d + timedelta(days=1)):
            if self.is_workday(day):
                count += 1
                if count >= n:
                    iv = self._interval(day)
                    assert iv is not None
                    return iv[1]
        raise AssertionError("unreachable")  # pragma: no cover

    def day_close(self, t: datetime) -> datetime:
        """D4's "that day": closing time of the working day of ``t``, or of the next working
        day when ``t`` is at or after closing or on a day off."""
        local = t.astimezone(self.tz)
        for d in self._days_from(local.date()):
            iv = self._interval(d)
            if iv is not None and local < iv[1]:
                return iv[1]
        raise AssertionError("unreachable")  # pragma: no cover


def next_year_warning(cal: OfficeCalendar, today: date) -> str:
    """From 1 December, the to-do page's warning when next year has no calendar data ("" when
    none is due): what the deadlines counted in office time will do without it."""
    if today.month != 12 or cal.has_year(today.year + 1):
        return ""
    return (
        f"尚未导入 {today.year + 1} 年的节假日与调休安排:按工作时间计算的时限在该年将把"
        "所有有办公时间的星期几都当作工作日(不识别节假日和调休)。请在 设置 → 工作日历 "
        "或用 calendar import 导入总部下发的日历。"
    )
