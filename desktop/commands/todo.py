"""``todo``: the to-do list for the morning meeting (every deadline not yet met).

    todo [--at ISO-TIME] [--department D] [--person P] [--site CODE] [--format text|csv]
         [--csv] [--out FILE]

Overdue first, then soonest due; a deadline already met (on time or late) is not listed.
Reads the same use case as the GUI's 待办 page (complaints.usecases.todo).
"""

from __future__ import annotations

import sys
import unicodedata
from datetime import timedelta
from pathlib import Path

HEADERS = (
    "编号",
    "规则",
    "应办事项",
    "时限",
    "到期时间",
    "状态",
    "剩余",
    "部门",
    "第一责任人",
    "客户",
    "站点",
)


def register(sub) -> None:
    p = sub.add_parser(
        "todo",
        help="列出未完成的处理时限(待办,晨会用)",
        description="列出所有未关闭投诉单中尚未完成的处理时限:已逾期在前,"
        "其余按到期时间排序。已完成(含逾期完成)的不列出。",
    )
    p.add_argument(
        "--at",
        metavar="ISO-TIME",
        help="按此时刻判断(默认现在),如 2026-11-20T09:30 或 2026-11-20T09:30+08:00",
    )
    p.add_argument("--department", metavar="部门", help="只列此部门(含下属部门)的投诉单")
    p.add_argument("--person", metavar="姓名", help="只列此第一责任人的投诉单")
    p.add_argument("--site", metavar="CODE", help="只列此站点的投诉单(默认全部站点)")
    p.add_argument("--format", choices=("text", "csv"), default="text", help="输出格式")
    p.add_argument(
        "--csv", dest="format", action="store_const", const="csv", help="同 --format csv"
    )
    p.add_argument("--out", type=Path, metavar="FILE", help="写入文件(CSV 带 BOM,Excel 可直接打开)")
    p.set_defaults(func=run)


def format_remaining(delta: timedelta) -> str:
    """ "剩 1小时20分" / "超 2天3小时": whole minutes, the two largest units."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        body = f"{days}天{hours}小时" if hours else f"{days}天"
    elif hours:
        body = f"{hours}小时{mins}分" if mins else f"{hours}小时"
    else:
        body = f"{mins}分"
    return ("超 " if delta < timedelta(0) else "剩 ") + body


def rows(items, tz) -> list[tuple[str, ...]]:
    return [
        (
            i.number,
            i.rule,
            i.what,
            i.limit,
            f"{i.due.astimezone(tz):%Y-%m-%d %H:%M}",
            i.status.value,
            format_remaining(i.remaining),
            i.department or "",
            i.responsible or "",
            i.customer_name,
            i.site,
        )
        for i in items
    ]


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, w: int) -> str:
    return s + " " * (w - _width(s))


def render_text(items, tz, now) -> str:
    from complaints.rules.deadlines import DeadlineStatus as S

    overdue = sum(1 for i in items if i.status is S.OVERDUE)
    risk = sum(1 for i in items if i.status is S.AT_RISK)
    out = [
        f"待办 截至 {now.astimezone(tz):%Y-%m-%d %H:%M}:共 {len(items)} 项,"
        f"已逾期 {overdue} 项,将到期 {risk} 项"
    ]
    if not items:
        out.append("没有未完成的处理时限。")
        return "\n".join(out) + "\n"
    table = [HEADERS, *rows(items, tz)]
    widths = [max(_width(r[c]) for r in table) for c in range(len(HEADERS))]
    for r in table:
        out.append("  ".join(_pad(v, w) for v, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(out) + "\n"


def render_csv(items, tz) -> str:
    """CSV whose cells no spreadsheet runs as a formula (issue 15 §8)."""
    from complaints.csvsafe import csv_text

    return csv_text(HEADERS, rows(items, tz))


def run(args) -> int:
    from complaints.usecases import todo
    from complaints.usecases.errors import UseCaseError
    from desktop.cli import CliError, command_context, open_data

    open_data(args)
    try:
        ctx = command_context(args)
    except UseCaseError as e:
        raise CliError(str(e)) from None
    from desktop.cli import cli_time

    now = cli_time(args.at, ctx.tz) or ctx.now()
    items = todo.open_deadlines(
        ctx, department=args.department, person=args.person, site=args.site, now=now
    )
    text = render_csv(items, ctx.tz) if args.format == "csv" else render_text(items, ctx.tz, now)
    from complaints.usecases import policy as policy_uc
    from complaints.usecases import workcalendar

    warning = workcalendar.next_year_warning(policy_uc.load(), ctx.local(now).date())
    if warning:  # on stderr: the list itself stays as it is (CSV, files)
        print(f"注意:{warning}", file=sys.stderr)
    if args.out:
        from complaints.usecases.output_files import writing

        try:
            csv_out = args.format == "csv"  # its CRLF written as is
            with writing(args.out):  # open in Excel: OutputInUse, the message and a free name
                args.out.write_text(
                    text,
                    encoding="utf-8-sig" if csv_out else "utf-8",
                    newline="" if csv_out else None,
                )
        except OSError as e:
            raise CliError(f"无法写入 {args.out}:{e.strerror or e}") from None
        print(f"已写入 {args.out}(共 {len(items)} 项)")
    else:  # the console's own line ends (Windows' text mode would turn \r\n into \r\r\n)
        sys.stdout.write(text.replace("\r\n", "\n"))
    return 0
