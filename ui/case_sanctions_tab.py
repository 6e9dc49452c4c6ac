"""The case window's 奖惩 tab: this case's proposals and sanctions, and the events only a
person can report."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from complaints.usecases import auth, sanctions
from complaints.usecases.changes import OpChanges
from ui.case_tab import CaseTab
from ui.sanction_tables import _item, _table
from ui.session import Session


def tr(text: str) -> str:
    return QCoreApplication.translate("SanctionsPage", text)


CASE_COLUMNS = ("日期", "规则", "类型", "部门", "姓名", "金额", "状态", "原因", "审批意见")
EVENT_BUTTONS = (
    ("登记客户表扬(S10)", "客户表扬"),
    ("登记客户赠送锦旗(S11)", "锦旗"),
    ("登记处理单遗失(S9)", "处理单遗失"),
)


class CaseSanctionsTab(CaseTab):
    """The case window's 奖惩 tab: this case's proposals and sanctions, and the events that
    only a person can report (praise, a silk banner, a lost sheet), recorded as tagged notes."""

    def __init__(self, session: Session, case_id: int | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.case_id = case_id
        self.rows: list[dict[str, Any]] = []
        self.table = _table(CASE_COLUMNS)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.event_buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        for label, event in EVENT_BUTTONS:
            b = QPushButton(tr(label))
            b.clicked.connect(lambda _=False, e=event: self.record_event_with_dialog(e))
            self.event_buttons[event] = b
            bar.addWidget(b)
        bar.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.info)
        lay.addWidget(self.table, 1)
        lay.addLayout(bar)
        session.changed.connect(self._on_changed)
        self.reload()

    def _on_changed(self, changes: OpChanges) -> None:
        if changes.touches(("cases", "entries", "sanctions")):
            self.reload()

    def reload(self) -> None:
        can = self.case_id is not None and auth.allowed(self.session.ctx(), "case.note")
        for b in self.event_buttons.values():
            b.setEnabled(can)
        if self.case_id is None:
            self.info.setText(tr("保存投诉单后,系统将按奖惩制度提出建议。"))
            return
        cid = self.case_id

        def load():
            return sanctions.list_sanctions(
                sanctions.SanctionFilter(case_id=cid)
            ) + sanctions.list_sanctions(
                sanctions.SanctionFilter(case_id=cid, state=sanctions.WITHDRAWN)
            )

        self.session.taskman.run(load, self._loaded, parent=self)

    def _loaded(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            vals = (
                r["date"].isoformat(),
                r["rule"] or sanctions.MANUAL,
                r["type"],
                r["department"],
                r["person"] or tr("(无)"),
                r["amount"],
                r["state"],
                r["reason"],
                r["decision_note"] or "",
            )
            for c, v in enumerate(vals):
                self.table.setItem(i, c, _item(v, align_right=(c == 5), data=r if c == 0 else None))
        self.info.setText(
            tr("本单的奖惩建议由系统按制度提出,总经理在“奖惩”页审批。")
            if rows
            else tr("本单目前没有奖惩建议。")
        )

    def record_event(self, event: str, note: str) -> None:
        ctx, cid = self.session.ctx(), self.case_id
        if cid is None:
            return

        self.session.taskman.run(lambda: sanctions.record_event(ctx, cid, event, note), parent=self)

    def record_event_with_dialog(self, event: str) -> None:
        text, ok = QInputDialog.getText(
            self, tr("登记") + tr(event), tr("说明(如 客户来电表扬、锦旗内容)")
        )
        if ok:
            self.record_event(event, text.strip())
