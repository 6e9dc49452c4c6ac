"""python-calamine behind the part of openpyxl's read-only workbook the reader uses: the
fast way to read a file without formulas whose sheets are known to be small
(ledger.zip_check)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import python_calamine


class CalamineSheet:
    """The part of openpyxl's read-only worksheet the reader uses, over python-calamine.
    Values come decoded (_xHHHH_ escapes resolved by calamine) and empty cells as None."""

    decode_escapes = False

    def __init__(self, book: CalamineBook, name: str):
        self._book = book
        self._name = name

    def reset_dimensions(self) -> None:  # calamine reads every cell there is
        pass

    def iter_rows(
        self, min_row: int = 1, max_row: int | None = None, values_only: bool = True
    ) -> Iterator[tuple]:
        sheet = self._book.sheet(self._name)
        if sheet.start is None:  # an empty sheet
            self._book.release(self._name)
            return
        pad = (None,) * sheet.start[1]  # rows come from row 1, columns from the first used
        for n, row in enumerate(sheet.iter_rows(), start=1):
            if max_row is not None and n > max_row:
                return
            if n < min_row:
                continue
            yield pad + tuple([None if v == "" else v for v in row])
        self._book.release(self._name)  # read to the end: its memory can go


class CalamineBook:
    """calamine loads a whole sheet at once, and releases the GIL while it does: the data
    sheets are loaded one after another on a helper thread (prefetch), so the next sheet
    loads while this one is merged. Only that thread touches the workbook meanwhile."""

    decode_escapes = False

    def __init__(self, path: Path):
        self._book = python_calamine.CalamineWorkbook.from_path(str(path))
        self.sheetnames = list(self._book.sheet_names)

        self._loaded: dict[str, python_calamine.CalamineSheet] = {}
        self._futures: dict[str, Future] = {}
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closing = False
        self._prefetched = False

    def prefetch(self, names: list[str]) -> None:
        """Start loading ``names``, in order, on a helper thread (once per workbook)."""
        if self._prefetched or not names:
            return
        self._prefetched = True
        self._futures = {n: Future() for n in names}
        self._thread = threading.Thread(
            target=self._load_all, args=(list(names),), name="ledger-sheet-loader", daemon=True
        )
        self._thread.start()

    def _load_all(self, names: list[str]) -> None:
        try:
            for name in names:
                fut = self._futures.get(name)
                if fut is None or self._closing:
                    continue
                try:
                    fut.set_result(self._book.get_sheet_by_name(name))
                except BaseException as e:  # handed to whoever asks for the sheet
                    fut.set_exception(e)
        finally:
            with self._lock:
                self._thread = None
                if self._closing:
                    self._close_now()

    def _wait_loader(self) -> None:
        thread = self._thread
        if thread is not None:
            thread.join()

    def sheet(self, name: str) -> python_calamine.CalamineSheet:
        """Each sheet loaded once (header, then rows)."""
        if name not in self._loaded:
            fut = self._futures.get(name)
            if fut is not None:
                self._loaded[name] = fut.result()
                del self._futures[name]
            else:
                self._wait_loader()  # the workbook is the loader's until it is done
                self._loaded[name] = self._book.get_sheet_by_name(name)
        return self._loaded[name]

    def release(self, name: str) -> None:
        self._loaded.pop(name, None)
        self._futures.pop(name, None)

    def __getitem__(self, name: str) -> CalamineSheet:
        return CalamineSheet(self, name)

    def close(self) -> None:
        """Free the sheets; the workbook closes now, or when the loader has finished
        the sheet it is loading (a cancelled import does not wait for it)."""
        with self._lock:
            self._closing = True
            self._loaded.clear()
            self._futures.clear()
            if self._thread is None:
                self._close_now()

    def _close_now(self) -> None:
        self._loaded.clear()
        self._futures.clear()
        self._book.close()
