"""The zip check of a big ledger (ledger.zip_check) on the second core, beside its reading.

A big file's check is a whole decompression and scan of its sheet XML (a gigabyte for
100,000 cases). Instead of making the reading wait for it, the check runs in a process of
its own (the scan holds the interpreter lock, so a thread would gain nothing) while the
file is read a slice of rows at a time (ledger.calamine_chunks) and merged. The reading
never runs ahead of the check:

- no part is parsed before every part but the worksheets is checked (the check takes
  those first), and no slice of a worksheet before the check has passed its end;
- a refusal the check meets later stops the reading where it is and refuses the file: the
  import applies a file in a savepoint of its one transaction, and takes the check's last
  word (``Gate.confirm``) before it lets the savepoint go, so a refused file changes
  nothing and its message names the place and the problem, as the check alone would;
- what would have chosen another reader (a formula, rows that cannot be cut apart, a
  sheet too wide, the shared strings' counts) raises ReadAgain: the import rolls the
  file back and reads it again the careful way, the check first (ledger.reader).

Only a file with a lot of sheet XML is read like this (``wants_ahead``); a small one is
checked first, in this process, as before.
"""

from __future__ import annotations

import multiprocessing
import threading
import zipfile
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

from ledger import columns, zip_check
from ledger.cell_places import CellScan
from ledger.refusal import LedgerRefused, ReadAgain
from ledger.zip_check import (
    CHUNK_MAX_STRINGS_BYTES,
    CHUNK_MAX_WIDTH,
    ZipLimits,
    ZipScan,
    check_zip,
)

CHECK_AHEAD = True
# Sheet XML (uncompressed, as the zip's directory says) from which the check runs beside
# the reading: a process costs a fraction of a second to start.
AHEAD_MIN_SHEET_BYTES = 64 * 1024**2


def wants_ahead(path: Path, limits: ZipLimits) -> bool:
    """Whether ``path`` is big enough, by its zip directory alone, to be checked beside its
    reading, and plausibly readable in slices (small shared strings, few entries). A file
    the directory does not describe goes the careful way, which says what is wrong."""
    if not CHECK_AHEAD or not zip_check.CHUNKED_READING:
        return False
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError):
        return False
    if len(infos) > limits.max_entries:
        return False
    sheets = strings = 0
    for i in infos:
        name = i.filename.lower()
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            sheets += i.file_size
        elif name == "xl/sharedstrings.xml":
            strings += i.file_size
    return sheets >= AHEAD_MIN_SHEET_BYTES and strings <= CHUNK_MAX_STRINGS_BYTES


class _Again(Exception):
    """The file needs another reader: the check stops."""


class _Reporter:
    """The check's watch (ledger.zip_check.Watch), in the checking process: tells the
    reader how far each worksheet is checked, and stops where the slices cannot go on."""

    def __init__(self, conn: Connection):
        self._conn = conn

    def sheet_rank(self, title: str) -> int:
        # 说明 and each data sheet in the order they are read (an exported file holds
        # 说明 last: it is written once the rows are counted), then the others
        order = (columns.SHEET_INFO, *columns.DATA_SHEETS)
        return order.index(title) if title in order else len(order)

    def commons_checked(self, scan: ZipScan) -> None:
        # calamine reserves the declared count of shared strings for every slice
        if scan.formula or scan.strings_declared > scan.strings_found + 1024:
            raise _Again()
        self._conn.send(("commons",))

    def sheet_checked(self, part: str, upto: int, scan: ZipScan, cells: CellScan) -> None:
        if scan.formula or not cells.plain or cells.width > CHUNK_MAX_WIDTH:
            raise _Again()
        # A row or cell out of place is only noted as it passes (the sheet is refused at its
        # end, naming them all): a cell naming a far row would make calamine size a slice's
        # grid up to it, so the reading never goes past one; the careful way refuses the file.
        if cells.row_fault_count or cells.cell_fault_count:
            raise _Again()
        self._conn.send(("sheet", part, upto, cells.width))


def _check(path: str, limits: ZipLimits, conn: Connection) -> None:
    """The checking process: the whole pass of check_zip, reported as it goes."""
    try:
        scan = check_zip(Path(path), limits, _Reporter(conn))
        conn.send(("done",) if scan.chunks_ok else ("again",))
    except _Again:
        conn.send(("again",))
    except LedgerRefused as e:
        conn.send(("refused", str(e)))
    except Exception:  # anything else: the careful way runs the check again and says it
        conn.send(("again",))
    finally:
        conn.close()


class Gate:
    """The reader's side of a check running in its own process: ``wait_sheet`` returns
    once a worksheet is checked up to a place, ``confirm`` once the whole file is; each
    raises LedgerRefused with the check's words, or ReadAgain. Safe from two threads
    (the slice loader and the merge)."""

    def __init__(self, path: Path, limits: ZipLimits):
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(
            target=_check, args=(str(path), limits, child), name="ledger-check", daemon=True
        )
        self._proc.start()
        child.close()
        self._lock = threading.Lock()
        self._commons = False
        self._checked: dict[str, int] = {}
        self._widths: dict[str, int] = {}
        self._end: tuple[str, ...] | None = None

    def _until(self, ready: Callable[[], bool]) -> None:
        with self._lock:
            # what the check has said so far, read even when nothing waits for it: its
            # messages are never left to fill the pipe and hold the check up
            while self._end is None and self._poll():
                self._take()
            while True:
                if self._end is not None and self._end[0] != "done":
                    if self._end[0] == "refused":
                        raise LedgerRefused(self._end[1])
                    raise ReadAgain()
                if ready():
                    return
                if self._end is not None:  # a part the check did not scan as a worksheet
                    raise ReadAgain()
                self._take()

    def _poll(self) -> bool:
        try:
            return self._conn.poll()
        except (EOFError, OSError):
            return True  # _take hears the end

    def _take(self) -> None:
        try:
            msg = self._conn.recv()
        except (EOFError, OSError):  # the process ended without a word
            msg = ("again",)
        if msg[0] == "commons":
            self._commons = True
        elif msg[0] == "sheet":
            self._checked[msg[1]] = msg[2]
            self._widths[msg[1]] = msg[3]
        else:
            self._end = msg

    def _done(self) -> bool:
        return self._end is not None

    def wait_commons(self) -> None:
        """Every part but the worksheets is checked."""
        self._until(lambda: self._commons or self._done())

    def wait_sheet(self, part: str, upto: int) -> None:
        """The first ``upto`` bytes (uncompressed) of worksheet ``part`` are checked."""
        self._until(lambda: self._checked.get(part, -1) >= upto)

    def width(self, part: str) -> int:
        """Columns of the part's cells checked so far (1 before any)."""
        return max(1, self._widths.get(part, 1))

    def confirm(self) -> None:
        """The whole file is checked and may be read in slices."""
        self._until(self._done)

    def close(self) -> None:
        """End the check (a reader waiting on it then gets ReadAgain)."""
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()
        with self._lock:  # once a reader waiting in recv has had its end of file
            self._conn.close()
