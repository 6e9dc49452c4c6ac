"""Schema 8: a record's version names its content (issue 15 §2-3, docs/ledger.md).

- ledger_base.fingerprint: the 版本指纹 of the version last applied from a ledger (empty
  for rows written before this step: the merge then works it out from the record), and
  the record's 最后修改时间 as applied: a record of another site whose time differs was
  edited here, and travels in this site's own exports to reach its owner.
- ledger_conflicts: ``kind`` ('version': two versions of one record, neither known to
  come after the other; 'proposal': an edit made at a site that does not own the record,
  sent as an edit of a version), the incoming version's fingerprint, and the local side
  as it was when the conflict was found (``local`` JSON, ``local_digest``), so whatever
  a person decides, both sides stay on record.
- ledger_versions: the versions of its own records this site has sent or taken back
  (revision, fingerprint), so that an older version of its own that it never had (made
  before a backup it restored) is told from one it had; ledger_meta 'versions_since': from
  when that history is complete ('' for a database made empty at this step, else the
  upgrade time: versions older than that cannot be vouched for and are taken as known).
- Several conflicts may be open for one record (one per incoming version): a newer
  incoming version no longer replaces an open conflict nobody has looked at.
"""

from __future__ import annotations

STATEMENTS = [
    "ALTER TABLE ledger_base ADD COLUMN fingerprint TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE ledger_base ADD COLUMN record_modified_at TEXT",
    "ALTER TABLE ledger_conflicts ADD COLUMN kind TEXT NOT NULL DEFAULT 'version'",
    "ALTER TABLE ledger_conflicts ADD COLUMN incoming_fingerprint TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE ledger_conflicts ADD COLUMN local TEXT",
    "ALTER TABLE ledger_conflicts ADD COLUMN local_digest TEXT NOT NULL DEFAULT ''",
    "DROP INDEX ledger_conflicts_open",
    "CREATE UNIQUE INDEX ledger_conflicts_open ON ledger_conflicts "
    "(uid, incoming_revision, incoming_digest) WHERE resolved_at IS NULL",
    "CREATE INDEX ledger_conflicts_uid ON ledger_conflicts (uid, incoming_revision)",
    """CREATE TABLE ledger_versions (
        uid TEXT NOT NULL,
        revision INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,
        PRIMARY KEY (uid, revision, fingerprint)
    ) WITHOUT ROWID""",
    """CREATE TABLE ledger_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    "INSERT INTO ledger_meta (key, value) SELECT 'versions_since', CASE WHEN EXISTS "
    "(SELECT 1 FROM cases UNION ALL SELECT 1 FROM entries UNION ALL SELECT 1 FROM sanctions) "
    "THEN strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now') ELSE '' END",
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)
