"""``backup [--out FILE]``: a verified copy of the database, made with SQLite's backup API."""

from __future__ import annotations

import argparse
from pathlib import Path

from complaints.usecases import storage
from complaints.usecases.errors import UseCaseError
from db.errors import StorageError
from desktop.cli import CliError, command_context, open_data


def register(sub) -> None:
    p = sub.add_parser("backup", help="立即备份数据库(经完整性检查)")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="备份文件(或文件夹);默认放在数据文件夹的 backups 中",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    paths, _ = open_data(args)
    ctx = command_context(args)  # needs data.backup; the backup is in the audit log
    try:
        path = storage.backup_now(args.out, backup_dir=paths.backups, ctx=ctx)
    except (UseCaseError, StorageError) as e:
        raise CliError(str(e)) from None
    print(f"已备份到 {path}(已通过完整性检查)")
    return 0
