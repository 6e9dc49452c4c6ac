"""The audit trail on an Excel sheet, for an auditor: the audit page's and the CLI's export."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from complaints.usecases import audit, auth
from complaints.usecases.context import CHINA_TZ, Context
from complaints.usecases.output_files import writing

EXPORT_HEADERS = (
    "序号",
    "时间",
    "站点",
    "用户",
    "事件",
    "事件代码",
    "表",
    "记录",
    "字段变更",
    "说明",
)


def show_value(v: Any) -> str:
    """A stored change value as a person reads it: lists joined, booleans as 是/否."""
    if v is None:
        return "None"
    if v is True or v is False:
        return "是" if v else "否"
    if isinstance(v, list):
        return "、".join(show_value(x) for x in v) or "(无)"
    return str(v)


def format_changes(changes: Mapping[str, Sequence[Any]]) -> str:
    return ";".join(f"{k}: {show_value(v[0])} → {show_value(v[1])}" for k, v in changes.items())


def export_xlsx(rows: Sequence[audit.AuditRow], path: Path, *, tz: tzinfo = CHINA_TZ) -> Path:
    """The audit entries on one sheet, for an auditor."""
    wb = Workbook()
    ws = wb.active
    ws.title = "审计日志"
    ws.append(EXPORT_HEADERS)
    for r in rows:
        ws.append(
            [
                r.id,
                r.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                r.site,
                r.actor,
                r.event_label,
                r.event,
                r.table or "",
                r.uid or "",
                format_changes(r.changes),
                r.note,
            ]
        )
    for col, width in zip("ABCDEFGHIJ", (8, 20, 8, 14, 14, 20, 10, 38, 60, 40), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    path = Path(path)
    wb.save(path)
    return path


def export_entries(ctx: Context, path: Path, rows: Sequence[audit.AuditRow]) -> Path:
    """The audit page's and the CLI's Excel export: needs audit.view, and is itself audited."""
    auth.require(ctx, "audit.view")
    with writing(path):  # open in Excel: a message and another name, not a traceback
        out = export_xlsx(rows, path, tz=ctx.tz)
    audit.record(ctx, "audit.export", note=f"导出审计日志 {len(rows)} 条到 {Path(path).name}")
    return out
