"""Schema 19: file contents in the database (``blobs``), so every seat of an office server
opens the attachments and the signed sheets' scans; a scan names its content by SHA-256.

On this PC's SQLite file the contents stay files in the data folder; the table holds only
what came from an office server (a server backup restored, a folder moved back from it).
"""

from __future__ import annotations

STATEMENTS = [
    "CREATE TABLE blobs (sha256 TEXT NOT NULL PRIMARY KEY, size INTEGER NOT NULL, "
    "bytes BLOB NOT NULL)",
    "ALTER TABLE printed_forms ADD COLUMN scan_sha256 TEXT",
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)
