"""The audit trail's own tables: audit_log (append-only, hash-chained) and audit_head (the
last entry written). Entries are written with raw SQL so the hash the use case computes
covers exactly the stored text."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from db.models import database, on_server
from db.timeutil import from_db, to_db

GENESIS = "0" * 64  # the previous hash of the first entry
# The columns of audit_log, in the order complaints.usecases.audit hashes and stores them.
COLUMNS = (
    "id",
    "at",
    "site",
    "user_id",
    "actor",
    "event",
    "tbl",
    "record_uid",
    "changes",
    "note",
    "prev_hash",
    "hash",
)
PROTECTING_TRIGGERS = ("audit_log_no_update", "audit_log_no_delete", "audit_log_head")
_READ = "SELECT id, at, site, user_id, actor, event, tbl, record_uid, changes, note FROM audit_log"
_INSERT = f"INSERT INTO audit_log ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"


class Entry(NamedTuple):
    """One audit entry as read back: the time aware, the changes decoded."""

    id: int
    at: datetime
    site: str
    user_id: int | None
    actor: str
    event: str
    table: str | None
    uid: str | None
    changes: dict[str, list[Any]]
    note: str


def _entry(r: Sequence[Any]) -> Entry:
    at = from_db(r[1])
    assert at is not None  # audit_log.at is NOT NULL
    return Entry(r[0], at, r[2], r[3], r[4], r[5], r[6], r[7], json.loads(r[8] or "{}"), r[9])


def tail() -> tuple[int, str]:
    """(id, hash) the next entry follows: the last entry's, its id never below the head's
    (so an entry removed at the end is not reused); (0, GENESIS) when empty.

    On the office server the head is locked first, until the transaction ends: two seats
    appending at once take turns, each after the other's entry (SQLite's write transaction
    already holds the whole file)."""
    lock = " FOR UPDATE" if on_server() else ""
    head = database.execute_sql(f"SELECT last_id FROM audit_head WHERE id = 1{lock}").fetchone()
    last = database.execute_sql(
        "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1"
    ).fetchone()
    last_id = max(last[0] if last else 0, head[0] if head else 0)
    return last_id, last[1] if last else GENESIS


def insert(rows: Sequence[Sequence[Any]]) -> None:
    """Append stored rows (values in COLUMNS order); call inside a transaction."""
    if len(rows) == 1:
        database.execute_sql(_INSERT, tuple(rows[0]))
    elif rows:
        database.cursor().executemany(_INSERT, rows)


def select(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    actor: str | None = None,
    event: str | None = None,
    table: str | None = None,
    uid: str | None = None,
    text: str | None = None,
    limit: int | None = None,
    newest_first: bool = True,
) -> list[Entry]:
    """The entries matching every filter given (``event`` also matches its sub-events:
    "user" → "user.create"…; ``text`` is looked for in the note, changes and event)."""
    where: list[str] = []
    params: list[object] = []
    if since is not None:
        where.append("at >= ?")
        params.append(to_db(since))
    if until is not None:
        where.append("at < ?")
        params.append(to_db(until))
    if actor:
        where.append("actor = ?")
        params.append(actor)
    if event:
        where.append("(event = ? OR event LIKE ?)")
        params += [event, event + ".%"]
    if table:
        where.append("tbl = ?")
        params.append(table)
    if uid:
        where.append("record_uid = ?")
        params.append(uid)
    if text:
        where.append("(note LIKE ? OR changes LIKE ? OR event LIKE ?)")
        params += [f"%{text}%"] * 3
    sql = _READ
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id " + ("DESC" if newest_first else "ASC")
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [_entry(r) for r in database.execute_sql(sql, params).fetchall()]


def actors() -> list[str]:
    return [
        r[0]
        for r in database.execute_sql(
            "SELECT DISTINCT actor FROM audit_log ORDER BY actor"
        ).fetchall()
    ]


def case_uids(case_id: int) -> list[str]:
    """The record uids that belong to one case: the case, its tracking entries, its
    attachments (by stored name) and its sanctions."""
    uids: list[str] = []
    for sql in (
        "SELECT uid FROM cases WHERE id = ?",
        "SELECT uid FROM entries WHERE case_id = ?",
        "SELECT stored_name FROM attachments WHERE case_id = ?",
        "SELECT uid FROM sanctions WHERE case_id = ?",
    ):
        uids += [r[0] for r in database.execute_sql(sql, (case_id,)).fetchall()]
    return uids


def about(uids: Sequence[str]) -> list[Entry]:
    """The entries about any of ``uids``, oldest first."""
    out: list[Entry] = []
    for i in range(0, len(uids), 500):
        chunk = list(uids[i : i + 500])
        rows = database.execute_sql(
            f"{_READ} WHERE record_uid IN ({', '.join('?' for _ in chunk)})", chunk
        ).fetchall()
        out += [_entry(r) for r in rows]
    return sorted(out, key=lambda e: e.id)


def stored_rows(from_id: int = 1) -> list[dict[str, Any]]:
    """The entries from ``from_id`` on, oldest first, as stored (for the hash checks and
    the ledgers that carry them)."""
    rows = database.execute_sql(
        f"SELECT {', '.join(COLUMNS)} FROM audit_log WHERE id >= ? ORDER BY id", (from_id,)
    ).fetchall()
    return [dict(zip(COLUMNS, r, strict=True)) for r in rows]


BATCH = 5_000  # entries read at a time by stored_batches


def stored_batches(batch: int | None = None) -> Iterator[list[dict[str, Any]]]:
    """Every entry, oldest first, as stored, ``batch`` (BATCH) at a time: the chain check
    holds one batch in memory, never the whole log."""
    batch = batch or BATCH
    after = -(2**63)  # below every rowid SQLite can hold
    while True:
        rows = database.execute_sql(
            f"SELECT {', '.join(COLUMNS)} FROM audit_log WHERE id > ? ORDER BY id LIMIT ?",
            (after, batch),
        ).fetchall()
        if not rows:
            return
        yield [dict(zip(COLUMNS, r, strict=True)) for r in rows]
        after = rows[-1][0]


def count_from(from_id: int) -> int:
    return database.execute_sql(
        "SELECT count(*) FROM audit_log WHERE id >= ?", (from_id,)
    ).fetchone()[0]


def last() -> tuple[int, str] | None:
    """(id, hash) of the last entry, None when there is none."""
    row = database.execute_sql("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else None


def head() -> tuple[int, str] | None:
    """What audit_head remembers as the last entry written: (id, hash)."""
    row = database.execute_sql("SELECT last_id, last_hash FROM audit_head WHERE id=1").fetchone()
    return (row[0], row[1]) if row else None


def missing_triggers() -> list[str]:
    """The triggers that protect the log and are not there."""
    if on_server():
        present = {
            r[0]
            for r in database.execute_sql(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
            ).fetchall()
        }
        return [t for t in PROTECTING_TRIGGERS if t not in present]
    present = {
        r[0]
        for r in database.execute_sql(
            "SELECT name FROM sqlite_master WHERE type='trigger'"
        ).fetchall()
    }
    return [t for t in PROTECTING_TRIGGERS if t not in present]
