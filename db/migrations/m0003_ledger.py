"""Schema 3: the Excel ledger exchange (ledger.md).

- ledger_exports: the last export to each destination, for incremental (增量) exports.
- ledger_base: per record that came in from a ledger, the version last applied (its
  revision, its standing - from_owner holds bits: 2 = came from the owner's own file,
  1 = phone not masked - and a digest of its values) and when;
  a record that does not belong to this site and whose values no longer match the digest
  was edited here since it last came in, so a newer incoming version is a conflict.
- ledger_conflicts: the incoming version kept beside the local record until a person
  picks one (one open conflict per record).
- ledger_imports: the import history (file, source site, counts).
"""

from __future__ import annotations

STATEMENTS = [
    """CREATE TABLE ledger_exports (
        destination TEXT PRIMARY KEY,
        exported_at TEXT NOT NULL,
        scope TEXT NOT NULL,
        sites TEXT NOT NULL DEFAULT '',
        counts TEXT NOT NULL DEFAULT '{}'
    )""",
    """CREATE TABLE ledger_base (
        uid TEXT PRIMARY KEY,
        tbl TEXT NOT NULL,
        revision INTEGER NOT NULL,
        from_owner INTEGER NOT NULL DEFAULT 0,
        digest TEXT NOT NULL,
        applied_at TEXT NOT NULL
    )""",
    "CREATE INDEX ledger_base_applied ON ledger_base (applied_at)",
    """CREATE TABLE ledger_conflicts (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL,
        tbl TEXT NOT NULL,
        site TEXT NOT NULL,
        local_revision INTEGER NOT NULL,
        incoming_revision INTEGER NOT NULL,
        incoming_from_owner INTEGER NOT NULL DEFAULT 0,
        incoming_digest TEXT NOT NULL,
        incoming TEXT NOT NULL,
        source_file TEXT NOT NULL DEFAULT '',
        source_site TEXT NOT NULL DEFAULT '',
        found_at TEXT NOT NULL,
        resolved_at TEXT,
        resolution TEXT,
        resolved_by TEXT
    )""",
    "CREATE UNIQUE INDEX ledger_conflicts_open ON ledger_conflicts (uid) WHERE resolved_at IS NULL",
    """CREATE TABLE ledger_imports (
        id INTEGER PRIMARY KEY,
        file_name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        source_site TEXT NOT NULL DEFAULT '',
        exported_at TEXT,
        imported_at TEXT NOT NULL,
        actor TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        counts TEXT NOT NULL DEFAULT '{}'
    )""",
    "CREATE INDEX ledger_imports_site ON ledger_imports (source_site, imported_at)",
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)
