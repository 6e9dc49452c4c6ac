"""Rows of a SQLite file of our schema copied onto the office server (``migrate-to`` and a
restore onto the server), in the caller's one transaction.

Which tables travel comes from one place: every table of the file, each of which the change
journal knows (``db.changes.TABLE_TOPICS`` or ``NOT_SHOWN``: tests/db/test_changes.py makes
a new table say which), less the ones the server fills itself. A table the journal does not
know stops the copy before anything is written, so a new table is never left behind.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

import peewee as pw
from psycopg import Error as ServerError

from db import case_touches, changes, pg_copy
from db.bulk_load import BulkLoad
from db.errors import StorageError
from db.fts import BIGRAM_INDEXES, TRIGRAM_INDEXES
from db.models import database
from db.server import ServerDatabase, connection_error
from db.server_address import ServerAddress
from db.server_copy import copy_server_to

# Not copied, each for its reason: the server's own migrations wrote its schema versions;
# its triggers fill the search documents as the cases arrive and move the audit trail's head
# as the audit entries arrive (in id order).
NOT_COPIED: dict[str, str] = {
    "schema_version": "the server's own migrations",
    "cases_fts": "the server's search triggers",
    "cases_customer_fts": "SQLite's half of the search index, kept by its triggers (one there)",
    "cases_bigram_customer": "SQLite's short-text index, kept by its triggers (pg_trgm there)",
    "cases_bigram_case": "SQLite's short-text index, kept by its triggers (pg_trgm there)",
    "audit_head": "the server's audit triggers",
    "case_touches": "the server's own log of touched cases (a move marks every case touched)",
    "case_touch_log": "the server's own log of touched cases (a move marks every case touched)",
}
# SQLite's own storage of the search indexes (FTS5 shadow tables), never ours to copy.
_FTS_SHADOW = tuple(f"{index}_" for index in (*TRIGRAM_INDEXES, *BIGRAM_INDEXES))
# Tables the schema itself starts with a row in, replaced by the copied rows.
SEEDED = ("ledger_meta",)
# What an empty server database holds once its schema is built: the version rows and the
# seeded rows; any other row makes it "not empty".
_BUILT_WITH_SCHEMA = frozenset(
    {"schema_version", "audit_head", "ledger_meta", "cases_fts", "case_touches", "case_touch_log"}
)
ROWS_PER_BATCH = 5000


# The trigger that moves the audit trail's head as each entry arrives (db/migrations/pg0014).
_AUDIT_HEAD_TRIGGER = "audit_log_head"

Progress = Callable[[str], None]


def _batched(rows: sqlite3.Cursor) -> Iterator[Sequence[object]]:
    """The rows of ``rows`` read ROWS_PER_BATCH at a time (bounded memory for any table)."""
    while batch := rows.fetchmany(ROWS_PER_BATCH):
        yield from batch


class UnknownTable(Exception):
    """The file holds a table the change journal does not know: copying would lose it."""


class MoveFailed(StorageError):
    """A copy the database refused (a row, a constraint, the connection); nothing of it
    stays, the transaction was rolled back."""


@contextmanager
def failures_said(what: str) -> Iterator[None]:
    """An error of either engine inside the block said as MoveFailed, naming ``what``
    (peewee's, or the driver's own from a cursor used directly)."""
    try:
        yield
    except (pw.DatabaseError, sqlite3.Error, ServerError) as e:
        raise MoveFailed(f"{what}时出错:{str(e).strip()}。未作任何改动") from e


def copied_tables(source: sqlite3.Connection) -> list[str]:
    """The tables a move copies, in the order the schema created them (a table after the
    ones it refers to)."""
    names = [
        r[0]
        for r in source.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' "
            "ORDER BY rowid"
        )
    ]
    known = set(changes.TABLE_TOPICS) | changes.NOT_SHOWN
    unknown = [n for n in names if n not in known and not n.startswith(_FTS_SHADOW)]
    if unknown:
        raise UnknownTable(f"数据库中有本程序不认识的表:{', '.join(unknown)}(未复制任何数据)")
    return [n for n in names if n not in NOT_COPIED and not n.startswith(_FTS_SHADOW)]


def _columns(source: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in source.execute(f'PRAGMA table_info("{table}")')]


def server_columns(table: str) -> list[str]:
    rows = database.execute_sql(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [r[0] for r in rows]


def copy_rows(
    source: sqlite3.Connection, tables: Iterable[str], progress: Progress | None = None
) -> dict[str, int]:
    """Copy every row of ``tables`` of ``source`` into the server's EMPTY tables (inside the
    caller's transaction), in id order; the rows copied per table.

    By COPY (a stream, not a statement per row). The plain indexes, the search documents'
    trigram index among them, are built once at the end (db.bulk_load). The audit trail's
    head moves once, to the last entry copied, instead of with each of them: its trigger
    updates one row per entry, and a row updated a million times in one transaction costs
    each update a walk over every earlier version of it (a 100,000-case office's ~960,000
    entries never finished). Both need the login that owns the tables (the one that built
    the schema), as the ledger import's bulk load does; the caller's rollback undoes both."""
    tables = list(tables)
    load = BulkLoad([*tables, "cases_fts"])
    head_paused = "audit_log" in tables
    if head_paused:
        database.execute_sql(f"ALTER TABLE audit_log DISABLE TRIGGER {_AUDIT_HEAD_TRIGGER}")
    copied: dict[str, int] = {}
    for table in tables:
        columns = _columns(source, table)
        missing = set(columns) - set(server_columns(table))
        if missing:
            raise UnknownTable(f"服务器上的表 {table} 缺少列 {', '.join(sorted(missing))}")
        names = ", ".join(f'"{c}"' for c in columns)
        if table in SEEDED:
            database.execute_sql(f"DELETE FROM {table}")
        rows = source.execute(f"SELECT {names} FROM {table} ORDER BY 1")
        copied[table] = pg_copy.copy_rows(table, columns, _batched(rows))
        if progress is not None:
            progress(f"已复制 {table}:{copied[table]} 行")
    if head_paused:
        database.execute_sql(
            "UPDATE audit_head SET last_id = a.id, last_hash = a.hash FROM "
            "(SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1) a WHERE audit_head.id = 1"
        )
        database.execute_sql(f"ALTER TABLE audit_log ENABLE TRIGGER {_AUDIT_HEAD_TRIGGER}")
    load.restore()
    return copied


def set_sequences(tables: Iterable[str]) -> None:
    """Each table's id sequence past its highest copied id, so the next row gets a new id."""
    for table in tables:
        if "id" not in server_columns(table):
            continue
        database.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table} "
            "HAVING max(id) IS NOT NULL"
        )


def refresh_statistics() -> None:
    """The planner's statistics of every table, at once after a bulk copy: until autovacuum's
    analyze gets to them, PostgreSQL plans with an empty database's and a common search sorts
    every match (83-115 ms at 100k cases against 2 ms)."""
    database.execute_sql("ANALYZE")


def count(table: str) -> int:
    return int(database.execute_sql(f"SELECT count(*) FROM {table}").fetchone()[0])


def source_counts(source: sqlite3.Connection, tables: Iterable[str]) -> dict[str, int]:
    return {t: int(source.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables}


def what_it_holds(address: ServerAddress) -> list[str]:
    """What makes the server database at ``address`` not empty, said per table (nothing:
    no table at all, or only this program's schema with no data in it). Closed again
    after looking."""
    server = ServerDatabase(address)
    try:
        server.connect()
        tables = [
            r[0]
            for r in server.execute_sql(
                "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
                "ORDER BY tablename"
            )
        ]
        if tables and "schema_version" not in tables:
            shown = ", ".join(tables[:10]) + (" 等" if len(tables) > 10 else "")
            return [f"其他程序的表 {shown}"]
        found = []
        for table in tables:
            if table in _BUILT_WITH_SCHEMA:
                continue
            n = int(server.execute_sql(f'SELECT count(*) FROM "{table}"').fetchone()[0])
            if n:
                found.append(f"{table} {n} 行")
        return found
    except Exception as e:
        said = connection_error(e, address)
        if said is None:
            raise
        raise said from None
    finally:
        server.close()


def empty_for_restore() -> None:
    """Every row of the server's data gone (inside the caller's transaction), the audit
    trail's head back at its start: the schema stays. TRUNCATE passes the audit log's
    row triggers, which refuse a deletion: only a restore, confirmed, calls this."""
    tables = [
        r[0]
        for r in database.execute_sql(
            "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
            "AND tablename NOT IN ('schema_version', 'case_touch_log') ORDER BY tablename"
        )
    ]
    database.execute_sql(f"TRUNCATE {', '.join(f'{t}' for t in tables)} RESTART IDENTITY CASCADE")
    database.execute_sql("INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, '')")
    case_touches.mark_everything()  # the touches went with the rest: every reader starts again
    changes.note_everything()


# --- what a SQLite file of our schema holds, read for a move ------------------------------


def read_snapshot(conn: sqlite3.Connection) -> None:
    """Every later read of ``conn`` from one snapshot (until it is closed)."""
    conn.execute("BEGIN")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()


def attachment_contents(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(sha256, file name) of every attachment content of the file, once each."""
    return conn.execute("SELECT sha256, min(file_name) FROM attachments GROUP BY sha256").fetchall()


def scans(conn: sqlite3.Connection) -> list[tuple[int, str, str | None]]:
    """(sheet id, stored path, its content's sha256 or None) of every stored scan."""
    return conn.execute(
        "SELECT id, scan_path, scan_sha256 FROM printed_forms WHERE scan_path IS NOT NULL "
        "ORDER BY id"
    ).fetchall()


def kept_hashes(conn: sqlite3.Connection) -> set[str]:
    """The contents the file's own blobs table keeps."""
    return {r[0] for r in conn.execute("SELECT sha256 FROM blobs")}


def kept_contents(conn: sqlite3.Connection) -> Iterator[tuple[str, bytes]]:
    """(sha256, bytes) of every content the file's blobs table keeps."""
    for sha, data in conn.execute("SELECT sha256, bytes FROM blobs ORDER BY sha256"):
        yield sha, bytes(data)


def forget_contents(conn: sqlite3.Connection, hashes: Iterable[str]) -> None:
    """Leave these contents out of the file (they are files of its data folder now)."""
    conn.executemany("DELETE FROM blobs WHERE sha256 = ?", [(s,) for s in hashes])
    conn.commit()


def file_count(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def copy_server_counted(target: sqlite3.Connection) -> dict[str, int]:
    """``copy_server_to(target)`` from one snapshot of the server (repeatable read), and the
    server's rows of every copied table in that same snapshot."""
    with database.read_snapshot():
        copy_server_to(target)
        return {t: count(t) for t in copied_tables(target)}
