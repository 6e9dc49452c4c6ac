"""历史 tab of the case window: who changed what on this case, from the audit trail."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from complaints.fields import FIELDS_BY_NAME
from complaints.usecases import audit, cases
from complaints.usecases.changes import OpChanges
from complaints.usecases.context import parse_tz
from complaints.usecases.site import local_site
from ui.case_tab import CaseTab
from ui.session import Session
from ui.tables import read_only

HEADERS = ("时间", "用户", "事件", "字段", "原值", "新值", "说明")
EXTRA_LABELS = {"deleted": "已删除", "revision": "版本"}


def tr(text: str) -> str:
    return QCoreApplication.translate("HistoryTab", text)


def field_label(name: str) -> str:
    f = FIELDS_BY_NAME.get(name)
    return f.label if f else EXTRA_LABELS.get(name, name)


def show_value(v) -> str:
    if v is None:
        return ""
    if v is True:
        return "是"
    if v is False:
        return "否"
    if isinstance(v, list):
        return "、".join(map(str, v))
    return str(v)


def _local_if_time(value: Any, tz: tzinfo | None) -> Any:
    """A time kept in UTC, shown as the office's wall clock; any other value as it is."""
    if isinstance(value, str) and value.endswith("+00:00"):
        return f"{datetime.fromisoformat(value).astimezone(tz):%Y-%m-%d %H:%M}"
    return value


def history_rows(case_id: int) -> list[tuple[str, ...]]:
    """One row per changed field (an entry without field changes: one row). Worker side."""

    info = local_site()
    tz = parse_tz(info.tz) if info else None
    cases.get_case(case_id)  # NotFound for a case that is gone
    out: list[tuple[str, ...]] = []
    for e in audit.case_history(case_id):
        when = e.at.astimezone(tz) if tz else e.at
        at = f"{when:%Y-%m-%d %H:%M}"
        if not e.changes:
            out.append((at, e.actor, e.event_label, "", "", "", e.note))
            continue
        for name, (was, now) in e.changes.items():
            old = _local_if_time(was, tz)
            new = _local_if_time(now, tz)
            out.append(
                (
                    at,
                    e.actor,
                    e.event_label,
                    field_label(name),
                    show_value(old),
                    show_value(new),
                    e.note,
                )
            )
    return out


class HistoryTab(CaseTab):
    """Registered in ui.case_editor.CASE_TABS as ("历史", "ui.history_tab:HistoryTab")."""

    def __init__(self, session: Session, case_id: int | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.case_id = case_id
        self.empty = QLabel(tr("保存后才有修改历史。"))
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels([tr(h) for h in HEADERS])
        read_only(self.table, whole_rows=False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.table)
        session.changed.connect(self._on_changed)
        self.reload()

    def _on_changed(self, changes: OpChanges) -> None:
        if changes.touches(("cases", "entries", "sanctions")):
            self.reload()

    def reload(self) -> None:
        if self.case_id is None:
            self.empty.show()
            self.table.hide()
            return
        self.empty.hide()
        self.table.show()
        case_id = self.case_id
        self.session.taskman.run(lambda: history_rows(case_id), self._show, parent=self)

    def set_case(self, case_id: int | None) -> None:
        self.case_id = case_id
        self.reload()

    def _show(self, rows: list[tuple[str, ...]]) -> None:
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self.table.setItem(i, j, QTableWidgetItem(v))
        self.table.resizeColumnsToContents()
