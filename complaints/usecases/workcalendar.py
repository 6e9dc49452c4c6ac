"""The office's working calendar: public holidays and make-up workdays (调休).

Where the dates come from, per year:
- a year loaded from a file (``import_file``: the holiday-cn project's JSON, or a .xlsx/.csv
  with the columns 日期, 类型 (休息日/工作日), 名称) replaces that year as a whole;
- otherwise the years shipped with the program, from the pinned ``chinesecalendar`` package
  (1.11.0: 2004–2026, ``SHIPPED_SOURCE``);
- a year with neither has no data: office-time limits count every weekday that has office
  hours as a working day (``complaints.rules.officetime``), and the to-do page says so from
  1 December (``next_year_warning``).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from chinese_calendar.constants import holidays, workdays

from complaints.rules import officetime
from complaints.rules.officetime import CalendarData, DayMark
from complaints.rules.validation import Problem
from complaints.usecases import audit, auth
from complaints.usecases.context import Context
from complaints.usecases.errors import UseCaseError, ValidationFailed
from db import calendar_store
from db.models import database
from db.retry import retried

SHIPPED_SOURCE = "chinesecalendar 1.11.0(随程序提供)"
OFF, WORK = "休息日", "工作日"
HEADERS = ("日期", "类型", "名称")
_MAX_PROBLEMS = 30

# chinesecalendar names its holidays in English.
_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


# --- shipped data -----------------------------------------------------------------------------


@functools.cache
def shipped() -> tuple[frozenset[int], tuple[DayMark, ...]]:
    """The years and marked dates of the pinned ``chinesecalendar`` package."""
    marks = [DayMark(d, True, _NAMES_ZH.get(n, n)) for d, n in holidays.items()]
    marks += [DayMark(d, False, _NAMES_ZH.get(n, n)) for d, n in workdays.items()]
    years = frozenset(d.year for d in holidays)
    return years, tuple(sorted(marks, key=lambda m: m.day))


# --- the calendar in force --------------------------------------------------------------------

# The calendar last built, by the stored calendar's change key: at most one entry; emptied
# by this module's writes.
_CACHE: dict[Any, CalendarData] = {}


def data() -> CalendarData:
    """Shipped years, overridden year by year by the years loaded from files."""
    key = calendar_store.change_key()
    cal = _CACHE.get(key)
    if cal is not None:
        return cal
    stored = calendar_store.stored_years()
    years, marks = shipped()
    out = [m for m in marks if m.day.year not in stored]
    out += [DayMark(d, off, name) for d, off, name in calendar_store.stored_days()]
    all_years = set(years) | set(stored)
    h = hashlib.sha1(repr((sorted(all_years), sorted((m.day, m.off) for m in out))).encode())
    cal = CalendarData.of(out, all_years, h.hexdigest()[:12])
    _CACHE.clear()
    _CACHE[key] = cal
    return cal


def clear_cache() -> None:
    """For another use case that stores calendar years (the rulebook import)."""
    _CACHE.clear()


@dataclass(frozen=True)
class YearView:
    year: int
    source: str  # "" without data
    marks: tuple[DayMark, ...]


def year_view(year: int) -> YearView:
    stored = calendar_store.stored_years()
    if year in stored:
        src, at, by = stored[year]
        source = f"导入自 {src}({at:%Y-%m-%d %H:%M},{by or '—'})"
    elif year in shipped()[0]:
        source = SHIPPED_SOURCE
    else:
        source = ""
    marks = tuple(
        sorted((m for m in data().marks.values() if m.day.year == year), key=lambda m: m.day)
    )
    return YearView(year, source, marks)


def next_year_warning(policy, today: date) -> str:
    """The to-do page's warning from 1 December when next year has no data and some rule is
    counted in office time ("" otherwise: calendar time needs no calendar)."""
    if today.month != 12 or not policy.office_rules():
        return ""
    # Only the years covered are read: the zone does not matter.
    cal = officetime.OfficeCalendar.of(policy.office_hours, UTC, data())
    return officetime.next_year_warning(cal, today)


# --- reading a calendar file --------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarFile:
    years: tuple[int, ...]
    marks: tuple[DayMark, ...]
    ignored: tuple[str, ...]  # dates not taken, each with its reason


def read_file(path: Path) -> CalendarFile:
    """A holiday-cn JSON or a .xlsx/.csv calendar; a bad row raises ``ValidationFailed``
    naming the file, the row and the column, and nothing is stored."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            return _read_json(path)
        if suffix == ".csv":
            return _read_rows(path, _csv_rows(path))
        if suffix in (".xlsx", ".xlsm"):
            return _read_rows(path, _xlsx_rows(path))
    except OSError as e:
        raise UseCaseError(f"无法读取日历文件 {path}:{e.strerror or e}") from None
    raise UseCaseError(
        f"日历文件 {path.name} 的格式无法识别:应为 .json(holiday-cn)、"
        ".xlsx 或 .csv(列:日期、类型、名称)"
    )


def _read_json(path: Path) -> CalendarFile:
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UseCaseError(f"日历文件 {path.name} 不是有效的 JSON:{e}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("days"), list):
        raise UseCaseError(
            f"日历文件 {path.name} 中没有 days 列表(应为 holiday-cn 的格式:"
            '{"days": [{"name", "date", "isOffDay"}]})'
        )
    problems: list[Problem] = []
    marks: list[tuple[int, DayMark]] = []
    for i, item in enumerate(raw["days"], start=1):
        where = f"{path.name} days 第 {i} 项"
        if not isinstance(item, dict):
            problems.append(Problem(where, f"{where}:应为包含 name、date、isOffDay 的对象"))
            continue
        d = _date(item.get("date"))
        if d is None:
            problems.append(
                Problem(where, f"{where}:date“{item.get('date')}”不是日期(应为 2027-01-01)")
            )
            continue
        off = item.get("isOffDay")
        if not isinstance(off, bool):
            problems.append(Problem(where, f"{where}:isOffDay 应为 true 或 false,而不是“{off}”"))
            continue
        marks.append((i, DayMark(d, off, str(item.get("name") or ""))))
    year = raw.get("year")
    years = {year} if isinstance(year, int) and not isinstance(year, bool) else None
    return _finish(path, marks, problems, years, "项")


def _csv_rows(path: Path) -> list[tuple[int, list[Any]]]:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):  # Excel saves CSV as GBK on a Chinese Windows
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise UseCaseError(f"日历文件 {path.name} 的编码无法识别:请另存为 UTF-8 的 CSV")
    return [(n, row) for n, row in enumerate(csv.reader(io.StringIO(text)), start=1)]


def _xlsx_rows(path: Path) -> list[tuple[int, list[Any]]]:
    from openpyxl import load_workbook  # heavy: loaded only when an .xlsx calendar is read

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a file that is not a workbook
        raise UseCaseError(f"日历文件 {path.name} 不是有效的 Excel 文件:{e}") from None
    try:
        ws = wb.worksheets[0]
        return [(n, list(row)) for n, row in enumerate(ws.iter_rows(values_only=True), start=1)]
    finally:
        wb.close()


def _read_rows(path: Path, rows: list[tuple[int, list[Any]]]) -> CalendarFile:
    rows = [(n, r) for n, r in rows if any(str(v or "").strip() for v in r)]
    if not rows:
        raise UseCaseError(f"日历文件 {path.name} 是空的:第一行应为表头 日期、类型、名称")
    head_n, head = rows[0]
    names = [str(v or "").strip() for v in head]
    cols = {h: names.index(h) for h in HEADERS if h in names}
    missing = [h for h in HEADERS[:2] if h not in cols]
    if missing:
        raise UseCaseError(
            f"日历文件 {path.name} 第 {head_n} 行(表头)缺少列:"
            f"{'、'.join(missing)}(应为 日期、类型、名称)"
        )
    problems: list[Problem] = []
    marks: list[tuple[int, DayMark]] = []

    def cell(r: list[Any], h: str) -> Any:
        i = cols.get(h)
        return r[i] if i is not None and i < len(r) else None

    for n, r in rows[1:]:
        where = f"{path.name} 第 {n} 行"
        v = cell(r, "日期")
        d = _date(v)
        if d is None:
            problems.append(
                Problem(
                    where,
                    f"{where}“日期”列:“{v if v is not None else ''}”不是日期(应为 2027-01-01)",
                )
            )
            continue
        kind = str(cell(r, "类型") or "").strip()
        if kind not in (OFF, WORK):
            problems.append(Problem(where, f"{where}“类型”列:应为 {OFF} 或 {WORK},而不是“{kind}”"))
            continue
        marks.append((n, DayMark(d, kind == OFF, str(cell(r, "名称") or "").strip())))
    return _finish(path, marks, problems, None, "行")


def _finish(
    path: Path,
    marks: list[tuple[int, DayMark]],
    problems: list[Problem],
    years: set[int] | None,
    unit: str,
) -> CalendarFile:
    seen: dict[date, tuple[int, DayMark]] = {}
    for n, m in marks:
        prev = seen.get(m.day)
        if prev is not None and prev[1].off != m.off:
            where = f"{path.name} 第 {n} {unit}"
            problems.append(
                Problem(
                    where, f"{where}:{m.day} 与第 {prev[0]} {unit}矛盾(一处为休息日,一处为工作日)"
                )
            )
        seen.setdefault(m.day, (n, m))
    if problems:
        more = len(problems) - _MAX_PROBLEMS
        shown = problems[:_MAX_PROBLEMS]
        if more > 0:
            shown.append(Problem(path.name, f"……另有 {more} 处问题"))
        raise ValidationFailed(
            [Problem(path.name, f"日历文件 {path.name} 未导入,请改正后重试:"), *shown]
        )
    if not seen:
        raise UseCaseError(f"日历文件 {path.name} 中没有任何日期")
    covered = years if years is not None else {d.year for d in seen}
    kept = [m for _, m in sorted(seen.values(), key=lambda x: x[1].day) if m.day.year in covered]
    ignored = [
        f"{m.day} {'休息日' if m.off else '工作日'} {m.name}:不属于文件所定的年份 "
        f"{'、'.join(map(str, sorted(covered)))},未导入"
        for _, m in seen.values()
        if m.day.year not in covered
    ]
    return CalendarFile(tuple(sorted(covered)), tuple(kept), tuple(sorted(ignored)))


def _date(v: Any) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    text = str(v or "").strip().replace("/", "-").replace(".", "-")
    parts = text.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


# --- importing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    years: tuple[int, ...]
    off_days: int
    workdays: int
    replaced: tuple[int, ...]  # years that had data (shipped or loaded) before
    ignored: tuple[str, ...]


@retried  # one transaction: run again if the office server undid it
def import_file(ctx: Context, path: Path) -> ImportResult:
    """Load a calendar file: each year it covers replaces that year's data (audited)."""
    auth.require(ctx, "settings.policy")
    f = read_file(path)
    before = data()
    replaced = tuple(y for y in f.years if y in before.years)
    with database.atomic():
        calendar_store.replace_years(
            list(f.years),
            [(m.day, m.off, m.name) for m in f.marks],
            source=Path(path).name,
            at=ctx.now(),
            by=ctx.actor,
        )
        changes = {
            str(y): (_count(before, y), sum(1 for m in f.marks if m.day.year == y)) for y in f.years
        }
        audit.record(
            ctx,
            "settings.calendar",
            table="calendar_days",
            uid=",".join(map(str, f.years)),
            changes=changes,
            note=f"导入工作日历 {Path(path).name}",
        )
    _CACHE.clear()
    return ImportResult(
        f.years, sum(m.off for m in f.marks), sum(not m.off for m in f.marks), replaced, f.ignored
    )


def _count(cal: CalendarData, year: int) -> int | None:
    if year not in cal.years:
        return None
    return sum(1 for d in cal.marks if d.year == year)


EDIT_SOURCE = "手工编辑"


@retried  # one transaction: run again if the office server undid it
def edit_day(ctx: Context, day: date, off: bool | None, name: str = "") -> YearView:
    """设置 → 工作日历: mark ``day`` a holiday (``off`` True), a make-up workday (False) or an
    ordinary day following its weekday (None). The year becomes a loaded year: its other dates
    (shipped or loaded) are kept as they were (audited)."""
    auth.require(ctx, "settings.policy")
    before = data()
    year = day.year
    marks = {d: m for d, m in before.marks.items() if d.year == year}
    old = marks.get(day)
    if off is None:
        marks.pop(day, None)
    else:
        marks[day] = DayMark(day, off, name.strip())
    new = marks.get(day)
    with database.atomic():
        calendar_store.replace_years(
            [year],
            [(m.day, m.off, m.name) for m in sorted(marks.values(), key=lambda m: m.day)],
            source=EDIT_SOURCE,
            at=ctx.now(),
            by=ctx.actor,
        )
        audit.record(
            ctx,
            "settings.calendar",
            table="calendar_days",
            uid=day.isoformat(),
            changes={day.isoformat(): (_mark_text(old), _mark_text(new))},
            note=f"修改工作日历 {day.isoformat()}",
        )
    _CACHE.clear()
    return year_view(year)


def _mark_text(m: DayMark | None) -> str:
    if m is None:
        return "按星期"
    return f"{OFF if m.off else WORK} {m.name}".rstrip()
