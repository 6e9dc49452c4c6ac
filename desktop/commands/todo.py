"""``todo``: the to-do list for the morning meeting (every deadline not yet met).

    todo [--at ISO-TIME] [--department D] [--person P] [--site CODE] [--format text|csv]
         [--csv] [--out FILE]

Overdue first, then soonest due; a deadline already met (on time or late) is not listed.
The rows, their time left and the CSV are the GUI's 待办 page's (complaints.usecases.todo).
"""

from __future__ import annotations

import sys
import unicodedata
from datetime import datetime, tzinfo
from pathlib import Path

from complaints.usecases import todo
from complaints.usecases.errors import UseCaseError
from complaints.usecases.output_files import writing
from complaints.usecases.todo import TodoItem
from desktop.cli import CliError, cli_time, command_context, open_data


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


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, w: int) -> str:
    return s + " " * (w - _width(s))


def render_text(items: list[TodoItem], tz: tzinfo, now: datetime) -> str:
    out = [f"待办 {todo.summary_text(items, now, tz)}"]
    if not items:
        out.append(todo.NOTHING_OPEN)
        return "\n".join(out) + "\n"
    table = [todo.COLUMNS, *(todo.item_cells(i, tz) for i in items)]
    widths = [max(_width(r[c]) for r in table) for c in range(len(todo.COLUMNS))]
    for r in table:
        out.append("  ".join(_pad(v, w) for v, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(out) + "\n"


def run(args) -> int:
    open_data(args)
    try:
        ctx = command_context(args)
    except UseCaseError as e:
        raise CliError(str(e)) from None
    now = cli_time(args.at, ctx.tz) or ctx.now()
    items = todo.open_deadlines(
        ctx, department=args.department, person=args.person, site=args.site, now=now
    )
    warning = todo.calendar_warning(ctx, now)
    if warning:  # on stderr: the list itself stays as it is (CSV, files)
        print(f"注意:{warning}", file=sys.stderr)
    csv_out = args.format == "csv"
    try:
        if args.out and csv_out:
            todo.save_csv(items, ctx.tz, args.out)
        elif args.out:
            with writing(args.out):  # open elsewhere: OutputInUse, the message and a free name
                args.out.write_text(render_text(items, ctx.tz, now), encoding="utf-8")
    except OSError as e:
        raise CliError(f"无法写入 {args.out}:{e.strerror or e}") from None
    if args.out:
        print(f"已写入 {args.out}(共 {len(items)} 项)")
        return 0
    text = todo.todo_csv(items, ctx.tz) if csv_out else render_text(items, ctx.tz, now)
    # the console's own line ends (Windows' text mode would turn \r\n into \r\r\n)
    sys.stdout.write(text.replace("\r\n", "\n"))
    return 0
