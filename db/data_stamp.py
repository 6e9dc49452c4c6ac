"""A stamp of what the database holds: two equal stamps mean nothing was written in between,
on this connection or any other (another thread, program or seat of the office server).

SQLite: the connection's count of changed rows and ``PRAGMA data_version`` (which moves when
another connection commits). PostgreSQL: the end of the write-ahead log, which every write
moves (so does other work of the server: a stamp may differ with nothing changed, never the
reverse). The connection itself is part of the stamp: another one, or the database reopened,
never compares equal.
"""

from __future__ import annotations

from typing import Any

from db.models import database, on_server


def data_stamp() -> tuple[Any, ...] | None:
    """The stamp, or None inside a transaction (what it reads may still be rolled back)."""
    if database.in_transaction():
        return None
    return write_stamp()


def write_stamp() -> tuple[Any, ...]:
    """The stamp as this connection sees it now, inside a transaction too (the caller knows
    whether what it compares may still be rolled back)."""
    conn = database.connection()
    if on_server():
        lsn = database.execute_sql("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
        return (conn, str(lsn))
    version = conn.execute("PRAGMA data_version").fetchone()[0]
    return (conn, database.database, conn.total_changes, version)
