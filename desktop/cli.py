"""The command line: ``python -m desktop [--data-dir DIR] COMMAND``.

Without a command the GUI starts (imported only then: no command loads Qt). Without a command
the command modules are neither imported nor registered: the GUI needs none of them.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import getpass
import importlib
import os
import pkgutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from complaints.rules.permissions import COMMANDS_BY_NAME, Role
from complaints.usecases import auth, signin, users
from complaints.usecases.context import Context, parse_tz
from complaints.usecases.errors import UseCaseError, detail_of
from complaints.usecases.site import is_initialised, local_site
from db import engine
from db.database import close_database, open_database, open_server
from db.errors import StorageError, os_trouble
from db.models import database
from db.server_address import ServerAddress, is_server_address, parse_address
from db.server_errors import server_trouble, where_now
from desktop import APP_TITLE, __version__
from desktop.paths import (
    DataPaths,
    data_dir_problem,
    data_paths,
    private_umask,
    restore_umask,
    secure_data_dir,
)

PASSWORD_ENV = "COMPLAINTDESK_PASSWORD"
DATABASE_ENV = "COMPLAINTDESK_DATABASE"


class CliError(Exception):
    """A message for the user; the command exits with status 2."""


class _NeedFullParser(Exception):
    """The options alone did not parse: let the full parser say why."""


class _OptionsOnlyParser(argparse.ArgumentParser):
    def error(self, message: str):
        raise _NeedFullParser(message)


def _global_parser(
    cls: type[argparse.ArgumentParser] = argparse.ArgumentParser, **kwargs
) -> argparse.ArgumentParser:
    """The options before any command (shared by the full parser and the GUI's shortcut)."""
    parser = cls(
        prog="complaintdesk",
        description=f"{APP_TITLE} ComplaintDesk {__version__}。不带子命令时启动图形界面。",
        **kwargs,
    )
    parser.add_argument("--version", action="version", version=f"ComplaintDesk {__version__}")
    parser.add_argument("--data-dir", type=Path, default=None, help="数据文件夹(默认:用户数据目录)")
    parser.add_argument(
        "--database",
        metavar="URL",
        default=None,
        help="使用办公室的 PostgreSQL 服务器,例如 postgresql://用户@服务器:5432/数据库"
        f"(也可用环境变量 {DATABASE_ENV});密码取自 pgpass 文件或系统凭据管理器。"
        "不指定时使用数据文件夹中的本机数据库(SQLite)。图形界面的优先顺序:"
        f"--database > 环境变量 {DATABASE_ENV} > 设置→数据库 中保存的地址;"
        "命令行子命令只看前两者",
    )
    parser.add_argument(
        "--user",
        metavar="NAME",
        default=None,
        help=f"以此用户身份运行(密码取自环境变量 {PASSWORD_ENV},否则提示输入);"
        "不指定时以站点管理员身份运行",
    )
    parser.add_argument(
        "--smoke", action="store_true", help="打开主窗口、绘制一次后退出(供安装检查与 CI 使用)"
    )
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The full parser: the options and every module of desktop/commands/ as a command."""
    from desktop import commands  # each command module imports this one: read them here

    parser = _global_parser()
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    for name, leaf in command_parsers(parser):  # the key of the permission table
        leaf.set_defaults(command_key=name)
    return parser


def command_parsers(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    """Every runnable sub-command as ("sanctions list", its parser); aliases (form A) once,
    under their first name."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            seen: set[int] = set()
            for name, sp in action.choices.items():
                if id(sp) not in seen:
                    seen.add(id(sp))
                    yield from command_parsers(sp, (*prefix, name))
            return
    if prefix:
        yield " ".join(prefix), parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line. With options only (the GUI, ``--smoke``, ``--version``) the
    command modules are not imported: the window opens sooner. Anything else (a command,
    ``--help``, an unknown option, an error) goes to the full parser, as before."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args, rest = _global_parser(_OptionsOnlyParser, add_help=False).parse_known_args(argv)
    except _NeedFullParser:
        rest = argv
    if not rest:
        args.command = None
        return args
    return build_parser().parse_args(argv)


def ask_password(prompt: str) -> str:
    """A password typed at the console; a clear error (not a traceback) when nobody can type
    one (no terminal: a script, a scheduled task) and no environment variable gave it."""
    what = prompt.rstrip().removesuffix(":")
    if not sys.stdin or not sys.stdin.isatty():
        raise CliError(
            f"{what}:没有可输入密码的终端;请用环境变量提供"
            "(COMPLAINTDESK_PASSWORD 为登录密码,COMPLAINTDESK_NEW_PASSWORD 为新密码)"
        )
    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise CliError(f"{what}:未输入密码") from None


def open_data(args: argparse.Namespace, *, must_exist: bool = True):
    """Open the database of ``--data-dir`` for a command; returns (paths, report)."""
    paths: DataPaths = data_paths(args.data_dir)
    address = server_address(args)
    if address is not None:  # the office server; the data folder keeps this PC's things
        secure_data_dir(paths.root)
        try:
            report = open_server(address, app_version=__version__, data_folder=paths.root)
        except StorageError as e:
            raise CliError(str(e)) from None
        if is_initialised():
            command_context(args)
        return paths, report
    if must_exist and not paths.database.exists():
        raise CliError(f"数据文件夹 {paths.root} 中没有数据库:请先运行 init")
    secure_data_dir(paths.root)
    try:
        report = open_database(paths.database, backup_dir=paths.backups, app_version=__version__)
    except StorageError as e:
        raise CliError(str(e)) from None
    if is_initialised():  # sign in (--user) or take the administrator now, and say which
        command_context(args)
    return paths, report


def server_address(args: argparse.Namespace) -> ServerAddress | None:
    """The office server named by --database or COMPLAINTDESK_DATABASE; None: this PC's
    SQLite file in the data folder."""
    text = getattr(args, "database", None) or os.environ.get(DATABASE_ENV, "").strip()
    if not text:
        return None
    if not is_server_address(text):
        raise CliError(
            f"--database 只接受 PostgreSQL 地址(postgresql://用户@服务器:端口/数据库):{text}"
        )
    try:
        return parse_address(text)
    except StorageError as e:
        raise CliError(str(e)) from None


def command_context(args: argparse.Namespace, *, clock=None) -> Context:
    """The Context a command acts with (call after ``open_data``): the ``--user`` account,
    signed in with its password, or else the site's administrator. Says which on stderr,
    once per run, e.g. "以 张管理(站点管理员)身份运行"."""
    cached = getattr(args, "_cli_context", None)
    if cached is not None:
        return cached if clock is None else dataclasses.replace(cached, clock=clock)
    info = local_site()
    if info is None:
        raise CliError("本数据库尚未初始化站点:请先运行 init")
    key = getattr(args, "command_key", None)
    login = getattr(args, "user", None)
    if not login and key in NAMED_USER_ONLY and users.has_users():
        raise CliError(f"本数据库已有用户账户:{key} 须用 --user 以有权限的账户运行")
    if login:
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            password = ask_password(f"用户 {login} 的密码:")
        try:
            u = signin.sign_in(login, password, datetime.now(UTC))
        except UseCaseError as e:
            raise CliError(str(e)) from None
        if u.must_change_password and not _changes_own_password(args, u.login):
            raise CliError(
                f"用户 {u.login} 的密码是临时的:请先运行 "
                f"“--user {u.login} user passwd {u.login}”修改密码,再运行其他命令"
            )
        ctx = users.context_for_user(u)
        said = f"以 {u.display_name}({u.login},{u.roles_text})身份运行"
    else:
        admin = users.site_administrator()
        if admin is not None:
            ctx = users.context_for_user(admin)
            said = f"以 {admin.display_name}(站点管理员)身份运行"
        else:
            ctx = Context(
                site=info.code,
                actor="管理员",
                tz=parse_tz(info.tz),
                roles=frozenset({Role.ADMIN.value}),
            )
            said = "以 管理员(站点管理员,尚无用户账户)身份运行"
    print(said, file=sys.stderr)
    require_command(ctx, args)
    args._cli_context = ctx
    return ctx if clock is None else dataclasses.replace(ctx, clock=clock)


# Commands that never fall back to the site's administrator where the database has user
# accounts: the person must sign in.
NAMED_USER_ONLY = frozenset({"demo"})


def cli_time(text: str | None, tz, option: str = "--at"):
    """An ISO time given on the command line (``option`` names it in the message), in the
    office's time zone ``tz`` when it carries none; None when not given."""
    if not text:
        return None
    try:
        t = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"{option} 的时间“{text}”无法识别,应如 2026-11-20T09:30+08:00") from None
    return t.replace(tzinfo=tz) if t.tzinfo is None else t


def opened_context(args: argparse.Namespace) -> Context:
    """``open_data`` then ``command_context``; a refused sign-in ends the command with its
    message (CliError), not a traceback."""
    open_data(args)
    try:
        return command_context(args)
    except UseCaseError as e:
        raise CliError(str(e)) from None


def _changes_own_password(args: argparse.Namespace, login: str) -> bool:
    return (
        getattr(args, "command_key", None) == "user passwd"
        and (getattr(args, "login", "") or "").strip() == login
    )


def require_command(ctx: Context, args: argparse.Namespace) -> None:
    """The permission table's check of the command itself (complaints.rules.permissions.
    COMMANDS), before it runs; deny by default. A refusal is audited like any other. The
    cases of a command's ``unless`` are those where no context is made (no site yet, no
    database) and ``user passwd`` of one's own account."""
    key = getattr(args, "command_key", None)
    if key is None:  # called outside a command (tests, the GUI's helpers)
        return
    if _changes_own_password(args, getattr(args, "user", None) or ""):
        return
    command = COMMANDS_BY_NAME.get(key)
    if command is None:
        raise CliError(f"命令“{key}”不在权限表中:默认不允许")
    auth.require(ctx, command.permission, department=ctx.department)


def main(argv: list[str] | None = None) -> int:
    previous = private_umask()  # the data folder 0700, its files 0600
    try:
        return _main(argv)
    finally:
        restore_umask(previous)  # for a caller in the same process (the tests)


def _main(argv: list[str] | None) -> int:
    args = parse_args(argv)
    if args.command is None:
        from desktop.app import run_gui  # Qt: loaded by the GUI only, never by a command

        return run_gui(args)
    gc.enable()  # off during the start (desktop/__main__.py); a command may make much garbage
    if args.data_dir is not None:  # refused before anything is created in it
        problem = data_dir_problem(args.data_dir)
        if problem:
            print(f"错误:{problem}", file=sys.stderr)
            return 2
    stop_listening = engine.on_write_wait(_say_waiting)
    try:
        return int(args.func(args) or 0)
    except (CliError, UseCaseError, StorageError) as e:  # a refusal, a bad input, a full disk
        print(f"错误:{e}", file=sys.stderr)
        # the server's own words, for the IT person (also of an error said again as CliError)
        detail = detail_of(e) or (detail_of(e.__context__) if e.__context__ else "")
        if detail:
            print(f"详细信息:{detail}", file=sys.stderr)
        return 2
    except Exception as e:  # a full disk or a read-only folder: a message, no traceback
        said = _storage_message(e)
        if said is None:
            raise
        print(f"错误:{said}", file=sys.stderr)
        return 2
    finally:
        stop_listening()
        close_database()


def _storage_message(e: Exception) -> str | None:
    """What to tell a person about an error of the disk or the folder's rights (None for
    anything else: a bug, whose traceback should show)."""
    err = engine.storage_error(e, database.database)
    if err is not None:
        return str(err)
    trouble = server_trouble(e, where_now())  # the office server's, in Chinese
    if trouble is not None:
        return f"{trouble}\n详细信息:{trouble.detail}"
    if isinstance(e, OSError) and e.strerror:
        where = f"{e.filename}:" if e.filename else ""
        return f"{where}{os_trouble(e) or e.strerror}"
    return None


def _say_waiting(path: str | None) -> None:
    """A write of this command waits for another program's: say so once."""
    if path is not None:
        print(
            f"正在等待另一个程序(例如台账导入或另一个命令)写完数据库 {path},轮到后自动继续……",
            file=sys.stderr,
            flush=True,
        )
