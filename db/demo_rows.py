"""The demo loader's reads and bulk writes: rows given as plain tuples in the column order the
caller names, written with sqlite3 ``executemany`` on peewee's connection (call inside the
caller's transaction)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from db import pg_copy
from db.models import database, on_server
from db.timeutil import from_db


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def insert_cases(columns: Sequence[str], rows: Iterable[tuple[object, ...]]) -> None:
    _insert_many("cases", columns, rows)


def insert_entries(columns: Sequence[str], rows: Iterable[tuple[object, ...]]) -> None:
    _insert_many("entries", columns, rows)


def _insert_many(table: str, columns: Sequence[str], rows: Iterable[tuple[object, ...]]) -> None:
    if not on_server():
        database.connection().executemany(_insert_sql(table, columns), rows)
        return
    pg_copy.copy_rows(table, columns, rows)
    if "id" in columns:  # ids given: the next one the server hands out follows them
        database.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
        )


def next_case_id() -> int:
    """The id the next case written gets (ids are never reused: max + 1)."""
    top = database.execute_sql("SELECT max(id) FROM cases").fetchone()[0]
    return int(top or 0) + 1


def entry_count() -> int:
    return int(database.execute_sql("SELECT count(*) FROM entries").fetchone()[0])


def month_counters(site: str) -> dict[str, int]:
    """The highest case number used so far per month prefix ("SH01-202611-") of ``site``."""
    rows = database.execute_sql(
        "SELECT substr(number, 1, ?), max(CAST(substr(number, ?) AS INTEGER)) FROM cases "
        "WHERE site = ? AND number LIKE ? GROUP BY 1",
        (len(site) + 8, len(site) + 9, site, f"{site}-______-%"),
    ).fetchall()
    return {prefix: int(top or 0) for prefix, top in rows}


def received_and_business(site: str) -> list[tuple[datetime, str]]:
    """(received_at, business) of each case of ``site`` not deleted."""
    out: list[tuple[datetime, str]] = []
    for received, business in database.execute_sql(
        "SELECT received_at, business FROM cases WHERE site = ? AND deleted = 0", (site,)
    ):
        at = from_db(received)
        if at is not None:  # received_at is NOT NULL in the schema
            out.append((at, business))
    return out
