"""Reading a ledger .xlsx safely.

Before openpyxl parses anything, the zip is checked (entry count, total uncompressed
size, compression ratio), so a zip bomb is refused cheaply. openpyxl parses with
defusedxml when it is installed (it is a dependency): a DTD/entity bomb raises and the
file is refused. Formulas are never evaluated: the workbook is opened with
data_only=False, so a formula cell yields its formula text, which is read as plain text
(ledger.md: text starting with = is data); in a typed column it rejects the row.

Speed: a file without any formula (every file this program writes) is read with
python-calamine, about ten times faster than openpyxl. Whether a file has a formula is
found by a streaming scan of its worksheet XML for <f> elements (and DTDs) before
anything parses it; a file that has one is read with openpyxl as described above, so a
formula's cached value is never taken for data.

Size (issue 15 §1, §3): the same pass reads every cell and row reference. A cell outside
Excel's grid A1:XFD1048576 refuses the file, naming sheet and cell; the cells' bounding box
and count tell what calamine (which allocates the bounding box as one dense grid) would
take. Above CALAMINE_BUDGET the file is read as a stream (ledger.sheet_stream); a sheet's
declared <dimension> sizes nothing. Text cells lose control and bidi characters (said in
the report); a lone surrogate rejects its row (clean_cell).
"""

from __future__ import annotations

import html
import re
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import partial
from pathlib import Path
from typing import Any

import openpyxl
import python_calamine
from openpyxl import DEFUSEDXML, load_workbook

from ledger import columns as C
from ledger.columns import Column
from ledger.sheet_stream import StreamWorkbook
from ledger.validate import MAX_YEAR, MIN_YEAR, BadText

if not DEFUSEDXML:  # pragma: no cover - packaging guard
    raise ImportError("defusedxml must be installed: openpyxl would parse XML unguarded")


class LedgerRefused(Exception):
    """The whole file is refused; str(e) says why, in words for the user."""


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = 1_000
    max_total_bytes: int = 2 * 1024**3  # uncompressed, all entries together
    max_ratio: float = 150.0  # uncompressed / compressed, per large entry and overall
    ratio_floor_bytes: int = 1024**2  # entries smaller than this are not ratio-checked
    # every reader holds the shared strings in memory (issue 15 §3: any import < 500 MB)
    max_shared_strings_bytes: int = 128 * 1024**2


DEFAULT_LIMITS = ZipLimits()


@dataclass
class ZipScan:
    """What check_zip learnt while checking: whether a worksheet holds a formula (or a
    DTD), and whether python-calamine may load the sheets (see calamine_bytes)."""

    formula: bool = False
    calamine_bytes: int = 0  # what calamine would allocate for every sheet, estimated
    strings_declared: int = 0  # sharedStrings' uniqueCount
    strings_found: int = 0  # <si> elements actually there

    @property
    def calamine_ok(self) -> bool:
        """python-calamine loads a whole sheet into one dense grid, sized from the cells'
        bounding box (calamine's Range::from_sparse: a cell at A1 and one at XFD1048576
        ask for 17 billion cells, 549,755,813,888 bytes, and the process aborts), and
        reserves sharedStrings' declared uniqueCount before reading a string. It is used
        only where both are known to be small (issue 15 §1); otherwise the file is read as
        a stream by openpyxl, whose memory does not grow with the sheet."""
        return (
            self.calamine_bytes <= CALAMINE_BUDGET
            and self.strings_declared <= self.strings_found + 1024
        )


# Memory python-calamine may take for a whole file, as _CellScan.calamine_bytes estimates
# it (about 3 × what it takes: ledgers of 10k cases + 30k entries, 90 MB estimated, took
# 25 MB; 30k + 100k, 290 MB, took 99 MB): above it the file is streamed (issue 15 §3: any
# import < 500 MB, beside SQLite's 128 MB import cache).
CALAMINE_BUDGET = 256 * 1024**2
MAX_ROW = 1_048_576  # Excel's grid: A1:XFD1048576
MAX_INFO_KEYS = 1_000  # 说明 holds about 15
MAX_COL = 16_384


def check_zip(path: Path, limits: ZipLimits = DEFAULT_LIMITS) -> ZipScan:
    """Refuse a file that is not a sound, reasonably sized .xlsx zip, before parsing; and
    a sheet with a cell outside Excel's grid A1:XFD1048576. Returns what the pass learnt
    (ZipScan): whether a worksheet holds a formula (or a DTD), whether calamine may read
    it. Every part is read once, as a stream (constant memory)."""
    name = Path(path).name
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            if len(infos) > limits.max_entries:
                raise LedgerRefused(
                    f"{name}:压缩包内文件过多({len(infos)} 个,上限 {limits.max_entries}),已拒绝"
                )
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos)
            if total > limits.max_total_bytes:
                raise LedgerRefused(
                    f"{name}:解压后过大({total / 1024**2:.0f} MB,上限 "
                    f"{limits.max_total_bytes / 1024**2:.0f} MB),已拒绝"
                )
            for i in infos:
                if i.file_size >= limits.ratio_floor_bytes and (
                    i.file_size / max(i.compress_size, 1) > limits.max_ratio
                ):
                    raise LedgerRefused(
                        f"{name}:压缩比异常({i.filename} 压缩比 "
                        f"{i.file_size / max(i.compress_size, 1):.0f}:1),疑似压缩炸弹,已拒绝"
                    )
            if total >= limits.ratio_floor_bytes and total / max(packed, 1) > limits.max_ratio:
                raise LedgerRefused(f"{name}:整体压缩比异常,疑似压缩炸弹,已拒绝")
            names = {i.filename for i in infos}
            if "xl/workbook.xml" not in names:
                raise LedgerRefused(f"{name}:不是 Excel 工作簿(.xlsx)")
            strings = sum(i.file_size for i in infos if _is_strings(i))
            if strings > limits.max_shared_strings_bytes:
                raise LedgerRefused(
                    f"{name}:共享字符串表过大({strings / 1024**2:.0f} MB,上限 "
                    f"{limits.max_shared_strings_bytes / 1024**2:.0f} MB),请按站点或“增量”"
                    "分开导出后再导入"
                )
            # One pass over every part: its CRC checked (as testzip), a DTD looked for in
            # each XML part's prolog, each worksheet scanned for a formula and its cells'
            # places, the shared strings counted.
            scan = ZipScan()
            dtd_in = None
            titles = _sheet_titles(z, names)
            for i in infos:
                try:
                    dtd = _scan_part(z, i, scan, name, titles)
                except zipfile.BadZipFile:
                    raise LedgerRefused(f"{name}:文件已损坏({i.filename} 校验失败)") from None
                if dtd and dtd_in is None:
                    dtd_in = i.filename
            if dtd_in is not None:
                raise LedgerRefused(
                    f"{name}:文件含有不安全的 XML 内容({dtd_in} 中有 DTD/实体定义,"
                    "疑似 XML 炸弹),已拒绝"
                )
            return scan
    except (zipfile.BadZipFile, zlib.error):
        raise LedgerRefused(f"{name}:文件已损坏或不是 .xlsx 文件(无法按压缩包打开)") from None
    except (OSError, EOFError, zipfile.LargeZipFile) as e:
        raise LedgerRefused(f"{name}:无法读取文件({e})") from None


def _declares_dtd(head: bytes) -> bool:
    """A DOCTYPE/ENTITY in a part's prolog (its first 8 kB). No genuine .xlsx part has
    one; defusedxml refuses them too, but openpyxl swallows parse errors of some parts
    (so we look first)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    return b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper()


def _is_sheet(info: zipfile.ZipInfo) -> bool:
    name = info.filename.lower()
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def _is_strings(info: zipfile.ZipInfo) -> bool:
    return info.filename.lower() == "xl/sharedstrings.xml"


def _sheet_titles(z: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Worksheet part → its sheet's name (for messages; read with regular expressions,
    no XML parser: nothing is parsed before the pass). Empty where it cannot be told."""
    try:
        with z.open("xl/workbook.xml") as f:
            book = f.read(4 << 20)
        rels_name = "xl/_rels/workbook.xml.rels"
        if rels_name not in names:
            return {}
        with z.open(rels_name) as f:
            rels = f.read(4 << 20)
    except Exception:  # the full pass reports what is wrong
        return {}
    targets = {}
    for tag in re.findall(rb"<(?:[\w.-]+:)?Relationship\b[^>]*>", rels):
        rid = re.search(rb"\sId\s*=\s*[\"']([^\"']*)", tag)
        target = re.search(rb"\sTarget\s*=\s*[\"']([^\"']*)", tag)
        if rid and target:
            t = target.group(1).decode("utf-8", "replace").lstrip("/")
            targets[rid.group(1)] = t if t.startswith("xl/") else "xl/" + t
    out = {}
    for tag in re.findall(rb"<(?:[\w.-]+:)?sheet\b[^>]*>", book):
        title = re.search(rb"\sname\s*=\s*[\"']([^\"']*)", tag)
        rid = re.search(rb"\s[\w.-]*:?id\s*=\s*[\"']([^\"']*)", tag)
        if title and rid and rid.group(1) in targets:
            out[targets[rid.group(1)].lower()] = html.unescape(
                title.group(1).decode("utf-8", "replace")
            )[:40]
    return out


def _scan_part(
    z: zipfile.ZipFile, info: zipfile.ZipInfo, scan: ZipScan, name: str, titles: dict[str, str]
) -> bool:
    """Whether the part's prolog declares a DTD; a worksheet's formulas, cells and places
    and the shared strings' counts go into ``scan``. Read to its end so that zipfile
    checks its CRC (raises BadZipFile)."""
    xml = info.filename.lower().endswith((".xml", ".rels", ".vml"))
    sheet = _is_sheet(info)
    strings = _is_strings(info)
    dtd = False
    where = (
        f"工作表“{titles[info.filename.lower()]}”"
        if info.filename.lower() in titles
        else f"工作表 {info.filename}"
    )
    cells = _CellScan(name, where) if sheet else None
    with z.open(info) as f:
        head = f.read(8192)
        if xml:
            dtd = _declares_dtd(head)
        if strings:
            m = _UNIQUE_COUNT_RE.search(head)
            if m:
                scan.strings_declared = int(m.group(1)[:12] or 0)
        tail = b""
        carry = b""
        chunk = head
        while chunk:
            if sheet:
                if not scan.formula:
                    buf = tail + chunk
                    scan.formula = _has_formula(buf)
                    tail = buf[-_SCAN_OVERLAP:]
                carry = cells.feed(carry + chunk)
            elif strings:
                carry = carry + chunk
                cut = carry.rfind(b"<")
                if cut < 0:
                    cut = len(carry)
                scan.strings_found += len(_SI_RE.findall(carry, 0, cut))
                carry = carry[cut:]
            chunk = f.read(1 << 20)
    if sheet:
        cells.feed(carry + b"<")
        scan.calamine_bytes += cells.calamine_bytes(info.file_size)
    return dtd


_UNIQUE_COUNT_RE = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?sst\b[^>]*?\buniqueCount\s*=\s*[\"']\s*(\d*)"
)
_SI_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
# A cell (<c ...>, <x:c ...>) or a row start tag, whole (a tag holds no '<').
_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(c|row)(?=[\s/>])[^<]*")
_REF_ATTR_RE = re.compile(rb"\sr\s*=\s*[\"']([^\"']*)[\"']")
_CELL_REF_RE = re.compile(rb"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_MAX_TAG = 16 * 1024**2
# The usual forms, as our exporter, Excel and WPS write them: <c r="B2" ...>, <row r="2" ...>
_CELL_REF_FAST_RE = re.compile(rb'<c r="([A-Z]*)([0-9]*)"')
_ROW_REF_FAST_RE = re.compile(rb'<row r="([^"]*)"')
# any other form of a cell or row tag (no attribute, another space, a prefix)
_ODD_TAG_RE = re.compile(rb"<(?:c|row)[>/\t\n\r]|:(?:c|row)[\s/>]")


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _column_letters(n: int) -> str:
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


class _CellScan:
    """The places of a worksheet's cells, read from the tags as a stream: every cell and
    row must lie in Excel's grid (else the file is refused, naming the sheet part and the
    cell), and the bounding box and cell count give what calamine would allocate. A cell
    or row without a reference takes the next place, as readers count it."""

    def __init__(self, file: str, where: str):
        self.file, self.where = file, where
        self.cells = 0
        self.min_row = self.min_col = 1 << 40
        self.max_row = self.max_col = 0
        self.row = 0
        self.col = 0

    def _refuse(self, ref: str, what: str) -> LedgerRefused:
        return LedgerRefused(
            f"{self.file}:{self.where}中有{what}“{ref[:40]}”,超出 Excel 的范围 "
            f"A1:XFD1048576(或写法不对),文件可能已损坏或被改动,已拒绝"
        )

    def feed(self, buf: bytes) -> bytes:
        """Scan the whole tags of ``buf``; returns the unfinished rest (from its last
        '<') to be fed again with the next chunk."""
        cut = buf.rfind(b"<")
        if cut < 0:
            cut = len(buf)
        if len(buf) - cut > _MAX_TAG:
            raise LedgerRefused(f"{self.file}:{self.where}中有异常的超长标记,已拒绝")
        whole = buf[:cut]
        # The usual sheet: every row and cell carries its reference. Then the references
        # are checked by their distinct parts, at the regex engine's speed (a big file has
        # tens of millions of cells); anything else is walked tag by tag, in order.
        cells = _CELL_REF_FAST_RE.findall(whole)
        rows = _ROW_REF_FAST_RE.findall(whole)
        if (
            len(cells) == whole.count(b"<c ")
            and len(rows) == whole.count(b"<row ")
            and not _ODD_TAG_RE.search(whole)
        ):
            self._fast(cells, rows)
        else:
            self._walk(whole)
        return buf[cut:]

    def _fast(self, cells: list[tuple[bytes, bytes]], rows: list[bytes]) -> None:
        for text in set(rows):
            if not text.isdigit() or len(text) > 7 or not 1 <= int(text) <= MAX_ROW:
                raise self._refuse(text.decode("ascii", "replace"), "行号")
        if rows:
            self.row = int(rows[-1])
            self.col = 0
        if not cells:
            return
        letters, digits = zip(*cells, strict=True)
        cols = set()
        for text in set(letters):
            col = _column_number(text) if 1 <= len(text) <= 3 else MAX_COL + 1
            if col > MAX_COL:
                bad = next(a + b for a, b in cells if a == text)
                raise self._refuse(bad.decode("ascii", "replace"), "单元格")
            cols.add(col)
        nums = set()
        for text in set(digits):
            n = int(text) if text and len(text) <= 7 else 0
            if not 1 <= n <= MAX_ROW:
                bad = next(a + b for a, b in cells if b == text)
                raise self._refuse(bad.decode("ascii", "replace"), "单元格")
            nums.add(n)
        self.cells += len(cells)
        self.min_row = min(self.min_row, min(nums))
        self.max_row = max(self.max_row, max(nums))
        self.min_col = min(self.min_col, min(cols))
        self.max_col = max(self.max_col, max(cols))
        self.col = _column_number(letters[-1]) if int(digits[-1]) == self.row else self.col

    def _walk(self, whole: bytes) -> None:
        for m in _TAG_RE.finditer(whole):
            tag = m.group(0)
            ref = _REF_ATTR_RE.search(tag)
            if m.group(1) == b"row":
                if ref is None:
                    self.row += 1
                else:
                    text = ref.group(1).strip()
                    if not text.isdigit() or len(text) > 7 or not 1 <= int(text) <= MAX_ROW:
                        raise self._refuse(text.decode("ascii", "replace"), "行号")
                    self.row = int(text)
                self.col = 0
                if self.row > MAX_ROW:
                    raise self._refuse(str(self.row), "行号")
                continue
            self.cells += 1
            if ref is None:
                row, col = max(self.row, 1), self.col + 1
            else:
                text = ref.group(1).strip()
                cm = _CELL_REF_RE.fullmatch(text)
                if cm is None:
                    raise self._refuse(text.decode("ascii", "replace"), "单元格")
                col, row = _column_number(cm.group(1)), int(cm.group(2))
            if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
                raise self._refuse(
                    f"{_column_letters(col)}{row}"
                    if col <= 18278
                    else ref.group(1).decode("ascii", "replace"),
                    "单元格",
                )
            self.col = col
            self.min_row = min(self.min_row, row)
            self.max_row = max(self.max_row, row)
            self.min_col = min(self.min_col, col)
            self.max_col = max(self.max_col, col)

    def calamine_bytes(self, xml_size: int) -> int:
        """calamine's peak for this sheet, generously: the cells it collects (40 bytes
        each, plus their text, at most the part's size), then the dense grid of their
        bounding box (32 bytes a place) beside them."""
        if not self.cells:
            return 0
        area = (self.max_row - self.min_row + 1) * (self.max_col - self.min_col + 1)
        return 32 * area + 72 * self.cells + xml_size


# A formula element (<f>, <x:f ...>) or a DTD. The look-ahead lets the engine drop most
# '<' at once (a cell's '<c r=' goes on to the prefix test only when it has a letter).
_FORMULA_RE = re.compile(
    rb"<(?=[A-Za-z_!])(?:[A-Za-z_][\w.-]*:)?(?:f[\s/>]|!DOCTYPE|!ENTITY)", re.IGNORECASE
)
_SCAN_OVERLAP = 64
# Everything _FORMULA_RE matches also matches this (a '<' then f, F or !, or a prefixed
# name), which the engine finds about a third faster; _FORMULA_RE decides on the chunks
# where it finds something.
_FORMULA_HINT_RE = re.compile(rb"<[fF!]|<[A-Za-z_][\w.-]*:")


def _has_formula(buf: bytes) -> bool:
    return _FORMULA_HINT_RE.search(buf) is not None and _FORMULA_RE.search(buf) is not None


def has_formula_or_dtd(path: Path) -> bool:
    """Whether any worksheet part holds a formula (<f>) or a DTD, scanned as a stream
    (no XML parser, constant memory). Call after check_zip."""
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if not _is_sheet(info):
                continue
            tail = b""
            with z.open(info) as f:
                while chunk := f.read(1 << 20):
                    buf = tail + chunk
                    if _has_formula(buf):
                        return True
                    tail = buf[-_SCAN_OVERLAP:]
    return False


class _CalamineSheet:
    """The part of openpyxl's read-only worksheet the reader uses, over python-calamine.
    Values come decoded (_xHHHH_ escapes resolved by calamine) and empty cells as None."""

    decode_escapes = False

    def __init__(self, book: _CalamineBook, name: str):
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


class _CalamineBook:
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

    def __getitem__(self, name: str) -> _CalamineSheet:
        return _CalamineSheet(self, name)

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


_TZ_RE = re.compile(r"([+-])(\d{2}):?(\d{2})")


def parse_offset(text: str) -> tzinfo:
    m = _TZ_RE.fullmatch(text.strip())
    if not m:
        raise ValueError(text)
    sign = 1 if m.group(1) == "+" else -1
    return timezone(sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3))))


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
        cleaned as clean_cell says (issue 15 §4); what was removed is counted in
        ``cleaned`` for the report."""
        if sheet not in self.sheets:
            return
        ws = self._wb[sheet]
        decode = getattr(self._wb, "decode_escapes", True)
        # calamine yields plain values only (str, numbers, dates): nothing to convert.
        native = isinstance(self._wb, _CalamineBook)
        ws.reset_dimensions()  # as in rows(): never trust a stale <dimension>
        try:
            for n, raw in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
                if raw is None or _blank(raw):
                    continue
                if not native:
                    raw = tuple(_plain(v, decode) for v in raw)
                for v in raw:
                    if v.__class__ is str and (not v.isprintable() or "_x" in v):
                        raw = self._clean_row(sheet, n, raw)
                        break
                yield n, raw
        except LedgerRefused:
            raise
        except BaseException as e:  # defusedxml or a broken part met while streaming
            if not _read_error(e):
                raise
            raise _refusal(self.path, e) from None

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
                yield n, tuple(_plain(v, decode) for v in (raw or ()))
        except LedgerRefused:
            raise
        except BaseException as e:  # defusedxml or a broken part met while streaming
            if not _read_error(e):
                raise
            raise _refusal(self.path, e) from None

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

    def close(self) -> None:
        if self._wb is not None:
            self._wb.close()
            self._wb = None

    def __enter__(self) -> LedgerFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_OOXML_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _blank(raw: tuple) -> bool:
    """Every cell empty or whitespace (usually decided by the first cell)."""
    for v in raw:
        if v is not None and not (isinstance(v, str) and not v.strip()):
            return False
    return True


def _decode_escape(m: re.Match) -> str:
    code = int(m.group(1), 16)
    # A lone surrogate is no character (it cannot be stored): the escape stays as written,
    # and clean_cell rejects its row, as with calamine, which leaves it too.
    return m.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)


def _plain(v: Any, decode: bool = True) -> Any:
    if isinstance(v, str):
        # Excel writes some characters as _xHHHH_ (a CR as _x000D_); openpyxl leaves them.
        if decode and "_x" in v:
            return _OOXML_ESCAPE_RE.sub(_decode_escape, v)
        return v
    if v is None or isinstance(v, (int, float, bool, datetime, date, time, timedelta)):
        return v
    text = getattr(v, "text", None)  # ArrayFormula and the like: their text, never evaluated
    return str(text if text is not None else v)


# Removed from text cells (issue 15 §4): C0 controls but tab, LF and CR (NUL among them),
# DEL and the C1 controls, and the bidirectional embeddings, overrides and isolates
# (U+202A–U+202E, U+2066–U+2069), which make a text read differently from what it holds.
_STRIP_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A lone UTF-16 surrogate, as a character or as Excel's escape of one.
_SURROGATE_RE = re.compile("[\ud800-\udfff]|_x[dD][89a-fA-F][0-9a-fA-F]{2}_")


def clean_cell(v: str) -> str | BadText:
    """A text cell as it is stored: the characters of _STRIP_RE removed; a cell holding
    a lone surrogate becomes a BadText (its row is rejected, naming the cell). Returns
    ``v`` itself when nothing changes."""
    if v.isprintable() and "_x" not in v:
        return v
    if _SURROGATE_RE.search(v):
        return BadText(_escape_surrogates(v))
    new = _STRIP_RE.sub("", v)
    return v if new == v else new


def _escape_surrogates(v: str) -> str:
    return re.sub("[\ud800-\udfff]", lambda m: f"_x{ord(m.group(0)):04X}_", v)


def clean_text(v: str) -> str:
    """A header or 说明 value: controls removed, a lone surrogate kept as its escape."""
    return _STRIP_RE.sub("", _escape_surrogates(v))


def _read_error(e: BaseException) -> bool:
    """An error met reading a file: any Exception, and a panic inside python-calamine
    (pyo3's PanicException derives from BaseException), which refuses the file like any
    other broken part; KeyboardInterrupt, SystemExit and GeneratorExit go on."""
    return isinstance(e, Exception) or type(e).__name__ == "PanicException"


def _refusal(path: Path, e: BaseException) -> LedgerRefused:
    name = Path(path).name
    kind = type(e).__name__
    if "defused" in type(e).__module__ or kind in (
        "EntitiesForbidden",
        "DTDForbidden",
        "ExternalReferenceForbidden",
    ):
        return LedgerRefused(f"{name}:文件含有不安全的 XML 内容(DTD/实体定义,疑似 XML 炸弹),已拒绝")
    return LedgerRefused(f"{name}:文件已损坏,无法读取({kind}: {e})")


def open_ledger(path: Path, limits: ZipLimits = DEFAULT_LIMITS) -> LedgerFile:
    """Check and open a ledger; raises LedgerRefused naming the problem."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise LedgerRefused(f"{name}:文件不存在")
    # Nothing parses the file before the whole pass has checked it (issue 15 §1: a cell
    # far out makes calamine allocate its bounding box before anything else happens).
    scan = check_zip(path, limits)
    try:
        if scan.formula:
            wb = load_workbook(path, read_only=True, data_only=False, keep_links=False)
        elif not scan.calamine_ok:
            wb = StreamWorkbook(path)
        else:
            wb = _CalamineBook(path)
            wb.prefetch(_sheets_to_load(wb))
    except LedgerRefused:
        raise
    except BaseException as e:
        if not _read_error(e):
            raise
        raise _refusal(path, e) from None
    try:
        return _read_structure(path, wb)
    except BaseException:
        wb.close()
        raise


def _sheets_to_load(book: _CalamineBook) -> list[str]:
    """说明 first (read at once), then the data sheets in merge order."""
    return [s for s in (C.SHEET_INFO, *C.DATA_SHEETS) if s in book.sheetnames]


def _read_structure(path: Path, wb: openpyxl.Workbook | _CalamineBook) -> LedgerFile:
    name = path.name
    if C.SHEET_INFO not in wb.sheetnames:
        raise LedgerRefused(f"{name}:缺少“{C.SHEET_INFO}”工作表,不是投诉台账文件")
    info: dict[str, Any] = {}
    try:
        for row in wb[C.SHEET_INFO].iter_rows(values_only=True):
            if not row or row[0] is None:
                continue
            decode = getattr(wb, "decode_escapes", True)
            key = clean_text(str(_plain(row[0], decode)))[:200].strip()
            value = _plain(row[1], decode) if len(row) > 1 else None
            info.setdefault(key, clean_text(value) if isinstance(value, str) else value)
            if len(info) > MAX_INFO_KEYS:  # it is kept whole, and written into rejects files
                raise LedgerRefused(
                    f"{name}:“{C.SHEET_INFO}”有 {MAX_INFO_KEYS} 项以上,不是投诉台账的说明,已拒绝"
                )
    except LedgerRefused:
        raise
    except BaseException as e:
        if not _read_error(e):
            raise
        raise _refusal(path, e) from None
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
    if version > C.FORMAT_VERSION:
        raise LedgerRefused(
            f"{name}:格式版本 {version} 比本程序支持的版本 {C.FORMAT_VERSION} 新,"
            "请先升级本程序再导入"
        )
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
    # with calamine, each data sheet loads on a helper thread while the one before merges
    calamine = isinstance(wb, _CalamineBook)
    first = True
    for sheet in C.DATA_SHEETS:
        if sheet not in wb.sheetnames:
            if sheet in C.OPTIONAL_SHEETS:
                lf.notes.append(f"文件中没有“{sheet}”工作表")
                continue
            raise LedgerRefused(f"{name}:缺少“{sheet}”工作表")
        if first or not calamine:
            lf.sheets[sheet] = _layout(path, wb[sheet], sheet)
        else:  # its header is read when the merge reaches it (the sheet is loaded by then)
            lf.sheets.pending[sheet] = partial(_layout, path, wb[sheet], sheet)
        first = False
    return lf


def _layout(path: Path, ws, sheet: str) -> SheetLayout:
    try:
        ws.reset_dimensions()
        first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
    except BaseException as e:
        if not _read_error(e):
            raise
        raise _refusal(path, e) from None
    decode = getattr(ws, "decode_escapes", True)
    headers = ["" if v is None else clean_text(str(_plain(v, decode))).strip() for v in first]
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
