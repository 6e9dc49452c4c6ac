"""Printing the official forms: a case's sheets A and B, a sanction's notice C or D, and the
month's notices in one document.

Every printed form is filled from the records, saved under the data folder's ``printed/``
and recorded with its case or sanction (form, time, who, which template and its hash);
complaints.usecases.printed_forms reads that history and marks the signed paper's return.
The GUI and the CLI both call these.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from complaints.rules.policy import Policy
from complaints.types import Action, ApprovalStatus, Channel
from complaints.usecases import audit, auth, sanctions, settings
from complaints.usecases import policy as policy_uc
from complaints.usecases.cases import get_case, list_entries
from complaints.usecases.context import Context
from complaints.usecases.errors import NotFound, UseCaseError
from complaints.usecases.site import local_site
from db import case_rows, printed_rows, sanction_rows, scan_rows
from db.models import Sanction, database
from db.retry import retried
from forms import fill, pdf, qr
from forms.templates import FORM_TITLES, Template, load_template


@dataclass(frozen=True)
class PrintResult:
    printed_ids: tuple[int, ...]  # one history row per form (per notice in a batch)
    docx: Path
    pdf: Path | None  # None: no converter here, or not asked for; open the .docx instead
    template_version: str
    warnings: tuple[str, ...] = ()
    # Set when the sheet is not recorded yet (``record=False``: a preview on screen is not a
    # printed sheet); record_printed creates its history rows once it is printed or saved.
    pending: Callable[[Context], tuple[int, ...]] | None = field(default=None, compare=False)


def record_printed(ctx: Context, result: PrintResult) -> PrintResult:
    """Create the history rows (and audit entries) of a sheet produced with
    ``record=False``, now that it was printed or saved; a recorded result is returned as is."""
    if result.pending is None:
        return result
    return replace(result, printed_ids=result.pending(ctx), pending=None)


def discard_unprinted(result: PrintResult) -> None:
    """Remove the files of a sheet that was previewed and never printed nor saved."""
    if result.pending is None:
        return
    for p in (result.docx, result.pdf):
        if p is not None:
            Path(p).unlink(missing_ok=True)


def _finish(
    ctx: Context,
    commit: Callable[[Context], tuple[int, ...]],
    path: Path,
    pdf_path: Path | None,
    version: str,
    warnings: list[str],
    record: bool,
) -> PrintResult:
    """The result of a filled sheet, recorded now (``record``) or left pending."""
    if not record:
        return PrintResult((), path, pdf_path, version, tuple(warnings), pending=commit)
    try:
        ids = commit(ctx)
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return PrintResult(ids, path, pdf_path, version, tuple(warnings))


def _safe(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name).strip("_") or "form"


def _target(ctx: Context, printed_dir: Path, stem: str) -> tuple[Path, str]:
    """A new file under printed/YYYY/MM/ (never overwrites); returns (path, relative)."""
    now = ctx.local(ctx.now())
    folder = Path(printed_dir) / f"{now:%Y}" / f"{now:%m}"
    folder.mkdir(parents=True, exist_ok=True)
    base = f"{_safe(stem)}_{now:%Y%m%d-%H%M%S}"
    path = folder / f"{base}.docx"
    n = 1
    while path.exists():
        path = folder / f"{base}-{n}.docx"
        n += 1
    return path, path.relative_to(printed_dir).as_posix()


def _to_pdf(docx: Path, want: bool, warnings: list[str]) -> Path | None:
    if not want:
        return None
    try:
        out = pdf.to_pdf(docx)
    except pdf.PdfError as e:
        warnings.append(str(e))
        return None
    if out is None:
        warnings.append("本机未安装 LibreOffice(或 Word/WPS),无法生成 PDF,请直接打开 Word 文档打印")
    return out


def _policy_for(case: dict[str, Any]) -> Policy | None:
    """The policy the case's deadlines print under; None (the sheet prints without them) if
    the stored policy cannot be read."""
    try:
        return policy_uc.in_force(case.get("received_at"))
    except Exception:
        return None


def _date_style() -> str:
    style = settings.get("forms.date_style")
    return style if style in fill.DATE_STYLES else fill.DEFAULT_DATE_STYLE


def _site_name() -> str:
    info = local_site()
    return info.name if info else ""


def _sheet_code(
    form: str, record: str, revision: int, also_taken: set[str] | None = None
) -> qr.SheetCode:
    """A new code for a sheet about to be filled (free in the database and in this batch)."""
    taken = also_taken if also_taken is not None else set()
    code = qr.new_code(lambda c: c in taken or scan_rows.code_taken(c))
    taken.add(code)
    return qr.SheetCode(form, record, revision, code)


def _record(
    ctx: Context,
    *,
    form: str,
    template: Template,
    rel: str,
    pdf_path: Path | None,
    printed_dir: Path,
    case_id: int | None = None,
    sanction_id: int | None = None,
    batch_uid: str | None = None,
    record_uid: str | None = None,
    table: str | None = None,
    note: str = "",
    code: qr.SheetCode | None = None,
) -> int:
    pdf_rel = None
    if pdf_path is not None:
        try:
            pdf_rel = Path(pdf_path).relative_to(printed_dir).as_posix()
        except ValueError:
            pdf_rel = str(pdf_path)
    printed_id = printed_rows.add(
        uid=str(uuid.uuid4()),
        form=form,
        case=case_id,
        sanction=sanction_id,
        batch_uid=batch_uid,
        printed_at=ctx.now(),
        printed_by=ctx.actor,
        template_source=template.source,
        template_sha256=template.sha256,
        file_path=rel,
        pdf_path=pdf_rel,
        note=note,
        code=code.sheet if code else None,
        record_ref=code.record if code else None,
        revision=code.revision if code else None,
    )
    audit.record(
        ctx,
        "form.print",
        table=table,
        uid=record_uid,
        note=f"{form} {FORM_TITLES[form]};模板 {template.version};文件 {rel}"
        + (f";{note}" if note else ""),
    )
    return printed_id


def print_case_form(
    ctx: Context,
    case_id: int,
    form: str,
    *,
    templates_dir: Path | None,
    printed_dir: Path,
    pdf: bool = False,
    record: bool = True,
) -> PrintResult:
    """Form A (handling sheet) or B (manufacturer tracking sheet) of one case; recorded in
    the case's printed sheets now, or (``record=False``) by record_printed."""
    if form not in ("A", "B"):
        raise UseCaseError(f"投诉单只能打印表 A 或表 B,而不是“{form}”")
    case = get_case(case_id)
    if case.get("deleted"):
        raise NotFound(f"投诉单 {case['number']} 已删除,不能打印")
    auth.require(ctx, "form.print", department=case.get("department"))
    warnings: list[str] = []
    entries = list_entries(case_id)
    reported = any(e["action"] == Action.REPORT_OEM.value for e in entries) or bool(
        case.get("cac_number")
    )
    if (
        form == "B"
        and case.get("channel") != Channel.OEM.value
        and not case.get("needs_oem")
        and not reported
    ):
        warnings.append(
            "该投诉单不是厂家转发、未标记需厂家支持,也未上报厂家;仍按要求打印厂家跟踪表"
        )
    template = load_template(form, templates_dir)
    warnings.extend(template.warnings)
    path, rel = _target(ctx, printed_dir, f"{case['number']}_{form}")
    code = _sheet_code(form, case["number"], case["revision"])
    fill.fill_case_form(
        case,
        entries,
        form,
        _policy_for(case),
        template=template,
        tz=ctx.tz,
        today=ctx.local(ctx.now()).date(),
        site_name=_site_name(),
        dates=_date_style(),
        out=path,
        code=code,
    )
    pdf_path = _to_pdf(path, pdf, warnings)

    @retried  # the file above is written once; only its record's transaction runs again
    def commit(c: Context) -> tuple[int, ...]:
        with database.atomic():
            return (
                _record(
                    c,
                    form=form,
                    template=template,
                    rel=rel,
                    pdf_path=pdf_path,
                    printed_dir=printed_dir,
                    case_id=case_id,
                    record_uid=case["uid"],
                    table="cases",
                    code=code,
                ),
            )

    return _finish(ctx, commit, path, pdf_path, template.version, warnings, record)


def find_sanction_id(key: str) -> int:
    """A sanction by its 记录ID (the ledger's UUID, or its first 8 characters as printed
    on the notice), or by its numeric id."""
    return sanctions.find_id(key)


def notice_form_of(sanction_id: int) -> str:
    """The notice a sanction prints on: C (a fine) or D (a reward)."""
    s = sanction_rows.get(sanction_id)
    if s is None:
        raise NotFound(f"找不到奖惩记录(id {sanction_id})")
    return fill.notice_form(s)


def _sanction(sanction_id: int) -> Sanction:
    s = sanction_rows.get(sanction_id)
    if s is None or s.deleted:
        raise NotFound(f"找不到奖惩记录(id {sanction_id})")
    return s


def _case_department(s: Sanction) -> str | None:
    case_id = s.case_id
    case = case_rows.get(case_id) if case_id else None
    return (case.department if case else None) or s.department or None


def print_sanction_notice(
    ctx: Context,
    sanction_id: int,
    *,
    templates_dir: Path | None,
    printed_dir: Path,
    pdf: bool = False,
    record: bool = True,
) -> PrintResult:
    """Notice C (fine) or D (reward) of one approved sanction."""
    s = _sanction(sanction_id)
    auth.require(ctx, "form.print", department=_case_department(s))
    if s.status != ApprovalStatus.APPROVED.value:
        raise UseCaseError(f"该奖惩尚未批准(当前:{s.status}),只有已批准的奖惩才能打印通知单")
    if s.amount <= 0 or s.rule == "S5":
        raise UseCaseError("金额为 0 的记录(如无责 S5)不是罚款或奖励,不打印通知单")
    form = fill.notice_form(s)
    template = load_template(form, templates_dir)
    warnings = list(template.warnings)
    path, rel = _target(ctx, printed_dir, f"{FORM_TITLES[form]}_{s.person}_{s.uid[:8]}")
    code = _sheet_code(form, s.uid[:8].upper(), s.revision)
    fill.fill_sanction_notice(s, template=template, site_name=_site_name(), out=path, code=code)
    pdf_path = _to_pdf(path, pdf, warnings)

    @retried  # the file above is written once; only its record's transaction runs again
    def commit(c: Context) -> tuple[int, ...]:
        with database.atomic():
            return (
                _record(
                    c,
                    form=form,
                    template=template,
                    rel=rel,
                    pdf_path=pdf_path,
                    printed_dir=printed_dir,
                    case_id=s.case_id,
                    sanction_id=s.get_id(),
                    record_uid=s.uid,
                    table="sanctions",
                    code=code,
                ),
            )

    return _finish(ctx, commit, path, pdf_path, template.version, warnings, record)


def approved_notices(month: str, site: str | None = None) -> list[Sanction]:
    """The approved fines and rewards dated in ``month`` (YYYY-MM), of ``site`` if given,
    grouped by department (each department's sheets go to its manager), then by type,
    person and date. Nothing of ¥0 is a notice (an S5 of older data is a decision)."""
    start, end = sanctions.month_range(month)
    return sanction_rows.approved_notices(start, end, ApprovalStatus.APPROVED.value, site)


def print_month_notices(
    ctx: Context,
    month: str,
    *,
    templates_dir: Path | None,
    printed_dir: Path,
    per_page: int = 3,
    pdf: bool = False,
    record: bool = True,
) -> PrintResult:
    """Every approved notice of this site's month in one document (``per_page`` to an A4
    sheet)."""
    auth.require(ctx, "form.print")
    notices = approved_notices(month, ctx.site)
    if not notices:
        raise UseCaseError(f"{month.strip()} 没有已批准的奖惩,无需打印通知单")
    templates = {f: load_template(f, templates_dir) for f in ("C", "D")}
    warnings = [w for t in templates.values() for w in t.warnings]
    path, rel = _target(ctx, printed_dir, f"奖惩通知单_{month.strip()}")
    batch_codes: set[str] = set()
    codes = [
        _sheet_code(fill.notice_form(s), s.uid[:8].upper(), s.revision, batch_codes)
        for s in notices
    ]
    fill.fill_notice_batch(
        notices,
        per_page=per_page,
        templates=templates,
        site_name=_site_name(),
        title=f"奖惩通知单 {month.strip()}",
        out=path,
        codes=codes,
    )
    pdf_path = _to_pdf(path, pdf, warnings)

    @retried  # the file above is written once; only its record's transaction runs again
    def commit(c: Context) -> tuple[int, ...]:
        batch = str(uuid.uuid4())
        with database.atomic():
            return tuple(
                _record(
                    c,
                    form=fill.notice_form(s),
                    template=templates[fill.notice_form(s)],
                    rel=rel,
                    pdf_path=pdf_path,
                    printed_dir=printed_dir,
                    case_id=s.case_id,
                    sanction_id=s.get_id(),
                    batch_uid=batch,
                    record_uid=s.uid,
                    table="sanctions",
                    note=f"{month.strip()} 批量打印",
                    code=code,
                )
                for s, code in zip(notices, codes, strict=True)
            )

    versions = "、".join(sorted({templates[fill.notice_form(s)].version for s in notices}))
    return _finish(ctx, commit, path, pdf_path, versions, warnings, record)


def pdf_available() -> bool:
    return pdf.available()
