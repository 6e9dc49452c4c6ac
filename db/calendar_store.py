"""SQL of the office's working calendar (schema step 13): the years loaded from a file and
their marked dates."""

from __future__ import annotations

from datetime import date, datetime

from db.models import database
from db.models_calendar import CalendarDay, CalendarYear


def stored_years() -> dict[int, tuple[str, datetime, str]]:
    """year → (source file name, imported at, imported by)."""
    return {
        r.year: (r.source, r.imported_at, r.imported_by)
        for r in CalendarYear.select().order_by(CalendarYear.year)
    }


def stored_days(years: list[int] | None = None) -> list[tuple[date, bool, str]]:
    q = CalendarDay.select().order_by(CalendarDay.day)
    if years is not None:
        q = q.where(CalendarDay.year.in_(years))
    return [(date.fromisoformat(r.day), bool(r.off), r.name) for r in q]


def replace_years(
    years: list[int], days: list[tuple[date, bool, str]], *, source: str, at: datetime, by: str
) -> None:
    """The given years as a whole: their earlier dates are dropped, ``days`` stored."""
    with database.atomic():
        CalendarDay.delete().where(CalendarDay.year.in_(years)).execute()
        CalendarYear.delete().where(CalendarYear.year.in_(years)).execute()
        CalendarYear.insert_many(
            [{"year": y, "source": source, "imported_at": at, "imported_by": by} for y in years]
        ).execute()
        rows = [
            {"day": d.isoformat(), "year": d.year, "off": off, "name": name}
            for d, off, name in days
        ]
        for i in range(0, len(rows), 200):
            CalendarDay.insert_many(rows[i : i + 200]).execute()


def change_key() -> tuple:
    """Changes whenever a year is loaded (for a cache of the calendar in force)."""
    row = database.execute_sql(
        "SELECT count(*), max(imported_at), (SELECT count(*) FROM calendar_days) "
        "FROM calendar_years"
    ).fetchone()
    return tuple(row)
