"""``scan``: signed sheets come back (签字回收) from the command line.

    scan import FILE|FOLDER... [--keep DIR]   one line per page: matched to what, or why not
    scan rates --period 2026-11               a period's printed sheets and how many came back
    form printed --case NUMBER                a case's printed sheets, 已回收 / 未回收, the scan

``scan import`` exits 0 when every page matched a printed sheet, 1 otherwise, so a script
that files the scanner's folder every evening knows when a clerk must look.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser(
        "scan",
        help="签字回收:读取签字单扫描件,自动找到对应的打印记录",
        description="签字回收:读取扫描件(PDF、JPEG、PNG、TIFF)上的二维码,登记签字单已回收。",
    )
    ssub = p.add_subparsers(dest="scan_command", metavar="ACTION", required=True)
    q = ssub.add_parser("import", help="导入扫描件或扫描文件夹;每页一行结果")
    q.add_argument("paths", nargs="+", type=Path, metavar="FILE|FOLDER", help="扫描件或文件夹")
    q.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="把未能匹配的页面存为图片放到此文件夹,以便手工登记",
    )
    q.set_defaults(func=_import)
    q = ssub.add_parser("rates", help="某期间打印的签字单回收率(按表单)")
    q.add_argument("--period", required=True, metavar="PERIOD", help="期间,如 2026-11、2026Q4")
    q.set_defaults(func=_rates)


def register_form_printed(fsub) -> None:
    """``form printed``, under the ``form`` command."""
    q = fsub.add_parser("printed", help="某投诉单的打印记录:签字单是否已回收、扫描件")
    q.add_argument("--case", required=True, metavar="NUMBER", help="投诉单编号")
    q.set_defaults(func=_printed)


def _import(args: argparse.Namespace) -> int:
    # the use case loads zxing-cpp, pypdfium2 and Pillow: only when the command runs (every
    # command module is imported to build the parser, the GUI's start too)
    from complaints.usecases import scans
    from complaints.usecases.errors import UseCaseError
    from desktop.cli import CliError, command_context, open_data

    paths, _ = open_data(args)
    ctx = command_context(args)
    try:
        report = scans.import_scans(ctx, args.paths, printed_dir=paths.printed, keep_dir=args.keep)
    except UseCaseError as e:
        raise CliError(str(e)) from None
    for r in report.results:
        print(r.line() + (f"(页面图片 {r.image})" if r.image else ""))
    print(f"共 {report.summary()}")
    return 0 if report.all_matched else 1


def _printed(args: argparse.Namespace) -> int:
    from complaints.usecases import printed_forms, scans
    from complaints.usecases.errors import UseCaseError
    from desktop.cli import CliError, command_context, open_data
    from forms.templates import FORM_TITLES

    paths, _ = open_data(args)
    ctx = command_context(args)
    try:
        sheets = scans.printed_sheets(args.case)
    except UseCaseError as e:
        raise CliError(str(e)) from None
    if not sheets:
        print(f"投诉单 {args.case} 没有打印记录")
        return 0
    for s in sheets:
        printed = ctx.local(s.printed_at).strftime("%Y-%m-%d %H:%M")
        if s.signed_returned_at is not None:
            state = f"已回收 {ctx.local(s.signed_returned_at):%Y-%m-%d}"
        else:
            state = "未回收"
        parts = [
            f"{s.form} {FORM_TITLES.get(s.form, s.form)}",
            f"识别码 {s.code}" if s.code else "无识别码",
            f"打印 {printed} {s.printed_by}".rstrip(),
            state,
        ]
        if s.signer:
            parts.append(f"签字人 {s.signer}")
        if s.scan_path:  # on the office server another seat's scan is fetched to this PC
            try:
                parts.append(f"扫描件 {printed_forms.scan_file(s.id, paths.printed)}")
            except UseCaseError as e:
                parts.append(f"扫描件 {paths.printed / s.scan_path}({e})")
        print(" · ".join(parts))
    return 0


def _rates(args: argparse.Namespace) -> int:
    from complaints.usecases import sheets_due
    from complaints.usecases.errors import UseCaseError
    from desktop.cli import CliError, command_context, open_data

    open_data(args)
    ctx = command_context(args)
    try:
        rates = sheets_due.period_return_rates(ctx, args.period)
    except UseCaseError as e:
        raise CliError(str(e)) from None
    printed = sum(r.printed for r in rates)
    returned = sum(r.returned for r in rates)
    for r in rates:
        share = f"{r.rate:.0%}" if r.rate is not None else "—"
        print(f"{r.form} {r.title}:打印 {r.printed} 张,已回收 {r.returned} 张,回收率 {share}")
    total = f"{returned / printed:.0%}" if printed else "—"
    print(f"合计:打印 {printed} 张,已回收 {returned} 张,回收率 {total}")
    return 0
