"""设置 → 数据库 and the GUI's start: which database this PC's GUI uses (this PC's SQLite file,
or the office's PostgreSQL server), testing a server before switching to it, and keeping its
password where db/server_login.py says (never in plain text in the program's settings).

Testing a server is complaints/usecases/server_test.py: it loads the PostgreSQL driver, which
the start on this PC's own data never needs. The choice belongs to the data folder
(db/server_login.py says why); at the start ``--database`` wins over
``COMPLAINTDESK_DATABASE``, which wins over the saved choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from complaints.usecases import auth
from complaints.usecases.context import Context
from complaints.usecases.errors import UseCaseError
from db import server_login
from db.errors import StorageError
from db.models import database, on_server
from db.server_address import (
    BadAddress,
    ServerAddress,
    parse_address,
)

DEFAULT_PORT = 5432


@dataclass(frozen=True)
class ServerFields:
    """The server as a person types it in 设置 → 数据库."""

    host: str
    port: int
    dbname: str
    user: str

    def address(self) -> ServerAddress:
        missing = [
            w
            for w, v in (("服务器", self.host), ("数据库名", self.dbname), ("用户名", self.user))
            if not v.strip()
        ]
        if missing:
            raise UseCaseError(f"请填写{'、'.join(missing)}")
        if not 0 < self.port < 65536:
            raise UseCaseError(f"端口 {self.port} 无效:应为 1–65535(PostgreSQL 默认 5432)")
        return ServerAddress(self.user.strip(), self.host.strip(), self.port, self.dbname.strip())

    @classmethod
    def of(cls, address: ServerAddress) -> ServerFields:
        return cls(address.host, address.port, address.dbname, address.user)


def saved_choice(folder: Path) -> ServerFields | None:
    """The server this data folder's GUI opens; None: this PC's own data."""
    try:
        address = server_login.saved_server(folder)
    except StorageError as e:
        raise UseCaseError(str(e)) from None
    return ServerFields.of(address) if address is not None else None


def has_password(fields: ServerFields) -> bool:
    return server_login.has_password(fields.address())


def keep_password(fields: ServerFields, password: str) -> str:
    """Keep ``password`` for the server; where it went, as a person reads it."""
    try:
        return server_login.save_password(fields.address(), password)
    except StorageError as e:
        raise UseCaseError(str(e)) from None


def save_choice(
    ctx: Context | None, folder: Path, fields: ServerFields | None, password: str = ""
) -> str:
    """Keep this PC's choice (``fields``; None: this PC's own data) and, when typed, the
    password; takes effect at the next start. ``ctx`` None: the start, before any database
    opened (nobody is signed in to ask). Returns where the password went, or ""."""
    if ctx is not None:
        auth.require(ctx, "settings.site")
    address = fields.address() if fields is not None else None
    where = keep_password(fields, password) if fields is not None and password else ""
    try:
        server_login.save_server(folder, address)
    except StorageError as e:
        raise UseCaseError(str(e)) from None
    return where


def start_address(
    flag: str | None, env: str | None, folder: Path
) -> tuple[ServerAddress | None, str]:
    """The server the GUI starts on and what named it ("--database", "环境变量", "设置"), or
    (None, "") for this PC's own data: ``--database`` > COMPLAINTDESK_DATABASE > the setting."""
    for text, source in ((flag, "--database"), (env, "COMPLAINTDESK_DATABASE")):
        if text and text.strip():
            try:
                return parse_address(text), source
            except BadAddress as e:
                raise UseCaseError(str(e)) from None
    try:
        saved = server_login.saved_server(folder)
    except StorageError as e:
        raise UseCaseError(str(e)) from None
    return saved, ("设置" if saved is not None else "")


def database_in_use() -> str:
    """Which database is open, as the window says it: "本机" or "服务器 host/dbname"."""
    if not on_server():
        return "本机"
    address = getattr(database.obj, "address", None)
    if not isinstance(address, ServerAddress):
        return "服务器"
    return describe_choice(ServerFields.of(address))


def describe_choice(fields: ServerFields | None) -> str:
    """A saved choice as ``database_in_use`` says the open one."""
    if fields is None:
        return "本机"
    host = "本机套接字" if fields.host.startswith("/") else fields.host
    return f"服务器 {host}/{fields.dbname}"


def on_office_server() -> bool:
    """Whether the open database is the office's server (not this PC's SQLite file)."""
    return on_server()
