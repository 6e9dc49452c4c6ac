"""``restore FILE``: replace the database with a backup, after checking the file and
keeping a verified copy of what it replaces."""

from __future__ import annotations

import argparse
from pathlib import Path

from complaints.usecases import storage
from complaints.usecases.errors import UseCaseError
from complaints.usecases.site import is_initialised
from db.errors import StorageError
from desktop import __version__
from desktop.cli import CliError, command_context, open_data
from desktop.paths import data_paths


def register(sub) -> None:
    p = sub.add_parser("restore", help="用备份文件恢复数据库(先检查文件,并保留被替换的数据)")
    p.add_argument("file", type=Path, metavar="FILE", help="要恢复的备份文件")
    p.add_argument("--other-site", action="store_true", help="允许恢复属于其他站点的备份(默认拒绝)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
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
