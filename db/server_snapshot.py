"""The office server as it is now, held on a connection of its own while other work goes on:
what the backup before a ledger import reads, so that the import starts at once and commits
while the backup is still being written, and the backup still holds the office as it was
before the import.

A read-only ``REPEATABLE READ`` transaction sees one snapshot of the database from its first
query to its end, whatever commits meanwhile. Before that first query it takes ``ACCESS
SHARE`` locks on every table of the office (a ``LOCK`` takes no snapshot): a plain import
only ever needs row locks, which never wait for them, and a bulk load's drops of indexes,
triggers and constraints (db/bulk_load.py) wait for the backup to end instead of changing
a table under it or meeting it in a deadlock; no DDL that is not safe under an older
snapshot (TRUNCATE, a table rewrite) can commit while it is held.
"""

from __future__ import annotations

from typing import Any

import psycopg

from db.errors import StorageError
from db.models import database
from db.server import connection_error
from db.server_address import connect_params
from db.server_errors import server_trouble
from db.server_listen import KEEPALIVES


class ServerSnapshot:
    """One held snapshot of the office server; ``close()`` ends it (reading it is all it
    ever does). Used by one thread at a time: fixed on one, read on another."""

    def __init__(self, conn: psycopg.Connection[tuple[Any, ...]], tables: list[str]) -> None:
        self.conn = conn
        self.tables = tables  # the office's tables, each locked against DDL while held

    def close(self) -> None:
        if self.conn.closed:
            return
        try:
            self.conn.execute("ROLLBACK")  # a read: nothing to keep
        except psycopg.Error:
            pass  # a lost connection ended the transaction already
        finally:
            self.conn.close()


def hold() -> ServerSnapshot:
    """Fix the server's snapshot now, on a new connection (raises StorageError, said for a
    person, when the server cannot be reached or refuses)."""
    address = database.obj.address  # the office server's engine (db/server.py)
    params = {**connect_params(address), **KEEPALIVES}
    try:
        conn = psycopg.connect(dbname=address.dbname, autocommit=True, **params)
    except psycopg.Error as e:
        raise connection_error(e, address) or _said(e) from None
    try:
        # a backup may read for minutes, and waits idle until its thread is free
        conn.execute("SET statement_timeout = 0")
        conn.execute("SET idle_in_transaction_session_timeout = 0")
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "ORDER BY tablename"
            )
        ]
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        if tables:
            names = ", ".join(f'"{t}"' for t in tables)
            conn.execute(f"LOCK TABLE {names} IN ACCESS SHARE MODE")
        conn.execute("SELECT pg_export_snapshot()").fetchone()  # the snapshot is fixed here
    except psycopg.Error as e:
        conn.close()
        raise _said(e) from e
    except BaseException:
        conn.close()
        raise
    return ServerSnapshot(conn, tables)


def _said(e: psycopg.Error) -> StorageError:
    return server_trouble(e) or StorageError(f"无法在服务器上固定导入前的数据:{e}")
