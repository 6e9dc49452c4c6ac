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
"""

from __future__ import annotations

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


DEFAULT_LIMITS = ZipLimits()


def check_zip(path: Path, limits: ZipLimits = DEFAULT_LIMITS,
              heads_safe: Callable[[], None] | None = None) -> bool:
    """Refuse a file that is not a sound, reasonably sized .xlsx zip, before parsing.
    Returns whether a worksheet holds a formula (or a DTD): see has_formula_or_dtd.
    ``heads_safe`` is called once the sizes and ratios are checked and no part's prolog
    declares a DTD, before the full pass (CRC, formula scan) that decides the result."""
    name = Path(path).name
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            if len(infos) > limits.max_entries:
                raise LedgerRefused(
                    f"{name}:压缩包内文件过多({len(infos)} 个,上限 {limits.max_entries}),已拒绝")
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos)
            if total > limits.max_total_bytes:
                raise LedgerRefused(
                    f"{name}:解压后过大({total / 1024**2:.0f} MB,上限 "
                    f"{limits.max_total_bytes / 1024**2:.0f} MB),已拒绝")
            for i in infos:
                if i.file_size >= limits.ratio_floor_bytes and (
                        i.file_size / max(i.compress_size, 1) > limits.max_ratio):
                    raise LedgerRefused(
                        f"{name}:压缩比异常({i.filename} 压缩比 "
                        f"{i.file_size / max(i.compress_size, 1):.0f}:1),疑似压缩炸弹,已拒绝")
            if total >= limits.ratio_floor_bytes and total / max(packed, 1) > limits.max_ratio:
                raise LedgerRefused(f"{name}:整体压缩比异常,疑似压缩炸弹,已拒绝")
            names = {i.filename for i in infos}
            if "xl/workbook.xml" not in names:
                raise LedgerRefused(f"{name}:不是 Excel 工作簿(.xlsx)")
            if heads_safe is not None and _heads_look_safe(z, infos):
                heads_safe()
            # One pass over every part: its CRC checked (as testzip), a DTD looked for in
            # each XML part's prolog, and each worksheet scanned for a formula.
            dtd_in = None
            formula = False
            for i in infos:
                try:
                    dtd, f = _scan_part(z, i)
                except zipfile.BadZipFile:
                    raise LedgerRefused(f"{name}:文件已损坏({i.filename} 校验失败)") from None
                formula = formula or f
                if dtd and dtd_in is None:
                    dtd_in = i.filename
            if dtd_in is not None:
                raise LedgerRefused(
                    f"{name}:文件含有不安全的 XML 内容({dtd_in} 中有 DTD/实体定义,"
                    "疑似 XML 炸弹),已拒绝")
            return formula
    except (zipfile.BadZipFile, zlib.error):
        raise LedgerRefused(f"{name}:文件已损坏或不是 .xlsx 文件(无法按压缩包打开)") from None
    except (OSError, EOFError, zipfile.LargeZipFile) as e:
        raise LedgerRefused(f"{name}:无法读取文件({e})") from None


def _heads_look_safe(z: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> bool:
    """No XML part's prolog declares a DTD (and each can be opened): what check_zip's full
    pass would also find, learnt from the first 8 kB of each part. Errors say "not safe"
    here; the full pass reports them as usual."""
    try:
        for i in infos:
            if i.filename.lower().endswith((".xml", ".rels", ".vml")):
                with z.open(i) as f:
                    if _declares_dtd(f.read(8192)):
                        return False
    except Exception:
        return False
    return True


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


def _scan_part(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[bool, bool]:
    """(DTD in the prolog, formula or DTD in a worksheet) of one part, read to its end so
    that zipfile checks its CRC (raises BadZipFile)."""
    xml = info.filename.lower().endswith((".xml", ".rels", ".vml"))
    sheet = _is_sheet(info)
    dtd = formula = False
    with z.open(info) as f:
        head = f.read(8192)
        if xml:
            dtd = _declares_dtd(head)
        tail = b""
        chunk = head
        while chunk:
            if sheet and not formula:
                buf = tail + chunk
                formula = _has_formula(buf)
                tail = buf[-_SCAN_OVERLAP:]
            chunk = f.read(1 << 20)
    return dtd, formula


# A formula element (<f>, <x:f ...>) or a DTD. The look-ahead lets the engine drop most
# '<' at once (a cell's '<c r=' goes on to the prefix test only when it has a letter).
_FORMULA_RE = re.compile(
    rb"<(?=[A-Za-z_!])(?:[A-Za-z_][\w.-]*:)?(?:f[\s/>]|!DOCTYPE|!ENTITY)", re.IGNORECASE)
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

    def iter_rows(self, min_row: int = 1, max_row: int | None = None,
                  values_only: bool = True) -> Iterator[tuple]:
        sheet = self._book.sheet(self._name)
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
        self._thread = threading.Thread(target=self._load_all, args=(list(names),),
                                        name="ledger-sheet-loader", daemon=True)
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
    _wb: Any = None

    def rows(self, sheet: str) -> Iterator[tuple[int, dict[str, Any], tuple]]:
        """(row number, {key: raw cell value}, raw row) for each non-empty data row."""
        layout = self.sheets.get(sheet)
        if layout is None:
            return
        ws = self._wb[sheet]
        decode = getattr(self._wb, "decode_escapes", True)
        # A stale <dimension> (written by some tools, or edited) would make openpyxl stop
        # early and drop rows and columns silently: read everything that is there.
        ws.reset_dimensions()
        try:
            for n, raw in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
                if raw is None or all(v is None or (isinstance(v, str) and not v.strip())
                                      for v in raw):
                    continue
                values = {}
                plain = tuple(_plain(v, decode) for v in raw)
                for idx, col in layout.columns.items():
                    values[col.key] = plain[idx] if idx < len(plain) else None
                yield n, values, plain
        except LedgerRefused:
            raise
        except Exception as e:  # defusedxml or a broken part met while streaming
            raise _refusal(self.path, e) from None

    def raw_rows(self, sheet: str) -> Iterator[tuple[int, tuple]]:
        """(row number, raw row) for each non-empty data row: the cells as plain values
        (never a formula object), positioned as SheetLayout.columns says."""
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
                yield n, raw if native else tuple(_plain(v, decode) for v in raw)
        except LedgerRefused:
            raise
        except Exception as e:  # defusedxml or a broken part met while streaming
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
        except Exception as e:  # defusedxml or a broken part met while streaming
            raise _refusal(self.path, e) from None

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


def _plain(v: Any, decode: bool = True) -> Any:
    if isinstance(v, str):
        # Excel writes some characters as _xHHHH_ (a CR as _x000D_); openpyxl leaves them.
        if decode and "_x" in v:
            return _OOXML_ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), v)
        return v
    if v is None or isinstance(v, (int, float, bool, datetime, date, time, timedelta)):
        return v
    text = getattr(v, "text", None)  # ArrayFormula and the like: their text, never evaluated
    return str(text if text is not None else v)


def _refusal(path: Path, e: Exception) -> LedgerRefused:
    name = Path(path).name
    kind = type(e).__name__
    if "defused" in type(e).__module__ or kind in ("EntitiesForbidden", "DTDForbidden",
                                                    "ExternalReferenceForbidden"):
        return LedgerRefused(f"{name}:文件含有不安全的 XML 内容(DTD/实体定义,疑似 XML 炸弹),已拒绝")
    return LedgerRefused(f"{name}:文件已损坏,无法读取({kind}: {e})")


def open_ledger(path: Path, limits: ZipLimits = DEFAULT_LIMITS) -> LedgerFile:
    """Check and open a ledger; raises LedgerRefused naming the problem."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise LedgerRefused(f"{name}:文件不存在")
    # Once the zip's sizes, ratios and prologs are checked, calamine starts loading the
    # sheets on a helper thread while the full pass (CRC, formula scan: most of the check's
    # time) runs here; if that pass refuses the file or finds a formula, the early load is
    # dropped. calamine never evaluates anything, and never sees a part with a DTD.
    early: list[_CalamineBook] = []

    def start_loading() -> None:
        try:
            book = _CalamineBook(path)
        except Exception:  # then the usual way below, after the check
            return
        early.append(book)
        book.prefetch(_sheets_to_load(book))

    try:
        formula = check_zip(path, limits, heads_safe=start_loading)
    except BaseException:
        for book in early:
            book.close()
        raise
    try:
        if formula:
            for book in early:
                book.close()
            wb = load_workbook(path, read_only=True, data_only=False, keep_links=False)
        elif early:
            wb = early[0]
        else:
            wb = _CalamineBook(path)
            wb.prefetch(_sheets_to_load(wb))
    except LedgerRefused:
        raise
    except Exception as e:
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
            key = str(_plain(row[0], decode)).strip()
            info.setdefault(key, _plain(row[1], decode) if len(row) > 1 else None)
    except Exception as e:
        raise _refusal(path, e) from None
    fmt = str(info.get(C.INFO_FORMAT) or "").strip()
    if fmt != C.FORMAT_NAME:
        raise LedgerRefused(
            f"{name}:“{C.INFO_FORMAT}”是“{fmt or '(空)'}”,不是“{C.FORMAT_NAME}”,不是投诉台账文件")
    raw_version = info.get(C.INFO_VERSION)
    try:
        version = int(float(str(raw_version).strip()))
    except (TypeError, ValueError):
        raise LedgerRefused(f"{name}:“{C.INFO_VERSION}”无法识别({raw_version!r})") from None
    if version > C.FORMAT_VERSION:
        raise LedgerRefused(
            f"{name}:格式版本 {version} 比本程序支持的版本 {C.FORMAT_VERSION} 新,"
            "请先升级本程序再导入")
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
            f"{name}:“{C.INFO_TZ}”应为 +08:00 这样的格式,而不是“{tz_text}”") from None
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
    declared: dict[str, int | None] = {}
    for s in C.DATA_SHEETS:
        v = info.get(C.info_count_key(s))
        try:
            declared[s] = None if v is None or v == "" else int(float(str(v)))
        except ValueError:
            declared[s] = None
    lf = LedgerFile(path, info, site, str(info.get(C.INFO_SITE_NAME) or ""), tz, tz_text,
                    exported_at, str(info.get(C.INFO_SCOPE) or ""), declared, _wb=wb)
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
    except Exception as e:
        raise _refusal(path, e) from None
    decode = getattr(ws, "decode_escapes", True)
    headers = ["" if v is None else str(_plain(v, decode)).strip() for v in first]
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
