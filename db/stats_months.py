"""The kept month partials of 统计 (table stats_months, schema step 20): read by month, written
only when nothing was written since they were computed, emptied at will. Triggers on cases and
entries delete every kept month a write falls in (db/migrations/m0020_stats_months.py), so a
row that is there is current."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import peewee as pw

from db.data_stamp import write_stamp
from db.models import database, on_server


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def kept_here() -> bool:
    """Months are kept in this PC's SQLite file only: on the office server the check that
    nothing was written since a month was computed (SQLite's data_version) does not exist."""
    return not on_server()


def load(sites: str, zone: str, starts: Sequence[str]) -> dict[str, tuple[str, str, str, str]]:
    """start_at → (end_at, judging, settled_at, part) of the kept months of these sites and
    time zone that start at ``starts``."""
    if not starts:
        return {}
    return {
        start: (end, judging, settled, part)
        for start, end, judging, settled, part in database.execute_sql(
            "SELECT start_at, end_at, judging, settled_at, part FROM stats_months "
            f"WHERE sites = ? AND zone = ? AND start_at IN ({_marks(starts)})",
            [sites, zone, *starts],
        )
    }


def store(rows: Sequence[tuple[str, str, str, str, str, str, int, str]], stamp: tuple) -> bool:
    """Keep rows (start_at, end_at, sites, zone, judging, settled_at, cases, part), replacing
    the same month's, if nothing was written to the database since ``stamp``
    (data_stamp.write_stamp) was taken: a month computed before a write it missed would
    otherwise stay. Never waits for another writer: False, nothing written, when the
    database is busy, read-only or written since."""
    if not rows or not kept_here():
        return False
    busy = database.execute_sql("PRAGMA busy_timeout").fetchone()[0]
    database.execute_sql("PRAGMA busy_timeout = 50")
    try:
        with database.atomic():  # takes the write lock: no commit can come in between
            if write_stamp() != stamp:
                return False
            database.cursor().executemany(
                "INSERT OR REPLACE INTO stats_months (start_at, end_at, sites, zone, judging, "
                "settled_at, cases, part) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
    except (sqlite3.Error, pw.DatabaseError):
        return False
    finally:
        database.execute_sql(f"PRAGMA busy_timeout = {int(busy)}")
    return True


def forget() -> None:
    """Empty stats_months (derived data: the figures are the same without it)."""
    with database.atomic():
        database.execute_sql("DELETE FROM stats_months")


def count() -> int:
    """How many months are kept (all sites and zones)."""
    return int(database.execute_sql("SELECT count(*) FROM stats_months").fetchone()[0])
