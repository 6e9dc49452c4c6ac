"""Reading a ledger .xlsx safely: its 说明, the layout of its data sheets, their rows.

Before anything parses it, the file is checked in one pass (ledger.zip_check): a zip bomb,
an XML bomb or a cell outside Excel's grid is refused cheaply. A big file's pass runs beside
its reading instead, never behind it (ledger.check_ahead; LedgerFile.confirm). openpyxl parses with
defusedxml when it is installed (it is a dependency): a DTD/entity bomb raises and the
file is refused. Formulas are never evaluated: the workbook is opened with
data_only=False, so a formula cell yields its formula text, which is read as plain text
(ledger.md: text starting with = is data); in a typed column it rejects the row.

Speed: a file without any formula (every file this program writes) is read with
python-calamine, about ten times faster than openpyxl. Whether a file has a formula is
found by a streaming scan of its worksheet XML for <f> elements (and DTDs) before
anything parses it; a file that has one is read with openpyxl as described above, so a
formula's cached value is never taken for data.

Size: the same pass reads every cell and row reference; the cells' bounding box and count
tell what calamine (which allocates the bounding box as one dense grid) would take. Above
its budget the file is read by calamine a slice of rows at a time (ledger.calamine_chunks)
when its rows can be cut apart safely, otherwise as a stream (ledger.sheet_stream); a
sheet's declared <dimension> sizes nothing. Text cells lose control and bidi characters (said in the
report); a lone surrogate rejects its row (ledger.cell_text.clean_cell).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import partial
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl import DEFUSEDXML, load_workbook

from ledger import columns as C
from ledger.calamine_book import CalamineBook
from ledger.calamine_chunks import ChunkedBook
from ledger.cell_places import MAX_ROW
from ledger.cell_text import blank_row, clean_cell, clean_text, plain_value
from ledger.cell_values import MAX_YEAR, MIN_YEAR, parse_offset
from ledger.check_ahead import Gate, wants_ahead
from ledger.columns import Column
from ledger.refusal import LedgerRefused, ReadAgain, is_read_error, refusal
from ledger.sheet_stream import StreamWorkbook
from ledger.zip_check import DEFAULT_LIMITS, ZipLimits, check_zip

if not DEFUSEDXML:  # pragma: no cover - packaging guard
    raise ImportError("defusedxml must be installed: openpyxl would parse XML unguarded")


MAX_INFO_KEYS = 1_000  # 说明 holds about 15


@dataclass
class SheetLayout:
    name: str
    columns: dict[int, Column]  # 0-based column index → column
    unknown: list[str]  # headers this program does not know (ignored)
    headers: list[str]  # row 1 as found, for the rejects file


class _Layouts(dict):
    """Sheet name → SheetLayout. A layout can be left pending (a function giving it):
    it is worked out when first asked for, and its LedgerRefused raised then (the import
    treats that as a file refused mid-way: nothing of it is applied)."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: dict[str, Callable[[], SheetLayout]] = {}

    def _settle(self, key: str) -> None:
        make = self.pending.pop(key, None)
        if make is not None:
            dict.__setitem__(self, key, make())

    def __getitem__(self, key: str) -> SheetLayout:
        self._settle(key)
        return dict.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        self._settle(key)
        return dict.get(self, key, default)

    def __contains__(self, key: object) -> bool:
        return key in self.pending or dict.__contains__(self, key)

    def settle_all(self) -> None:
        for key in list(self.pending):
            self._settle(key)


@dataclass
class LedgerFile:
    path: Path
    info: dict[str, Any]
    site: str
    site_name: str
    tz: tzinfo
    tz_text: str
    exported_at: datetime | None
    scope: str
    declared_counts: dict[str, int | None]
    sheets: _Layouts = field(default_factory=_Layouts)
    notes: list[str] = field(default_factory=list)
    # (sheet, column index) → [cells cleaned, first row]: see raw_rows
    cleaned: dict[tuple[str, int], list[int]] = field(default_factory=dict)
    _wb: Any = None

    def raw_rows(self, sheet: str) -> Iterator[tuple[int, tuple]]:
        """(row number, raw row) for each non-empty data row: the cells as plain values
        (never a formula object), positioned as SheetLayout.columns says. Text cells are
        cleaned as clean_cell says; what was removed is counted in
        ``cleaned`` for the report."""
        if sheet not in self.sheets:
            return
        ws = self._wb[sheet]
        decode = getattr(self._wb, "decode_escapes", True)
        # calamine yields plain values only (str, numbers, dates): nothing to convert.
        native = isinstance(self._wb, (CalamineBook, ChunkedBook))
        ws.reset_dimensions()  # as in rows(): never trust a stale <dimension>
        try:
            for n, cells in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
                # a row starting with a text is not blank (nearly every row): no walk
                head = cells[0] if cells else None
                if not (head.__class__ is str and head.strip()) and (
                    cells is None or blank_row(cells)
                ):
                    continue
                raw = cells if native else tuple(plain_value(v, decode) for v in cells)
                for v in raw:
                    if v.__class__ is str and (not v.isprintable() or "_x" in v):
                        raw = self._clean_row(sheet, n, raw)
                        break
                yield n, raw
        except LedgerRefused:
            raise
        except BaseException as e:  # defusedxml or a broken part met while streaming
            if not is_read_error(e):
                raise
            raise refusal(self.path, e) from None

    def other_sheet(self, name: str) -> Iterator[tuple[int, tuple]]:
        """(row number, plain values) of every row, header first, of a sheet the merge
        does not read (审计记录, ledger/audit_sheet.py); nothing when the file has none."""
        if self._wb is None or name not in self._wb.sheetnames:
            return
        ws = self._wb[name]
        decode = getattr(self._wb, "decode_escapes", True)
        ws.reset_dimensions()
        try:
            for n, raw in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
                yield n, tuple(plain_value(v, decode) for v in (raw or ()))
        except LedgerRefused:
            raise
        except BaseException as e:  # defusedxml or a broken part met while streaming
            if not is_read_error(e):
                raise
            raise refusal(self.path, e) from None

    def _clean_row(self, sheet: str, row: int, raw: tuple) -> tuple:
        out = list(raw)
        for i, v in enumerate(raw):
            if v.__class__ is not str:
                continue
            new = clean_cell(v)
            if new is v:
                continue
            out[i] = new
            if new.__class__ is str:  # characters removed (a BadText rejects its row)
                seen = self.cleaned.setdefault((sheet, i), [0, row])
                seen[0] += 1
        return tuple(out)

    def cleaning_notes(self) -> list[str]:
        """What the reader removed from text cells, by sheet and column, for the report."""
        out = []
        for (sheet, i), (count, first) in sorted(self.cleaned.items()):
            layout = dict.get(self.sheets, sheet)
            header = layout.headers[i] if layout and i < len(layout.headers) else ""
            col = f"“{header}”列" if header else f"第 {i + 1} 列"
            out.append(
                f"{self.path.name}:“{sheet}”{col}有 {count} 个单元格含控制字符、NUL "
                f"或双向文字控制符(首见第 {first} 行),已删除这些字符后导入"
            )
        return out

    def confirm(self) -> None:
        """Raise the file's refusal (or ReadAgain) if the check running beside its reading
        has one (ledger.check_ahead): call before keeping anything read from it."""
        if isinstance(self._wb, ChunkedBook):
            self._wb.confirm()

    def close(self) -> None:
        if self._wb is not None:
            self._wb.close()
            self._wb = None

    def __enter__(self) -> LedgerFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_ledger(path: Path, limits: ZipLimits = DEFAULT_LIMITS, ahead: bool = True) -> LedgerFile:
    """Check and open a ledger; raises LedgerRefused naming the problem. A big file is
    checked beside its reading (``ahead``, ledger.check_ahead): its refusal may then come
    while it is read, and LedgerFile.confirm gives the check's last word."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise LedgerRefused(f"{name}:文件不存在")
    if ahead and wants_ahead(path, limits):
        opened = _open_checked_ahead(path, limits)
        if opened is not None:
            return opened
    # Nothing parses the file before the whole pass has checked it (a cell far out makes
    # calamine allocate its bounding box before anything else happens).
    scan = check_zip(path, limits)
    try:
        if scan.formula:
            wb = load_workbook(path, read_only=True, data_only=False, keep_links=False)
        elif scan.calamine_ok:
            wb = CalamineBook(path)
            wb.prefetch(_sheets_to_load(wb))
        elif scan.chunks_ok:
            wb = ChunkedBook(path, scan.widest)
        else:
            wb = StreamWorkbook(path)
    except LedgerRefused:
        raise
    except BaseException as e:
        if not is_read_error(e):
            raise
        raise refusal(path, e) from None
    try:
        return _read_structure(path, wb)
    except BaseException:
        wb.close()
        raise


def _open_checked_ahead(path: Path, limits: ZipLimits) -> LedgerFile | None:
    """A big ledger read in slices while its check runs beside (ledger.check_ahead); None
    when the check says it needs another reader, or cannot be started."""
    try:
        gate = Gate(path, limits)
    except OSError:  # no process to be had (resources, a locked-down PC): the careful way
        return None
    book: ChunkedBook | None = None
    try:
        book = ChunkedBook(path, 1, gate)
        return _read_structure(path, book)
    except BaseException as e:
        error = e
        if not isinstance(e, LedgerRefused) and is_read_error(e):
            try:  # a broken part: in the check's words if it finds it
                gate.confirm()
                error = refusal(path, e)
            except LedgerRefused as checked:
                error = checked
        if book is not None:
            book.close()  # and its check
        else:
            gate.close()
        if isinstance(error, ReadAgain):
            return None
        if error is e:
            raise
        raise error from None


def _sheets_to_load(book: CalamineBook) -> list[str]:
    """说明 first (read at once), then the data sheets in merge order."""
    return [s for s in (C.SHEET_INFO, *C.DATA_SHEETS) if s in book.sheetnames]


def _read_structure(
    path: Path, wb: openpyxl.Workbook | CalamineBook | ChunkedBook | StreamWorkbook
) -> LedgerFile:
    name = path.name
    if C.SHEET_INFO not in wb.sheetnames:
        raise LedgerRefused(f"{name}:缺少“{C.SHEET_INFO}”工作表,不是投诉台账文件")
    info: dict[str, Any] = {}
    try:
        for row in wb[C.SHEET_INFO].iter_rows(values_only=True):
            if not row or row[0] is None:
                continue
            decode = getattr(wb, "decode_escapes", True)
            key = clean_text(str(plain_value(row[0], decode)))[:200].strip()
            value = plain_value(row[1], decode) if len(row) > 1 else None
            info.setdefault(key, clean_text(value) if isinstance(value, str) else value)
            if len(info) > MAX_INFO_KEYS:  # it is kept whole, and written into rejects files
                raise LedgerRefused(
                    f"{name}:“{C.SHEET_INFO}”有 {MAX_INFO_KEYS} 项以上,不是投诉台账的说明,已拒绝"
                )
    except LedgerRefused:
        raise
    except BaseException as e:
        if not is_read_error(e):
            raise
        raise refusal(path, e) from None
    if not info:
        raise LedgerRefused(f"{name}:“{C.SHEET_INFO}”工作表是空的,不是完整的投诉台账文件,已拒绝")
    fmt = str(info.get(C.INFO_FORMAT) or "").strip()
    if fmt != C.FORMAT_NAME:
        raise LedgerRefused(
            f"{name}:“{C.INFO_FORMAT}”是“{fmt or '(空)'}”,不是“{C.FORMAT_NAME}”,不是投诉台账文件"
        )
    raw_version = info.get(C.INFO_VERSION)
    try:
        version = int(float(str(raw_version).strip()))
    except (TypeError, ValueError, OverflowError):
        raise LedgerRefused(f"{name}:“{C.INFO_VERSION}”无法识别({raw_version!r})") from None
    newer = version > C.FORMAT_VERSION
    if version < 1:
        raise LedgerRefused(f"{name}:格式版本 {version} 无效")
    site = str(info.get(C.INFO_SITE) or "").strip()
    if not site:
        raise LedgerRefused(f"{name}:“说明”中缺少“{C.INFO_SITE}”")
    tz_text = str(info.get(C.INFO_TZ) or "+08:00").strip()
    try:
        tz = parse_offset(tz_text)
    except ValueError:
        raise LedgerRefused(
            f"{name}:“{C.INFO_TZ}”应为 +08:00 这样的格式,而不是“{tz_text}”"
        ) from None
    exported_at = None
    raw_exp = info.get(C.INFO_EXPORTED)
    if isinstance(raw_exp, datetime):
        exported_at = raw_exp if raw_exp.tzinfo else raw_exp.replace(tzinfo=tz)
    elif raw_exp:
        try:
            exported_at = datetime.fromisoformat(str(raw_exp).strip())
        except ValueError:
            raise LedgerRefused(f"{name}:“{C.INFO_EXPORTED}”无法识别(“{raw_exp}”)") from None
        if exported_at.tzinfo is None:
            exported_at = exported_at.replace(tzinfo=tz)
    if exported_at is not None and not MIN_YEAR <= exported_at.year <= MAX_YEAR:
        raise LedgerRefused(f"{name}:“{C.INFO_EXPORTED}”的年份超出范围({raw_exp})")
    declared: dict[str, int | None] = {}
    for s in C.DATA_SHEETS:
        v = info.get(C.info_count_key(s))
        try:
            n = None if v is None or v == "" else int(float(str(v)))
        except (ValueError, OverflowError):
            n = None
        # a count no sheet can hold is no count (it only sizes the progress and bulk load)
        declared[s] = n if n is None or 0 <= n <= MAX_ROW else None
    lf = LedgerFile(
        path,
        info,
        site,
        str(info.get(C.INFO_SITE_NAME) or ""),
        tz,
        tz_text,
        exported_at,
        str(info.get(C.INFO_SCOPE) or ""),
        declared,
        _wb=wb,
    )
    if newer:  # what this program can read imports; the rest is refused row by row, by name
        lf.notes.append(
            f"格式版本 {version} 比本程序支持的版本 {C.FORMAT_VERSION} 新:能识别的行照常导入,"
            "含本程序不认识的内容(如新的动作)的行逐行拒绝并写明原因。请尽快升级本程序,"
            "再重新导入这份文件,把拒绝的行补上"
        )
    # with calamine, each data sheet loads on a helper thread while the one before merges;
    # checked beside the reading, a later sheet is checked while the one before merges
    later = isinstance(wb, CalamineBook) or (isinstance(wb, ChunkedBook) and wb.gate is not None)
    first = True
    for sheet in C.DATA_SHEETS:
        if sheet not in wb.sheetnames:
            if sheet in C.OPTIONAL_SHEETS:
                lf.notes.append(f"文件中没有“{sheet}”工作表")
                continue
            raise LedgerRefused(f"{name}:缺少“{sheet}”工作表")
        if first or not later:
            lf.sheets[sheet] = _layout(path, wb[sheet], sheet)
        else:  # its header is read when the merge reaches it (the sheet is loaded by then)
            lf.sheets.pending[sheet] = partial(_layout, path, wb[sheet], sheet)
        first = False
    return lf


def _layout(path: Path, ws, sheet: str) -> SheetLayout:
    try:
        ws.reset_dimensions()
        first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
    except LedgerRefused:  # the check's, running beside the reading (or ReadAgain)
        raise
    except BaseException as e:
        if not is_read_error(e):
            raise
        raise refusal(path, e) from None
    decode = getattr(ws, "decode_escapes", True)
    headers = ["" if v is None else clean_text(str(plain_value(v, decode))).strip() for v in first]
    by_header = {c.header: c for c in C.SHEET_COLUMNS[sheet]}
    cols: dict[int, Column] = {}
    unknown: list[str] = []
    seen: set[str] = set()
    for i, h in enumerate(headers):
        if not h:
            continue
        col = by_header.get(h)
        if col is None:
            unknown.append(h)
        elif h in seen:
            raise LedgerRefused(f"{path.name}:“{sheet}”中列“{h}”出现了两次")
        else:
            cols[i] = col
            seen.add(h)
    missing = [c.header for c in C.SHEET_COLUMNS[sheet] if c.required and c.header not in seen]
    if missing:
        raise LedgerRefused(f"{path.name}:“{sheet}”缺少必需的列:{'、'.join(missing)}")
    return SheetLayout(sheet, cols, unknown, headers)
