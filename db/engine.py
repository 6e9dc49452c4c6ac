"""The SQLite engine under peewee: how a write transaction starts, waits and fails.

Two writers wait for each other, never fail each other: every transaction that peewee opens
(``database.atomic()``, ``transaction()``, the migrations, the ledger import) begins with
``BEGIN IMMEDIATE``, so it takes the write lock at its start and waits its turn there. A
deferred ``BEGIN`` would read first and then fail at once with "database is locked" when it
tries to write after another process has written (SQLite cannot wait for a snapshot that is
already stale: no busy timeout helps). A read that wants one consistent snapshot without
blocking writers asks for ``database.read_snapshot()`` (a deferred transaction).

The wait is long enough for a big ledger import (``WRITE_WAIT_S``); after ``NOTICE_AFTER_S``
of waiting the listeners hear it (``on_write_wait``: the CLI prints a line, the GUI worker's
progress dialog says what it waits for).

SQLite's own errors for a full disk, a read-only file and a lock held too long become
StorageError subclasses with a complete Chinese message (they are still peewee's
OperationalError, so existing handlers keep working), and a rollback after SQLite has
already rolled back by itself (as it does on SQLITE_FULL) no longer hides the real error
behind "cannot rollback - no transaction is active".

Every connection notes the table of each write it runs (INSERT, UPDATE, DELETE, REPLACE,
through peewee, a cursor's ``executemany`` or the connection's own ``execute``) in the change
journal of db/changes.py, from which the GUI learns what a piece of work changed.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable
from typing import Any, Self

import peewee as pw

from db import changes
from db.errors import StorageError

log = logging.getLogger(__name__)

NOTICE_AFTER_S = 2.0  # a person hears about a wait for the write lock after this long
WRITE_WAIT_S = 600.0  # and a write gives up after this long (a ledger import is minutes)

# Called on the waiting thread as (path,) when a write has waited NOTICE_AFTER_S, and as
# (None,) when it got the lock (or gave up). Listeners must be quick and thread-safe.
WaitListener = Callable[[str | None], None]
_listeners: list[WaitListener] = []
_local = threading.local()


def on_write_wait(listener: WaitListener) -> Callable[[], None]:
    """Register ``listener`` for long waits of this process's writes; returns an unregister."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None


def set_thread_listener(listener: WaitListener | None) -> None:
    """``listener`` hears the long waits of the writes made on THIS thread (the GUI's
    worker: the task that waits is the one whose progress dialog is shown); None stops."""
    _local.listener = listener


def set_thread_wait_limit(seconds: float | None) -> None:
    """How long a write on THIS thread waits for the lock (None: WRITE_WAIT_S). The GUI
    thread keeps it short: a window frozen for minutes looks hung; its long work runs on
    the worker, whose progress dialog says what it waits for."""
    _local.wait_s = seconds


def _notify(what: str | None) -> None:
    mine = getattr(_local, "listener", None)
    for fn in [*_listeners, *([mine] if mine is not None else [])]:
        with contextlib.suppress(Exception):  # a listener's failure never stops a write
            fn(what)


class DatabaseBusy(StorageError, pw.OperationalError):
    """Another program held the write lock longer than WRITE_WAIT_S; nothing was written."""


class DiskFull(StorageError, pw.OperationalError):
    """The disk (or the database's size limit) is full; the transaction was rolled back."""


class ReadOnlyData(StorageError, pw.OperationalError):
    """The database file or its folder cannot be written."""


class DiskError(StorageError, pw.OperationalError):
    """The operating system reported an I/O error on the database."""


def storage_error(exc: BaseException, path: str | None) -> StorageError | None:
    """The StorageError a person should read for SQLite's ``exc``, or None when ``exc`` is
    not about the disk, the folder's rights or the lock (then it is a bug: let it show)."""
    if isinstance(exc, StorageError):
        return exc
    text = str(exc)
    where = f"数据库 {path} " if path else "数据库"
    if "database or disk is full" in text:
        return DiskFull(
            f"磁盘空间已满,无法写入{where}:本次操作未保存,原有数据未受影响。请清理磁盘空间后重试。"
        )
    if "readonly database" in text:
        return ReadOnlyData(
            f"{where}是只读的(文件或所在文件夹不可写):本次操作未保存。"
            "请检查该文件夹的权限,或将数据文件夹放到可写的位置。"
        )
    if "database is locked" in text or "database table is locked" in text:
        return DatabaseBusy(
            f"{where}正被另一个程序(例如台账导入)长时间写入,等待后仍未轮到:"
            "本次操作未保存,请稍后重试。"
        )
    if "disk I/O error" in text:
        return DiskError(
            f"读写{where}时磁盘出错(disk I/O error):本次操作未保存。请检查磁盘或存储设备后重试。"
        )
    return None


def _is_busy(exc: BaseException) -> bool:
    return "database is locked" in str(exc) or "database table is locked" in str(exc)


class JournalCursor(sqlite3.Cursor):
    """A cursor that tells the change journal (db/changes.py) which table each write
    touches, so no write can forget to say what it changed."""

    def execute(self, sql: str, parameters: Any = (), /) -> Self:
        changes.note_sql(sql)
        return super().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> Self:
        changes.note_sql(sql)
        return super().executemany(sql, seq_of_parameters)

    def executescript(self, sql_script: str, /) -> sqlite3.Cursor:
        if changes.active():  # a script is not split into statements: say everything
            changes.note_everything()
        return super().executescript(sql_script)


class JournalConnection(sqlite3.Connection):
    """Every cursor of this connection is a JournalCursor, and its own shortcuts
    (``execute``, ``executemany``, ``executescript``) go through one."""

    def cursor(self, factory: Any = JournalCursor) -> Any:
        return super().cursor(factory)

    # With no recorder listening, sqlite3's own (C) path: the journal costs nothing there.
    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        if not changes.active():
            return super().execute(sql, parameters)
        return JournalCursor(self).execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> sqlite3.Cursor:
        if not changes.active():
            return super().executemany(sql, seq_of_parameters)
        return JournalCursor(self).executemany(sql, seq_of_parameters)

    def executescript(self, sql_script: str, /) -> sqlite3.Cursor:
        return JournalCursor(self).executescript(sql_script)


class SafeSqliteDatabase(pw.SqliteDatabase):
    """peewee's SqliteDatabase whose transactions take the write lock at their start, and
    whose connections note every write in the change journal."""

    def init(self, database: str | None, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("factory", JournalConnection)  # passed on to sqlite3.connect
        super().init(database, *args, **kwargs)

    def read_snapshot(self):
        """A deferred transaction: one consistent snapshot for a long read (an export),
        without holding the write lock, so writers are not blocked meanwhile."""
        return self.atomic("DEFERRED")

    def begin(self, lock_type=None):
        lock = (lock_type or "IMMEDIATE").upper()
        conn = self.connection()
        if lock != "IMMEDIATE":
            return super().begin(lock)
        cur = conn.cursor()
        timeout_ms = int(cur.execute("PRAGMA busy_timeout").fetchone()[0])
        notice_ms = int(NOTICE_AFTER_S * 1000)
        if timeout_ms <= notice_ms:  # a caller that chose not to wait (a background fill)
            self._begin_immediate(cur)
            return None
        cur.execute(f"PRAGMA busy_timeout = {notice_ms}")
        try:
            try:
                self._begin_immediate(cur)
                return None
            except pw.OperationalError as e:
                if not _is_busy(e):
                    raise
            _notify(self.database)  # waited NOTICE_AFTER_S already: say so, then go on
            wait_s = getattr(_local, "wait_s", None) or WRITE_WAIT_S
            cur.execute(f"PRAGMA busy_timeout = {max(int(wait_s * 1000) - notice_ms, 0)}")
            try:
                self._begin_immediate(cur)
            except pw.OperationalError as e:
                err = storage_error(e, self.database)
                if err is not None:
                    raise err from None
                raise
            finally:
                _notify(None)
        finally:
            cur.execute(f"PRAGMA busy_timeout = {timeout_ms}")
        return None

    def _begin_immediate(self, cur: sqlite3.Cursor) -> None:
        # peewee's stubs omit the wrapper that turns sqlite3's errors into peewee's
        with pw.__exception_wrapper__:  # type: ignore[attr-defined]
            cur.execute("BEGIN IMMEDIATE")

    def after_transaction(self, fn: Callable[[], None]) -> None:
        """Call ``fn()`` once the outermost transaction of this thread has ended, committed
        or rolled back (at once when there is none): what must be written even if the
        transaction is undone (the audit of a refused action), and cannot be written
        beside it because this transaction holds the write lock."""
        if not self.in_transaction():
            fn()
            return
        pending = getattr(_local, "after", None)
        if pending is None:
            pending = _local.after = []
        pending.append(fn)

    def _ended(self, *, rolled_back: bool) -> None:
        pending = getattr(_local, "after", None)
        while pending:
            fn = pending.pop(0)
            if not rolled_back:
                fn()
                continue
            try:  # never hide the error that rolled the transaction back
                fn()
            except Exception:
                log.exception("writing after a rolled-back transaction failed")

    def rollback(self):
        try:
            # SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, IOERR,
            # BUSY in a commit): a second ROLLBACK would replace the real error by "cannot
            # rollback - no transaction is active".
            if self.is_closed() or self.connection().in_transaction:
                super().rollback()
        finally:
            if not self.in_transaction():
                self._ended(rolled_back=True)

    def execute_sql(self, sql, params=None):
        try:
            return super().execute_sql(sql, params)
        except pw.OperationalError as e:
            err = storage_error(e, self.database)
            if err is None or err is e:
                raise
            raise err from e

    def commit(self):
        try:
            super().commit()
        except pw.OperationalError as e:
            err = storage_error(e, self.database)
            if err is None or err is e:
                raise
            raise err from e
        if not self.in_transaction():
            self._ended(rolled_back=False)
