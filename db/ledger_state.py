"""What the ledger exchange keeps beside the records (docs/ledger.md): the version of each
record last applied here from a ledger (ledger_base), the versions of its own records this
site has had (ledger_versions, from when ledger_meta's versions_since says), and the
conflicts put before a person (ledger_conflicts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from db import pg_copy
from db.models import database, on_server

# A ledger_base row: uid, table, revision, standing bits (from_owner), digest, applied_at
# (stored time text), fingerprint, and the record's stored modified_at once applied.
BaseRow = tuple[str, str, int, int, str, str | None, str, Any]


def put_bases(rows: Sequence[BaseRow]) -> None:
    """Write (or replace) the ledger_base rows of their uids."""
    if on_server() and len(rows) >= pg_copy.COPY_MIN_ROWS:
        # of two rows of one uid the later one is kept, as row by row
        last = {r[0]: r for r in rows}
        pg_copy.copy_merge("ledger_base", _BASE_COLUMNS, last.values(), _BASE_CONFLICT)
        return
    database.cursor().executemany(_PUT_BASE_SERVER if on_server() else _PUT_BASE, rows)


_BASE_COLUMNS = (
    "uid",
    "tbl",
    "revision",
    "from_owner",
    "digest",
    "applied_at",
    "fingerprint",
    "record_modified_at",
)


_PUT_BASE = (
    "INSERT OR REPLACE INTO ledger_base (uid, tbl, revision, from_owner, digest, "
    "applied_at, fingerprint, record_modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
# PostgreSQL has no INSERT OR REPLACE: the row of the uid is updated.
_BASE_CONFLICT = (
    "ON CONFLICT (uid) DO UPDATE SET tbl = excluded.tbl, revision = excluded.revision, "
    "from_owner = excluded.from_owner, digest = excluded.digest, "
    "applied_at = excluded.applied_at, fingerprint = excluded.fingerprint, "
    "record_modified_at = excluded.record_modified_at"
)
_PUT_BASE_SERVER = (
    f"INSERT INTO ledger_base ({', '.join(_BASE_COLUMNS)}) VALUES ({', '.join('?' * 8)}) "
    + _BASE_CONFLICT
)


def base(uid: str) -> tuple[int, int, str, str] | None:
    """(revision, standing bits, digest, fingerprint) of the version last applied to
    ``uid``, or None."""
    row = database.execute_sql(
        "SELECT revision, from_owner, digest, fingerprint FROM ledger_base WHERE uid = ?",
        (uid,),
    ).fetchone()
    return None if row is None else (row[0], row[1], row[2], row[3])


def remember_versions(rows: Sequence[tuple[str, int, str]]) -> None:
    """Keep each (uid, revision, fingerprint) as a version this site has had."""
    database.cursor().executemany(
        "INSERT OR IGNORE INTO ledger_versions (uid, revision, fingerprint) VALUES (?, ?, ?)",
        rows,
    )


def had_version(uid: str, revision: int, fingerprint: str) -> bool:
    return bool(
        database.execute_sql(
            "SELECT EXISTS (SELECT 1 FROM ledger_versions WHERE uid = ? AND revision = ? "
            "AND fingerprint = ?)",
            (uid, revision, fingerprint),
        ).fetchone()[0]
    )


def versions_since() -> str | None:
    """From when ledger_versions is complete (stored time text; '': always; None: not
    known, a database from before schema 8)."""
    row = database.execute_sql(
        "SELECT value FROM ledger_meta WHERE key = 'versions_since'"
    ).fetchone()
    return row[0] if row else None


def conflict_open(uid: str, revision: int, digest: str) -> bool:
    """Whether a conflict over this incoming revision and digest of ``uid`` is open."""
    return bool(
        database.execute_sql(
            "SELECT EXISTS (SELECT 1 FROM ledger_conflicts WHERE uid = ? AND "
            "incoming_revision = ? AND incoming_digest = ? AND resolved_at IS NULL)",
            (uid, revision, digest),
        ).fetchone()[0]
    )


def conflict_seen(uid: str, revision: int, digest: str) -> bool:
    """Whether this revision and digest of ``uid`` was either side of a conflict, open
    or resolved."""
    return (
        database.execute_sql(
            "SELECT EXISTS (SELECT 1 FROM ledger_conflicts WHERE uid = ? AND "
            "((incoming_revision = ? AND incoming_digest = ?) "
            "OR (local_revision = ? AND local_digest = ?)))",
            (uid, revision, digest, revision, digest),
        ).fetchone()[0]
        == 1
    )


def supersede_conflicts(uid: str, kind: str, below_revision: int, at: str | None) -> None:
    """Close the open conflicts of ``kind`` over ``uid`` whose incoming revision is below
    ``below_revision`` as superseded at ``at`` (stored time text), by nobody."""
    database.execute_sql(
        "UPDATE ledger_conflicts SET resolved_at = ?, resolution = 'superseded', "
        "resolved_by = '' WHERE uid = ? AND resolved_at IS NULL AND kind = ? "
        "AND incoming_revision < ?",
        (at, uid, kind, below_revision),
    )
