"""A small streaming .xlsx writer for the ledger export: sheet XML written as text straight
into the zip, row by row, so memory stays flat and no cell object is ever built.

openpyxl's write_only mode spends ~15 µs per cell (a cell object, style lookups, lxml);
the ledger needs only a few cell kinds - inline text, numbers, dates with a number format,
text with Excel's quote prefix, a styled header - so they are written here directly.
Strings are inline (t="inlineStr"): no shared-string table to hold in memory; deflate
takes care of repeated words. Nothing here ever writes a formula (<f>).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO

from openpyxl.utils import get_column_letter

# Cell styles (index into cellXfs of styles.xml below).
S_DATETIME = 1
S_DATE = 2
S_QUOTED = 3  # text with Excel's quote prefix: stays text when a person edits the cell
S_HEADER = 4  # bold on a light blue fill
S_BOLD = 5
S_WRAP = 6  # long text wrapped in its column, top-aligned (the ledger prints)
S_WRAP_QUOTED = 7

_ILLEGAL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # as openpyxl's
_EXCEL_EPOCH = datetime(1899, 12, 30)
_EPOCH_ORDINAL = _EXCEL_EPOCH.toordinal()
_WS = (" ", "\t", "\n", "\r")


def escape(s: str) -> str:
    """Element text: & < > escaped, CR as a character reference (an XML parser would turn a
    raw CR into LF), illegal control characters dropped."""
    cr = False
    if not s.isprintable():
        s = _ILLEGAL_RE.sub("", s)
        cr = "\r" in s
    if "&" in s:
        s = s.replace("&", "&amp;")
    if "<" in s:
        s = s.replace("<", "&lt;")
    if ">" in s:
        s = s.replace(">", "&gt;")
    if cr:
        s = s.replace("\r", "&#13;")
    return s


def text_cell(ref: str, s: str, style: int = 0) -> str:
    """An inline-string cell; ``s`` is already cleaned (no illegal characters)."""
    st = f' s="{style}"' if style else ""
    body = escape(s)
    if s[:1] in _WS or s[-1:] in _WS:
        return f'<c r="{ref}"{st} t="inlineStr"><is><t xml:space="preserve">{body}</t></is></c>'
    return f'<c r="{ref}"{st} t="inlineStr"><is><t>{body}</t></is></c>'


def number_cell(ref: str, n: int | float, style: int = 0) -> str:
    st = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{st}><v>{n!r}</v></c>'


def datetime_serial(dt: datetime) -> float | int:
    """Excel's serial day number of a naive local time (1900 date system)."""
    days = date_serial(dt)
    secs = dt.hour * 3600 + dt.minute * 60 + dt.second + dt.microsecond / 1e6
    return days + secs / 86400 if secs else days


def date_serial(d: date) -> int:
    days = d.toordinal() - _EPOCH_ORDINAL
    if 0 < days <= 60:  # Excel's phantom 1900-02-29, as openpyxl counts it
        days -= 1
    return days


_NS = (
    'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _attr(s: str) -> str:
    return escape(s).replace('"', "&quot;")


@dataclass
class _SheetInfo:
    title: str
    part: str
    ncols: int
    rows: int = 0  # data rows (header not counted)
    autofilter: bool = False
    print_titles: bool = False


class StreamSheet:
    """One worksheet being written. Rows are text made by the caller with the *_cell
    helpers; ``refs[i]`` is the column letter of column i (refs are ``letter + row``)."""

    def __init__(
        self,
        book: StreamBook,
        info: _SheetInfo,
        widths: Sequence[float],
        header: Sequence[str],
        header_style: int,
        *,
        freeze: str | None,
        expected_rows: int | None,
        landscape: bool,
    ):
        self.book = book
        self.info = info
        self.letters = [get_column_letter(i + 1) for i in range(info.ncols)]
        self.expected_rows = expected_rows
        self._landscape = landscape
        self._buf: list[str] = []
        self._f = book.zip.open(info.part, "w", force_zip64=True)
        parts = [_HEAD, f"<worksheet {_NS}>"]
        if landscape:  # printed: fit to one page wide (sheetPr comes first in a worksheet)
            parts.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
        if expected_rows is not None:
            parts.append(f'<dimension ref="A1:{self.letters[-1]}{expected_rows + 1}"/>')
        parts.append('<sheetViews><sheetView workbookViewId="0"')
        if freeze:
            col, row = _split_ref(freeze)
            panes = []
            if col > 1:
                panes.append(f'xSplit="{col - 1}"')
            if row > 1:
                panes.append(f'ySplit="{row - 1}"')
            active = (
                "bottomRight" if col > 1 and row > 1 else "bottomLeft" if row > 1 else "topRight"
            )
            parts.append(
                f'><pane {" ".join(panes)} topLeftCell="{freeze}" '
                f'activePane="{active}" state="frozen"/>'
                f'<selection pane="{active}" activeCell="{freeze}" sqref="{freeze}"/>'
                "</sheetView></sheetViews>"
            )
        else:
            parts.append("/></sheetViews>")
        parts.append('<sheetFormatPr defaultRowHeight="15"/><cols>')
        for i, w in enumerate(widths, start=1):
            parts.append(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>')
        parts.append("</cols><sheetData>")
        cells = "".join(
            text_cell(f"{self.letters[i]}1", h, header_style) for i, h in enumerate(header)
        )
        parts.append(f'<row r="1">{cells}</row>')
        self._f.write("".join(parts).encode("utf-8"))

    @property
    def rows(self) -> int:
        return self.info.rows

    def next_row(self) -> int:
        """The sheet row number the next append() gets (row 1 is the header)."""
        return self.info.rows + 2

    def append_cells(self, cells: str) -> None:
        """Append a row whose cells (text from the *_cell helpers, refs made with
        next_row()) are joined already."""
        self.info.rows += 1
        self._buf.append(f'<row r="{self.info.rows + 1}">{cells}</row>')
        if len(self._buf) >= 500:
            self._f.write("".join(self._buf).encode("utf-8"))
            self._buf.clear()

    def close(self, *, autofilter: bool = False, print_titles: bool = False) -> None:
        if self._buf:
            self._f.write("".join(self._buf).encode("utf-8"))
            self._buf.clear()
        tail = ["</sheetData>"]
        last = f"{self.letters[-1]}{self.info.rows + 1}"
        if autofilter:
            tail.append(f'<autoFilter ref="A1:{last}"/>')
        tail.append(
            '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
        )
        if self._landscape:  # A4 landscape, one page wide, as many pages down as it takes
            tail.append(
                '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
            )
        tail.append("</worksheet>")
        self._f.write("".join(tail).encode("utf-8"))
        self._f.close()
        self.info.autofilter = autofilter
        self.info.print_titles = print_titles


def _split_ref(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    if not m:
        raise ValueError(ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return col, int(m.group(2))


class StreamBook:
    """The workbook: sheets in the order they are added; close() writes the rest."""

    def __init__(self, path: Path, compresslevel: int = 6):
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        self.sheets: list[_SheetInfo] = []
        self._open: IO[bytes] | None = None  # the sheet part being written

    def reserve_sheet(self, title: str, ncols: int) -> _SheetInfo:
        """A place in the sheet order for a sheet written later (open_sheet)."""
        info = _SheetInfo(title, f"xl/worksheets/sheet{len(self.sheets) + 1}.xml", ncols)
        self.sheets.append(info)
        return info

    def add_sheet(
        self,
        title: str,
        widths: Sequence[float],
        header: Sequence[str],
        *,
        header_style: int = S_HEADER,
        freeze: str | None = None,
        expected_rows: int | None = None,
        landscape: bool = False,
    ) -> StreamSheet:
        return self.open_sheet(
            self.reserve_sheet(title, len(header)),
            widths,
            header,
            header_style=header_style,
            freeze=freeze,
            expected_rows=expected_rows,
            landscape=landscape,
        )

    def open_sheet(
        self,
        info: _SheetInfo,
        widths: Sequence[float],
        header: Sequence[str],
        *,
        header_style: int = S_HEADER,
        freeze: str | None = None,
        expected_rows: int | None = None,
        landscape: bool = False,
    ) -> StreamSheet:
        """Start writing a reserved sheet (one sheet at a time: close it before the next)."""
        sheet = StreamSheet(
            self,
            info,
            widths,
            header,
            header_style,
            freeze=freeze,
            expected_rows=expected_rows,
            landscape=landscape,
        )
        self._open = sheet._f
        return sheet

    def close(self) -> None:
        z = self.zip
        n = len(self.sheets)
        ct = [
            _HEAD,
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/app.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>',
        ]
        for s in self.sheets:
            ct.append(
                f'<Override PartName="/{s.part}" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            )
        ct.append("</Types>")
        z.writestr("[Content_Types].xml", "".join(ct))
        rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        z.writestr(
            "_rels/.rels",
            (
                _HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                'relationships">'
                f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
                '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
                'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
                f'<Relationship Id="rId3" Type="{rel}/extended-properties" '
                'Target="docProps/app.xml"/></Relationships>'
            ),
        )
        z.writestr(
            "docProps/app.xml",
            (
                _HEAD + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                'extended-properties"><Application>Microsoft Excel</Application></Properties>'
            ),
        )
        z.writestr(
            "docProps/core.xml",
            (
                _HEAD + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/'
                '2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
                "<dc:creator>ComplaintDesk</dc:creator></cp:coreProperties>"
            ),
        )
        wrels = [
            _HEAD,
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">',
        ]
        for i, s in enumerate(self.sheets, start=1):
            wrels.append(f'<Relationship Id="rId{i}" Type="{rel}/worksheet" Target="/{s.part}"/>')
        wrels.append(
            f'<Relationship Id="rId{n + 1}" Type="{rel}/styles" '
            'Target="/xl/styles.xml"/></Relationships>'
        )
        z.writestr("xl/_rels/workbook.xml.rels", "".join(wrels))
        wb = [
            _HEAD,
            f'<workbook {_NS}><workbookPr/><bookViews><workbookView activeTab="0"/>'
            "</bookViews><sheets>",
        ]
        for i, s in enumerate(self.sheets, start=1):
            wb.append(f'<sheet name="{_attr(s.title)}" sheetId="{i}" r:id="rId{i}"/>')
        wb.append("</sheets>")
        names = []
        for i, s in enumerate(self.sheets):
            quoted = "'" + s.title.replace("'", "''") + "'"
            last = get_column_letter(max(s.ncols, 1))
            if s.autofilter:
                names.append(
                    f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" '
                    f'hidden="1">{_attr(quoted)}!$A$1:${last}${s.rows + 1}'
                    "</definedName>"
                )
            if s.print_titles:
                names.append(
                    f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
                    f"{_attr(quoted)}!$1:$1</definedName>"
                )
        if names:
            wb.append("<definedNames>" + "".join(names) + "</definedNames>")
        wb.append('<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')
        z.writestr("xl/workbook.xml", "".join(wb))
        z.writestr("xl/styles.xml", _STYLES)
        z.close()

    def abort(self) -> None:
        """Close whatever is open (after an error; harmless after close())."""
        try:
            if self._open is not None and not self._open.closed:
                self._open.close()
        finally:
            self.zip.close()


_STYLES = (
    _HEAD + '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b val="1"/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/>'
    '</fill><fill><patternFill patternType="solid"><fgColor rgb="00DDEBF7"/>'
    '<bgColor rgb="00DDEBF7"/></patternFill></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    "</cellStyleXfs>"
    '<cellXfs count="8">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" '
    'applyFill="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1" '
    'applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
