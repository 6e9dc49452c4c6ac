"""Which cases were written since a reader last looked, on this seat or any other (schema 24,
db/migrations/m0024_case_touches.py: ``case_touches``, filled by triggers in the writer's
own transaction, so nothing of this process's own bookkeeping is trusted).

A reader takes a ``Mark`` BEFORE it reads the cases; later, ``touched_since(mark)`` names
every case a write committed since then may have changed (a case may be named that was
not: judging it again is harmless; one that was is never left out), with the new mark.
SQLite: the highest ``seq`` seen (writers are serialised: a commit after the mark has a
higher one). The server: the reader's snapshot (``pg_current_snapshot()``) and each touch's
transaction id; the touches not visible in the old snapshot are the new ones, whatever
order their transactions committed in.

None instead: judge every case afresh. So it is when the log's ``epoch`` changed (the
policy or the office calendar were written, or ``mark_everything()``: a bulk load with its
insert triggers off, a restore, a move to the server), when the log no longer reaches back
to the mark (it keeps the last ``KEEP`` touches: a mark older than that is answered None),
or when more than ``limit`` cases were touched.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from dataclasses import dataclass

from db.models import database, on_server

# pg_snapshot's text: xmin:xmax:xip,xip,...
_SNAPSHOT = re.compile(r"\d+:\d+:(\d+(,\d+)*)?")
# The touches the log keeps: schema 24's triggers prune those before the last KEEP (the
# frozen step's own constant, m0024_case_touches.KEEP; only the migration runner imports it).
KEEP = 50_000


@dataclass(frozen=True, slots=True)
class Mark:
    epoch: int
    at: int | str  # SQLite: the highest seq seen; the server: the reader's snapshot


def mark() -> Mark:
    """Where the log stands now (take it before reading what it is to guard)."""
    if on_server():
        snap, epoch = database.execute_sql(
            "SELECT pg_current_snapshot()::text, epoch FROM case_touch_log"
        ).fetchone()
        return Mark(int(epoch), str(snap))
    seq, epoch = database.execute_sql(
        "SELECT (SELECT coalesce(max(seq), 0) FROM case_touches), epoch FROM case_touch_log"
    ).fetchone()
    return Mark(int(epoch), int(seq))


def touched_since(before: Mark, limit: int) -> tuple[Mark, set[int]] | None:
    """(the mark now, the cases touched since ``before``), or None: judge every case afresh."""
    if on_server():
        snap = str(before.at)
        row = database.execute_sql(
            "SELECT pg_current_snapshot()::text, l.epoch, "
            "l.floor < pg_snapshot_xmin(?::pg_snapshot), ARRAY(SELECT DISTINCT t.case_id "
            "FROM case_touches t WHERE t.xid >= pg_snapshot_xmin(?::pg_snapshot) "
            "AND NOT pg_visible_in_snapshot(t.xid, ?::pg_snapshot) LIMIT ?) "
            "FROM case_touch_log l",
            (snap, snap, snap, limit + 1),
        ).fetchone()
        now, epoch, reaches, ids = row
        if int(epoch) != before.epoch or not reaches or len(ids) > limit:
            return None
        return Mark(before.epoch, str(now)), {int(i) for i in ids}
    # the touches first, the log's row after: an epoch or a floor that moved before the
    # touches were read is seen
    rows = database.execute_sql(
        "SELECT case_id, max(seq) FROM case_touches WHERE seq > ? GROUP BY case_id LIMIT ?",
        (before.at, limit + 1),
    ).fetchall()
    epoch, floor = database.execute_sql("SELECT epoch, floor FROM case_touch_log").fetchone()
    if int(epoch) != before.epoch or int(floor) > int(before.at) or len(rows) > limit:
        return None
    at = max([int(before.at), *(int(seq) for _case, seq in rows)])
    return Mark(before.epoch, at), {int(case) for case, _seq in rows}


def mark_everything() -> None:
    """Every case counts as touched for every reader (a write whose touches the triggers did
    not note: a bulk load, a restore, a move). In the caller's transaction."""
    database.execute_sql("UPDATE case_touch_log SET epoch = ?", (secrets.randbits(62),))


def mark_file_everything(conn: sqlite3.Connection) -> None:
    """mark_everything in another SQLite file (a restore's staged copy), when its schema has
    the log (an older one gets it, with an epoch of its own, when it is migrated)."""
    if conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'case_touch_log'"
    ).fetchone():
        conn.execute("UPDATE case_touch_log SET epoch = ?", (secrets.randbits(62),))
        conn.commit()


def witness(at: Mark) -> list[object]:
    """What tells this database from a copy of it that went its own way (a file put back by
    hand, another office's server): the case of the touch at the mark (SQLite, where a copy
    reuses the ``seq`` numbers) and the last audit entry (its hash chains everything before
    it); on the server also that its transaction ids reached the mark's. ``witnessed`` says
    whether a database still holds them."""
    touch = None
    if not on_server() and int(at.at) > 0:
        row = database.execute_sql(
            "SELECT case_id FROM case_touches WHERE seq = ?", (int(at.at),)
        ).fetchone()
        touch = int(row[0]) if row else None
    last = database.execute_sql(
        "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return [touch, [int(last[0]), str(last[1])] if last else None]


def witnessed(at: Mark, seen: object) -> bool:
    """This database holds what ``witness(at)`` saw (an unreadable ``seen``: no)."""
    if not (isinstance(seen, list) and len(seen) == 2):
        return False
    touch, last = seen
    if on_server():  # transaction ids only grow: a server whose are behind the mark is another
        if not _SNAPSHOT.fullmatch(str(at.at)):
            return False
        (ahead,) = database.execute_sql(
            "SELECT pg_snapshot_xmax(pg_current_snapshot()) >= pg_snapshot_xmax(?::pg_snapshot)",
            (str(at.at),),
        ).fetchone()
        if not ahead:
            return False
    elif touch is not None or int(at.at) > 0:
        row = database.execute_sql(
            "SELECT case_id FROM case_touches WHERE seq = ?", (int(at.at),)
        ).fetchone()
        if row is None or touch != int(row[0]):
            return False
    if last is None:
        return database.execute_sql("SELECT 1 FROM audit_log LIMIT 1").fetchone() is None
    if not (isinstance(last, list) and len(last) == 2):
        return False
    row = database.execute_sql("SELECT hash FROM audit_log WHERE id = ?", (last[0],)).fetchone()
    return row is not None and row[0] == last[1]
