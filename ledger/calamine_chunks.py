"""python-calamine a slice of rows at a time: a big ledger read at calamine's speed in
bounded memory.

calamine loads a whole sheet into one dense grid (ledger.calamine_book), ~1.3 GB for the
tracking entries of 100,000 cases. Here each worksheet part is decompressed as a stream and
cut at its <row> tags into slices of at most ROWS_PER_SLICE rows (fewer for a wide sheet:
a slice's grid stays under SLICE_GRID_BYTES) whose row numbers lie close together (a gap
of more than MAX_GAP rows starts a new slice, so a slice's grid is never mostly empty).
Each slice becomes a small workbook in memory (the file's own workbook, relationships,
styles and shared strings, and the sheet's own start tag, so a value means what it means
in the whole file) that calamine loads on a helper thread while the rows of the slice
before are merged: calamine releases the interpreter lock while it loads.

Only a file whose rows can be cut apart this way is read like this (ledger.zip_check
ZipScan.chunks_ok: every row and cell tag carries its reference, no comment, CDATA or
processing instruction, sheets at most CHUNK_MAX_WIDTH columns wide, small shared
strings); the cut finds each row by the ``<row r="N"`` its tag starts with, which text
cannot contain (a '<' in text is escaped). Rows come out in row order, gaps as empty rows,
as from the other readers; a row that comes after one numbered as high or higher is
dropped, as openpyxl and ledger.sheet_stream drop it (an import never meets one: the
pre-pass refuses such a sheet, ledger.cell_places.CellScan.check_order).
"""

from __future__ import annotations

import contextlib
import io
import queue
import re
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import python_calamine
from openpyxl.reader.excel import ExcelReader

from ledger.check_ahead import Gate
from ledger.refusal import LedgerRefused, is_read_error

ROWS_PER_SLICE = 2_000
SLICE_GRID_BYTES = 16 * 1024**2  # calamine's grid: 32 bytes a place (rows × columns)
MAX_GAP = 64
SLICES_AHEAD = 1  # a loaded slice waiting for the merge (memory: a slice's grid and text)
_READ = 4 << 20

_ROW_RE = re.compile(rb'<row r="([0-9]+)"')
_SHEET_DATA_RE = re.compile(rb"<sheetData\s*(/?)>")
_DIMENSION_RE = re.compile(rb"<dimension\b[^>]*/>")
_END = b"</sheetData></worksheet>"


class _Done:
    """The end of a sheet's slices (or the exception that ended them)."""

    def __init__(self, error: BaseException | None = None):
        self.error = error


class _Slicer:
    """One pass over one sheet: a helper thread cuts and loads its slices; the caller
    takes (first row number, loaded calamine sheet) pairs in order."""

    def __init__(self, book: ChunkedBook, part: str, name: str, max_row: int | None):
        self._book = book
        self._part = part
        self._name = name
        self._max_row = max_row
        self._queue: queue.Queue[tuple[int, Any] | _Done] = queue.Queue(SLICES_AHEAD)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ledger-slice-loader", daemon=True)
        self._thread.start()

    def slices(self) -> Iterator[tuple[int, Any]]:
        while True:
            item = self._queue.get()
            if isinstance(item, _Done):
                if item.error is not None:
                    raise item.error
                return
            yield item

    def stop(self) -> None:
        self._stop.set()
        while self._thread.is_alive():  # free the helper if it waits to hand a slice over
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=0.05)
        self._thread.join()

    def _put(self, item: tuple[int, Any] | _Done) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def _run(self) -> None:
        gate = self._book.gate
        try:
            for first, xml, end in self._cut():
                if self._stop.is_set():
                    return
                if gate is not None:  # nothing parses what the check has not passed
                    gate.wait_sheet(self._part, end)
                loaded = self._book.load_slice(self._part, self._name, xml)
                if not self._put((first, loaded)):
                    return
            self._put(_Done())
        except BaseException as e:  # handed to the reader, which refuses the file
            if gate is not None and is_read_error(e) and not isinstance(e, LedgerRefused):
                try:  # a broken part: in the check's words if it finds it
                    gate.confirm()
                except LedgerRefused as checked:
                    e = checked
            self._put(_Done(e))

    def _cut(self) -> Iterator[tuple[int, bytes, int]]:
        """(first row number, the worksheet XML of a slice, where the slice ends in the
        part's text) for each slice, in order. (The part's CRC is checked by
        ledger.zip_check: before anything read it, or, checked ahead, before the import
        keeps anything read.)"""
        with zipfile.ZipFile(self._book.path) as z, z.open(self._part) as f:
            buf = b""
            start = None
            while start is None:
                chunk = f.read(_READ)
                if not chunk:
                    return  # no sheetData: no rows
                buf += chunk
                start = _SHEET_DATA_RE.search(buf)
            if start.group(1):  # <sheetData/>
                return
            head = _DIMENSION_RE.sub(b"", buf[: start.start()]) + b"<sheetData>"
            buf = buf[start.end() :]
            at = start.end()  # where buf begins in the part's text
            final = False
            while not final:
                stop = buf.find(b"</sheetData>")
                if stop < 0:
                    chunk = f.read(_READ)
                    if chunk:
                        buf += chunk
                        stop = buf.find(b"</sheetData>")
                final = stop >= 0 or not chunk
                body = buf[:stop] if stop >= 0 else buf
                rows = [(m.start(), int(m.group(1))) for m in _ROW_RE.finditer(body)]
                # unless the sheet's rows end here, the last row may be cut off by the
                # read: it waits for the next read
                usable = rows if final else rows[:-1]
                tail = len(body) if final else (rows[-1][0] if rows else 0)
                limit = self._book.rows_per_slice(self._part)
                begin = 0
                for i in range(1, len(usable) + 1):
                    last = usable[i - 1][1]
                    done = self._max_row is not None and last >= self._max_row
                    if i < len(usable) and not done:
                        gap = usable[i][1] - last
                        if i - begin < limit and 0 < gap <= MAX_GAP:
                            continue
                    end = usable[i][0] if i < len(usable) else tail
                    yield usable[begin][1], head + body[usable[begin][0] : end] + _END, at + end
                    if done:
                        return
                    begin = i
                if usable:
                    buf = buf[tail:]
                    at += tail


class ChunkedSheet:
    """The part of openpyxl's read-only worksheet the reader uses (as CalamineSheet)."""

    decode_escapes = False

    def __init__(self, book: ChunkedBook, name: str):
        self._book = book
        self._name = name

    def reset_dimensions(self) -> None:  # nothing is sized from <dimension>
        pass

    def iter_rows(
        self, min_row: int = 1, max_row: int | None = None, values_only: bool = True
    ) -> Iterator[tuple]:
        """Rows from ``min_row`` (gaps as empty rows, so rows can be counted), each from
        column A; empty cells as None."""
        slicer = _Slicer(self._book, self._book.part(self._name), self._name, max_row)
        self._book.active.add(slicer)
        expected = min_row
        try:
            for _first, sheet in slicer.slices():
                if sheet.start is None:
                    continue
                row0, col0 = sheet.start
                pad = (None,) * col0
                for n, row in enumerate(sheet.to_python(skip_empty_area=True), start=row0 + 1):
                    if max_row is not None and n > max_row:
                        return
                    if n < expected:  # before min_row (or out of order: the pre-pass refuses it)
                        continue
                    while expected < n:
                        yield ()
                        expected += 1
                    cells = tuple([None if v == "" else v for v in row])
                    yield pad + cells if col0 else cells
                    expected = n + 1
        finally:
            slicer.stop()
            self._book.active.discard(slicer)


class ChunkedBook:
    """A ledger workbook read by calamine a slice of rows at a time (see the module doc)."""

    decode_escapes = False

    def __init__(self, path: Path, width: int, gate: Gate | None = None):
        """``width``: the widest sheet's columns, or with ``gate`` (the file's check,
        running beside: ledger.check_ahead) each sheet's columns as far as it is checked."""
        self.path = Path(path)
        self.width = max(1, width)
        self.gate = gate
        self.active: set[_Slicer] = set()
        if gate is not None:
            gate.wait_commons()
        # the sheets' names and parts as openpyxl finds them (the other readers agree)
        reader = ExcelReader(path, read_only=True, data_only=True, keep_links=False)
        try:
            reader.read_manifest()
            reader.read_workbook()
            self._parts = {
                sheet.name: rel.target
                for sheet, rel in reader.parser.find_sheets()
                if rel.target in reader.valid_files and "chartsheet" not in rel.Type
            }
        finally:
            reader.archive.close()
        self.sheetnames = list(self._parts)
        # every part but the worksheets goes into each slice's workbook, once read
        sheets = set(self._parts.values())
        with zipfile.ZipFile(self.path) as z:
            self._common = {
                i.filename: z.read(i)
                for i in z.infolist()
                if i.filename not in sheets and not i.filename.lower().startswith("xl/worksheets/")
            }

    def rows_per_slice(self, part: str) -> int:
        """Rows a slice may hold: its grid stays under SLICE_GRID_BYTES."""
        width = self.gate.width(part) if self.gate is not None else self.width
        return max(1, min(ROWS_PER_SLICE, SLICE_GRID_BYTES // (32 * width)))

    def confirm(self) -> None:
        """Raise the check's refusal (or ReadAgain) if it has one: call before keeping
        anything read (nothing to wait for when the file was checked before reading)."""
        if self.gate is not None:
            self.gate.confirm()

    def part(self, name: str) -> str:
        return self._parts[name]

    def load_slice(self, part: str, name: str, xml: bytes) -> Any:
        """The calamine sheet of one slice (called on the helper thread)."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
            for n, data in self._common.items():
                z.writestr(n, data)
            z.writestr(part, xml)
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(out.getbuffer()))
        try:
            return book.get_sheet_by_name(name)
        finally:
            book.close()

    def __getitem__(self, name: str) -> ChunkedSheet:
        if name not in self._parts:
            raise KeyError(name)
        return ChunkedSheet(self, name)

    def close(self) -> None:
        if self.gate is not None:  # first: a slicer waiting on the check is let go
            self.gate.close()
        for slicer in list(self.active):
            slicer.stop()
        self.active.clear()
