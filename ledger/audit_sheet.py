"""The ledger's 审计记录 sheet: the exporting site's audit entries since its last ledger to
the same destination (issue 15 §6), so the site that imports it (headquarters) holds every
branch's chain and sees an entry removed or changed at the branch.

One row per entry. The first columns are for a person (序号, 时间, 用户, 事件, 对象, 说明);
记录数据 is the entry's stored columns as canonical JSON (names and phones in it are masked,
as the audit log stores them) so the importer recomputes its hash exactly; 哈希 repeats the
hash for a person comparing two files. The sheet is optional: a file without it (format
version 1 from an older program) imports as before, and an older reader ignores it (it
reads only 说明 and the data sheets).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from ledger.xlsx_stream import S_HEADER, StreamBook, number_cell

SHEET_AUDIT = "审计记录"
HEADERS = ("序号", "时间", "用户", "事件", "对象", "说明", "记录数据", "哈希")
WIDTHS = (8, 20, 14, 20, 30, 40, 60, 66)
# The stored columns of one audit entry, in the order of its JSON list (audit_log's).
ENTRY_COLUMNS = ("id", "at", "site", "user_id", "actor", "event", "tbl", "record_uid",
                 "changes", "note", "prev_hash", "hash")
_INT = {"id", "user_id"}
_NULLABLE = {"user_id", "tbl", "record_uid"}


def entry_json(e: Mapping[str, Any]) -> str:
    return json.dumps([e[k] for k in ENTRY_COLUMNS], ensure_ascii=False,
                      separators=(",", ":"))


def write_sheet(book: StreamBook, entries: Iterable[Mapping[str, Any]], tz: tzinfo,
                text_cell: Callable[[str, Any], str],
                label: Callable[[str], str] = lambda e: e) -> int:
    """Append the 审计记录 sheet to ``book``; ``text_cell`` is the ledger's formula-safe
    text writer. Returns the number of entries written."""
    sheet = book.add_sheet(SHEET_AUDIT, WIDTHS, HEADERS, header_style=S_HEADER, freeze="A2")
    L = sheet.letters
    for e in entries:
        n = str(sheet.next_row())
        try:
            when = datetime.fromisoformat(e["at"]).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
        except (TypeError, ValueError):
            when = str(e["at"])
        target = "/".join(str(x) for x in (e["tbl"], e["record_uid"]) if x)
        cells = [number_cell(L[0] + n, int(e["id"]))]
        for letter, value in zip(L[1:], (when, e["actor"], label(e["event"]), target,
                                         e["note"], entry_json(e), e["hash"]), strict=True):
            if value:
                cells.append(text_cell(letter + n, value))
        sheet.append_cells("".join(cells))
    sheet.close(autofilter=True)
    return sheet.rows


@dataclass
class SheetEntries:
    """What a file's 审计记录 sheet holds: the entries (oldest first) and the rows that
    could not be read (sheet, row, column and why)."""
    present: bool = False
    entries: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _entry(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, str):
        raise ValueError("不是文本")
    values = json.loads(raw)
    if not isinstance(values, list) or len(values) != len(ENTRY_COLUMNS):
        raise ValueError(f"应为 {len(ENTRY_COLUMNS)} 项的列表")
    e = dict(zip(ENTRY_COLUMNS, values, strict=True))
    for k, v in e.items():
        if v is None and k in _NULLABLE:
            continue
        ok = (isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**62) if k in _INT \
            else isinstance(v, str)
        if not ok:
            raise ValueError(f"“{k}”的值 {v!r} 不合格式")
    return e


def read_sheet(rows: Iterator[tuple[int, tuple]], file_name: str) -> SheetEntries:
    """The entries of a 审计记录 sheet from its rows (header first), as the reader's
    ``other_sheet`` yields them. Entries in id order; a bad row is named, not guessed."""
    out = SheetEntries()
    col = None
    for n, raw in rows:
        if col is None:
            out.present = True
            headers = ["" if v is None else str(v).strip() for v in raw]
            if "记录数据" not in headers:
                out.problems.append(f"{file_name}:“{SHEET_AUDIT}”缺少“记录数据”列")
                return out
            col = headers.index("记录数据")
            continue
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
            continue
        try:
            out.entries.append(_entry(raw[col] if col < len(raw) else None))
        except (ValueError, TypeError) as e:
            out.problems.append(f"{file_name}:“{SHEET_AUDIT}”第 {n} 行“记录数据”列无法识别:{e}")
    out.entries.sort(key=lambda e: e["id"])
    return out


def ids_text(ids: Sequence[int]) -> str:
    return f"第 {ids[0]} 条" if len(ids) == 1 else f"第 {ids[0]}–{ids[-1]} 条"
