"""Schema 7: the monthly review's business volume and its kept case summaries.

``volumes``: per site and calendar month, the office's business volume (进厂台次 = service
visits, 新车销售台数 = new cars sold), the denominator of the complaint rate (投诉率) that
the database cannot count itself. Entered by hand on the 统计 page; local to the office.

``stats_summaries``: what the figures need from a *closed* case's entries (time to contact
and to handling, callback, level, reopen, the deadline outcomes), kept so that a month's
figures after a restart read and judge only the open cases' entries. Derived data: keyed by
a fingerprint of the case (revision, modified time, its entries' count and latest time) and of
the policy book, so a stale row is never used, only recomputed; it may be emptied at any time.

``cases_closed_received``: the cases closed since a day and received before it (a period's
carried-over cases) come from this index instead of every case modified since (44 → 4 ms,
100k cases). ``cases_received_live``: the 12-month trend counts each month from the index
alone (151 → 6 ms).
"""

from __future__ import annotations

STATEMENTS = [
    """CREATE TABLE volumes (
        site TEXT NOT NULL,
        month TEXT NOT NULL CHECK (length(month) = 7),
        service_visits INTEGER NOT NULL CHECK (service_visits >= 0),
        new_car_sales INTEGER NOT NULL CHECK (new_car_sales >= 0),
        modified_at TEXT NOT NULL,
        modified_by TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (site, month)
    )""",
    """CREATE TABLE stats_summaries (
        case_id INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
        fingerprint TEXT NOT NULL,
        contact_hours REAL,
        handling_hours REAL,
        called_back INTEGER NOT NULL,
        level TEXT,
        reopened INTEGER NOT NULL,
        outcomes TEXT NOT NULL
    )""",
    "CREATE INDEX cases_closed_received ON cases (closed_at, received_at, deleted, site)",
    "CREATE INDEX cases_received_live ON cases (received_at, deleted, site)",
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)
