"""Writing a ledger .xlsx, streamed (openpyxl write_only), so memory stays flat.

Records come in as dicts keyed by ledger/columns.py keys with Python values
(aware datetimes, dates, bools, ints, text). Times are written as real Excel dates
in the file's time zone; phones, VINs and every text as text, never as a formula.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from complaints.rules.validation import mask_phone
from ledger import columns as C
from ledger.columns import Column, Kind

# Text starting with one of these would be read as a formula (or a DDE/CSV trick) by a
# spreadsheet when a person edits the cell: written as text with Excel's quote prefix.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"


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
    def __init__(self, wb: Workbook, title: str, cols: tuple[Column, ...], tz: tzinfo,
                 mask_phones: bool, extra_headers: tuple[str, ...] = (),
                 expected_rows: int | None = None):
        self.ws = wb.create_sheet(title)
        if expected_rows is not None:
            # Written before the rows (write_only cannot go back): lets readers size the
            # sheet without scanning it. finish() checks the count held.
            ref = f"A1:{get_column_letter(len(cols) + len(extra_headers))}{expected_rows + 1}"
            self.ws.calculate_dimension = lambda: ref
        self.expected_rows = expected_rows
        self.cols = cols
        self.tz = tz
        self.mask_phones = mask_phones
        self.rows = 0
        ncols = len(cols) + len(extra_headers)
        self.ncols = ncols
        for i, col in enumerate(cols, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = col.display_width
        for j in range(len(extra_headers)):
            self.ws.column_dimensions[get_column_letter(len(cols) + j + 1)].width = 40
        self.ws.freeze_panes = "B2"  # the header row and the first column (编号)
        bold = Font(bold=True)
        fill = PatternFill("solid", fgColor="DDEBF7")
        header = []
        for text in [c.header for c in cols] + list(extra_headers):
            cell = WriteOnlyCell(self.ws, value=text)
            cell.font = bold
            cell.fill = fill
            header.append(cell)
        self.ws.append(header)
        self.ws.page_setup.orientation = "landscape"
        self.ws.print_title_rows = "1:1"

    def _cell(self, col: Column, value: Any) -> Any:
        if value is None:
            return None
        kind = col.kind
        if kind is Kind.DATETIME:
            if isinstance(value, datetime):
                local = value.astimezone(self.tz).replace(tzinfo=None) if value.tzinfo else value
                c = WriteOnlyCell(self.ws, value=local)
                c.number_format = DATETIME_FORMAT
                return c
        elif kind is Kind.DATE:
            if isinstance(value, datetime):
                value = value.date()
            if isinstance(value, date):
                c = WriteOnlyCell(self.ws, value=value)
                c.number_format = DATE_FORMAT
                return c
        elif kind is Kind.STAMP:
            if isinstance(value, datetime):
                return value.astimezone(self.tz).isoformat(timespec="seconds")
        elif kind in (Kind.BOOL, Kind.DELETED):
            return "是" if value else "否"
        elif kind in (Kind.INT, Kind.REVISION):
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        if col.key == "phone" and self.mask_phones:
            value = mask_phone(str(value))
        return self.text(value)

    def text(self, value: Any) -> Any:
        return safe_text(self.ws, value)

    def append(self, record: Mapping[str, Any], extra: Iterable[Any] = ()) -> None:
        row = [self._cell(col, record.get(col.key)) for col in self.cols]
        row.extend(self.text(v) if isinstance(v, str) else v for v in extra)
        self.ws.append(row)
        self.rows += 1

    def append_raw(self, values: Iterable[Any]) -> None:
        """A row of raw cell values (the rejects file): text kept text, dates kept dates."""
        out = []
        for v in values:
            if isinstance(v, str):
                out.append(self.text(v))
            elif isinstance(v, datetime):
                c = WriteOnlyCell(self.ws, value=v.replace(tzinfo=None))
                c.number_format = DATETIME_FORMAT
                out.append(c)
            else:
                out.append(v)
        self.ws.append(out)
        self.rows += 1

    def finish(self) -> None:
        if self.expected_rows is not None and self.rows != self.expected_rows:
            raise RuntimeError(f"{self.ws.title}: wrote {self.rows} rows, "
                               f"announced {self.expected_rows}")
        last = get_column_letter(max(self.ncols, 1))
        self.ws.auto_filter.ref = f"A1:{last}{self.rows + 1}"


@dataclass(frozen=True)
class ExportCounts:
    cases: int
    entries: int
    sanctions: int

    def as_dict(self) -> dict[str, int]:
        return {C.SHEET_CASES: self.cases, C.SHEET_ENTRIES: self.entries,
                C.SHEET_SANCTIONS: self.sanctions}


def write_ledger(path: Path, meta: LedgerMeta, tz: tzinfo, *,
                 cases: Iterable[Mapping[str, Any]],
                 entries: Iterable[Mapping[str, Any]],
                 sanctions: Iterable[Mapping[str, Any]],
                 mask_phones: bool = False,
                 expected: Mapping[str, int] | None = None) -> ExportCounts:
    """Write the four sheets to ``path`` (via a temp file, renamed when complete).
    ``expected`` (rows per sheet, if known exactly) goes into each sheet's dimension."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    wb = Workbook(write_only=True)
    info = wb.create_sheet(C.SHEET_INFO)  # first sheet; filled last, when counts are known
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 34
    sheets = []
    for title, cols, records in ((C.SHEET_CASES, C.CASE_COLUMNS, cases),
                                 (C.SHEET_ENTRIES, C.ENTRY_COLUMNS, entries),
                                 (C.SHEET_SANCTIONS, C.SANCTION_COLUMNS, sanctions)):
        w = _SheetWriter(wb, title, cols, tz, mask_phones,
                         expected_rows=(expected or {}).get(title))
        for rec in records:
            w.append(rec)
        w.finish()
        sheets.append(w)
    counts = ExportCounts(*(w.rows for w in sheets))
    write_info(info, meta, counts.as_dict())
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return counts


def info_pairs(meta: LedgerMeta, counts: Mapping[str, int]) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = [
        (C.INFO_FORMAT, C.FORMAT_NAME),
        (C.INFO_VERSION, str(C.FORMAT_VERSION)),
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


def write_info(ws, meta: LedgerMeta, counts: Mapping[str, int]) -> None:
    bold = Font(bold=True)
    head = []
    for text in ("项目", "内容"):
        c = WriteOnlyCell(ws, value=text)
        c.font = bold
        head.append(c)
    ws.append(head)
    for k, v in info_pairs(meta, counts):
        ws.append([k, v if isinstance(v, int) else safe_text(ws, v)])
