"""``migrate-to postgresql://USER@HOST:PORT/DB``: copy this PC's data folder onto an empty
office server; ``--database postgresql://… migrate-to sqlite:PATH``: the way back, the
server's data into a new data folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from complaints.usecases import server_move
from complaints.usecases.errors import UseCaseError
from db.database import close_database
from db.errors import StorageError
from db.server_address import is_server_address, parse_address
from desktop import __version__
from desktop.cli import CliError, open_data, server_address
from desktop.paths import data_paths, secure_data_dir

SQLITE_PREFIX = "sqlite:"


def register(sub) -> None:
    p = sub.add_parser(
        "migrate-to",
        help="把本机数据迁移到办公室服务器(空数据库),或从服务器迁回本机的新数据文件夹",
    )
    p.add_argument(
        "target",
        metavar="TARGET",
        help="postgresql://用户@服务器:端口/数据库(本机数据 → 服务器);"
        "sqlite:文件夹(--database 指定的服务器 → 新的本机数据文件夹)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    target = args.target.strip()
    try:
        if target.startswith(SQLITE_PREFIX):
            report = _to_sqlite(args, Path(target[len(SQLITE_PREFIX) :]).expanduser())
        elif is_server_address(target):
            report = _to_server(args, target)
        else:
            raise CliError(
                "migrate-to 的目标应为 postgresql://用户@服务器:端口/数据库 或 sqlite:文件夹:"
                + target
            )
    except (UseCaseError, StorageError) as e:
        raise CliError(f"迁移失败:{e}") from None
    for table, (before, after) in report.counts.items():
        print(f"  {table}:{before} → {after}")
    print(f"附件和签字扫描件的内容:{report.contents} 个")
    for problem in report.problems:
        print(problem)
    if report.problems:
        print(f"迁移后检查发现 {len(report.problems)} 个问题")
        return 1
    print("迁移完成:各表行数一致,检查通过")
    return 0


def _to_server(args: argparse.Namespace, target: str) -> server_move.MoveReport:
    if server_address(args) is not None:
        raise CliError(
            "migrate-to postgresql://… 把本机数据文件夹复制到服务器:"
            "请不要同时用 --database 或 COMPLAINTDESK_DATABASE 指定服务器"
        )
    address = parse_address(target)
    paths, _ = open_data(args)  # this PC's data, brought up to date; needs data.restore
    close_database()
    print(f"从 {paths.database} 迁移到 {address}", flush=True)
    return server_move.migrate_to_server(
        paths, address, app_version=__version__, progress=_progress
    )


def _to_sqlite(args: argparse.Namespace, folder: Path) -> server_move.MoveReport:
    address = server_address(args)
    if address is None:
        raise CliError("migrate-to sqlite:… 从办公室服务器迁回:请用 --database 指定服务器")
    if not str(folder).strip():
        raise CliError("migrate-to sqlite:文件夹 —— 请写出新的数据文件夹")
    open_data(args)  # the server; needs data.restore
    target = data_paths(folder)
    secure_data_dir(target.root)
    print(f"从 {address} 迁移到 {target.database}", flush=True)
    return server_move.migrate_to_sqlite(target, app_version=__version__, progress=_progress)


def _progress(text: str) -> None:
    print(text, flush=True)
