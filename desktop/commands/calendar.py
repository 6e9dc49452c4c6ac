"""``calendar``: the office's working calendar (public holidays, make-up workdays).

    calendar import FILE      a holiday-cn JSON, or a .xlsx/.csv with 日期, 类型, 名称
    calendar show YEAR

A year in the file replaces that year's data as a whole (the shipped data included).
"""

from __future__ import annotations

from pathlib import Path

from complaints.rules.officetime import WEEKDAY_NAMES
from complaints.usecases import workcalendar
from desktop.cli import opened_context


def register(sub) -> None:
    p = sub.add_parser(
        "calendar",
        help="工作日历:导入、查看节假日与调休",
        description="办公日历:法定节假日(休息日)与调休上班日(工作日)。"
        "按工作时间计时的规则据此计算时限。",
    )
    s = p.add_subparsers(dest="calendar_command", metavar="ACTION", required=True)
    im = s.add_parser(
        "import", help="导入日历文件(holiday-cn 的 JSON,或 日期/类型/名称 的 .xlsx/.csv)"
    )
    im.add_argument("file", type=Path, metavar="FILE")
    im.set_defaults(func=run_import)
    sh = s.add_parser("show", help="列出某年的节假日与调休上班日")
    sh.add_argument("year", type=int, metavar="YEAR")
    sh.set_defaults(func=run_show)


def run_import(args) -> int:
    ctx = opened_context(args)
    r = workcalendar.import_file(ctx, args.file)
    years = "、".join(map(str, r.years))
    print(f"已导入 {years} 年的工作日历:休息日 {r.off_days} 天,调休上班日 {r.workdays} 天")
    if r.replaced:
        print(f"已替换原有的 {'、'.join(map(str, r.replaced))} 年数据")
    for line in r.ignored:
        print(f"未导入:{line}")
    return 0


def run_show(args) -> int:
    opened_context(args)
    v = workcalendar.year_view(args.year)
    if not v.source:
        print(
            f"{v.year} 年没有日历数据:按工作时间计时的规则将把有办公时间的星期几都当作工作日"
            "(不识别节假日和调休)"
        )
        return 0
    print(f"{v.year} 年工作日历,来源:{v.source}")
    for m in v.marks:
        kind = "休息日" if m.off else "工作日(调休上班)"
        print(f"{m.day.isoformat()} {WEEKDAY_NAMES[m.day.weekday()]} {kind} {m.name}".rstrip())
    off = sum(m.off for m in v.marks)
    print(f"共 休息日 {off} 天,调休上班日 {len(v.marks) - off} 天(其余日期按星期)")
    return 0
