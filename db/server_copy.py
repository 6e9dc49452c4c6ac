"""The office server's data as a SQLite file of the same schema: what ``backup`` writes on
the server, so the backup is a file the same ``restore`` reads (and an office that gives the
server up keeps every record)."""

from __future__ import annotations

import sqlite3

from db.database import build_schema, latest_version
from db.models import database

# Filled by the file's own triggers as the cases and the audit entries arrive.
_DERIVED = (
    "cases_fts",
    "cases_customer_fts",
    "cases_bigram_customer",
    "cases_bigram_case",
    "audit_head",
)
# Tables the schema itself starts with a row in, replaced by the server's rows.
_SEEDED = ("ledger_meta",)


def copy_server_to(target: sqlite3.Connection) -> None:
    """Build the schema in the empty ``target`` and copy every row of the server into it,
    in one snapshot of the server (a transaction) and in id order (the audit trail's head
    only moves forward)."""
    build_schema(target, latest_version())
    target.commit()
    tables = [
        r[0]
        for r in target.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' "
            "ORDER BY rowid"
        )
    ]
    with database.read_snapshot():
        for table in tables:
            if table.startswith(_DERIVED):
                continue
            columns = [r[1] for r in target.execute(f'PRAGMA table_info("{table}")')]
            names = ", ".join(columns)
            rows = database.execute_sql(f"SELECT {names} FROM {table} ORDER BY 1").fetchall()
            if table in _SEEDED:
                target.execute(f"DELETE FROM {table}")
            marks = ", ".join("?" for _ in columns)
            target.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
    target.commit()
