"""Schema 13: the office's working calendar (issue 20 §1).

``calendar_days``: the dates of the official calendar loaded from a file (holiday-cn JSON,
.xlsx/.csv sent by headquarters): a day off (``off`` 1, 休息日) or a make-up workday (``off``
0, 工作日), with its name. ``calendar_years``: the years such a file covered; a covered year
replaces the shipped data of that year as a whole (dates it does not name follow the weekday).
"""

from __future__ import annotations

STATEMENTS = [
    """CREATE TABLE calendar_years (
        year INTEGER PRIMARY KEY,
        source TEXT NOT NULL DEFAULT '',
        imported_at TEXT NOT NULL,
        imported_by TEXT NOT NULL DEFAULT ''
    )""",
    """CREATE TABLE calendar_days (
        day TEXT PRIMARY KEY CHECK (length(day) = 10),
        year INTEGER NOT NULL REFERENCES calendar_years (year),
        off INTEGER NOT NULL CHECK (off IN (0, 1)),
        name TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX calendar_days_year ON calendar_days (year)",
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)
