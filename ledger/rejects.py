"""The rejected rows of an import: kept on disk as they come (RejectedRows), and written
back out as a ledger with a reason column, so a person can fix them in Excel and import
the file again.

A file of a million bad rows must not take the machine's memory. The rows
go to a temporary file as they are rejected, only their count and a few bytes of
bookkeeping stay in memory; the console and the GUI list the first ones, the rejects
file gets them all, written as a stream (ledger.xlsx_stream).
"""

from __future__ import annotations

import heapq
import os
import pickle
import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl.utils import get_column_letter

from ledger import columns as C
from ledger.export import _text_cell
from ledger.xlsx_stream import (
    S_DATE,
    S_DATETIME,
    S_HEADER,
    StreamBook,
    date_serial,
    datetime_serial,
    number_cell,
)

if TYPE_CHECKING:
    from ledger.results import FileResult, RejectedRow
    from ledger.validate import RowProblem

# Not "原因": 奖惩记录 already has a 原因 column (the sanction's reason).
REASON_HEADER = "拒绝原因"
MAX_COLUMNS = 16_384
SHOWN = 50  # rejected rows a person is shown (console, GUI); the rest are counted


class _Pile:
    """Rows in increasing (sheet, row) order, pickled one after another to a temp file."""

    def __init__(self) -> None:
        # open as long as its RejectedRows holds it: closed by RejectedRows.clear
        self.file = tempfile.TemporaryFile(prefix="complaintdesk-rejects-")  # noqa: SIM115
        self.last: tuple[int, int] = (-1, -1)

    def write(self, key: tuple[int, int], data: bytes) -> None:
        self.file.seek(0, os.SEEK_END)  # a reader may have moved the position
        self.file.write(data)
        self.last = key

    def read(self) -> Iterator[tuple[tuple[int, int], RejectedRow]]:
        """The pile from its start; other readers (and writes) may interleave."""
        f = self.file
        pos = 0
        while True:
            f.seek(pos)
            try:
                item = pickle.load(f)
            except EOFError:
                return
            pos = f.tell()
            yield item


class RejectedRows:
    """A file's rejected rows, iterated in (sheet, row) order whatever order they were
    added in, without holding them in memory.

    Rows come nearly in order (rejected while parsing, or when their batch is merged a
    little later): each goes to the first pile whose last row is not after it, a new pile
    when there is none (two in practice), and iterating merges the piles."""

    def __init__(self) -> None:
        self._piles: list[_Pile] = []
        self._sheets: dict[str, int] = {}
        self._count = 0

    def append(self, rej: RejectedRow) -> None:
        seq = self._sheets.setdefault(rej.sheet, len(self._sheets))
        key = (seq, rej.row)
        raw = rej.raw
        end = len(raw)
        while end and raw[end - 1] is None:  # a stray cell far right pads the row
            end -= 1
        if end != len(raw):
            rej = type(rej)(rej.sheet, rej.row, tuple(raw[:end]), rej.problems)
        pile = next((p for p in self._piles if p.last <= key), None)
        if pile is None:
            pile = _Pile()
            self._piles.append(pile)
        pile.write(key, pickle.dumps((key, rej), protocol=pickle.HIGHEST_PROTOCOL))
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def __iter__(self) -> Iterator[RejectedRow]:
        if not self._piles:
            return iter(())
        if len(self._piles) == 1:
            return (rej for _, rej in self._piles[0].read())
        return (
            rej
            for _, rej in heapq.merge(*(p.read() for p in self._piles), key=lambda item: item[0])
        )

    def head(self, n: int = SHOWN) -> list[RejectedRow]:
        """The first ``n`` rows (what a person is shown)."""
        return list(islice(iter(self), n))

    def problems(self, limit: int | None = None) -> list[RowProblem]:
        """The problems of the first ``limit`` rows (all of them without a limit)."""
        rows = iter(self) if limit is None else islice(iter(self), limit)
        return [p for r in rows for p in r.problems]

    def clear(self) -> None:
        for p in self._piles:
            p.file.close()
        self._piles.clear()
        self._sheets.clear()
        self._count = 0

    def __getstate__(self) -> dict[str, Any]:  # a copy holds the rows themselves
        return {"rows": list(self)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        RejectedRows.__init__(self)
        for r in state["rows"]:
            self.append(r)


def _cell(ref: str, v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return _text_cell(ref, "是" if v else "否")
    if isinstance(v, (int, float)):
        return number_cell(ref, v)
    if isinstance(v, datetime):
        try:
            return number_cell(ref, datetime_serial(v.replace(tzinfo=None)), S_DATETIME)
        except (OverflowError, ValueError):
            return _text_cell(ref, v.isoformat())
    if isinstance(v, date):
        return number_cell(ref, date_serial(v), S_DATE)
    return _text_cell(ref, str(v))  # text (a formula's text stays text), BadText's escape


def write_rejects(result: FileResult, dest: Path) -> Path:
    """Write ``result``'s rejected rows to ``dest``: the file's 说明, then each sheet's
    original header row plus 拒绝原因, with the rows as they were read. Streamed: rows
    go from the rejects' temporary file straight into the zip."""
    dest = Path(dest)
    tmp = dest.with_name(dest.name + ".part")
    book = StreamBook(tmp)
    try:
        info = book.add_sheet(C.SHEET_INFO, [16, 34], ["项目", "内容"])
        for k, v in result.info.items():
            if str(k).endswith("行数"):
                continue  # the counts no longer hold for this file
            if k == "项目":
                continue  # the file's own header row, written above as this sheet's
            n = str(info.next_row())
            info.append_cells(_text_cell("A" + n, str(k)) + _cell("B" + n, v))
        n = str(info.next_row())
        info.append_cells(
            _text_cell("A" + n, C.INFO_SCOPE + "备注")
            + _text_cell("B" + n, f"{result.path.name} 中被拒绝的行")
        )
        info.close()
        rows = iter(result.rejected)
        pending = next(rows, None)
        for sheet in C.DATA_SHEETS:
            if sheet not in result.headers:
                continue
            headers = list(result.headers[sheet])
            reason_at = headers.index(REASON_HEADER) if REASON_HEADER in headers else len(headers)
            if reason_at == len(headers):
                headers.append(REASON_HEADER)
            widths = [16.0] * len(headers)
            widths[reason_at] = 50.0
            ws = book.add_sheet(
                sheet, widths, [h or "" for h in headers], header_style=S_HEADER, freeze="A2"
            )
            appended = reason_at == len(result.headers[sheet])
            # A fixed row is no longer the version its 版本指纹 names: left empty, the row
            # names its own content (as a hand-made row does), and imports as such.
            blank = [i for i, h in enumerate(headers) if h == C.FINGERPRINT_HEADER]
            while pending is not None and pending.sheet == sheet:
                raw = list(pending.raw)
                raw += [None] * (reason_at + (0 if appended else 1) - len(raw))
                reason = f"第 {pending.row} 行:{pending.reason}"
                if appended:  # cells under no header (ignored on import) stay, after it
                    values = [*raw[:reason_at], reason, *raw[reason_at:]][:MAX_COLUMNS]
                else:
                    values = raw
                    values[reason_at] = reason
                for i in blank:
                    values[i] = None
                n = str(ws.next_row())
                ws.append_cells(
                    "".join(
                        _cell(
                            (ws.letters[i] if i < len(ws.letters) else get_column_letter(i + 1))
                            + n,
                            v,
                        )
                        for i, v in enumerate(values)
                        if v is not None
                    )
                )
                pending = next(rows, None)
            ws.close(autofilter=True)
        book.close()
        os.replace(tmp, dest)
    finally:
        book.abort()
        if tmp.exists():
            tmp.unlink()
    return dest
