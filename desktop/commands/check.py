"""``check``: integrity, foreign keys, search index in step (and every check in
complaints.usecases.storage.CHECKS). Exit 0 when clean, 1 when a problem is found."""

from __future__ import annotations

import argparse
import sqlite3

import peewee

from complaints.usecases import storage
from complaints.usecases.site import is_initialised
from db import server_check
from db.check import rebuild_search_index
from db.database import open_database, open_server
from db.errors import DatabaseTooNew, StorageError
from db.server_address import ServerAddress
from desktop import __version__
from desktop.cli import CliError, command_context, server_address
from desktop.paths import data_paths, secure_data_dir
from desktop.progress_line import ProgressLine


def register(sub) -> None:
    p = sub.add_parser(
        "check", help="检查数据库:完整性、外键、搜索索引、审计日志(有问题时退出码为 1)"
    )
    p.add_argument("--rebuild-index", action="store_true", help="先按投诉表重建搜索索引,再检查")
    p.add_argument(
        "--quick",
        action="store_true",
        help="快速检查(quick_check、数据库结构、审计日志链头),不逐条核对审计日志与索引",
    )
    p.set_defaults(func=run)


def _sign_in(args: argparse.Namespace) -> None:
    if is_initialised():
        command_context(args)


def run(args: argparse.Namespace) -> int:
    address = server_address(args)
    if address is not None:
        return _run_on_server(args, address)
    paths = data_paths(args.data_dir)
    if not paths.database.exists():
        raise CliError(f"数据文件夹 {paths.root} 中没有数据库:请先运行 init")
    secure_data_dir(paths.root)
    try:
        report = open_database(paths.database, backup_dir=paths.backups, app_version=__version__)
        if report.backup is not None:
            print(
                f"数据库已从版本 {report.version_before} 升级到 {report.version_after}"
                f"(升级前的备份:{report.backup})"
            )
        _sign_in(args)  # needs data.check, once the database opens
        if args.rebuild_index:
            rebuild_search_index()
            print("已重建搜索索引")
        print(storage.check_estimate(quick=args.quick), flush=True)
        with ProgressLine("正在检查") as progress:
            problems = storage.run_checks(quick=args.quick, progress=progress)
    except DatabaseTooNew as e:
        raise CliError(f"{paths.database}:{e}") from None
    except StorageError as e:  # not ours, or unreadable: a finding, not a usage error
        problems = [str(e)]
    except (sqlite3.DatabaseError, peewee.DatabaseError) as e:
        problems = [f"{paths.database} 已损坏,无法打开:{e}"]
    if problems:
        for p in problems:
            print(p)
        if any("搜索索引" in p for p in problems):
            print("提示:搜索索引可按投诉表重建:check --rebuild-index")
        print(f"检查未通过:{paths.database} 发现 {len(problems)} 个问题")
        return 1
    print(f"{'快速检查' if args.quick else '检查'}通过:{paths.database}")
    return 0


def _run_on_server(args: argparse.Namespace, address: ServerAddress) -> int:
    """``check`` of the office server's database (connection problems are usage errors:
    nothing was checked)."""
    try:
        open_server(address, app_version=__version__)
    except StorageError as e:
        raise CliError(str(e)) from None
    _sign_in(args)
    if args.rebuild_index:
        server_check.rebuild_search_index()
        print("已重建搜索索引")
    with ProgressLine("正在检查") as progress:
        problems = storage.run_checks(progress=progress)
    if problems:
        for p in problems:
            print(p)
        if any("搜索索引" in p for p in problems):
            print("提示:搜索索引可按投诉表重建:check --rebuild-index")
        print(f"检查未通过:{address} 发现 {len(problems)} 个问题")
        return 1
    print(f"检查通过:{address}")
    return 0
