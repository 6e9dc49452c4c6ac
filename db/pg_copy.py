"""Loading many rows into a table on the office server with COPY.

An INSERT per row costs the server a statement each (parse, plan, execute, a message
each way, even pipelined); COPY streams the rows of one statement, several times faster
for the hundreds of thousands of rows of a ledger import. Only on the server (SQLite's
prepared INSERT is already the fast way there), inside the caller's transaction: a
rollback takes the rows back like any INSERT's.

A COPY is noted in the change journal and announced to the other seats as an INSERT into
its table is (JournalCursor.copy). An upsert (INSERT … ON CONFLICT) cannot be a COPY:
``copy_merge`` copies the rows into a temporary table and moves them with one INSERT …
SELECT that has the conflict clause.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from db.models import database

# Below this many rows a COPY's fixed cost (and copy_merge's temporary table) is not worth it.
COPY_MIN_ROWS = 100


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _copy(cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    n = 0
    with cursor.copy(f'COPY "{table}" ({_quoted(columns)}) FROM STDIN') as copy:
        write = copy.write_row
        for row in rows:
            write(row)
            n += 1
    return n


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` (each its values in the order of ``columns``) into ``table`` with one
    COPY; returns how many. Columns left out take their defaults (an identity id)."""
    return _copy(database.cursor(), table, columns, rows)


def copy_merge(
    table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], conflict: str
) -> int:
    """``INSERT INTO table (columns) … conflict`` (an ``ON CONFLICT …`` clause) for each of
    ``rows``, as one COPY into a temporary table and one INSERT … SELECT from it. Two rows
    with one conflict key must not come together (PostgreSQL refuses
    to update a row twice in one statement): the caller keeps the last one. Returns how
    many rows came."""
    staging = f"{table}_incoming"
    cols = _quoted(columns)
    database.execute_sql(
        f'CREATE TEMPORARY TABLE "{staging}" ON COMMIT DROP AS '
        f'SELECT {cols} FROM "{table}" WITH NO DATA'
    )
    n = _copy(database.cursor(), staging, columns, rows)
    if n:
        database.execute_sql(
            f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM "{staging}" {conflict}'
        )
    database.execute_sql(f'DROP TABLE "{staging}"')
    return n
