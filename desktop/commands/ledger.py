"""``ledger export OUT.xlsx [--full | --since ISO-TIME] [--site CODE ...] [--mask-phone]`` and
``ledger import FILE... [--all-or-nothing] [--rejects OUT.xlsx] [--dry-run]``: the Excel
ledger exchange (ledger.md) at the console.

Both act as ``desktop.cli.command_context`` (the --user account or the site's
administrator), so the permission table decides, as in the GUI. Without --full or --since,
export is 增量 since the last export to the same file (全部 the first time). Import exits 0
when everything applied, 1 when a row or a file was rejected (or, with --dry-run, would be).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from datetime import datetime
from pathlib import Path

from complaints.usecases import checkpoint, import_backup, ledger_export, ledger_import, stats
from complaints.usecases.context import Context
from complaints.usecases.errors import UseCaseError
from desktop import __version__
from desktop.cli import CliError, command_context, open_data
from desktop.progress_line import ProgressLine


def register(sub) -> None:
    p = sub.add_parser(
        "ledger",
        help="投诉台账(Excel)导出与导入",
        description="按 ledger.md 交换投诉台账 .xlsx:说明、投诉台账、跟踪记录、奖惩记录。",
    )
    cmds = p.add_subparsers(dest="ledger_command", metavar="{export,import}", required=True)

    e = cmds.add_parser(
        "export",
        help="导出投诉台账",
        description="导出投诉台账 .xlsx。不指定 --full/--since 时为增量:"
        "只导出上次导出到同一文件之后改动的记录(第一次为全部)。",
    )
    e.add_argument("out", type=Path, metavar="OUT.xlsx", help="输出的 .xlsx 文件")
    when = e.add_mutually_exclusive_group()
    when.add_argument("--full", action="store_true", help="全部:导出所选站点的全部记录")
    when.add_argument(
        "--since",
        metavar="ISO-TIME",
        help="增量:只导出此时间之后改动的记录(如 2026-11-01 或 2026-11-01T08:00+08:00)",
    )
    sites = e.add_mutually_exclusive_group()
    sites.add_argument(
        "--site",
        action="append",
        default=None,
        metavar="CODE",
        help="导出哪个站点的记录(可重复;默认本站点)",
    )
    sites.add_argument("--all-sites", action="store_true", help="导出所有站点的记录(总部用)")
    mask = e.add_mutually_exclusive_group()
    mask.add_argument(
        "--mask-phone",
        dest="mask",
        action="store_true",
        default=None,
        help="隐藏手机号中间四位(138****5678)",
    )
    mask.add_argument(
        "--no-mask-phone", dest="mask", action="store_false", help="不隐藏手机号(默认按本站设置)"
    )
    e.set_defaults(func=run_export)

    i = cmds.add_parser(
        "import",
        help="导入投诉台账,先检查再合并",
        description="导入一个或多个投诉台账 .xlsx:按 ledger.md 的规则合并;"
        "导入前自动备份;有行或文件被拒绝时退出码为 1。",
    )
    i.add_argument("files", nargs="+", type=Path, metavar="FILE", help="要导入的 .xlsx 文件")
    i.add_argument(
        "--all-or-nothing", action="store_true", help="只要有一行或一个文件被拒绝,就什么都不导入"
    )
    i.add_argument(
        "--rejects",
        type=Path,
        metavar="OUT.xlsx",
        help="把被拒绝的行(附拒绝原因)写入此 .xlsx,改正后可再次导入",
    )
    i.add_argument("--dry-run", action="store_true", help="只检查并显示预览,不写入数据库")
    i.set_defaults(func=run_import)


def parse_time(text: str, tz) -> datetime:
    try:
        dt = datetime.fromisoformat(text.strip().replace("/", "-"))
    except ValueError:
        raise CliError(
            f"无法识别的时间:“{text}”(应如 2026-11-01 或 2026-11-01T08:00+08:00)"
        ) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=tz)


def run_export(args: argparse.Namespace) -> int:
    open_data(args)
    ctx = command_context(args)
    since = parse_time(args.since, ctx.tz) if args.since else None
    sites = [s.strip().upper() for s in args.site] if args.site else None
    res = ledger_export.export_ledger(
        ctx,
        args.out,
        incremental=not args.full and since is None,
        since=since,
        sites=sites,
        all_sites=args.all_sites,
        mask_phones=args.mask,
        app_version=__version__,
    )
    scope = (
        res.scope
        if res.since is None
        else (f"{res.scope}(自 {ctx.local(res.since):%Y-%m-%d %H:%M} 起)")
    )
    print(f"已导出到 {res.path}")
    print(
        f"范围:{scope};站点:{','.join(res.sites) or '全部'}"
        + (";手机号已隐藏" if res.masked else "")
    )
    print(
        f"投诉台账 {res.counts.cases} 行,跟踪记录 {res.counts.entries} 行,"
        f"奖惩记录 {res.counts.sanctions} 行"
    )
    return 0


def print_result(preview: ledger_import.ImportPreview) -> None:
    for f in preview.files:
        print(f"== {f.path.name}")
        if f.refused:
            print(f"   已拒绝整个文件:{f.refused}")
            continue
        when = f.exported_at.isoformat() if f.exported_at else "?"
        print(f"   来自站点 {f.site} {f.site_name},导出时间 {when},范围 {f.scope or '?'}")
        for sheet in ledger_import.DATA_SHEETS:
            c = f.counts.get(sheet)
            if c is None:
                continue
            parts = " ".join(
                f"{ledger_import.OUTCOME_LABELS[k]} {getattr(c, k)}" for k in ledger_import.OUTCOMES
            )
            print(f"   {sheet}:{parts}")
        # the first rows only: a file may hold a million bad rows
        for rej in f.rejected.head(ledger_import.SHOWN):
            for p in rej.problems:
                print(f"   拒绝:{p}")
        if len(f.rejected) > ledger_import.SHOWN:
            print(
                f"   …… 共 {len(f.rejected)} 行被拒绝,以上为前 {ledger_import.SHOWN} 行"
                "(用 --rejects OUT.xlsx 写出全部被拒绝的行及原因)"
            )
    for w in preview.warnings:
        print(f"注意:{w}")
    for problem in preview.audit_problems:  # exit 1; the case rows still apply
        print(f"审计记录不连续:{problem}")


def run_import(args: argparse.Namespace) -> int:
    paths, _ = open_data(args)
    ctx = command_context(args)
    if args.dry_run:
        with ProgressLine("正在检查", unit="行") as progress:
            preview = ledger_import.check_import(ctx, args.files, progress=progress)
        _print_and_write_rejects(preview, args)
        print("(仅检查,未写入数据库)")
        return 0 if preview.ok and not preview.audit_problems else 1
    beside: list[import_backup.BackgroundBackup] = []

    def backup_beside(pending: import_backup.PendingBackup) -> None:
        # the office server's: written from the office as it was, while the import runs
        print(f"导入前备份:{pending.path}(与导入同时写入导入前的数据,本命令结束前等它写完)")
        beside.append(import_backup.BackgroundBackup(pending))

    try:
        # Ctrl+C: the import is one transaction, rolled back; the line stays, saying where
        with ProgressLine("正在导入", unit="行") as progress:
            result = ledger_import.apply_import(
                ctx,
                args.files,
                all_or_nothing=args.all_or_nothing,
                progress=progress,
                backup_dir=paths.backups,
                backup_later=backup_beside,
            )
    except BaseException:
        for b in beside:  # the office is as before: the backup is still worth finishing
            with contextlib.suppress(Exception):
                b.wait()
        raise
    if result.checkpoint_due:
        _checkpoint()
    _print_and_write_rejects(result, args)
    backup_failed = False
    if beside:
        print("正在等待导入前备份写完……", flush=True)
        try:
            print(f"导入前备份已写完:{beside[0].wait()}")
        except UseCaseError as e:
            print(str(e), file=sys.stderr)
            backup_failed = True
    elif result.backup_said:
        print(result.backup_said)
    if result.cancelled:
        print("导入已取消,数据未改动")
        return 1
    for d in result.differences:
        print(f"核对不符:{d}")
    if result.applied:
        t = result.totals()
        conflicts = sum(c.conflict for c in t.values())
        print(
            "导入完成"
            + (f";{conflicts} 条冲突待处理(保留本地版本,导入的版本另存)" if conflicts else "")
        )
        _keep_stats_summaries(ctx)
    else:
        print("未导入任何数据")
    return (
        0
        if (
            result.applied
            and result.ok
            and not result.differences
            and not result.audit_problems
            and not backup_failed
        )
        else 1
    )


def _print_and_write_rejects(
    preview: ledger_import.ImportPreview, args: argparse.Namespace
) -> None:
    print_result(preview)
    if args.rejects and preview.rejected:
        for path in ledger_import.write_rejected_rows(preview, args.rejects):
            print(f"被拒绝的行已写入 {path}")


def _checkpoint() -> None:
    """The import's pages copied from SQLite's log into the database file now, before the
    command says it is done: nobody waits on another screen here. (Closing the database at
    the command's end would copy them too, if no other program has the file open:
    close_database closes this thread's connection, and SQLite checkpoints and removes the
    log when the last connection to the file closes.) A failure loses nothing: the log
    holds the import, and the next checkpoint copies it."""
    try:
        checkpoint.after_import()
    except Exception as e:
        print("注意:导入的数据已保存,但数据库文件未能整理(稍后自动完成)")
        print(f"详细信息:{e!r}")


def _keep_stats_summaries(ctx: Context) -> None:
    """The imported closed cases' 统计 summaries, as the app's background fill would keep
    them: the 统计 page and ``report`` then open any month at the kept speed. Outside
    the import (its transaction is over): a failure here loses nothing."""
    try:
        kept = stats.fill_summaries(ctx.now(), ctx.tz)
    except Exception as e:
        print(f"注意:统计摘要未能预先汇总({e}),统计时将现算")
        return
    if kept:
        print(f"已汇总 {kept} 条已关闭投诉单的统计摘要")
