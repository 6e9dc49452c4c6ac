"""Schema 20: the kept month partials of 统计 (``stats_months``).

A month that is over, all of whose cases were closed, has figures that no longer depend on
the clock: its partial (figures.Partial: the case ids of every bucket, the times, the
outcomes) is kept here per set of sites, time zone and judging (the policy versions in force
in it), so a year opened after a restart reads twelve rows instead of judging every case.

Derived data: it may be emptied at any time. It proves itself current by being there: the
triggers below delete every kept month that a written case or tracking entry falls in
(by the case's received time, before and after the write), whoever writes, in the same
transaction; and the month of a case whose kept summary (stats_summaries) is deleted, so a
kept month's closed cases always have theirs and refilling the summaries judges the month
again. A month is only kept when nothing was written since it was computed.
"""

from __future__ import annotations

TABLE = """CREATE TABLE stats_months (
    id INTEGER PRIMARY KEY,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    sites TEXT NOT NULL,
    zone TEXT NOT NULL,
    judging TEXT NOT NULL,
    settled_at TEXT NOT NULL,
    cases INTEGER NOT NULL,
    part TEXT NOT NULL,
    UNIQUE (sites, zone, start_at, end_at)
)"""
# The triggers look months up by their end: a write into the month still running (the
# usual one) finds no kept month at once.
INDEX = "CREATE INDEX stats_months_end ON stats_months (end_at, start_at)"

_FORGET = "DELETE FROM stats_months WHERE end_at > {t} AND start_at <= {t};"
_FORGET_CASE = (
    "DELETE FROM stats_months WHERE id IN (SELECT m.id FROM cases c, stats_months m "
    "WHERE c.id = {case} AND m.end_at > c.received_at AND m.start_at <= c.received_at);"
)

STATEMENTS = [
    TABLE,
    INDEX,
    "CREATE TRIGGER stats_months_case_ai AFTER INSERT ON cases BEGIN "
    + _FORGET.format(t="new.received_at")
    + " END",
    "CREATE TRIGGER stats_months_case_au AFTER UPDATE ON cases BEGIN "
    + _FORGET.format(t="old.received_at")
    + " "
    + _FORGET.format(t="new.received_at")
    + " END",
    "CREATE TRIGGER stats_months_case_ad AFTER DELETE ON cases BEGIN "
    + _FORGET.format(t="old.received_at")
    + " END",
    "CREATE TRIGGER stats_months_entry_ai AFTER INSERT ON entries BEGIN "
    + _FORGET_CASE.format(case="new.case_id")
    + " END",
    "CREATE TRIGGER stats_months_entry_au AFTER UPDATE ON entries BEGIN "
    + _FORGET_CASE.format(case="old.case_id")
    + " "
    + _FORGET_CASE.format(case="new.case_id")
    + " END",
    "CREATE TRIGGER stats_months_entry_ad AFTER DELETE ON entries BEGIN "
    + _FORGET_CASE.format(case="old.case_id")
    + " END",
    "CREATE TRIGGER stats_months_summary_ad AFTER DELETE ON stats_summaries BEGIN "
    + _FORGET_CASE.format(case="old.case_id")
    + " END",
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)
