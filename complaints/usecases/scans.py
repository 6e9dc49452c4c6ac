"""签字回收: scans of signed sheets find their printed sheet by the code printed on it.

A clerk drops the evening's scans (a scanner's PDF, phone photos): every page is read, each
code on it (a three-notice page carries three; cut apart, each piece one) is checked against
the printed sheets, and a sheet that matches is marked returned with the scan stored beside
its printed file (the pages of one sheet, a two-page form A, in one file). What does not
match is said per page, with the reason, never guessed: no code (a blank page, a page of
another program), a sheet this office never printed, a sheet already returned, a sheet of a
case changed since it was printed. Those pages are kept for the clerk to assign by hand.
The GUI page and the ``scan import`` command both call import_scans.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import StrEnum
from pathlib import Path

from PIL import Image

from complaints.usecases import auth, printed_forms
from complaints.usecases.context import Context
from complaints.usecases.errors import NotFound, UseCaseError
from db import scan_rows
from forms import qr, scan_pages
from forms.templates import FORM_TITLES


class Outcome(StrEnum):
    MATCHED = "matched"
    NO_CODE = "no_code"  # nothing readable: a page with writing but no code, or a torn code
    BLANK = "blank"  # an empty page (the back of a sheet)
    FOREIGN = "foreign"  # a QR code of another program
    UNKNOWN = "unknown"  # our code, but no such printed sheet here
    RETURNED = "returned"  # the sheet came back already
    OLDER = "older"  # the case or sanction changed after the sheet was printed
    UNREADABLE = "unreadable"  # not a scan file, or a broken one
    DENIED = "denied"  # the signed-in person may not mark this sheet


LABELS = {
    Outcome.MATCHED: "已匹配",
    Outcome.NO_CODE: "未找到二维码",
    Outcome.BLANK: "空白页",
    Outcome.FOREIGN: "不是本程序打印的单据",
    Outcome.UNKNOWN: "未知签字单",
    Outcome.RETURNED: "已回收过",
    Outcome.OLDER: "打印后已修改",
    Outcome.UNREADABLE: "无法读取",
    Outcome.DENIED: "无权限",
}


@dataclass(frozen=True)
class PageResult:
    file: Path
    page: int  # 1-based; 0 when the file could not be read at all
    pages: int
    outcome: Outcome
    message: str
    code: qr.SheetCode | None = None
    sheet_id: int | None = None
    case_id: int | None = None
    image: Path | None = None  # the page kept for assigning by hand (keep_dir given)

    @property
    def matched(self) -> bool:
        return self.outcome == Outcome.MATCHED

    @property
    def where(self) -> str:
        if self.page == 0:
            return self.file.name
        return f"{self.file.name} 第{self.page}/{self.pages}页"

    def line(self) -> str:
        """One line of the ``scan import`` output."""
        return f"{self.where}:{LABELS[self.outcome]}{(':' + self.message) if self.message else ''}"


@dataclass(frozen=True)
class ScanReport:
    results: tuple[PageResult, ...]
    returned: tuple[int, ...] = field(default=())  # sheets marked returned by this import

    @property
    def all_matched(self) -> bool:
        return bool(self.results) and all(r.matched for r in self.results)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    def _pages(self, matched: bool | None = None) -> int:
        """Pages read (a page of three notices is one page with three results); with
        ``matched``, those with a result that did (or did not) match."""
        return len(
            {(r.file, r.page) for r in self.results if matched is None or r.matched == matched}
        )

    def summary(self) -> str:
        """One line for the 签字回收 page and ``scan import``: pages, pages matched, sheets
        marked returned, pages left to assign by hand."""
        return (
            f"{self._pages()} 页,匹配 {self._pages(True)} 页,"
            f"登记回收 {len(self.returned)} 张签字单,未匹配 {self._pages(False)} 页"
        )


def is_scan_file(path: Path) -> bool:
    """A file the import reads (by its suffix): what a drop or a watched folder takes."""
    return Path(path).suffix.lower() in scan_pages.SUFFIXES


@dataclass
class _Group:
    """The pages of one sheet found in this import, saved to combine into its scan file."""

    sheet: scan_rows.Sheet
    pages: list[Path]
    results: list[int]  # indexes in the report


def import_scans(
    ctx: Context,
    paths: Sequence[Path | str],
    *,
    printed_dir: Path,
    keep_dir: Path | None = None,
    when: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ScanReport:
    """Read every page of ``paths`` (files, or folders of scans) and mark the sheets they
    match returned at ``when`` (now); the pages that match nothing are saved in
    ``keep_dir`` for assign_page. ``progress(done, total)`` after each file."""
    auth.require(ctx, "form.print")
    when = when or ctx.now()
    files = scan_pages.scan_files([Path(p) for p in paths])
    if not files:
        raise UseCaseError("没有可读取的扫描件(PDF、JPEG、PNG、TIFF)")
    results: list[PageResult] = []
    groups: dict[str, _Group] = {}
    with tempfile.TemporaryDirectory(prefix="complaintdesk-scan-") as tmp:
        work = Path(tmp)
        for done, file in enumerate(files, start=1):
            try:
                for page in scan_pages.pages(file):
                    _read_page(page, results, groups, work, keep_dir, ctx.tz)
            except scan_pages.ScanFileError as e:
                results.append(PageResult(file, 0, 0, Outcome.UNREADABLE, str(e)))
            if progress is not None:
                progress(done, len(files))
        returned = _store(ctx, groups, results, when, printed_dir, work)
    return ScanReport(tuple(results), returned)


def _read_page(
    page: scan_pages.Page,
    results: list[PageResult],
    groups: dict[str, _Group],
    work: Path,
    keep_dir: Path | None,
    tz: tzinfo,
) -> None:
    found = qr.read(page.image)
    ours = [f for f in found if f.code is not None]
    if not ours:
        if found:
            outcome, message = Outcome.FOREIGN, "页上的二维码不是签字单的识别码"
        elif scan_pages.is_blank(page.image):
            outcome, message = Outcome.BLANK, ""
        else:
            outcome, message = Outcome.NO_CODE, "可按单据上的识别码手工登记"
        kept = _keep(page, page.image, keep_dir) if outcome != Outcome.BLANK else None
        results.append(PageResult(page.file, page.number, page.count, outcome, message, image=kept))
        return
    for i, f in enumerate(ours):
        assert f.code is not None
        # a page of several notices: each notice's part, from its code down to the next one's
        part = page.image if len(ours) == 1 else _part(page.image, ours, i)
        results.append(_check(f.code, page, part, len(results), groups, work, keep_dir, tz))


def _part(image: Image.Image, found: Sequence[qr.Found], i: int) -> Image.Image:
    margin = (found[i].box[3] - found[i].box[1]) // 2
    top = max(0, found[i].box[1] - margin)
    bottom = found[i + 1].box[1] - margin if i + 1 < len(found) else image.height
    return image.crop((0, top, image.width, max(bottom, top + 1)))


def _check(
    code: qr.SheetCode,
    page: scan_pages.Page,
    part: Image.Image,
    index: int,
    groups: dict[str, _Group],
    work: Path,
    keep_dir: Path | None,
    tz: tzinfo,
) -> PageResult:
    def result(outcome: Outcome, message: str, sheet: scan_rows.Sheet | None = None) -> PageResult:
        kept = _keep(page, part, keep_dir, code.sheet) if outcome != Outcome.MATCHED else None
        return PageResult(
            page.file,
            page.number,
            page.count,
            outcome,
            message,
            code,
            sheet.id if sheet else None,
            sheet.case_id if sheet else None,
            kept,
        )

    sheet = scan_rows.sheet_by_code(code.sheet)
    if sheet is None or sheet.form != code.form or (sheet.record_ref or code.record) != code.record:
        return result(
            Outcome.UNKNOWN,
            f"{code.human()}:本店没有这张签字单的打印记录(可能是其他电脑或其他门店打印的)",
        )
    if code.sheet in groups:
        group = groups[code.sheet]
        group.pages.append(_save_part(part, work, code.sheet, len(group.pages)))
        group.results.append(index)
        return result(Outcome.MATCHED, f"{_what(code, sheet)}(同一签字单的另一页)", sheet)
    if sheet.signed_returned_at is not None:
        day = sheet.signed_returned_at.astimezone(tz).date().isoformat()  # the office's day
        return result(Outcome.RETURNED, f"{_what(code, sheet)} 已于 {day} 登记回收", sheet)
    printed_rev = sheet.revision if sheet.revision is not None else code.revision
    if sheet.current_revision is not None and sheet.current_revision > printed_rev:
        return result(
            Outcome.OLDER,
            f"{_what(code, sheet)}:打印后记录已修改(打印时 r{printed_rev},现为 "
            f"r{sheet.current_revision}),请核对内容,需要时重新打印签字;核对无误可手工登记",
            sheet,
        )
    groups[code.sheet] = _Group(sheet, [_save_part(part, work, code.sheet, 0)], [index])
    return result(Outcome.MATCHED, _what(code, sheet), sheet)


def _what(code: qr.SheetCode, sheet: scan_rows.Sheet) -> str:
    title = FORM_TITLES.get(sheet.form, sheet.form)
    who = f",签字人 {sheet.signer}" if sheet.signer else ""
    return f"{code.human()} {title}{who}"


def _save_part(image: Image.Image, work: Path, code: str, n: int) -> Path:
    return scan_pages.save_pages([image], work / f"{code}-{n}")


def _keep(
    page: scan_pages.Page, image: Image.Image, keep_dir: Path | None, code: str = ""
) -> Path | None:
    """The page (or its notice) as a JPEG in keep_dir, for the clerk to look at and assign."""
    if keep_dir is None:
        return None
    stem = f"{page.file.stem}-p{page.number}" + (f"-{code}" if code else "")
    out = Path(keep_dir) / f"{stem}.jpg"
    n = 1
    while out.exists():
        out = Path(keep_dir) / f"{stem}-{n}.jpg"
        n += 1
    return scan_pages.save_pages([image], out)


def _store(
    ctx: Context,
    groups: dict[str, _Group],
    results: list[PageResult],
    when: datetime,
    printed_dir: Path,
    work: Path,
) -> tuple[int, ...]:
    """Each matched sheet: its pages in one file beside the printed one, marked returned."""
    returned: list[int] = []
    for code, group in groups.items():
        if len(group.pages) == 1:
            scan = group.pages[0]  # already the JPEG a one-page sheet is stored as
        else:
            images = [Image.open(p) for p in group.pages]
            scan = scan_pages.save_pages(images, work / f"scan-{code}")
        try:
            printed_forms.mark_signed_returned(
                ctx, group.sheet.id, when, scan, printed_dir=printed_dir
            )
        except UseCaseError as e:
            for i in group.results:
                old = results[i]
                results[i] = PageResult(
                    old.file, old.page, old.pages, Outcome.DENIED, str(e), old.code, old.sheet_id
                )
            continue
        returned.append(group.sheet.id)
    return tuple(returned)


# --- by hand ----------------------------------------------------------------------------------


def find_sheets(text: str, limit: int = 50) -> list[scan_rows.Sheet]:
    """The sheets a clerk means by what is typed: a sheet code (7F3K, as printed under the
    QR) or a case number (its sheets not yet returned)."""
    text = text.strip()
    if not text:
        return []
    sheet = scan_rows.sheet_by_code(qr.normalise(text))
    if sheet is not None:
        return [sheet]
    case_id = scan_rows.case_id_by_number(text.upper())
    if case_id is None:
        return []
    return [s for s in scan_rows.sheets_of_case(case_id) if s.signed_returned_at is None][:limit]


def assign_page(
    ctx: Context,
    image: Path,
    sheet_id: int,
    *,
    printed_dir: Path,
    when: datetime | None = None,
) -> PageResult:
    """A page the scan could not match, assigned by the clerk to a sheet (a page of a sheet
    printed before codes existed, a torn code, a sheet of an older revision checked by eye)."""
    sheet = scan_rows.sheet_by_id(sheet_id)
    if sheet is None:
        raise NotFound(f"找不到打印记录(id {sheet_id})")
    if sheet.signed_returned_at is not None:
        day = ctx.local(sheet.signed_returned_at).date().isoformat()
        raise UseCaseError(f"该签字单已于 {day} 登记回收")
    printed_forms.mark_signed_returned(
        ctx, sheet.id, when or ctx.now(), image, printed_dir=printed_dir
    )
    code = (
        qr.SheetCode(sheet.form, sheet.record_ref or "", sheet.revision or 0, sheet.code)
        if sheet.code
        else None
    )
    what = FORM_TITLES.get(sheet.form, sheet.form)
    return PageResult(
        Path(image), 1, 1, Outcome.MATCHED, f"手工登记:{what}", code, sheet.id, sheet.case_id
    )


# --- what the office sees -----------------------------------------------------------------------


def printed_sheets(case_number: str) -> list[scan_rows.Sheet]:
    """A case's printed sheets (its notices too), oldest first: returned or not, and the
    stored scan."""
    case_id = scan_rows.case_id_by_number(case_number.strip().upper())
    if case_id is None:
        raise NotFound(f"找不到投诉单 {case_number}")
    return scan_rows.sheets_of_case(case_id)
