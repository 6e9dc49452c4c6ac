"""Opening the database: pragmas, schema version check, migrations.

peewee's habit: the model database is declared with ``SqliteDatabase(None)`` and
initialised here once the path is known. Every thread gets its own connection
(peewee keeps them thread-local); the pragmas apply to each.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from db import reads
from db.errors import DatabaseTooNew, NotADatabase
from db.migrations import LATEST_VERSION, STEPS
from db.models import database
from db.reads import schema_version

PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",  # safe with WAL: a power cut loses at most the last commit
    "cache_size": -32_000,  # 32 MB
    "temp_store": "memory",
}


@dataclass(frozen=True)
class OpenReport:
    path: Path
    version_before: int
    version_after: int
    backup: Path | None  # the verified backup made before migrating, if any


def open_database(path: Path, *, backup_dir: Path | None = None,
                  app_version: str = "") -> OpenReport:
    """Open (or create) the database at ``path`` and bring its schema up to date.

    A database newer than this program is refused before anything is written.
    Before migrating an existing database, a verified backup goes to ``backup_dir``.
    """
    path = Path(path)
    reads.close_early()  # from now on every read goes through peewee's connections
    path.parent.mkdir(parents=True, exist_ok=True)
    if not database.is_closed():
        database.close()
    # Check the version read-only first, so a file that is not ours is never touched
    # (not even switched to WAL).
    if path.exists() and path.stat().st_size > 0:
        try:
            probe = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                before = schema_version(probe)
            finally:
                probe.close()
        except NotADatabase as e:
            raise NotADatabase(path, str(e).split(":", 1)[-1]) from None
        except sqlite3.DatabaseError as e:
            raise NotADatabase(path, f"无法读取({e})") from None
        if before > LATEST_VERSION:
            raise DatabaseTooNew(before, LATEST_VERSION)
    else:
        before = 0
    database.init(str(path), pragmas=PRAGMAS)
    database.connect(reuse_if_open=True)
    backup = None
    if 0 < before < LATEST_VERSION:
        from db.backup import make_backup

        target = (backup_dir or path.parent / "backups")
        backup = make_backup(target, reason=f"before-migration-v{before}")
    _migrate(before, app_version)
    return OpenReport(path, before, LATEST_VERSION, backup)


SCHEMA_VERSION_SQL = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, "
    "description TEXT NOT NULL, app_version TEXT NOT NULL)"
)


def _migrate(current: int, app_version: str) -> None:
    database.execute_sql(SCHEMA_VERSION_SQL)
    for version, description, step in STEPS:
        if version <= current:
            continue
        with database.atomic():  # each step all or nothing, under the write lock
            # Another process opening the same file at the same moment may have applied
            # this step while we waited for the lock (two `demo` runs on a new folder).
            done = database.execute_sql("SELECT max(version) FROM schema_version").fetchone()
            if (done[0] or 0) >= version:
                continue
            step(database.execute_sql)
            database.execute_sql(
                "INSERT INTO schema_version (version, applied_at, description, app_version) "
                "VALUES (?, ?, ?, ?)",
                (version, datetime.now(UTC).isoformat(timespec="seconds"), description,
                 app_version),
            )


def build_schema(conn: sqlite3.Connection, version: int) -> None:
    """Build the schema of ``version`` on an empty database ``conn`` exactly as the
    migrations do (the reference the restore's schema check compares a file with)."""
    conn.execute(SCHEMA_VERSION_SQL)
    for number, _description, step in STEPS:
        if number > version:
            break
        step(conn.execute)


def close_database() -> None:
    if not database.is_closed():
        database.close()


def database_path() -> Path | None:
    return Path(database.database) if database.database else None
