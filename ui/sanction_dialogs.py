"""Dialogs of the 奖惩 page: approve (amount within the rule's range), reject (reason
required), add a sanction by hand (reason required; it still waits for the GM)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from complaints.usecases.sanctions import MANUAL, range_text

MAX_AMOUNT = 100_000


def tr(text: str) -> str:
    return QCoreApplication.translate("SanctionDialogs", text)


def describe(row: Mapping[str, Any]) -> str:
    who = row.get("person") or tr("(无具体人员)")
    return (
        f"{row.get('rule') or MANUAL} {row['type']}:{who}"
        f"({row.get('department') or ''})\n{row.get('reason') or ''}"
    )


class ApproveDialog(QDialog):
    """Approve one proposal; the amount box only allows the rule's range."""

    def __init__(self, row: Mapping[str, Any], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(tr("批准奖惩"))
        self.setMinimumWidth(460)
        lo, hi = row.get("amount_min"), row.get("amount_max")
        self.amount = QSpinBox()
        self.amount.setSuffix(" " + tr("元"))
        self.amount.setRange(
            lo if lo is not None else (0 if hi == 0 else 1), hi if hi is not None else MAX_AMOUNT
        )
        self.amount.setValue(int(row.get("amount") or 0))
        self.amount.setEnabled(self.amount.minimum() != self.amount.maximum())
        self.note = QLineEdit()
        self.note.setPlaceholderText(tr("总经理批示(可不填)"))
        info = QLabel(describe(row))
        info.setWordWrap(True)
        form = QFormLayout()
        form.addRow(tr("金额"), self.amount)
        form.addRow(tr("可选范围"), QLabel(range_text(lo, hi)))
        form.addRow(tr("批示"), self.note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("批准"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(info)
        lay.addLayout(form)
        lay.addWidget(buttons)

    def values(self) -> tuple[int, str]:
        return self.amount.value(), self.note.text().strip()


class RejectDialog(QDialog):
    """Reject one proposal; OK stays disabled until a reason is written."""

    def __init__(self, row: Mapping[str, Any], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(tr("驳回奖惩建议"))
        self.setMinimumWidth(460)
        info = QLabel(describe(row))
        info.setWordWrap(True)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(tr("驳回原因(必填)"))
        self.reason.setFixedHeight(90)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(tr("驳回"))
        self.ok.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        self.reason.textChanged.connect(
            lambda: self.ok.setEnabled(bool(self.reason.toPlainText().strip()))
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(info)
        lay.addWidget(QLabel(tr("驳回原因")))
        lay.addWidget(self.reason)
        lay.addWidget(self.buttons)

    def value(self) -> str:
        return self.reason.toPlainText().strip()


class ManualDialog(QDialog):
    """A fine or reward no rule proposes; it goes to the GM's queue like the others."""

    def __init__(self, departments: Sequence[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(tr("新增奖惩(手工)"))
        self.setMinimumWidth(480)
        self.type = QComboBox()
        self.type.addItems([tr("罚款"), tr("奖励")])
        self.department = QComboBox()
        self.department.setEditable(True)
        self.department.addItems(list(departments))
        self.person = QLineEdit()
        self.amount = QSpinBox()
        self.amount.setRange(1, MAX_AMOUNT)
        self.amount.setValue(50)
        self.amount.setSuffix(" " + tr("元"))
        self.case_number = QLineEdit()
        self.case_number.setPlaceholderText(tr("可不填,如 SH01-202611-0007"))
        self.reason = QPlainTextEdit()
        self.reason.setFixedHeight(80)
        self.reason.setPlaceholderText(tr("奖惩原因(必填)"))
        form = QFormLayout()
        form.addRow(tr("类型"), self.type)
        form.addRow(tr("部门"), self.department)
        form.addRow(tr("姓名"), self.person)
        form.addRow(tr("金额"), self.amount)
        form.addRow(tr("投诉编号"), self.case_number)
        form.addRow(tr("原因"), self.reason)
        note = QLabel(tr("手工新增的奖惩同样须经总经理批准后生效。"))
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(tr("提交审批"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        for w in (self.person.textChanged, self.reason.textChanged):
            w.connect(self._check)
        self._check()
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(self.buttons)

    def _check(self) -> None:
        self.ok.setEnabled(
            bool(self.person.text().strip()) and bool(self.reason.toPlainText().strip())
        )

    def values(self) -> dict[str, Any]:
        return {
            "type": self.type.currentText(),
            "department": self.department.currentText(),
            "person": self.person.text().strip(),
            "amount": self.amount.value(),
            "reason": self.reason.toPlainText().strip(),
            "case_number": self.case_number.text().strip(),
        }
