"""Checking a ledger .xlsx before anything parses it, in one streaming pass over its
zip: the entries' count, sizes and compression ratios (a zip bomb is refused cheaply),
every part's CRC, a DTD in any XML part's prolog (an XML bomb), the places of every
worksheet cell (ledger.cell_places), a formula anywhere, the shared strings' counts.
What the pass learns decides how the file is read (ledger.reader)."""

from __future__ import annotations

import html
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ledger.cell_places import CellScan
from ledger.refusal import LedgerRefused


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = 1_000
    max_total_bytes: int = 2 * 1024**3  # uncompressed, all entries together
    max_ratio: float = 150.0  # uncompressed / compressed, per large entry and overall
    ratio_floor_bytes: int = 1024**2  # entries smaller than this are not ratio-checked
    # every reader holds the shared strings in memory (an import stays under 500 MB)
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
    strings_bytes: int = 0  # sharedStrings' size, uncompressed
    plain_sheets: bool = True  # every worksheet's rows can be cut apart (CellScan.plain)
    widest: int = 0  # columns of the widest worksheet's bounding box

    @property
    def calamine_ok(self) -> bool:
        """python-calamine loads a whole sheet into one dense grid, sized from the cells'
        bounding box (calamine's Range::from_sparse: a cell at A1 and one at XFD1048576
        ask for 17 billion cells, 549,755,813,888 bytes, and the process aborts), and
        reserves sharedStrings' declared uniqueCount before reading a string. It is used
        only where both are known to be small; otherwise the file is read as
        a stream by openpyxl, whose memory does not grow with the sheet."""
        return (
            self.calamine_bytes <= CALAMINE_BUDGET
            and self.strings_declared <= self.strings_found + 1024
        )

    @property
    def chunks_ok(self) -> bool:
        """Whether a file too big for calamine_ok may be read by python-calamine a slice
        of rows at a time (ledger.calamine_chunks): the rows can be cut apart at their tags,
        a slice's grid stays small (CHUNK_MAX_WIDTH), and each slice's copy of the shared
        strings is small (a file this program writes has none)."""
        return (
            CHUNKED_READING
            and self.plain_sheets
            and 0 < self.widest <= CHUNK_MAX_WIDTH
            and self.strings_bytes <= CHUNK_MAX_STRINGS_BYTES
            and self.strings_declared <= self.strings_found + 1024
        )


# Memory python-calamine may take for a whole file, as CellScan.calamine_bytes estimates
# it (about 3 × what it takes: ledgers of 10k cases + 30k entries, 90 MB estimated, took
# 25 MB; 30k + 100k, 290 MB, took 99 MB): above it the file is streamed, so that an import
# stays under 500 MB beside SQLite's 128 MB import cache.
CALAMINE_BUDGET = 256 * 1024**2
# A bigger file is read a slice of rows at a time by calamine when its sheets are at most
# this wide and its shared strings (parsed again for every slice) this big; otherwise
# as a stream (ledger.sheet_stream), whose memory does not grow with the sheet either.
CHUNKED_READING = True
CHUNK_MAX_WIDTH = 1024
CHUNK_MAX_STRINGS_BYTES = 2 * 1024**2


class Watch(Protocol):
    """Told of the pass's progress (ledger.check_ahead, which runs the pass beside the
    reading): may raise to end the pass early."""

    def sheet_rank(self, title: str) -> int:
        """Where the worksheet of this name comes in the pass (lowest first), when watched:
        in the order the reading wants them."""

    def commons_checked(self, scan: ZipScan) -> None:
        """Every part but the worksheets is checked (they come first when watched)."""

    def sheet_checked(self, part: str, upto: int, scan: ZipScan, cells: CellScan) -> None:
        """The first ``upto`` bytes (uncompressed) of worksheet ``part`` are checked."""


def check_zip(
    path: Path, limits: ZipLimits = DEFAULT_LIMITS, watch: Watch | None = None
) -> ZipScan:
    """Refuse a file that is not a sound, reasonably sized .xlsx zip, before parsing; and
    a sheet with a cell outside Excel's grid A1:XFD1048576. Returns what the pass learnt
    (ZipScan): whether a worksheet holds a formula (or a DTD), whether calamine may read
    it. Every part is read once, as a stream (constant memory). With ``watch``, the
    worksheets come after every other part, a DTD is refused where it is met, and the
    watch hears how far each part is checked."""
    name = Path(path).name
    _refuse_known_other_kinds(Path(path), name)
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
                if "word/document.xml" in names:
                    raise LedgerRefused(f"{name}:这是 Word 文档,不是 Excel 工作簿(.xlsx)")
                raise LedgerRefused(f"{name}:不是 Excel 工作簿(.xlsx)")
            strings = sum(i.file_size for i in infos if _is_strings(i))
            scan = ZipScan(strings_bytes=strings)
            if strings > limits.max_shared_strings_bytes:
                raise LedgerRefused(
                    f"{name}:共享字符串表过大({strings / 1024**2:.0f} MB,上限 "
                    f"{limits.max_shared_strings_bytes / 1024**2:.0f} MB),请按站点或“增量”"
                    "分开导出后再导入"
                )
            # One pass over every part: its CRC checked (as testzip), a DTD looked for in
            # each XML part's prolog, each worksheet scanned for a formula and its cells'
            # places, the shared strings counted.
            dtd_in = None
            titles = _sheet_titles(z, names)
            if watch is not None:
                sheets = sorted(
                    (i for i in infos if _is_sheet(i)),
                    key=lambda i: watch.sheet_rank(titles.get(i.filename.lower(), "")),
                )
                infos = [i for i in infos if not _is_sheet(i)] + sheets
            pending = watch  # told once, when every part but the worksheets is checked
            for i in infos:
                if pending is not None and _is_sheet(i):
                    pending.commons_checked(scan)
                    pending = None
                try:
                    dtd = _scan_part(z, i, scan, name, titles, watch)
                except zipfile.BadZipFile:
                    raise LedgerRefused(f"{name}:文件已损坏({i.filename} 校验失败)") from None
                if dtd and dtd_in is None:
                    dtd_in = i.filename
                if dtd_in is not None and watch is not None:
                    break
            if dtd_in is not None:
                raise LedgerRefused(
                    f"{name}:文件含有不安全的 XML 内容({dtd_in} 中有 DTD/实体定义,"
                    "疑似 XML 炸弹),已拒绝"
                )
            if pending is not None:
                pending.commons_checked(scan)
            return scan
    except (zipfile.BadZipFile, zlib.error):
        raise LedgerRefused(f"{name}:文件已损坏或不是 .xlsx 文件(无法按压缩包打开)") from None
    except (OSError, EOFError, zipfile.LargeZipFile) as e:
        raise LedgerRefused(f"{name}:无法读取文件({e})") from None


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc: Office before 2007


def _refuse_known_other_kinds(path: Path, name: str) -> None:
    """Files an office often sends by mistake, said as what they are (and what to do)
    rather than "damaged": an empty file (a copy or download that did not finish) and an
    old-format .xls saved under .xlsx."""
    try:
        with path.open("rb") as f:
            head = f.read(len(OLE_MAGIC))
    except OSError:
        return  # the zip's own opening says why
    if not head:
        raise LedgerRefused(f"{name}:文件是空的(0 字节),可能没有复制或下载完整,请重新获取该文件")
    if head == OLE_MAGIC:
        raise LedgerRefused(
            f"{name}:这是旧版 Office 文件(如 .xls),不是 .xlsx:请在 Excel 中另存为"
            "“Excel 工作簿(*.xlsx)”后再导入"
        )


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
    z: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    scan: ZipScan,
    name: str,
    titles: dict[str, str],
    watch: Watch | None = None,
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
    cells = CellScan(name, where) if sheet else None
    with z.open(info) as f:
        head = f.read(8192)
        if xml:
            dtd = _declares_dtd(head)
        if strings:
            m = _UNIQUE_COUNT_RE.search(head)
            if m:
                scan.strings_declared = int(m.group(1)[:12] or 0)
        carry = b""
        chunk = head
        read = 0
        if cells is not None and watch is not None and dtd:
            return dtd  # refused at once: nothing of the part is handed on
        while chunk:
            read += len(chunk)
            if cells is not None:
                buf = carry + chunk
                carry = cells.feed(buf)
                # a formula is a tag, and the scan saw every tag of what it took whole
                if not scan.formula and not cells.usual:
                    scan.formula = _has_formula(buf[: len(buf) - len(carry)])
                if watch is not None:  # all but the unfinished tag kept for the next
                    watch.sheet_checked(info.filename, read - len(carry), scan, cells)
            elif strings:
                carry = carry + chunk
                cut = carry.rfind(b"<")
                if cut < 0:
                    cut = len(carry)
                scan.strings_found += len(_SI_RE.findall(carry, 0, cut))
                carry = carry[cut:]
            chunk = f.read(_READ)
    if cells is not None:
        cells.feed(carry + b"<")
        if not scan.formula and not cells.usual:
            scan.formula = _has_formula(carry)
        cells.check_order()
        scan.calamine_bytes += cells.calamine_bytes(info.file_size)
        scan.plain_sheets = scan.plain_sheets and cells.plain
        scan.widest = max(scan.widest, cells.width)
        if watch is not None:  # read to its end: the CRC holds too
            watch.sheet_checked(info.filename, read, scan, cells)
    return dtd


_UNIQUE_COUNT_RE = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?sst\b[^>]*?\buniqueCount\s*=\s*[\"']\s*(\d*)"
)
_SI_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")


# A formula element (<f>, <x:f ...>) or a DTD. The look-ahead lets the engine drop most
# '<' at once (a cell's '<c r=' goes on to the prefix test only when it has a letter).
_FORMULA_RE = re.compile(
    rb"<(?=[A-Za-z_!])(?:[A-Za-z_][\w.-]*:)?(?:f[\s/>]|!DOCTYPE|!ENTITY)", re.IGNORECASE
)
_SCAN_OVERLAP = 64
_READ = 1 << 20  # a part is scanned this much at a time
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
