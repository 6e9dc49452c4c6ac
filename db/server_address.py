"""Where the office server is: ``postgresql://USER@HOST:PORT/DBNAME``, and its password.

An address names the server and the database, never the password. The password comes from
libpq's password file (``~/.pgpass``, on Windows ``%APPDATA%\\postgresql\\pgpass.conf``, or
the file named by ``PGPASSFILE``), or from the platform's credential store through
``keyring`` when it is installed (service ``complaintdesk``, user ``USER@HOST:PORT/DBNAME``).
An address that carries a password is refused: it would stay in plain text in shell
histories, shortcuts and settings.

No database driver is imported here: reading an address costs the SQLite start nothing.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from db.errors import StorageError

SCHEME = "postgresql"
KEYRING_SERVICE = "complaintdesk"
CONNECT_TIMEOUT_S = 10


class BadAddress(StorageError):
    """The --database address cannot be used (not a PostgreSQL address, a password in it)."""


class _NotOpened(StorageError):
    """The server could not be opened: str(e) says why in Chinese, ``detail`` keeps the
    driver's own words apart (the dialog's 详细信息, the command's 详细信息 line)."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.detail = detail


class ServerUnreachable(_NotOpened):
    """No PostgreSQL server answered at the address."""


class LoginRefused(_NotOpened):
    """The server answered and refused the login (password, user, database, pg_hba.conf)."""


@dataclass(frozen=True)
class ServerAddress:
    user: str
    host: str
    port: int
    dbname: str

    def __str__(self) -> str:
        """The address as a person types it (no password: there never is one)."""
        host = quote(self.host, safe="") if self.host.startswith("/") else self.host
        return f"{SCHEME}://{self.user}@{host}:{self.port}/{self.dbname}"

    @property
    def keyring_user(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.dbname}"


def is_server_address(text: str | None) -> bool:
    return bool(text) and str(text).lower().startswith(("postgresql:", "postgres:"))


def parse_address(text: str) -> ServerAddress:
    """``postgresql://USER@HOST:PORT/DBNAME`` (port 5432 when left out). A host that is a
    folder (``%2Fvar%2Frun%2Fpostgresql`` or ``/tmp``) means the server's Unix socket."""
    parts = urlsplit(text.strip())
    if parts.scheme.lower() not in ("postgresql", "postgres"):
        raise BadAddress(
            f"数据库地址 {text} 不是 PostgreSQL 地址:应为 postgresql://用户@服务器:端口/数据库"
        )
    if parts.password is not None:
        raise BadAddress(
            "数据库地址中不能写密码(密码会以明文留在命令记录和快捷方式里):"
            "请把密码写入 pgpass 文件,或保存到系统的凭据管理器(keyring),地址只写 "
            "postgresql://用户@服务器:端口/数据库"
        )
    user = unquote(parts.username or "")
    host = unquote(parts.hostname or "") if "%2f" not in parts.netloc.lower() else ""
    if not host:  # a socket folder, percent-encoded in the netloc
        netloc = parts.netloc.rsplit("@", 1)[-1]
        host = unquote(netloc.rsplit(":", 1)[0]) if netloc.count(":") else unquote(netloc)
    dbname = unquote(parts.path.lstrip("/"))
    try:
        port = parts.port or 5432
    except ValueError:
        raise BadAddress(f"数据库地址 {text} 的端口不是数字") from None
    missing = [w for w, v in (("用户", user), ("服务器", host), ("数据库名", dbname)) if not v]
    if missing:
        raise BadAddress(
            f"数据库地址 {text} 缺少{'、'.join(missing)}:应为 postgresql://用户@服务器:端口/数据库"
        )
    return ServerAddress(user, host, port, dbname)


def stored_password(address: ServerAddress) -> str | None:
    """The password kept for ``address`` in the platform's credential store, if keyring is
    installed and has one; None leaves it to libpq (the pgpass file, or no password)."""
    try:
        import keyring  # optional: present where an office installed it (pip install keyring)
    except ImportError:
        return None
    with contextlib.suppress(Exception):  # no usable backend: fall back to pgpass
        return keyring.get_password(KEYRING_SERVICE, address.keyring_user)
    return None


def connect_params(address: ServerAddress) -> dict[str, Any]:
    params: dict[str, Any] = {
        "user": address.user,
        "host": address.host,
        "port": address.port,
        "connect_timeout": CONNECT_TIMEOUT_S,
        "application_name": "complaintdesk",
    }
    password = stored_password(address)
    if password:
        params["password"] = password
    return params
