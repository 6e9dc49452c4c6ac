"""The command line: ``python -m desktop [--data-dir DIR] COMMAND``.

Without a command the GUI starts (imported lazily, so no command loads Qt).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

from desktop import APP_TITLE, __version__, commands
from desktop.paths import DataPaths, data_paths


class CliError(Exception):
    """A message for the user; the command exits with status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="complaintdesk",
        description=f"{APP_TITLE} ComplaintDesk {__version__}。不带子命令时启动图形界面。",
    )
    parser.add_argument("--version", action="version", version=f"ComplaintDesk {__version__}")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="数据文件夹(默认:用户数据目录)")
    parser.add_argument("--smoke", action="store_true",
                        help="打开主窗口、绘制一次后退出(供安装检查与 CI 使用)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def open_data(args: argparse.Namespace, *, must_exist: bool = True):
    """Open the database of ``--data-dir`` for a command; returns (paths, report)."""
    from db.database import open_database
    from db.errors import StorageError

    paths: DataPaths = data_paths(args.data_dir)
    if must_exist and not paths.database.exists():
        raise CliError(f"数据文件夹 {paths.root} 中没有数据库:请先运行 init")
    try:
        report = open_database(paths.database, backup_dir=paths.backups,
                               app_version=__version__)
    except StorageError as e:
        raise CliError(str(e)) from None
    return paths, report


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from desktop.app import run_gui

        return run_gui(args)
    try:
        return int(args.func(args) or 0)
    except CliError as e:
        print(f"错误:{e}", file=sys.stderr)
        return 2
    finally:
        from db.database import close_database

        close_database()
