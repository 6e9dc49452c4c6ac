"""Set-based writes over many cases at once: one statement over the chosen rows
instead of a model save per case. The caller holds the transaction and writes the audit
entries in it (complaints.usecases.audit.record_many); the full-text index follows through
the schema's triggers in the same statement."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from db.models import database

_ANONYMISE_WHERE = (
    "state = ? AND closed_at IS NOT NULL AND closed_at < ? "
    "AND (customer_name != ? OR phone IS NOT NULL)"
)


def anonymise_candidates(closed_state: str, cutoff: str, name: str) -> int:
    """How many closed cases, closed before ``cutoff`` (stored time text), still carry a
    customer name other than ``name`` or a phone."""
    return database.execute_sql(
        f"SELECT count(*) FROM cases WHERE {_ANONYMISE_WHERE}", [closed_state, cutoff, name]
    ).fetchone()[0]


def anonymise_rows(
    closed_state: str, cutoff: str, name: str
) -> list[tuple[str, str, str | None, str | None]]:
    """(uid, number, name, phone) by id of the cases ``anonymise_candidates`` counts."""
    return database.execute_sql(
        f"SELECT uid, number, customer_name, phone FROM cases WHERE {_ANONYMISE_WHERE} ORDER BY id",
        [closed_state, cutoff, name],
    ).fetchall()


def anonymise(closed_state: str, cutoff: str, name: str, modified_at: str, site: str) -> int:
    """Set the customer name to ``name`` and the phone to NULL of the cases
    ``anonymise_candidates`` counts, with ``modified_at``; the revision counts up where the
    case belongs to ``site`` (the owner counts revisions, ledger.md). Returns how many. Call
    inside a transaction, after ``anonymise_rows`` and the audit entries (they go in faster
    while the search index has no changes pending)."""
    cur = database.execute_sql(
        "UPDATE cases SET customer_name = ?, phone = NULL, modified_at = ?, "
        f"revision = revision + CAST(site = ? AS INTEGER) WHERE {_ANONYMISE_WHERE}",
        [name, modified_at, site, closed_state, cutoff, name],
    )
    return cur.rowcount


def update_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """``UPDATE table SET columns… WHERE id = ?`` for each row (its values, then its id), as
    one prepared statement run over all of them."""
    if rows:
        database.cursor().executemany(
            f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?", rows
        )


def insert_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    if rows:
        database.cursor().executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            rows,
        )


def copy_in(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """The office server's many-row INSERT: one COPY stream into ``table`` (its triggers fire
    per row as for an INSERT) instead of a statement per row, whose round trips cost the
    server's imports about twice SQLite's time (bench/README.md). Inside the caller's
    transaction; the change journal hears it as a write of ``table``."""
    with database.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
