"""The rejected rows of an import, written back out as a ledger with a reason column,
so a person can fix them in Excel and import the file again."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ledger import columns as C
from ledger.export import safe_text
from ledger.merge import FileResult

# Not "原因": 奖惩记录 already has a 原因 column (the sanction's reason).
REASON_HEADER = "拒绝原因"


def write_rejects(result: FileResult, dest: Path) -> Path:
    """Write ``result``'s rejected rows to ``dest``: the file's 说明, then each sheet's
    original header row plus 拒绝原因, with the rows as they were read."""
    dest = Path(dest)
    tmp = dest.with_name(dest.name + ".part")
    wb = Workbook(write_only=True)
    info = wb.create_sheet(C.SHEET_INFO)
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 34
    info.append(["项目", "内容"])
    for k, v in result.info.items():
        if k.endswith("行数"):
            continue  # the counts no longer hold for this file
        info.append([safe_text(info, k), v if isinstance(v, (int, float)) or v is None
                     else safe_text(info, v)])
    info.append([C.INFO_SCOPE + "备注", safe_text(info, f"{result.path.name} 中被拒绝的行")])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FCE4D6")
    for sheet in C.DATA_SHEETS:
        if sheet not in result.headers:
            continue
        headers = list(result.headers[sheet])
        reason_at = headers.index(REASON_HEADER) if REASON_HEADER in headers else len(headers)
        if reason_at == len(headers):
            headers.append(REASON_HEADER)
        # A fixed row is no longer the version its 版本指纹 names: left empty, the row
        # names its own content (as a hand-made row does), and imports as such.
        blank = [i for i, h in enumerate(headers) if h == C.FINGERPRINT_HEADER]
        ws = wb.create_sheet(sheet)
        ws.freeze_panes = "A2"
        for i in range(len(headers)):
            ws.column_dimensions[get_column_letter(i + 1)].width = 16
        ws.column_dimensions[get_column_letter(reason_at + 1)].width = 50
        head = []
        for h in headers:
            c = WriteOnlyCell(ws, value=safe_text(ws, h) if h else None)
            c.font = bold
            if h == REASON_HEADER:
                c.fill = fill
            head.append(c)
        ws.append(head)
        n = 0
        for rej in result.rejected:
            if rej.sheet != sheet:
                continue
            values = list(rej.raw) + [None] * max(0, len(headers) - len(rej.raw))
            values[reason_at] = f"第 {rej.row} 行:{rej.reason}"
            for i in blank:
                values[i] = None
            out = []
            for v in values:
                if isinstance(v, str):
                    out.append(safe_text(ws, v))
                elif isinstance(v, datetime):
                    c = WriteOnlyCell(ws, value=v.replace(tzinfo=None))
                    c.number_format = "yyyy-mm-dd hh:mm"
                    out.append(c)
                else:
                    out.append(v)
            ws.append(out)
            n += 1
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{n + 1}"
    try:
        wb.save(tmp)
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()
    return dest
