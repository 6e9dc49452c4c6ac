"""``form``: fill and save the official forms from the command line.

    form handling|A  --case NUMBER --out FILE.docx [--pdf]     顾客抱怨/投诉处理表(内部)
    form tracking|B  --case NUMBER --out FILE.docx [--pdf]     客户投诉处理跟踪表(厂家)
    form fine|C      --sanction 记录ID --out FILE.docx [--pdf]  罚款通知单
    form reward|D    --sanction 记录ID --out FILE.docx [--pdf]  奖励通知单
    form notices|batch --month 2026-11 --out FILE.docx [--per-page 3] [--pdf]
    form check A|B|C|D TEMPLATE.docx                            check an office's template
    form printed --case NUMBER                                  printed sheets, returned or not

Each print is also kept in the printed-forms history (data folder ``printed/``).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from complaints.usecases import printing
from complaints.usecases.cases import find_case_id
from complaints.usecases.errors import UseCaseError
from complaints.usecases.output_files import writing
from desktop.cli import CliError, command_context, open_data
from desktop.commands import scan
from desktop.paths import data_paths
from forms.templates import FORM_TITLES, check_template

CASE_FORMS = {"handling": "A", "tracking": "B"}
NOTICE_FORMS = {"fine": "C", "reward": "D"}


def register(sub) -> None:
    p = sub.add_parser(
        "form",
        help="填写并保存表单(处理表、厂家跟踪表、罚款/奖励通知单)",
        description="填写并保存表单;每次打印都记入打印记录。",
    )
    fsub = p.add_subparsers(dest="form_command", metavar="FORM", required=True)
    for name, form in CASE_FORMS.items():
        q = fsub.add_parser(name, aliases=[form], help=_title(form))
        q.add_argument("--case", required=True, metavar="NUMBER", help="投诉单编号")
        _out(q)
        q.set_defaults(func=_case_form, form=form)
    for name, form in NOTICE_FORMS.items():
        q = fsub.add_parser(name, aliases=[form], help=_title(form))
        q.add_argument(
            "--sanction",
            required=True,
            metavar="ID",
            help="奖惩的记录ID(台账中的记录ID,或通知单上印的前 8 位)",
        )
        _out(q)
        q.set_defaults(func=_notice, form=form)
    q = fsub.add_parser("notices", aliases=["batch"], help="某月全部已批准的奖惩通知单")
    q.add_argument("--month", required=True, metavar="YYYY-MM", help="月份,如 2026-11")
    q.add_argument(
        "--per-page",
        type=int,
        default=3,
        metavar="N",
        help="每张 A4 纸印几张通知单(默认 3;1 = 每页一张)",
    )
    _out(q)
    q.set_defaults(func=_batch)
    q = fsub.add_parser("check", help="检查本店模板的占位符")
    q.add_argument("check_form", choices=("A", "B", "C", "D"), metavar="FORM")
    q.add_argument("template", type=Path)
    q.set_defaults(func=_check)
    scan.register_form_printed(fsub)


def _title(form: str) -> str:
    return FORM_TITLES[form]


def _out(q: argparse.ArgumentParser) -> None:
    q.add_argument("--out", required=True, type=Path, metavar="FILE.docx", help="保存到此文件")
    q.add_argument("--pdf", action="store_true", help="同时生成 PDF(需要 LibreOffice)")


def _deliver(args, result) -> int:
    out: Path = args.out
    if out.suffix.lower() != ".docx":
        out = out.with_suffix(".docx")
    out.parent.mkdir(parents=True, exist_ok=True)
    with writing(out):  # the last print still open in Word: the message and a free name
        shutil.copyfile(result.docx, out)
    print(f"已保存 {out}(模板 {result.template_version})")
    if result.pdf is not None:
        pdf_out = out.with_suffix(".pdf")
        with writing(pdf_out):
            shutil.copyfile(result.pdf, pdf_out)
        print(f"已保存 {pdf_out}")
    for w in result.warnings:
        print(f"注意:{w}")
    return 0


def _run(args, fn):
    paths, _ = open_data(args)
    ctx = command_context(args)  # --user, or the site's administrator (who may not print)
    try:
        return fn(ctx, paths)
    except UseCaseError as e:
        raise CliError(str(e)) from None


def _case_form(args) -> int:
    def go(ctx, paths):
        case_id = find_case_id(args.case)
        return _deliver(
            args,
            printing.print_case_form(
                ctx,
                case_id,
                args.form,
                templates_dir=paths.templates,
                printed_dir=paths.printed,
                pdf=args.pdf,
            ),
        )

    return _run(args, go)


def _notice(args) -> int:
    def go(ctx, paths):
        sid = printing.find_sanction_id(args.sanction)
        actual = printing.notice_form_of(sid)
        if actual != args.form:
            raise UseCaseError(
                f"该记录是{_title(actual)[:2]},请用 form "
                f"{'fine' if actual == 'C' else 'reward'} 打印"
            )
        return _deliver(
            args,
            printing.print_sanction_notice(
                ctx, sid, templates_dir=paths.templates, printed_dir=paths.printed, pdf=args.pdf
            ),
        )

    return _run(args, go)


def _batch(args) -> int:
    if args.per_page < 1:
        raise CliError("--per-page 至少为 1")

    def go(ctx, paths):
        result = printing.print_month_notices(
            ctx,
            args.month,
            templates_dir=paths.templates,
            printed_dir=paths.printed,
            per_page=args.per_page,
            pdf=args.pdf,
        )
        print(f"共 {len(result.printed_ids)} 张通知单")
        return _deliver(args, result)

    return _run(args, go)


def _check(args) -> int:
    if data_paths(args.data_dir).database.exists():
        open_data(args)  # an office's data folder: checking its templates needs form.templates

    problems = check_template(args.template, args.check_form)
    if not problems:
        print(f"模板可用:{args.template}")
        return 0
    for p in problems:
        print(p)
    return 1
