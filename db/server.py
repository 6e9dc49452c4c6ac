"""The office server: one PostgreSQL database that every seat of an office shares.

An address names the server and the database, never the password:
``postgresql://USER@HOST:PORT/DBNAME``. How the password is found is in
db/server_address.py.

The engine (``ServerDatabase``) runs the same SQL text as the SQLite engine: every statement
of db/ is written with ``?`` placeholders, and the few spellings SQLite and PostgreSQL do
not share are rewritten once per statement text (``postgres_sql``). What the rewriting cannot
say (the full-text index, the catalog) has its own PostgreSQL statement in its db/ module,
chosen by ``on_server()``.

Every committed write is announced to the other seats (``NOTIFY``, sent with the ``COMMIT``;
db/seats.py says what a notice holds, db/server_listen.py hears them).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import peewee as pw
import psycopg
from psycopg.adapt import Dumper

from db import changes, seats
from db.errors import StorageError
from db.models import database
from db.server_address import LoginRefused, ServerAddress, ServerUnreachable, connect_params
from db.server_errors import ServerTrouble, server_trouble


def connection_error(exc: BaseException, address: ServerAddress) -> StorageError | None:
    """The message a person should read when connecting to ``address`` failed."""
    text = str(exc)
    low = text.lower()
    detail = " ".join(text.split())  # the server's own words, for the IT person
    if any(
        w in low
        for w in (
            "password authentication failed",
            "no password supplied",
            "authentication failed",
            "no pg_hba.conf entry",
            "role ",
            "permission denied for database",
        )
    ) or ("database" in low and "does not exist" in low):
        return LoginRefused(
            f"数据库服务器 {address.host}:{address.port} 拒绝了登录"
            f"(用户 {address.user},数据库 {address.dbname})。"
            "请检查用户名、数据库名和密码(pgpass 文件或系统凭据管理器中的密码),"
            "以及服务器的 pg_hba.conf 是否允许本机连接。",
            detail,
        )
    if isinstance(exc, psycopg.OperationalError):
        return ServerUnreachable(
            f"无法连接数据库服务器 {address.host}:{address.port}:服务器没有应答。"
            "请检查服务器是否开机、PostgreSQL 服务是否在运行、地址和端口是否正确,"
            "以及防火墙是否对本局域网开放该端口。(本机数据未作任何改动)",
            detail,
        )
    return None


class _BoolAsInt(Dumper):
    """Yes/no columns are INTEGER 0/1 on both engines (the SQL compares them with 0 and 1),
    so a Python bool is sent as an integer."""

    oid = psycopg.postgres.types["int4"].oid

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"


_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")
_CHAR = re.compile(r"\bchar\(", re.IGNORECASE)
_IFNULL = re.compile(r"\bifnull\(", re.IGNORECASE)
# SQLite's IS / IS NOT between two values compares NULL as a value
_IS_NOT = re.compile(r"\bIS\s+NOT\s+(?=\S)(?!NULL\b|DISTINCT\b|TRUE\b|FALSE\b)", re.IGNORECASE)
_IS = re.compile(r"\bIS\s+(?=\S)(?!NOT\b|NULL\b|DISTINCT\b|TRUE\b|FALSE\b)", re.IGNORECASE)
# SQLite's CROSS JOIN … ON is an inner join whose order the planner keeps
_CROSS_ON = re.compile(r"\bCROSS JOIN(\s+\w+(?:\s+\w+)?\s+ON)\b", re.IGNORECASE)
_OR_IGNORE = re.compile(r"^\s*INSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE)


@functools.lru_cache(maxsize=2048)
def postgres_sql(sql: str) -> str:
    """``sql`` as written for SQLite, spelled for PostgreSQL: ``?`` placeholders become
    ``%s`` (a literal ``%`` becomes ``%%``), ``char(n)`` becomes ``chr(n)``, ``ifnull`` becomes
    ``coalesce``, SQLite's ``CROSS JOIN t ON`` (an ordered inner join) becomes ``JOIN t ON``,
    ``a IS b`` and ``a IS NOT b`` become ``IS [NOT] DISTINCT FROM``, and
    ``INSERT OR IGNORE`` becomes ``INSERT … ON CONFLICT DO NOTHING``. Quoted text is kept."""
    out: list[str] = []
    pos = 0
    for m in _QUOTED.finditer(sql):
        out.append(_outside_quotes(sql[pos : m.start()]))
        out.append(m.group(0).replace("%", "%%"))
        pos = m.end()
    out.append(_outside_quotes(sql[pos:]))
    text = "".join(out)
    if _OR_IGNORE.match(text):
        text = _OR_IGNORE.sub("INSERT INTO", text, count=1).rstrip().rstrip(";")
        text += " ON CONFLICT DO NOTHING"
    return text


def _outside_quotes(part: str) -> str:
    part = _IFNULL.sub("coalesce(", part.replace("%", "%%").replace("?", "%s"))
    part = _IS_NOT.sub("IS DISTINCT FROM ", part)
    part = _IS.sub("IS NOT DISTINCT FROM ", part)
    return _CROSS_ON.sub(r"JOIN\1", _CHAR.sub("chr(", part))


@functools.lru_cache(maxsize=2048)
def _announced_table(sql: str) -> str | None:
    """The table ``sql`` writes, when the other seats' pages may show it."""
    table = changes.written_table(sql)
    return table if table is not None and seats.announced([table]) else None


_local = threading.local()


def _announce(conn: psycopg.Connection[Any], tables: set[str]) -> None:
    """Tell the other seats that this seat wrote ``tables``: inside a transaction the notice
    leaves with its commit (and never on a rollback), outside one at once."""
    text = seats.payload(seats.current(), tables)
    psycopg.Cursor(conn).execute("SELECT pg_notify(%s, %s)", (seats.CHANNEL, text))


def _take_pending() -> set[str]:
    pending: set[str] = getattr(_local, "written", None) or set()
    _local.written = set()
    return pending


def _written(conn: psycopg.Connection[Any], table: str) -> None:
    """Note a successful write of ``table``: announced with the commit of its transaction,
    or at once when it was its own transaction (peewee runs in autocommit outside one)."""
    if conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
        _announce(conn, {table})
        return
    pending: set[str] | None = getattr(_local, "written", None)
    if pending is None:
        pending = _local.written = set()
    pending.add(table)


class JournalCursor(psycopg.Cursor[Any]):
    """A cursor that speaks the SQL of db/ (``postgres_sql``), tells the change journal
    (db/changes.py) which table each write touches, however the statement is run, and has
    the other seats told of it once it is committed."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        table = None
        if isinstance(query, str):
            changes.note_sql(query)
            table = _announced_table(query)
            query, params = postgres_sql(query), tuple(params or ())
        result = super().execute(query, params, **kwargs)
        if table is not None:
            _written(self.connection, table)
        return result

    def executemany(self, query: Any, params_seq: Any, **kwargs: Any) -> None:
        table = None
        if isinstance(query, str):
            changes.note_sql(query)
            table = _announced_table(query)
            query = postgres_sql(query)
        super().executemany(query, params_seq, **kwargs)
        if table is not None:
            _written(self.connection, table)

    @contextmanager
    def copy(
        self, statement: Any, params: Any = None, *, writer: Any = None
    ) -> Iterator[psycopg.Copy]:
        table = None
        if isinstance(statement, str):
            changes.note_sql(statement)
            table = _announced_table(statement)
        with super().copy(statement, params, writer=writer) as copy:
            yield copy
        if table is not None:
            _written(self.connection, table)


class ServerDatabase(pw.PostgresqlDatabase):
    """peewee's PostgreSQL database through psycopg 3, speaking the SQL of db/ (``?``
    placeholders, see ``postgres_sql``) and noting every write in the change journal."""

    param = "?"  # peewee writes ``?`` too: one rewriting for all statements

    def __init__(
        self, address: ServerAddress, *, data_folder: Path | None = None, **kwargs: Any
    ) -> None:
        self.address = address
        self.data_folder = data_folder  # this PC's folder (db.database.data_folder)
        params = {**connect_params(address), **kwargs}
        super().__init__(address.dbname, prefer_psycopg3=True, **params)

    def _connect(self) -> Any:
        try:
            conn = super()._connect()  # type: ignore[misc]  # peewee's stubs omit _connect
        except psycopg.Error as e:
            said = connection_error(e, self.address)
            if said is None:
                raise
            raise said from None
        conn.adapters.register_dumper(bool, _BoolAsInt)
        conn.cursor_factory = JournalCursor
        return conn

    def _said(self, exc: Exception) -> ServerTrouble | None:
        """The server's or the network's state said for a person (db/server_errors.py)."""
        return server_trouble(
            exc, f"{self.address.host}:{self.address.port}", environment_only=True
        )

    @property
    def _thread_state(self) -> Any:
        """peewee's per-thread connection state (its stubs do not declare it)."""
        return self._state  # type: ignore[attr-defined]  # peewee's stubs omit _state

    def _lost(self) -> bool:
        """This thread's connection died under it (the network, the server stopping)."""
        conn = self._thread_state.conn
        return conn is not None and bool(conn.closed)

    def _forget_lost(self) -> None:
        """Outside a transaction, a dead connection is forgotten: the next statement of this
        thread connects again, so "retry once it is back" is all a person has to do."""
        if self._lost() and not self.in_transaction():
            self._thread_state.reset()

    @contextmanager
    def _saying(self) -> Iterator[None]:
        """The server's or the network's errors inside said for a person (ServerTrouble,
        from the driver's error); a connection that died is forgotten once no transaction
        needs it, so the next statement connects again."""
        try:
            yield
        except (pw.DatabaseError, psycopg.Error) as e:
            self._forget_lost()
            said = self._said(e)
            if said is None:
                raise
            raise said from e

    def begin(self, isolation_level: Any = None) -> Any:
        with self._saying():
            return super().begin(isolation_level)

    def execute_sql(self, sql: Any, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        with self._saying():
            return super().execute_sql(sql, params, *args, **kwargs)

    @contextmanager
    def read_snapshot(self) -> Iterator[Any]:
        """One consistent snapshot for a long read (an export, a backup): a ``REPEATABLE
        READ`` transaction sees the database as of its first query whatever commits
        meanwhile (the default, READ COMMITTED, gives each statement its own moment, so an
        entry saved between two reads could travel without its case). PostgreSQL's readers
        never block writers. Inside a transaction already begun, that transaction's view."""
        if self.in_transaction():
            with self.atomic() as txn:
                yield txn
            return
        with self.atomic() as txn:
            self.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield txn

    def after_transaction(self, fn: Callable[[], None]) -> None:
        """As SafeSqliteDatabase.after_transaction: ``fn()`` once the outermost transaction
        of this thread has ended, committed or rolled back."""
        if not self.in_transaction():
            fn()
            return
        pending = getattr(_local, "after", None)
        if pending is None:
            pending = _local.after = []
        pending.append(fn)

    def _ended(self) -> None:
        pending = getattr(_local, "after", None)
        while pending:
            fn = pending.pop(0)
            try:  # never hide the error that rolled the transaction back
                fn()
            except Exception:
                if not getattr(_local, "rolled_back", False):
                    raise

    def commit(self) -> Any:
        written = _take_pending()
        conn = self.connection()
        if written and conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS:
            _announce(conn, written)  # sent by the COMMIT below, or not at all
        with self._saying():
            result = super().commit()
        if not self.in_transaction():
            _local.rolled_back = False
            self._ended()
        return result

    def rollback(self) -> Any:
        _take_pending()  # what was undone is not announced
        try:
            if self._lost():  # the server undid the transaction when the connection died
                self._forget_lost()
                return None
            return super().rollback()
        except (pw.DatabaseError, psycopg.Error) as e:  # a lost connection undid it already
            said = self._said(e)
            if said is None:
                raise
            raise said from e
        finally:
            if not self.in_transaction():
                _local.rolled_back = True
                self._ended()


# The advisory lock that holds the office's schema while a seat reads its version and builds
# or migrates it (the two-number form; class 7 holds the settings, db/settings_rows.py).
SCHEMA_LOCK = (8, 1)


@contextmanager
def schema_held() -> Iterator[None]:
    """Hold the office's schema for this session: a second seat opening the database at the
    same moment (two ``init`` runs on an empty server, two seats starting a new version)
    waits here, then reads the version the first one left, never a half-made schema. A
    session's lock, not a transaction's: each migration step commits on its own."""
    database.execute_sql("SELECT pg_advisory_lock(?, ?)", SCHEMA_LOCK)
    try:
        yield
    finally:
        # a lost connection took its lock with it: the error that ended the work shows
        with suppress(Exception):
            database.execute_sql("SELECT pg_advisory_unlock(?, ?)", SCHEMA_LOCK)


def wrong_encoding() -> str | None:
    """Why this server database cannot hold the office's text, or None: the cases are
    Chinese, the search's trigram index reads UTF-8, so anything but a UTF8 database is
    refused before a table is made."""
    (encoding,) = database.execute_sql("SHOW server_encoding").fetchone()
    if isinstance(encoding, bytes):  # psycopg hands SQL_ASCII's text over undecoded
        encoding = encoding.decode("ascii", "replace")
    if encoding == "UTF8":
        return None
    return (
        f"服务器上的数据库编码为 {encoding},本程序需要 UTF8 编码的数据库。"
        "请服务器管理员按 docs/server.md 重建数据库"
        "(createdb --encoding UTF8 --template template0 …)"
    )
