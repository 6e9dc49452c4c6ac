"""The office server's data as a SQLite file of the same schema: what ``backup`` writes on
the server, so the backup is a file the same ``restore`` reads (and an office that gives the
server up keeps every record)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from db.backup import BackupCancelled
from db.database import build_schema, latest_version
from db.models import database

if TYPE_CHECKING:  # the type only: a SQLite start never loads psycopg (db/server_errors.py)
    import psycopg

# Filled by the file's own triggers as the cases and the audit entries arrive (the touched
# cases' log of the server counts transactions of the server: the file starts its own).
_DERIVED = (
    "cases_fts",
    "cases_customer_fts",
    "cases_bigram_customer",
    "cases_bigram_case",
    "audit_head",
    "case_touches",
    "case_touch_log",
)
# Tables the schema itself starts with a row in, replaced by the server's rows.
_SEEDED = ("ledger_meta",)
# Rows read from the server per round trip.
BATCH_ROWS = 5000


def copy_server_to(
    target: sqlite3.Connection,
    snapshot: psycopg.Connection[tuple[Any, ...]] | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> None:
    """Build the schema in the empty ``target`` and copy every row of the server into it,
    in one snapshot of the server (a transaction, or the held ``snapshot``: its connection
    in a transaction, db/server_snapshot.py) and in id order (the audit trail's head only
    moves forward). The rows stream in batches: ``progress(rows done, rows estimated)``
    after each, and ``cancelled()`` true between two raises BackupCancelled."""
    build_schema(target, latest_version())
    target.commit()
    tables = [
        r[0]
        for r in target.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' "
            "ORDER BY rowid"
        )
    ]
    copied = [t for t in tables if not t.startswith(_DERIVED)]
    if snapshot is not None:
        _copy_tables(target, snapshot, copied, progress, cancelled)
    else:
        with database.read_snapshot():
            _copy_tables(target, database.connection(), copied, progress, cancelled)
    target.commit()


def _copy_tables(
    target: sqlite3.Connection,
    source: psycopg.Connection[tuple[Any, ...]],
    tables: list[str],
    progress: Callable[[int, int], None] | None,
    cancelled: Callable[[], bool] | None,
) -> None:
    estimated = dict(
        source.execute(
            "SELECT relname, greatest(reltuples, 0)::bigint FROM pg_class "
            "WHERE relkind = 'r' AND relnamespace = current_schema()::regnamespace"
        ).fetchall()
    )
    total = max(sum(int(estimated.get(t, 0)) for t in tables), 1)
    done = 0
    for table in tables:
        if cancelled is not None and cancelled():
            raise BackupCancelled
        columns = [r[1] for r in target.execute(f'PRAGMA table_info("{table}")')]
        names = ", ".join(columns)
        if table in _SEEDED:
            target.execute(f"DELETE FROM {table}")
        marks = ", ".join("?" for _ in columns)
        insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"
        # a cursor on the server: a table of a million rows never sits in memory whole
        with source.cursor(name=f"backup_{table}") as rows:
            rows.execute(f"SELECT {names} FROM {table} ORDER BY 1")
            while batch := rows.fetchmany(BATCH_ROWS):
                target.executemany(insert, batch)
                done += len(batch)
                if cancelled is not None and cancelled():
                    raise BackupCancelled
                if progress is not None:
                    progress(min(done, total), max(total, done))
