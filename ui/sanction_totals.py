"""The 奖惩 page's 月度合计 tab: the month's approved fines and rewards, by department and by
person (a double-click on a row shows that department's or person's sanctions in the list)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QSplitter, QVBoxLayout, QWidget

from complaints.usecases import sanctions
from ui.sanction_tables import _item, _table

DEPT_TOTAL_COLUMNS = ("部门", "罚款(元)", "奖励(元)", "条数")
PERSON_TOTAL_COLUMNS = ("姓名", "部门", "罚款(元)", "奖励(元)", "条数")


def tr(text: str) -> str:
    return QCoreApplication.translate("SanctionsPage", text)


class MonthTotalsTab(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.summary = QLabel()
        self.by_department = _table(DEPT_TOTAL_COLUMNS)
        self.by_person = _table(PERSON_TOTAL_COLUMNS)
        for totals_table in (self.by_department, self.by_person):
            totals_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        split = QSplitter(Qt.Orientation.Horizontal)
        for heading, totals_table in (
            (tr("按部门"), self.by_department),
            (tr("按人员"), self.by_person),
        ):
            box = QWidget()
            bl = QVBoxLayout(box)
            bl.setContentsMargins(0, 0, 0, 0)
            bl.addWidget(QLabel(heading))
            bl.addWidget(totals_table)
            split.addWidget(box)
        tl = QVBoxLayout(self)
        tl.addWidget(self.summary)
        tl.addWidget(split, 1)

    def fill(self, totals: sanctions.MonthTotals | None) -> None:
        if totals is None:
            self.summary.setText(tr("请选择月份以查看当月合计。"))
            self.by_department.setRowCount(0)
            self.by_person.setRowCount(0)
            return
        self.summary.setText(
            f"{totals.month} "
            + tr("已批准:罚款")
            + f" {totals.fines} "
            + tr("元,奖励")
            + f" {totals.rewards} "
            + tr("元;当月待审批")
            + f" {totals.pending} "
            + tr("条")
        )
        for table, items in (
            (self.by_department, totals.by_department),
            (self.by_person, totals.by_person),
        ):
            table.setRowCount(len(items))
            for i, tot in enumerate(items):
                vals: tuple[Any, ...] = (
                    tot.name or tr("(未填)"),
                    tot.department,
                    tot.fines,
                    tot.rewards,
                    tot.count,
                )
                if table is self.by_department:
                    vals = (vals[0], *vals[2:])
                first_number = len(vals) - 3
                for c, v in enumerate(vals):
                    table.setItem(i, c, _item(v, align_right=c >= first_number))
