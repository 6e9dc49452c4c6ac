"""``report --period P [--site CODE ...] --out FILE.xlsx|FILE.docx``: the monthly review.

Periods: 2026-10 (month), 2026-10a / 2026-10b (half-months), 2026Q4, 2026, or a range
2026-10-05..2026-10-20. The Excel file carries native charts; the Word file, made here without
Qt, draws its bars as table columns (the GUI's Word report adds chart pictures). Needs the
permission stats.report (客服经理, 总经理): run with --user. The complaint rate (投诉率) needs
the months' business volume, entered on the 统计 page (业务量…); without it the report says
未填业务量.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from complaints.rules.periods import PeriodError, parse_period
from complaints.usecases import report_files, scorecards, stats_review
from complaints.usecases.errors import UseCaseError
from desktop.cli import CliError, command_context, open_data


def register(sub) -> None:
    p = sub.add_parser(
        "report",
        help="生成投诉分析报告(Excel 或 Word)",
        description="生成某期间的投诉分析报告:各类统计、处理及时率、回访满意度、"
        "奖惩,以及与上期、去年同期的比较。",
    )
    p.add_argument(
        "--period",
        required=True,
        metavar="PERIOD",
        help="期间:2026-10(月)、2026-10a/2026-10b(上/下半月)、2026Q4、2026,"
        "或 2026-10-05..2026-10-20",
    )
    p.add_argument(
        "--site",
        action="append",
        default=None,
        metavar="CODE",
        help="只统计此站点(可重复;默认数据库中的全部站点)",
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="输出文件:.xlsx(含图表)或 .docx(会议用);只看考核时可省略",
    )
    p.add_argument(
        "--scorecard",
        action="store_true",
        help="打印考核表:各部门、第一责任人、客服的件数、及时率、满意率、重开率、结案率、"
        "投诉率、奖惩,排名并与上期比较",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.out is None and not args.scorecard:
        raise CliError("请用 --out 指定输出文件,或用 --scorecard 打印考核表")
    if args.out is not None and args.out.suffix.lower() not in report_files.KINDS:
        raise CliError(f"--out 的文件类型应为 .xlsx 或 .docx,而不是“{args.out.name}”")
    try:
        period = parse_period(args.period)
    except PeriodError as e:
        raise CliError(str(e)) from None
    paths, _ = open_data(args)
    ctx = command_context(args)
    sites = [s.strip().upper() for s in (args.site or []) if s.strip()]
    present = stats_review.sites_present()
    unknown = [s for s in sites if s not in present]
    if unknown:
        raise CliError(
            f"数据库中没有站点 {'、'.join(unknown)} 的投诉单(现有:{'、'.join(present) or '无'})"
        )
    if args.scorecard:
        try:
            scores = scorecards.scorecards(ctx, period, sites)
        except UseCaseError as e:
            raise CliError(str(e)) from None
        _print_scorecard(scores)
        if args.out is None:
            return 0
    try:
        saved = report_files.save_report(
            ctx, period, sites, args.out, templates_dir=paths.templates
        )
    except UseCaseError as e:
        raise CliError(str(e)) from None
    for w in saved.warnings:
        print(w, file=sys.stderr)
    data, f = saved.data, saved.review.figures
    print(
        f"{period.label} {data['sites']}:投诉 {f.total} 件,投诉率 {data['complaint_rate']},"
        f"及时率 {data['timeliness_total']['rate']},满意率 {data['satisfied_share']} "
        f"→ {saved.path}"
    )
    if data["volume_note"] and f.complaint_rate is not None and f.complaint_rate.volume is None:
        print(data["volume_note"], file=sys.stderr)
    return 0


def _print_scorecard(s: scorecards.Scorecards) -> None:
    """The scorecard as tab-separated lines: a title, the header, then the ranked rows."""
    print(f"考核 {s.period.label}(上期 {s.previous_period.label})")
    print("\t".join(h for _k, h in scorecards.COLUMNS))
    for row in scorecards.rows_data(s):
        print("\t".join(str(row[k]) for k, _h in scorecards.COLUMNS))
