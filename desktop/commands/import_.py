"""``import FILE... [--dry-run] [--all-or-nothing] [--rejects FILE]``: check and import
Excel ledgers. Exit 0 when everything applied, 1 when a row or a file was rejected
(or, with --dry-run, would be)."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop.cli import CliError, open_data


def register(sub) -> None:
    p = sub.add_parser("import", help="导入投诉台账(Excel),先检查再合并",
                       description="导入一个或多个投诉台账 .xlsx:按 ledger.md 的规则合并;"
                                   "导入前自动备份;有行或文件被拒绝时退出码为 1。")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="要导入的 .xlsx 文件")
    p.add_argument("--dry-run", action="store_true", help="只检查并显示预览,不写入数据库")
    p.add_argument("--all-or-nothing", action="store_true",
                   help="只要有一行或一个文件被拒绝,就什么都不导入")
    p.add_argument("--rejects", type=Path, metavar="FILE",
                   help="把被拒绝的行(附拒绝原因)写入此 .xlsx,改正后可再次导入")
    p.set_defaults(func=run)


def print_result(preview) -> None:
    from ledger.columns import DATA_SHEETS
    from ledger.merge import OUTCOME_LABELS, OUTCOMES

    for f in preview.files:
        print(f"== {f.path.name}")
        if f.refused:
            print(f"   已拒绝整个文件:{f.refused}")
            continue
        when = f.exported_at.isoformat() if f.exported_at else "?"
        print(f"   来自站点 {f.site} {f.site_name},导出时间 {when},范围 {f.scope or '?'}")
        for sheet in DATA_SHEETS:
            c = f.counts.get(sheet)
            if c is None:
                continue
            parts = " ".join(f"{OUTCOME_LABELS[k]} {getattr(c, k)}" for k in OUTCOMES)
            print(f"   {sheet}:{parts}")
        for rej in f.rejected:
            for p in rej.problems:
                print(f"   拒绝:{p}")
    for w in preview.warnings:
        print(f"注意:{w}")


def run(args: argparse.Namespace) -> int:
    from complaints.usecases import exchange
    from complaints.usecases.errors import UseCaseError
    from desktop.commands.export import cli_context

    paths, _ = open_data(args)
    ctx = cli_context()
    try:
        if args.dry_run:
            result = exchange.check_import(ctx, args.files)
        else:
            result = exchange.apply_import(ctx, args.files, all_or_nothing=args.all_or_nothing,
                                           backup_dir=paths.backups)
    except UseCaseError as e:
        raise CliError(str(e)) from None
    print_result(result)
    if args.rejects and result.rejected:
        for path in exchange.write_rejected_rows(result, args.rejects):
            print(f"被拒绝的行已写入 {path}")
    if args.dry_run:
        print("(仅检查,未写入数据库)")
        return 0 if result.ok else 1
    if result.backup:
        print(f"导入前备份:{result.backup}")
    if result.cancelled:
        print("导入已取消,数据未改动")
        return 1
    for d in result.differences:
        print(f"核对不符:{d}")
    if result.applied:
        t = result.totals()
        conflicts = sum(c.conflict for c in t.values())
        print("导入完成" + (f";{conflicts} 条冲突待处理(保留本地版本,导入的版本另存)"
                           if conflicts else ""))
    else:
        print("未导入任何数据")
    return 0 if result.applied and result.ok and not result.differences else 1
