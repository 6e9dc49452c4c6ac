"""Schema 19 on PostgreSQL: as m0019_blobs, the contents as ``bytea``."""

from __future__ import annotations

STATEMENTS = [
    "CREATE TABLE blobs (sha256 TEXT NOT NULL PRIMARY KEY, size BIGINT NOT NULL, "
    "bytes BYTEA NOT NULL)",
    "ALTER TABLE printed_forms ADD COLUMN scan_sha256 TEXT",
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)
