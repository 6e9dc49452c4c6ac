"""Reading a worksheet's rows as a stream, fast, with the values openpyxl gives.

A ledger too big for python-calamine's whole-sheet grid is read as a stream. openpyxl's
read-only mode streams, but spends ~25 µs a cell (an element tree per row, a Text object
per inline string). Here expat (the C parser in the standard library)
calls back per element and the row is built from the few elements a ledger's cells use:
<row>, <c>, <v>, <is>/<t> (rich-text runs joined, phonetic runs left out), <f> is never
evaluated (files with formulas are read by openpyxl). The workbook's structure - sheet
names and parts, shared strings, which styles are dates, the 1900/1904 epoch - comes from
openpyxl's read-only workbook, so a value means here what it means there (a test compares
every row of the test ledgers with openpyxl's and calamine's).

Safety: the part has been checked before (ledger.zip_check.check_zip): no DTD, so no entity
can be declared or expanded; every reference is inside A1:XFD1048576; the rows come in
increasing order of their numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from xml.parsers import expat

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.datetime import from_excel, from_ISO8601

_NS = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_SEP = "\x01"
ROW, CELL, VALUE, INLINE, TEXT, PHONETIC, FORMULA = range(7)
_TAGS = {
    f"{ns}{_SEP}{local}": code
    for ns in _NS
    for local, code in (
        ("row", ROW),
        ("c", CELL),
        ("v", VALUE),
        ("is", INLINE),
        ("t", TEXT),
        ("rPh", PHONETIC),
        ("f", FORMULA),
    )
}
_REF_RE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]+)")
_CHUNK = 1 << 20


_COLUMNS: dict[str, int] = {}  # column letters → number, as met


def _column(ref: str) -> int:
    n = _COLUMNS.get(ref.rstrip("0123456789"))
    if n is not None:
        return n
    m = _REF_RE.fullmatch(ref)
    if m is None:
        raise ValueError(f"cell reference {ref!r}")
    n = 0
    for ch in m.group(1).upper():
        n = n * 26 + ord(ch) - 64
    if len(_COLUMNS) < 20_000:
        _COLUMNS[ref.rstrip("0123456789")] = n
    return n


def _number(text: str) -> int | float:
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


class _RowBuilder:
    """expat's callbacks for one sheet: finished rows are appended to ``rows`` as
    (row number, {column: value})."""

    def __init__(self, strings: list, dates: set, durations: set, epoch):
        self.strings, self.dates, self.durations, self.epoch = strings, dates, durations, epoch
        self.rows: list[tuple[int, dict[int, Any]]] = []
        self.row_no = 0
        self.cells: dict[int, Any] = {}
        self.col = 0
        self.kind = "n"
        self.style = 0
        self.text: list[str] = []
        self.inline: list[str] = []
        self.value: str | None = None
        self.collect = False  # inside <v>, or a <t> of <is> outside a phonetic run
        self.in_inline = False
        self.phonetic = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        code = _TAGS.get(name)
        if code is None:
            return
        if code == CELL:
            ref = attrs.get("r")
            self.col = _column(ref) if ref else self.col + 1
            self.kind = attrs.get("t", "n")
            s = attrs.get("s")
            self.style = int(s) if s else 0
            self.value = None
            self.inline = []
        elif code == VALUE:
            self.text = []
            self.collect = True
        elif code == TEXT:
            if self.in_inline and not self.phonetic:
                self.text = []
                self.collect = True
        elif code == INLINE:
            self.in_inline = True
        elif code == PHONETIC:
            self.phonetic += 1
        elif code == ROW:
            r = attrs.get("r")
            self.row_no = int(r) if r else self.row_no + 1
            self.cells = {}
            self.col = 0

    def end(self, name: str) -> None:
        code = _TAGS.get(name)
        if code is None:
            return
        if code == VALUE:
            self.value = "".join(self.text)
            self.collect = False
        elif code == TEXT:
            if self.collect:
                self.inline.append("".join(self.text))
                self.collect = False
        elif code == INLINE:
            self.in_inline = False
        elif code == PHONETIC:
            self.phonetic -= 1
        elif code == CELL:
            self.cells[self.col] = self._cell_value()
        elif code == ROW:
            self.rows.append((self.row_no, self.cells))

    def chars(self, data: str) -> None:
        if self.collect:
            self.text.append(data)

    def _cell_value(self) -> Any:
        kind, value = self.kind, self.value
        if kind == "inlineStr":
            return "".join(self.inline) if self.inline or value is None else value
        if not value:
            return None
        if kind == "n":
            number = _number(value)
            if self.style in self.dates:
                try:
                    return from_excel(number, self.epoch, timedelta=self.style in self.durations)
                except (OverflowError, ValueError):
                    return "#VALUE!"  # as openpyxl: a date style on a serial no date has
            return number
        if kind == "s":
            return self.strings[int(value)]
        if kind == "b":
            return bool(int(value))
        if kind == "d":
            return from_ISO8601(value)
        return value  # "str" (a formula's text result), "e" (an error such as #N/A)


class StreamSheet:
    """The part of openpyxl's read-only worksheet the ledger reader uses."""

    decode_escapes = True  # _xHHHH_ escapes are left as written, as openpyxl leaves them

    def __init__(self, book: StreamWorkbook, name: str):
        self._book = book
        self._name = name

    def reset_dimensions(self) -> None:  # nothing is sized from <dimension>
        pass

    def iter_rows(
        self, min_row: int = 1, max_row: int | None = None, values_only: bool = True
    ) -> Iterator[tuple]:
        """Rows from ``min_row`` (gaps as empty rows, so rows can be counted), each
        from column A to its last cell."""
        expected = min_row
        for n, cells in self._book.rows_of(self._name):
            if max_row is not None and n > max_row:
                return
            if n < expected:  # before min_row (or out of order: the pre-pass refuses it)
                continue
            while expected < n:
                yield ()
                expected += 1
            width = max(cells) if cells else 0
            yield tuple(cells.get(i) for i in range(1, width + 1))
            expected = n + 1


class StreamWorkbook:
    """A ledger workbook whose sheets are read as streams (see the module doc)."""

    decode_escapes = True

    def __init__(self, path):
        # openpyxl's reader in its steps, without read_worksheets: its read-only sheets
        # look for <dimension> on creation, and without one parse the whole sheet for it.
        reader = ExcelReader(path, read_only=True, data_only=True, keep_links=False)
        self._archive = reader.archive
        try:
            reader.read_manifest()
            reader.read_strings()
            reader.read_workbook()
            apply_stylesheet(reader.archive, reader.wb)
            self._parts = {
                sheet.name: rel.target
                for sheet, rel in reader.parser.find_sheets()
                if rel.target in reader.valid_files and "chartsheet" not in rel.Type
            }
        except BaseException:
            self._archive.close()
            raise
        self.sheetnames = list(self._parts)
        self._strings = reader.shared_strings
        self._dates = set(reader.wb._date_formats)
        self._durations = set(reader.wb._timedelta_formats)
        self._epoch = reader.wb.epoch

    def __getitem__(self, name: str) -> StreamSheet:
        if name not in self._parts:
            raise KeyError(name)
        return StreamSheet(self, name)

    def rows_of(self, name: str) -> Iterator[tuple[int, dict[int, Any]]]:
        builder = _RowBuilder(self._strings, self._dates, self._durations, self._epoch)
        parser = expat.ParserCreate(namespace_separator=_SEP)
        parser.buffer_text = True
        parser.buffer_size = 1 << 16
        parser.StartElementHandler = builder.start
        parser.EndElementHandler = builder.end
        parser.CharacterDataHandler = builder.chars
        rows = builder.rows
        with self._archive.open(self._parts[name]) as f:
            while chunk := f.read(_CHUNK):
                parser.Parse(chunk, False)
                if rows:
                    yield from rows
                    rows.clear()
            parser.Parse(b"", True)
        yield from rows
        rows.clear()

    def close(self) -> None:
        self._archive.close()
