"""Opening the database: pragmas, schema version check, migrations.

peewee's habit: the model database is declared with ``SqliteDatabase(None)`` and
initialised here once the path is known. Every thread gets its own connection
(peewee keeps them thread-local); the pragmas apply to each.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import peewee as pw

from db.backup import make_backup
from db.engine import ReadOnlyData, storage_error
from db.errors import DatabaseTooNew, NotADatabase, StorageError
from db.migrations import LATEST_VERSION, POSTGRES_BASELINE, POSTGRES_STEPS, STEPS, Step
from db.models import database, local_database, on_server
from db.partfiles import remove_leftovers
from db.server_address import ServerAddress

BUSY_TIMEOUT_MS = 10_000
PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": BUSY_TIMEOUT_MS,
    "synchronous": "normal",  # safe with WAL: a power cut loses at most the last commit
    "cache_size": -32_000,  # 32 MB
    "temp_store": "memory",
}


# The page cache of each connection of the desktop program (KiB): its big reads (every id of
# the case list, a year's figures) stream through once and the OS keeps the file cached, so
# a cache the size of PRAGMAS' only made the program's memory grow with the database
# (bench/README.md, the app's peak RSS); the hot index pages fit in this.
DESKTOP_CACHE_KIB = 8_000


def limit_page_cache(kib: int = DESKTOP_CACHE_KIB) -> None:
    """Each connection's page cache at most ``kib`` KiB: this thread's now, every other
    thread's when it connects."""
    if not on_server():
        database.pragma("cache_size", -kib, permanent=True)


def latest_version() -> int:
    """The schema version this program builds and reads (the migrations' last step)."""
    return LATEST_VERSION


def schema_version(conn: sqlite3.Connection) -> int:
    """0 for an empty file; raises NotADatabase for a file that is not ours."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "schema_version" not in tables:
        if tables:
            raise NotADatabase("", "缺少版本表(schema_version)")
        return 0
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


@dataclass(frozen=True)
class OpenReport:
    path: Path
    version_before: int
    version_after: int
    backup: Path | None  # the verified backup made before migrating, if any


# Told, while a migration step runs, the schema version it brings the database to and the
# seconds since the migration began: at the start and then about every REPORT_EVERY_S (a
# step that rebuilds an index over a million cases runs for a minute in one statement).
MigrationProgress = Callable[[int, float], None]
REPORT_EVERY_S = 0.2
# SQLite's virtual machine instructions between two looks at the clock.
_PROGRESS_OPS = 200_000


def open_database(
    path: Path,
    *,
    backup_dir: Path | None = None,
    app_version: str = "",
    progress: MigrationProgress | None = None,
) -> OpenReport:
    """Open (or create) the database at ``path`` and bring its schema up to date.

    A database newer than this program is refused before anything is written.
    Before migrating an existing database, a verified backup goes to ``backup_dir``.
    ``progress``, if given, hears how a migration goes (MigrationProgress).
    """
    path = Path(path)
    if database.obj is not local_database:  # back from the office server to this PC's file
        close_database()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _read_only(path, e) or e from None
    if not database.is_closed():
        database.close()
    # What a killed restore, migration, backup or export left half-written (logged).
    remove_leftovers(path.parent)
    # Check the version read-only first, so a file that is not ours is never touched
    # (not even switched to WAL).
    if path.exists():  # two access() calls: a folder or file we may not write, said now
        err = _read_only(path, None)
        if err is not None:
            raise err
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
            # A database in a folder we may not write is not "not ours".
            raise _read_only(path, e) or NotADatabase(path, f"无法读取({e})") from None
        if before > LATEST_VERSION:
            raise DatabaseTooNew(before, LATEST_VERSION)
    else:
        before = 0
    try:
        database.init(str(path), pragmas=PRAGMAS)
        _connect_in_turn()
        backup = None
        began = time.monotonic()
        if 0 < before < LATEST_VERSION:
            target = backup_dir or path.parent / "backups"
            backup = make_backup(
                target,
                reason=f"before-migration-v{before}",
                progress=_backup_reported(progress, before + 1, began),
            )
        _migrate(before, app_version, progress=progress, began=began)
    except (sqlite3.Error, pw.DatabaseError, OSError) as e:
        said: StorageError | None = _read_only(path, e) or storage_error(e, str(path))
        if said is None:
            raise
        close_database()
        raise said from None
    return OpenReport(path, before, LATEST_VERSION, backup)


def _read_only(path: Path, e: BaseException | None) -> ReadOnlyData | None:
    """The message for a data folder or database file this program may not write, else
    None. Asked only after something failed: at a normal start it costs nothing."""
    folder = path.parent
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
        what = f"数据文件夹 {folder} 不可写"
    elif path.exists() and not os.access(path, os.W_OK):
        what = f"数据库文件 {path} 是只读的"
    elif not folder.exists() and isinstance(e, PermissionError):
        what = f"无法创建数据文件夹 {folder}(没有权限)"
    else:
        return None
    return ReadOnlyData(
        f"{what}:客诉管理台需要在数据文件夹中写入数据库及其日志文件"
        "(-wal、-shm)。请检查该文件夹的权限,或用 --data-dir 指定一个可写的"
        "数据文件夹。(数据未作任何改动)"
    )


SCHEMA_VERSION_SQL = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, "
    "description TEXT NOT NULL, app_version TEXT NOT NULL)"
)


def _connect_in_turn() -> None:
    """database.connect(), waiting its turn like every write: switching a new file to WAL
    (the first pragma) needs the file to itself, and SQLite answers "locked" at once, with no
    busy handler, while another process is creating the same database."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            database.connect(reuse_if_open=True)
            return
        except pw.OperationalError as e:
            if "database is locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _migrate(
    current: int,
    app_version: str,
    replaced: dict[int, Step] | None = None,
    from_empty: int = 0,
    progress: MigrationProgress | None = None,
    began: float | None = None,
) -> None:
    """Apply the steps after ``current``. ``replaced`` maps a version to its step on another
    engine (POSTGRES_STEPS); ``from_empty`` is the replaced step that builds an empty
    database (POSTGRES_BASELINE): the steps before it are then not run."""
    database.execute_sql(SCHEMA_VERSION_SQL)
    replaced = replaced or {}
    began = time.monotonic() if began is None else began
    baseline = from_empty if current == 0 else 0
    for version, description, shared in STEPS:
        if version <= current or version < baseline:
            continue
        step = replaced.get(version, shared)
        with database.atomic():  # each step all or nothing, under the write lock
            # Another process opening the same file at the same moment may have applied
            # this step while we waited for the lock (two `demo` runs on a new folder).
            done = database.execute_sql("SELECT max(version) FROM schema_version").fetchone()
            if (done[0] or 0) >= version:
                continue
            with _reported(progress, version, began):
                step(database.execute_sql)
            database.execute_sql(
                "INSERT INTO schema_version (version, applied_at, description, app_version) "
                "VALUES (?, ?, ?, ?)",
                (
                    version,
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    description,
                    app_version,
                ),
            )


def _backup_reported(
    progress: MigrationProgress | None, version: int, began: float
) -> Callable[[int, int], None] | None:
    """The backup before a migration is part of the wait: ``progress`` hears it as the
    first step's time (a 1 GB database takes seconds to copy before any step runs)."""
    if progress is None:
        return None
    told = progress
    return lambda _done, _total: told(version, time.monotonic() - began)


@contextmanager
def _reported(progress: MigrationProgress | None, version: int, began: float) -> Iterator[None]:
    """Tell ``progress`` that the step to ``version`` runs, then again while it does (from
    SQLite's progress handler, between the instructions of a long statement)."""
    if progress is None:
        yield
        return
    progress(version, time.monotonic() - began)
    conn = None if on_server() else database.connection()
    if not isinstance(conn, sqlite3.Connection):
        yield
        return
    last = time.monotonic()

    def tick() -> int:
        nonlocal last
        now = time.monotonic()
        if now - last >= REPORT_EVERY_S:
            last = now
            progress(version, now - began)
        return 0  # go on

    conn.set_progress_handler(tick, _PROGRESS_OPS)
    try:
        yield
    finally:
        conn.set_progress_handler(None, 0)


def build_schema(conn: sqlite3.Connection, version: int) -> None:
    """Build the schema of ``version`` on an empty database ``conn`` exactly as the
    migrations do (the reference the restore's schema check compares a file with)."""
    conn.execute(SCHEMA_VERSION_SQL)
    for number, _description, step in STEPS:
        if number > version:
            break
        step(conn.execute)


def migrate_file(conn: sqlite3.Connection, app_version: str = "") -> int:
    """Bring the SQLite file of ``conn`` (not the open database: a staged copy) up to this
    program's schema, step by step as the runner does; its version after."""
    current = schema_version(conn)
    for version, description, step in STEPS:
        if version <= current:
            continue
        step(conn.execute)
        conn.execute(
            "INSERT INTO schema_version (version, applied_at, description, app_version) "
            "VALUES (?, ?, ?, ?)",
            (version, datetime.now(UTC).isoformat(timespec="seconds"), description, app_version),
        )
    conn.commit()
    return max(current, LATEST_VERSION)


def open_server(
    address: ServerAddress,
    *,
    app_version: str = "",
    password: str | None = None,
    data_folder: Path | None = None,
) -> OpenReport:
    """Connect to the office's PostgreSQL database at ``address`` and bring its schema up
    to date (an empty database gets the whole schema: ``init``). Raises ServerUnreachable
    or LoginRefused (db/server.py) with a message a person can act on. ``password``, when
    given, is used instead of the kept one (a person just typed it). ``data_folder`` is
    this PC's folder (``--data-dir``): the server has no file to sit beside, so what this
    PC writes of it (backups, the markers of half-written files) goes there."""
    # psycopg (0.13 s to import) only for an office server: the SQLite start never loads it
    from db.server import ServerDatabase, connection_error, schema_held, wrong_encoding

    close_database()
    if data_folder is not None:  # as open_database: what a killed writer left (logged)
        remove_leftovers(data_folder)
    server = ServerDatabase(
        address, data_folder=data_folder, **({"password": password} if password else {})
    )
    database.initialize(server)
    try:
        database.connect()
        wrong = wrong_encoding()
        if wrong:
            raise StorageError(wrong)
        with schema_held():  # another seat building or migrating it: wait, then read again
            before = _server_schema_version()
            if before > LATEST_VERSION:
                raise DatabaseTooNew(before, LATEST_VERSION)
            _migrate(before, app_version, POSTGRES_STEPS, POSTGRES_BASELINE)
    except Exception as e:
        said = connection_error(e, address)
        close_database()
        if said is None:
            raise
        raise said from None
    return OpenReport(Path(str(address)), before, LATEST_VERSION, None)


def _server_schema_version() -> int:
    tables = {
        r[0]
        for r in database.execute_sql(
            "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
        )
    }
    if "schema_version" not in tables:
        if tables:
            raise NotADatabase("", "缺少版本表(schema_version)")
        return 0
    row = database.execute_sql("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def close_database() -> None:
    """Close the database; after an office server, the next use is this PC's file again."""
    if not database.is_closed():
        database.close()
    if database.obj is not local_database:
        database.initialize(local_database)


def database_path() -> Path | None:
    """This PC's database file (None on the office server, which has no file here)."""
    if on_server():
        return None
    return Path(database.database) if database.database else None
