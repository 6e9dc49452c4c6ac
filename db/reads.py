"""Plain SQL reads that work before peewee is imported: the start-up's first screen.

The main window paints before the app imports peewee and its models (~35 ms of a ~0.28 s
start, issue 2 §8). Until ``db.database.open_database`` has run, the few reads the first
screen needs (settings, departments, sites, the case list's first screenful, the person
remembered on this PC) go to a read-only sqlite3 connection opened by ``open_early``. Once
the database is open, they go to peewee's connection of the calling thread, like every other
statement. The SQL is the same either way; only the connection differs.

The early connection belongs to the thread that opened it (sqlite3 refuses any other), and
nothing writes through it: a write before the full open is a bug, and fails loudly.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from db.errors import NotADatabase

_early: sqlite3.Connection | None = None
BUSY_TIMEOUT_S = 10.0


def schema_version(conn: sqlite3.Connection) -> int:
    """0 for an empty file; raises NotADatabase for a file that is not ours."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "schema_version" not in tables:
        if tables:
            raise NotADatabase("", "缺少版本表(schema_version)")
        return 0
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def open_early(path: Path) -> bool:
    """Open ``path`` read-only for the reads before the full open, if it is a database of
    exactly this program's schema. False, with nothing opened, for anything else (a missing
    or empty file, an older schema to migrate, a newer one to refuse, a file that is not
    ours): those go through ``open_database`` first, which says what is wrong."""
    from db.migrations import LATEST_VERSION

    close_early()
    path = Path(path)
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return False
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S
        )
    except (OSError, sqlite3.Error):
        return False
    try:
        current = schema_version(conn) == LATEST_VERSION
    except (sqlite3.Error, NotADatabase):
        current = False
    if not current:
        conn.close()
        return False
    global _early
    _early = conn
    return True


def is_early() -> bool:
    """True while the reads go to the early read-only connection."""
    return _early is not None


def close_early() -> None:
    """Back to peewee's connections (``open_database`` calls this first)."""
    global _early
    if _early is not None:
        conn, _early = _early, None
        conn.close()


def execute(sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
    """Run one read: on the early connection before the full open, else on peewee's."""
    if _early is not None:
        return _early.execute(sql, params)
    from db.models import database

    return database.execute_sql(sql, params)
