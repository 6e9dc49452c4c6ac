"""Deadline reminders once per office: on the office server the seat that first shows a
reminder (a case's deadline turning 将到期 or 已逾期) claims it, and the other seats do not
show it again; on this PC's SQLite file there is one seat, and nothing is claimed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from db import reminder_rows, seats
from db.models import on_server
from db.retry import retried

# (case id, rule, status) as the notifier keys what it has announced
Key = tuple[int, str, str]


def per_office() -> bool:
    """Whether reminders are shared by several seats (the office server)."""
    return on_server()


@retried  # one transaction: run again if the office server undid it
def claim(reminders: Iterable[tuple[Key, datetime]], now: datetime) -> set[Key]:
    """The reminders (key, due time) that this seat is the first of the office to show."""
    wanted = {(key[0], key[1], key[2], due): key for key, due in reminders}
    if not wanted:
        return set()
    won = reminder_rows.claim(wanted, seats.current(), now)
    return {wanted[r] for r in won}
