"""Which seat wrote, and what it told the other seats (the office server's change notices).

On the office server every committed write is announced on one channel (``CHANNEL``) by the
engine (db/server.py), naming the seat that wrote it and the tables it wrote; every seat's
listener (db/server_listen.py) turns what it hears into the topics of the pages, and ignores
what its own seat wrote, which its own change journal already reported.

A seat is this program's process (``SEAT``); a thread may speak for another seat
(``set_thread_seat``) so that two seats can be driven by one process. No database driver is
imported here: the SQLite start does not load psycopg.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable

from db import changes

CHANNEL = "complaintdesk_changes"
SEAT = uuid.uuid4().hex[:16]  # this process, for as long as it runs

_local = threading.local()


def current() -> str:
    """The seat the writes of this thread belong to."""
    seat: str | None = getattr(_local, "seat", None)
    return seat or SEAT


def set_thread_seat(seat: str | None) -> None:
    """The writes of THIS thread belong to ``seat`` (None: this process's seat again)."""
    _local.seat = seat


def announced(tables: Iterable[str]) -> list[str]:
    """The tables of ``tables`` worth telling the other seats about: those some page shows
    (a table no page shows, such as a claimed reminder, refreshes nothing)."""
    return sorted(t for t in set(tables) if t not in changes.NOT_SHOWN)


def payload(seat: str, tables: Iterable[str]) -> str:
    """The text of one notice (PostgreSQL keeps it under 8000 bytes: a few dozen names)."""
    return json.dumps({"seat": seat, "tables": sorted(tables)}, separators=(",", ":"))


def heard(text: str, own_seat: str) -> frozenset[str] | None:
    """The topics another seat's notice ``text`` changed; None for this seat's own notice
    or for one with no topic. A notice this program cannot read refreshes every page."""
    try:
        notice = json.loads(text)
        seat, tables = str(notice["seat"]), [str(t) for t in notice["tables"]]
    except (ValueError, KeyError, TypeError):
        return frozenset(changes.TOPICS)
    if seat == own_seat:
        return None
    topics = changes.Recorder(tables=set(tables)).changed_topics()
    return topics or None
