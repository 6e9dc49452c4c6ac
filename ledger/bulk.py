"""Bulk loading: a big import into a small database without its secondary indexes.

Records are keyed by uuids, so each insert lands somewhere random in every index of its
table; for a first import of a whole ledger (100,000 cases, ~950,000 entries) keeping the
app's secondary indexes up to date row by row cost about as much as the rest of the
loading. Building an index once over the loaded table (CREATE INDEX sorts) is far cheaper.

Only plain indexes are dropped (``CREATE INDEX``, not unique): the unique ones (uid,
(site, 编号)) enforce rules and serve the merge's look-ups, so they stay. The dropped ones
are recreated with the very SQL stored in sqlite_master (db/migrations stays the one
source of truth), in the same transaction: SQLite's DDL is transactional, so a cancel, an
error or a kill -9 rolls the drop back with everything else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from db.models import database

# A table is loaded in bulk when the rows coming in outnumber those already there, and
# are at least this many (below it, rebuilding the indexes is not worth its fixed cost).
BULK_MIN_ROWS = 5000


@dataclass(frozen=True)
class SavedIndex:
    name: str
    table: str
    sql: str


def plain_indexes(tables: Iterable[str]) -> list[SavedIndex]:
    """The non-unique indexes made by CREATE INDEX on ``tables``, with their SQL, in
    schema order."""
    wanted = list(tables)
    out = []
    for table in wanted:
        plain = {name for _seq, name, unique, origin, _partial
                 in database.execute_sql(f'PRAGMA index_list("{table}")').fetchall()
                 if origin == "c" and not unique}
        if not plain:
            continue
        rows = database.execute_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL ORDER BY rowid", (table,)).fetchall()
        out += [SavedIndex(name, table, sql) for name, sql in rows if name in plain]
    return out


def tables_to_bulk_load(incoming: Mapping[str, int], minimum: int | None = None
                        ) -> list[str]:
    """Tables whose incoming row count (by table) is at least ``minimum`` (default
    BULK_MIN_ROWS) and larger than the rows already there."""
    if minimum is None:
        minimum = BULK_MIN_ROWS
    out = []
    for table, n in incoming.items():
        if n < minimum:
            continue
        (have,) = database.execute_sql(f"SELECT count(*) FROM {table}").fetchone()
        if n > have:
            out.append(table)
    return out


class BulkLoad:
    """Drop the plain indexes of some tables now; ``restore()`` recreates them. Call
    both inside one transaction (if it rolls back instead, do not call restore)."""

    def __init__(self, tables: Iterable[str]):
        if not database.in_transaction():
            raise RuntimeError("BulkLoad needs an open transaction")
        self.saved = plain_indexes(tables)
        for ix in self.saved:
            database.execute_sql(f'DROP INDEX "{ix.name}"')

    def restore(self) -> None:
        for ix in self.saved:
            database.execute_sql(ix.sql)
        self.saved = []
