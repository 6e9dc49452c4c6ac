"""Writing a ledger .xlsx, streamed (ledger.xlsx_stream), so memory stays flat.

Records come in as dicts keyed by ledger/columns.py keys with Python values
(aware datetimes, dates, bools, ints, text). Times are written as real Excel dates
in the file's time zone; phones, VINs and every text as text, never as a formula.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from complaints.csvsafe import FORMULA_PREFIXES
from complaints.rules.validation import mask_phone
from db.timeutil import from_db
from ledger import columns as C
from ledger.columns import Column, Kind
from ledger.xlsx_stream import (
    S_BOLD,
    S_DATE,
    S_DATETIME,
    S_HEADER,
    S_QUOTED,
    S_WRAP,
    S_WRAP_QUOTED,
    StreamBook,
    StreamSheet,
    date_serial,
    datetime_serial,
    number_cell,
    text_cell,
)

# Text starting with one of FORMULA_PREFIXES (the CSV writers' list) would be
# read as a formula (or a DDE/CSV trick) by a spreadsheet when a person edits the cell:
# written as text with Excel's quote prefix.


@dataclass(frozen=True)
class LedgerMeta:
    site: str
    site_name: str
    exported_at: datetime
    tz_text: str  # "+08:00"
    scope: str  # "全部" or "增量 since <time>"
    app_version: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)


_OOXML_ESCAPE_RE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def clean_text(value: str) -> str:
    """Drop the control characters an .xlsx cannot hold (tab, CR, LF stay), and escape
    text that looks like an OOXML character escape (_x000D_), which Excel would decode."""
    return _OOXML_ESCAPE_RE.sub(r"_x005F_\1", ILLEGAL_CHARACTERS_RE.sub("", value))


def safe_text(ws, value: Any) -> Any:
    """A text cell value that no spreadsheet will take for a formula."""
    s = clean_text(str(value))
    if s.startswith(FORMULA_PREFIXES):
        c = WriteOnlyCell(ws, value=s)
        c.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
        c.quotePrefix = True  # and Excel keeps it text when a person edits the cell
        return c
    return s


class _SheetWriter:
    """One data sheet of the ledger, written through ledger.xlsx_stream: each column gets
    a formatter chosen once by its kind, so a row is a few string joins."""

    def __init__(
        self,
        book: StreamBook,
        title: str,
        cols: tuple[Column, ...],
        tz: tzinfo,
        mask_phones: bool,
        expected_rows: int | None = None,
    ):
        self.cols = cols
        self.tz = tz
        self.mask_phones = mask_phones
        self.expected_rows = expected_rows
        self.title = title
        self.sheet = book.add_sheet(
            title,
            [c.display_width for c in cols],
            [c.header for c in cols],
            header_style=S_HEADER,
            freeze="B2",  # the header row and the first column (编号)
            expected_rows=expected_rows,
            landscape=True,
        )
        self._plan = [
            (c.key, self.sheet.letters[i], self._formatter(c)) for i, c in enumerate(cols)
        ]

    @property
    def rows(self) -> int:
        return self.sheet.rows

    def _formatter(self, col: Column):
        kind = col.kind
        tz = self.tz
        if col.key == C.SIGNED_SHEETS.key:

            def fmt(ref: str, value: Any) -> str:
                return _text_cell(ref, signed_sheets_text(str(value), tz))
        elif kind is Kind.DATETIME:

            def fmt(ref: str, value: Any) -> str:
                if isinstance(value, datetime):
                    local = value.astimezone(tz).replace(tzinfo=None) if value.tzinfo else value
                    return number_cell(ref, datetime_serial(local), S_DATETIME)
                return _text_cell(ref, value)
        elif kind is Kind.DATE:

            def fmt(ref: str, value: Any) -> str:
                if isinstance(value, datetime):
                    value = value.date()
                if isinstance(value, date):
                    return number_cell(ref, date_serial(value), S_DATE)
                return _text_cell(ref, value)
        elif kind is Kind.STAMP:

            def fmt(ref: str, value: Any) -> str:
                if isinstance(value, datetime):
                    return text_cell(ref, value.astimezone(tz).isoformat(timespec="seconds"))
                return _text_cell(ref, value)
        elif kind in (Kind.BOOL, Kind.DELETED):

            def fmt(ref: str, value: Any) -> str:
                return text_cell(ref, "是" if value else "否")
        elif kind in (Kind.INT, Kind.REVISION):

            def fmt(ref: str, value: Any) -> str:
                if isinstance(value, int) and not isinstance(value, bool):
                    return number_cell(ref, value)
                return _text_cell(ref, value)
        elif kind is Kind.LONG:  # wrapped in its column, never running into the next
            fmt = _wrapped_cell
        elif col.key == "phone" and self.mask_phones:

            def fmt(ref: str, value: Any) -> str:
                return _text_cell(ref, mask_phone(str(value)))
        else:
            fmt = _text_cell
        return fmt

    def append(self, record: Mapping[str, Any]) -> None:
        n = str(self.sheet.next_row())
        get = record.get
        self.sheet.append_cells(
            "".join(
                [
                    fmt(letter + n, v)
                    for key, letter, fmt in self._plan
                    if (v := get(key)) is not None
                ]
            )
        )

    def finish(self) -> None:
        if self.expected_rows is not None and self.rows != self.expected_rows:
            raise RuntimeError(
                f"{self.title}: wrote {self.rows} rows, announced {self.expected_rows}"
            )
        self.sheet.close(autofilter=True, print_titles=True)


def signed_sheets_text(stored: str, tz: tzinfo) -> str:
    """A case's sheets as db.ledger_rows reads them ("A|<returned at>;B|", in print order)
    as the 签字单回收 cell says them: "A 已回收 2026-11-05;B 未回收", the day in the office's
    time zone (the file's 时区)."""
    out = []
    for part in stored.split(";"):
        form, _, at = part.partition("|")
        returned = from_db(at) if at else None
        out.append(
            f"{form} 已回收 {returned.astimezone(tz).date().isoformat()}"
            if returned is not None
            else f"{form} 未回收"
        )
    return ";".join(out)


def _wrapped_cell(ref: str, value: Any) -> str:
    """_text_cell for a long text column: wrapped, top-aligned."""
    s = value if isinstance(value, str) else str(value)
    if "_x" in s or not s.isprintable():
        s = clean_text(s)
    return text_cell(ref, s, S_WRAP_QUOTED if s.startswith(FORMULA_PREFIXES) else S_WRAP)


def _text_cell(ref: str, value: Any) -> str:
    """Any value as a text cell that no spreadsheet will take for a formula."""
    s = value if isinstance(value, str) else str(value)
    if "_x" in s or not s.isprintable():
        s = clean_text(s)
    if s.startswith(FORMULA_PREFIXES):
        return text_cell(ref, s, S_QUOTED)
    return text_cell(ref, s)


safe_text_cell = _text_cell  # for the 审计记录 sheet (ledger/audit_sheet.py)


@dataclass(frozen=True)
class ExportCounts:
    cases: int
    entries: int
    sanctions: int

    def as_dict(self) -> dict[str, int]:
        return {
            C.SHEET_CASES: self.cases,
            C.SHEET_ENTRIES: self.entries,
            C.SHEET_SANCTIONS: self.sanctions,
        }


def write_ledger(
    path: Path,
    meta: LedgerMeta,
    tz: tzinfo,
    *,
    cases: Iterable[Mapping[str, Any]],
    entries: Iterable[Mapping[str, Any]],
    sanctions: Iterable[Mapping[str, Any]],
    mask_phones: bool = False,
    expected: Mapping[str, int] | None = None,
    extra_sheet: Callable[[StreamBook], object] | None = None,
) -> ExportCounts:
    """Write the four sheets to ``path`` (via a temp file, renamed when complete).
    ``expected`` (rows per sheet, if known exactly) goes into each sheet's dimension.
    ``extra_sheet`` appends a sheet after the data sheets (审计记录, ledger/audit_sheet.py)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    book = StreamBook(tmp)
    try:
        sheets = []
        # 说明 is the first sheet but is written last (its counts are known then): the zip
        # parts may come in any order, the workbook lists the sheets in this order.
        info_sheet = book.reserve_sheet(C.SHEET_INFO, 2)
        version = [1]
        for title, cols, records in (
            (C.SHEET_CASES, C.CASE_COLUMNS, cases),
            (C.SHEET_ENTRIES, C.ENTRY_COLUMNS, _noting_version(entries, version)),
            (C.SHEET_SANCTIONS, C.SANCTION_COLUMNS, sanctions),
        ):
            w = _SheetWriter(
                book, title, cols, tz, mask_phones, expected_rows=(expected or {}).get(title)
            )
            for rec in records:
                w.append(rec)
            w.finish()
            sheets.append(w)
        counts = ExportCounts(*(w.rows for w in sheets))
        if extra_sheet is not None:
            extra_sheet(book)
        info = book.open_sheet(info_sheet, [16, 34], ["项目", "内容"], header_style=S_BOLD)
        write_info(info, meta, counts.as_dict(), version[0])
        info.close()
        book.close()
        os.replace(tmp, path)
    finally:
        book.abort()
        if tmp.exists():
            tmp.unlink()
    return counts


def _noting_version(
    entries: Iterable[Mapping[str, Any]], version: list[int]
) -> Iterator[Mapping[str, Any]]:
    """The entries as they are, raising ``version[0]`` to the format version the newest of
    their actions needs (the file says the lowest version that carries it)."""
    since = C.ACTION_SINCE
    for e in entries:
        v = since.get(e.get("action") or "")
        if v is not None and v > version[0]:
            version[0] = v
        yield e


def info_pairs(
    meta: LedgerMeta, counts: Mapping[str, int], version: int = C.FORMAT_VERSION
) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = [
        (C.INFO_FORMAT, C.FORMAT_NAME),
        (C.INFO_VERSION, str(version)),
        (C.INFO_SITE, meta.site),
        (C.INFO_SITE_NAME, meta.site_name),
        (C.INFO_EXPORTED, meta.exported_at.isoformat(timespec="seconds")),
        (C.INFO_TZ, meta.tz_text),
        (C.INFO_SCOPE, meta.scope),
        (C.INFO_APP, meta.app_version),
    ]
    pairs += [(C.info_count_key(s), counts.get(s, 0)) for s in C.DATA_SHEETS]
    pairs += list(meta.extra.items())
    return pairs


def write_info(
    sheet: StreamSheet, meta: LedgerMeta, counts: Mapping[str, int], version: int
) -> None:
    for k, v in info_pairs(meta, counts, version):
        n = str(sheet.next_row())
        value = number_cell("B" + n, v) if isinstance(v, int) else _text_cell("B" + n, v)
        sheet.append_cells(_text_cell("A" + n, k) + value)
