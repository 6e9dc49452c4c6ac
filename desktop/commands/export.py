"""``export --out FILE [--since TIME | --incremental] [--site CODE ...] [--all-sites]
[--mask-phones]``: write the Excel ledger (ledger.md)."""

from __future__ import annotations

import argparse
import dataclasses
import getpass
from datetime import datetime
from pathlib import Path

from desktop.cli import CliError, open_data

# The ledger exchange at the console is the 客服经理's job (ledger.export/import).
CLI_ROLES = frozenset({"客服经理"})


def register(sub) -> None:
    p = sub.add_parser("export", help="导出投诉台账(Excel)",
                       description="导出投诉台账 .xlsx:说明、投诉台账、跟踪记录、奖惩记录。")
    p.add_argument("--out", type=Path, required=True, metavar="FILE", help="输出的 .xlsx 文件")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--since", metavar="TIME",
                      help="增量:只导出此时间之后改动的记录"
                           "(如 2026-11-01 或 2026-11-01T08:00+08:00)")
    when.add_argument("--incremental", action="store_true",
                      help="增量:只导出上次导出到同一文件之后改动的记录")
    p.add_argument("--site", action="append", default=None, metavar="CODE",
                   help="导出哪个站点的记录(可重复;默认本站点)")
    p.add_argument("--all-sites", action="store_true", help="导出所有站点的记录(总部用)")
    mask = p.add_mutually_exclusive_group()
    mask.add_argument("--mask-phones", dest="mask", action="store_true", default=None,
                      help="隐藏手机号中间四位(138****5678)")
    mask.add_argument("--no-mask-phones", dest="mask", action="store_false",
                      help="不隐藏手机号(默认按本站设置)")
    p.set_defaults(func=run)


def cli_context(actor_prefix: str = "命令行"):
    from complaints.usecases.errors import UseCaseError
    from complaints.usecases.site import context_for

    try:
        ctx = context_for(f"{actor_prefix}({getpass.getuser()})")
    except UseCaseError as e:
        raise CliError(str(e)) from None
    return dataclasses.replace(ctx, roles=CLI_ROLES)


def parse_time(text: str, tz) -> datetime:
    try:
        dt = datetime.fromisoformat(text.strip().replace("/", "-"))
    except ValueError:
        raise CliError(f"无法识别的时间:“{text}”(应如 2026-11-01 或 2026-11-01T08:00+08:00)"
                       ) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=tz)


def run(args: argparse.Namespace) -> int:
    from complaints.usecases import exchange
    from complaints.usecases.errors import UseCaseError
    from desktop import __version__

    open_data(args)
    ctx = cli_context()
    since = parse_time(args.since, ctx.tz) if args.since else None
    sites = [s.strip().upper() for s in args.site] if args.site else None
    try:
        res = exchange.export_ledger(ctx, args.out, incremental=args.incremental, since=since,
                                     sites=sites, all_sites=args.all_sites,
                                     mask_phones=args.mask, app_version=__version__)
    except UseCaseError as e:
        raise CliError(str(e)) from None
    scope = res.scope if res.since is None else (
        f"{res.scope}(自 {ctx.local(res.since):%Y-%m-%d %H:%M} 起)")
    print(f"已导出到 {res.path}")
    print(f"范围:{scope};站点:{','.join(res.sites) or '全部'}"
          + (";手机号已隐藏" if res.masked else ""))
    print(f"投诉台账 {res.counts.cases} 行,跟踪记录 {res.counts.entries} 行,"
          f"奖惩记录 {res.counts.sanctions} 行")
    return 0
