"""The office server's errors said in plain Chinese, with what to check; the server's own
(English) text is kept apart as the detail, for the log and the dialog's 详细信息, where the
IT person reads it.

One place for the CLI and the GUI: ``server_trouble(exc)`` recognises PostgreSQL's errors by
their SQLSTATE class (and a connection the driver lost, which has none) anywhere in the chain
of ``exc`` (peewee wraps the driver's error). psycopg is not imported: this PC's SQLite start
never loads it, and an error's type and ``sqlstate`` are enough.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.errors import StorageError
from db.models import database, on_server

NOT_SAVED = "本次操作未完成"


class ServerTrouble(StorageError):
    """A problem of the office server or the network to it; str(e) is the Chinese message,
    ``detail`` the server's own words (SQLSTATE and text)."""

    def __init__(self, message: str, detail: str, sqlstate: str | None = None):
        super().__init__(message)
        self.detail = detail
        self.sqlstate = sqlstate  # the server's code, for a caller that acts on it


@dataclass(frozen=True)
class _Said:
    what: str  # what happened
    check: str  # what to check, and who


_CONNECTION = _Said(
    "与数据库服务器的连接中断了",
    "请检查网线或无线网络、服务器是否开机、PostgreSQL 服务是否在运行;"
    "恢复后重试即可(程序会重新连接)",
)
_SHUTDOWN = _Said(
    "数据库服务器正在关闭或重新启动",
    "请稍等一两分钟后重试;若一直如此,请服务器管理员查看 PostgreSQL 服务",
)
_TERMINATED = _Said(
    "数据库服务器中断了本机的连接(服务器正在关闭或重新启动,或管理员结束了这个连接)",
    "请稍等后重试(程序会重新连接);若一直如此,请服务器管理员查看 PostgreSQL 服务",
)
_TIMEOUT = _Said(
    "数据库服务器上的这项操作超时,已被服务器取消",
    "请稍后重试;若经常出现,请服务器管理员检查服务器负载和 statement_timeout 设置",
)
_LOCK_TIMEOUT = _Said(
    "另一个座位正在修改相同的数据,等待超时",
    "请稍后重试;若经常出现,请服务器管理员检查 lock_timeout 设置",
)
_CONFLICT = _Said(
    "另一个座位同时在修改相同的数据,多次重试仍未成功",
    "请稍后重试",
)
_DISK_FULL = _Said(
    "数据库服务器的磁盘已满,无法写入",
    "原有数据未受影响。请服务器管理员清理服务器的磁盘空间(例如旧的 pg_dump 备份)",
)
_MEMORY = _Said(
    "数据库服务器内存不足",
    "请稍后重试;若经常出现,请服务器管理员检查服务器的内存和 PostgreSQL 的内存设置",
)
_TOO_MANY = _Said(
    "数据库服务器的连接数已满",
    "请关闭不用的座位上的本程序,或请服务器管理员调大 max_connections",
)
_RESOURCES = _Said(
    "数据库服务器资源不足",
    "请稍后重试;若一直如此,请服务器管理员查看 PostgreSQL 的日志",
)
_LOGIN = _Said(
    "数据库服务器拒绝了登录",
    "请检查登录名、密码(pgpass 文件或系统凭据管理器中的密码)和数据库名,"
    "以及服务器的 pg_hba.conf 是否允许本机连接",
)
_NO_DATABASE = _Said(
    "数据库服务器上没有这个数据库",
    "请检查数据库名(设置 → 数据库,或 --database 地址),或请服务器管理员按说明建库",
)
_PRIVILEGE = _Said(
    "数据库登录名没有这项操作的权限",
    "请服务器管理员按 docs/server.md 第 3 步,让这个登录名以数据库所有者的角色工作",
)
_READ_ONLY = _Said(
    "数据库服务器现在只能读、不能写(只读的备用服务器,或设置为只读)",
    "请服务器管理员检查连接的是否是主服务器,以及 default_transaction_read_only 设置",
)
_DISK_ERROR = _Said(
    "数据库服务器读写磁盘出错",
    "请服务器管理员检查服务器的磁盘和 PostgreSQL 的日志",
)
_CORRUPTED = _Said(
    "数据库服务器上的数据或索引已损坏",
    "请服务器管理员运行 pg_amcheck 检查,必要时从 pg_dump 备份恢复;也可以运行本程序的 check",
)
_INTERNAL = _Said(
    "数据库服务器内部出错",
    "请稍后重试;若一直如此,请服务器管理员查看 PostgreSQL 的日志",
)

# SQLSTATE (exact) first, then its class (the first two characters).
_BY_STATE = {
    "57014": _TIMEOUT,  # query_canceled (statement_timeout)
    "57P01": _TERMINATED,  # admin_shutdown (the server stops, or pg_terminate_backend)
    "57P02": _SHUTDOWN,  # crash_shutdown
    "57P03": _SHUTDOWN,  # cannot_connect_now
    "55P03": _LOCK_TIMEOUT,  # lock_not_available
    "40001": _CONFLICT,  # serialization_failure (db/retry.py ran it again already)
    "40P01": _CONFLICT,  # deadlock_detected (likewise)
    "53100": _DISK_FULL,
    "53200": _MEMORY,
    "53300": _TOO_MANY,
    "3D000": _NO_DATABASE,
    "42501": _PRIVILEGE,
    "25006": _READ_ONLY,
    "XX001": _CORRUPTED,  # data_corrupted
    "XX002": _CORRUPTED,  # index_corrupted
}
_BY_CLASS = {
    "08": _CONNECTION,
    "53": _RESOURCES,
    "57": _SHUTDOWN,
    "28": _LOGIN,
    "58": _DISK_ERROR,
    "XX": _INTERNAL,
}
# The ones that are the server's or the network's state, not this program's SQL: the server
# engine says them at once (db/server.py). The others (a conflict after its retries, a
# privilege, a damaged index) are said where an error reaches a person, since the code
# between may act on them (db/retry.py, check's per-index findings).
ENVIRONMENT_CLASSES = frozenset({"08", "53", "57", "58"})
ENVIRONMENT_STATES = frozenset({"25006", "55P03"})

# The driver's words for a connection it lost (no SQLSTATE: nothing came from the server).
_LOST = (
    "connection is closed",
    "server closed the connection",
    "consuming input failed",
    "connection to server",
    "terminating connection",
    "connection is lost",
    "could not receive data",
    "could not send data",
    "ssl syscall error",
    "eof detected",
)


def where_now() -> str:
    """The open office server as "host:port" ("" on this PC's file)."""
    address = getattr(database.obj, "address", None) if on_server() else None
    return f"{address.host}:{address.port}" if address is not None else ""


def driver_error(exc: BaseException) -> BaseException | None:
    """psycopg's own error in the chain of ``exc`` (peewee keeps it as args[0] and as the
    context of its own), or None."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        e = todo.pop(0)
        if not isinstance(e, BaseException) or id(e) in seen:
            continue
        seen.add(id(e))
        if type(e).__module__.split(".")[0] == "psycopg":
            return e
        todo.extend([e.__cause__, e.__context__, *e.args[:1]])
    return None


def _said_for(e: BaseException) -> _Said | None:
    state = getattr(e, "sqlstate", None)
    if state:
        return _BY_STATE.get(state) or _BY_CLASS.get(state[:2])
    text = str(e).lower()
    if type(e).__name__ in ("OperationalError", "InterfaceError") and any(w in text for w in _LOST):
        return _CONNECTION
    return None


def server_trouble(
    exc: BaseException, where: str = "", *, environment_only: bool = False
) -> ServerTrouble | None:
    """``exc`` said for a person, or None when it is not the server's or the network's (a bug
    of this program: its traceback should show). ``where`` names the server ("host:port").
    ``environment_only``: only what the server engine says at once (ENVIRONMENT_*)."""
    if isinstance(exc, ServerTrouble):
        return exc
    e = driver_error(exc)
    if e is None:
        return None
    state = getattr(e, "sqlstate", None)
    if (
        environment_only
        and state
        and not (state[:2] in ENVIRONMENT_CLASSES or state in ENVIRONMENT_STATES)
    ):
        return None
    said = _said_for(e)
    if said is None:
        return None
    server = f"(服务器 {where})" if where else ""
    original = " ".join(str(e).split())
    detail = f"SQLSTATE {state}:{original}" if state else original
    return ServerTrouble(f"{said.what}{server}:{NOT_SAVED}。{said.check}。", detail, state)
