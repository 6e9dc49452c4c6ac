"""The ledger's 审计记录 sheet: the exporting site's audit entries since its last ledger to
the same destination, so the site that imports it (headquarters) holds every
branch's chain and sees an entry removed or changed at the branch.

One row per entry. The first columns are for a person (序号, 时间, 用户, 事件, 对象, 说明);
记录数据 is the entry's stored columns as canonical JSON (names and phones in it are masked,
as the audit log stores them) so the importer recomputes its hash exactly; 哈希 repeats the
hash for a person comparing two files. The sheet is optional: a file without it (format
version 1 from an older program) imports as before, and an older reader ignores it (it
reads only 说明 and the data sheets).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, tzinfo
from typing import Any

from ledger.xlsx_stream import S_HEADER, StreamBook, number_cell

SHEET_AUDIT = "审计记录"
HEADERS = ("序号", "时间", "用户", "事件", "对象", "说明", "记录数据", "哈希")
WIDTHS = (8, 20, 14, 20, 30, 40, 60, 66)
# The stored columns of one audit entry, in the order of its JSON list (audit_log's).
ENTRY_COLUMNS = (
    "id",
    "at",
    "site",
    "user_id",
    "actor",
    "event",
    "tbl",
    "record_uid",
    "changes",
    "note",
    "prev_hash",
    "hash",
)
_INT = {"id", "user_id"}
_NULLABLE = {"user_id", "tbl", "record_uid"}


def entry_json(e: Mapping[str, Any]) -> str:
    return json.dumps([e[k] for k in ENTRY_COLUMNS], ensure_ascii=False, separators=(",", ":"))


def write_sheet(
    book: StreamBook,
    entries: Iterable[Mapping[str, Any]],
    tz: tzinfo,
    text_cell: Callable[[str, Any], str],
    label: Callable[[str], str] = lambda e: e,
) -> int:
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
        for letter, value in zip(
            L[1:],
            (when, e["actor"], label(e["event"]), target, e["note"], entry_json(e), e["hash"]),
            strict=True,
        ):
            if value:
                cells.append(text_cell(letter + n, value))
        sheet.append_cells("".join(cells))
    sheet.close(autofilter=True)
    return sheet.rows


class SheetProblem(Exception):
    """A row of 审计记录 that cannot be read: the message names file, sheet, row, column."""


def _entry(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, str):
        raise ValueError("不是文本")
    try:
        values = json.loads(raw)
    except RecursionError:
        raise ValueError("嵌套过深") from None
    if not isinstance(values, list) or len(values) != len(ENTRY_COLUMNS):
        raise ValueError(f"应为 {len(ENTRY_COLUMNS)} 项的列表")
    e = dict(zip(ENTRY_COLUMNS, values, strict=True))
    for k, v in e.items():
        if v is None and k in _NULLABLE:
            continue
        ok = (
            (isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**62)
            if k in _INT
            else isinstance(v, str)
        )
        if not ok:
            raise ValueError(f"“{k}”的值 {str(v)[:40]!r} 不合格式")
    return e


def has_sheet(rows: Iterator[tuple[int, tuple]]) -> tuple[bool, Iterator[tuple[int, tuple]]]:
    """Whether the file has the sheet (its header row came), and the rows to read on."""
    first = next(rows, None)
    if first is None:
        return False, iter(())
    return True, itertools.chain([first], rows)


def iter_sheet(rows: Iterable[tuple[int, tuple]], file_name: str) -> Iterator[dict[str, Any]]:
    """The entries of a 审计记录 sheet from its rows (header first), as the reader's
    ``other_sheet`` yields them, one at a time (a long chain is never held in memory).
    Raises SheetProblem at the first row that cannot be read."""
    col = None
    for n, raw in rows:
        if col is None:
            headers = ["" if v is None else str(v).strip() for v in raw]
            if "记录数据" not in headers:
                raise SheetProblem(f"{file_name}:“{SHEET_AUDIT}”缺少“记录数据”列")
            col = headers.index("记录数据")
            continue
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
            continue
        try:
            yield _entry(raw[col] if col < len(raw) else None)
        except (ValueError, TypeError) as e:
            raise SheetProblem(
                f"{file_name}:“{SHEET_AUDIT}”第 {n} 行“记录数据”列无法识别:{e}"
            ) from None


def read_ids(rows: Iterable[tuple[int, tuple]], file_name: str) -> list[int]:
    """The ids a sheet carries (for a person checking a file, and the tests)."""
    return [e["id"] for e in iter_sheet(rows, file_name)]
