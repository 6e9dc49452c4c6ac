"""``restore FILE``: replace the database with a backup, after checking the file and
keeping a verified copy of what it replaces. On the office server (``--database``) every
row of the server is replaced, after a confirmation (``--yes`` gives it beforehand)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from complaints.usecases import server_move, storage
from complaints.usecases.errors import UseCaseError
from complaints.usecases.site import is_initialised
from db.errors import StorageError
from desktop import __version__
from desktop.cli import CliError, command_context, open_data, server_address
from desktop.paths import data_paths


def register(sub) -> None:
    p = sub.add_parser("restore", help="用备份文件恢复数据库(先检查文件,并保留被替换的数据)")
    p.add_argument("file", type=Path, metavar="FILE", help="要恢复的备份文件")
    p.add_argument("--other-site", action="store_true", help="允许恢复属于其他站点的备份(默认拒绝)")
    p.add_argument(
        "--yes", action="store_true", help="恢复到办公室服务器时不再询问(替换服务器上的全部数据)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if server_address(args) is not None:
        return _onto_server(args)
    paths = data_paths(args.data_dir)
    ctx = None  # an empty data folder has nothing to protect: no one to ask
    if paths.database.exists():
        open_data(args)
        if is_initialised():
            ctx = command_context(args)  # needs data.restore (administrators)
    try:
        report = storage.restore(
            args.file, paths, __version__, ctx=ctx, allow_other_site=args.other_site
        )
    except storage.OtherSiteBackup as e:
        raise CliError(f"{e}(确需如此,请加 --other-site)") from None
    except (UseCaseError, StorageError) as e:
        raise CliError(str(e)) from None
    print(f"已从 {report.source} 恢复数据库:{paths.database}")
    if report.kept is None:
        print("原来没有数据库,无需保留")
    elif report.kept_verified:
        print(f"被替换的数据已保存为:{report.kept}")
    else:
        print(f"被替换的数据库已损坏,已原样另存为:{report.kept}")
    if report.version_now != report.version_restored:
        print(
            f"备份的数据库版本为 {report.version_restored},已升级到 {report.version_now}"
            + (f"(升级前的备份:{report.migration_backup})" if report.migration_backup else "")
        )
    if report.problems:
        for p in report.problems:
            print(p)
        print(f"恢复后检查发现 {len(report.problems)} 个问题")
        return 1
    return 0


def _onto_server(args: argparse.Namespace) -> int:
    paths, _ = open_data(args)
    ctx = command_context(args) if is_initialised() else None  # needs data.restore
    address = server_address(args)
    if not args.yes:
        _confirm(f"将用 {args.file} 替换服务器 {address} 上的全部数据(替换前的数据另存为备份)。")
    try:
        report = server_move.restore_onto_server(
            args.file,
            paths,
            ctx=ctx,
            allow_other_site=args.other_site,
            app_version=__version__,
            progress=lambda text: print(text, flush=True),
        )
    except storage.OtherSiteBackup as e:
        raise CliError(f"{e}(确需如此,请加 --other-site)") from None
    except (UseCaseError, StorageError) as e:
        raise CliError(str(e)) from None
    print(f"已从 {args.file} 恢复服务器 {address} 上的数据")
    print(f"服务器上原来的数据已保存为:{report.kept}")
    for table, (before, after) in report.counts.items():
        print(f"  {table}:{before} → {after}")
    if report.problems:
        for p in report.problems:
            print(p)
        print(f"恢复后检查发现 {len(report.problems)} 个问题")
        return 1
    return 0


def _confirm(what: str) -> None:
    if not sys.stdin or not sys.stdin.isatty():
        raise CliError(f"{what}没有可确认的终端:确认无误后请加 --yes 再运行")
    try:
        answer = input(f"{what}确定吗?[y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes", "是"):
        raise CliError("已取消,未作任何改动")
