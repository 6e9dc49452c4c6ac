"""The deadline reminders an office has shown (reminders_sent): claimed by the first seat
that shows one, so the other seats of the office server stay quiet about it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from db.models import database
from db.timeutil import to_db

# (case id, rule, status, due time)
Reminder = tuple[int, str, str, datetime]

_CLAIM = (
    "INSERT OR IGNORE INTO reminders_sent (case_id, rule, status, due, seat, sent_at) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)


def claim(reminders: Iterable[Reminder], seat: str, now: datetime) -> set[Reminder]:
    """Claim each reminder for ``seat`` in one transaction; returns those this call claimed
    (one that another seat claimed first is not). Claimed in one order on every seat, so
    two seats claiming the same reminders at once wait for each other, never deadlock."""
    won: set[Reminder] = set()
    with database.atomic():
        for r in sorted(set(reminders), key=lambda r: (r[0], r[1], r[2], to_db(r[3]))):
            case_id, rule, status, due = r
            cur = database.execute_sql(
                _CLAIM, (case_id, rule, status, to_db(due), seat, to_db(now))
            )
            if cur.rowcount == 1:
                won.add(r)
    return won
