"""The dialog behind each action button of the case page: what that action needs.

派单 asks for the department (R1's proposal preselected), 指定责任人 for the person,
回访/二次回访 for the five-level satisfaction, FMC状态 for the status, and every action for a
note and its time: now by default, or an earlier time (work done away from the PC) that then
needs a reason. The dialog writes nothing itself: ``submit(values)`` is called with the
keyword arguments of ``tracking.record_action`` and answers through ``done()`` / ``failed()``,
so a refusal (the use case's reason) is shown in the dialog and the typed values stay.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

from PySide6.QtCore import QCoreApplication, QDateTime, Qt, QTimeZone
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from complaints.rules import workflow
from complaints.rules.pauses import PAUSE_REASONS
from complaints.types import Action, FmcStatus, Satisfaction
from ui.date_edits import date_time_edit
from ui.error_detail import ErrorDetail


def tr(text: str) -> str:
    return QCoreApplication.translate("ActionDialog", text)


# One line under the title: what recording the action means.
EXPLAIN: dict[Action, str] = {
    Action.DISPATCH: "把处理单交给责任部门(R1 建议的部门已预先选中,可改)。",
    Action.NAME_RESPONSIBLE: "部门经理指定第一责任人。",
    Action.CONTACT: "已与客户取得联系。",
    Action.ESCALATE: "现场无法当场解决,升级至部门负责人(D3)。",
    Action.REPORT_OEM: "已上报厂家(D2)。",
    Action.HANDLED: "责任部门已处理完毕。",
    Action.RETURN_TO_CS: "处理单已回传客服部。",
    Action.CALLBACK: "客服回访客户;“不满意”“非常不满意”须重开交部门经理再次处理。",
    Action.SECOND_CALLBACK: "重开并再次处理后的二次回访。",
    Action.REOPEN: "回访不满意:重开,交部门经理在时限内再次处理(D10)。",
    Action.CLOSE: "关闭投诉单。未经回访关闭须在说明中写明原因。",
    Action.FOLLOW_UP: "关闭后跟踪回访,确认问题未再出现;发现新问题时重开投诉单。",
    Action.FMC_STATUS: "更新厂家跟踪的 FMC 状态。",
    Action.NOTE: "给投诉单添加一条备注。",
    Action.PAUSE: "等待客户、配件或厂家期间,各项处理时限停止计时,恢复后按剩余时间继续。",
    Action.RESUME: "各项处理时限按暂停时剩余的时间继续计时。",
}

NOTE_LABEL = {Action.NOTE: "备注内容", Action.CLOSE: "说明/关闭原因", Action.PAUSE: "补充说明"}
NOTE_HINT = {
    Action.NOTE: "必填",
    Action.CLOSE: "已回访的可不填;未经回访关闭须写明原因(如客户无法联系)",
}


def qzone(tz: tzinfo, at: datetime) -> QTimeZone:
    """The office's fixed offset as a QTimeZone (not the PC's own zone)."""
    off = at.astimezone(tz).utcoffset()
    return QTimeZone.fromSecondsAheadOfUtc(int(off.total_seconds()) if off is not None else 0)


def qdatetime(dt: datetime) -> QDateTime:
    """A QDateTime showing ``dt`` in its own offset (the office's local time)."""
    return QDateTime.fromSecsSinceEpoch(int(dt.timestamp()), qzone(dt.tzinfo or UTC, dt))


def from_qdatetime(q: QDateTime, tz: tzinfo) -> datetime:
    """The aware datetime of a QDateTime, in ``tz``."""
    return datetime.fromtimestamp(q.toSecsSinceEpoch(), tz)


def cause_fields(causes: list[str], current: dict[str, Any]) -> tuple[QComboBox, QLineEdit]:
    """The cause found when handling: a category of the office's list (the case's own kept
    when it is no longer on the list) and a short note."""
    box = QComboBox()
    box.addItem(tr("(请选择)"), None)
    names = list(causes)
    if current.get("cause") and current["cause"] not in names:
        names.append(current["cause"])
    for n in names:
        box.addItem(n, n)
    box.setCurrentIndex(max(0, box.findData(current.get("cause"))))
    note = QLineEdit(current.get("cause_note") or "")
    note.setMaxLength(200)
    note.setPlaceholderText(tr("一句话说明原因,如:首次诊断不准确导致返修"))
    return box, note


class ActionDialog(QDialog):
    """Ask what ``action`` needs. ``submit(values)`` runs the use case; the caller then calls
    ``done_ok()`` or ``show_refusal(message)``."""

    def __init__(
        self,
        action: Action,
        *,
        number: str,
        now: datetime,
        tz: tzinfo,
        received_at: datetime | None = None,
        departments: list[str] | None = None,
        proposed_department: str | None = None,
        people: list[str] | None = None,
        causes: list[str] | None = None,
        current: dict[str, Any] | None = None,
        warnings: list[str] | None = None,
        submit: Callable[[dict[str, Any]], None] | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.action = Action(action)
        self.tz = tz
        self._now = now
        self._received = received_at
        self._submit = submit
        self._busy = False
        current = current or {}
        self.setWindowTitle(f"{number} — {tr(self.action.value)}")
        self.setMinimumWidth(460)

        lay = QVBoxLayout(self)
        head = QLabel(f"<b>{tr(self.action.value)}</b>  {tr(EXPLAIN.get(self.action, ''))}")
        head.setWordWrap(True)
        lay.addWidget(head)
        self.warning_label = QLabel("\n".join("⚠ " + w for w in warnings or []))
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(
            "QLabel { background: #fff4e5; color: #a15c00;"
            " border: 1px solid #a15c00; padding: 6px; }"
        )
        self.warning_label.setVisible(bool(warnings))
        lay.addWidget(self.warning_label)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        lay.addLayout(form)

        self.department: QComboBox | None = None
        self.person: QComboBox | None = None
        self.escalate_to: QLineEdit | None = None
        self.cac_number: QLineEdit | None = None
        self.plan: QPlainTextEdit | None = None
        self.satisfaction: QButtonGroup | None = None
        self.satisfaction_buttons: dict[str, QRadioButton] = {}
        self.not_contacted: QCheckBox | None = None
        self.new_problem: QCheckBox | None = None
        self.review: dict[str, QPlainTextEdit] = {}
        self.status: QComboBox | None = None
        self.cause: QComboBox | None = None
        self.cause_note: QLineEdit | None = None
        self.hold_reason: QComboBox | None = None

        a = self.action
        if a is Action.PAUSE:
            self.hold_reason = QComboBox()
            self.hold_reason.setEditable(True)
            self.hold_reason.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            self.hold_reason.setMinimumContentsLength(20)
            self.hold_reason.addItems(list(PAUSE_REASONS))  # stored as said in the ledger
            self.hold_reason.setCurrentIndex(-1)  # the clerk chooses: no reason by default
            line = self.hold_reason.lineEdit()
            if line is not None:  # an editable combo box has one
                line.setPlaceholderText(tr("选择或填写暂停原因"))
            form.addRow(tr("暂停原因"), self.hold_reason)
        if a is Action.DISPATCH:
            self.department = QComboBox()
            self.department.setEditable(True)
            self.department.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            self.department.setMinimumContentsLength(14)
            names = list(departments or [])
            if proposed_department and proposed_department not in names:
                names.insert(0, proposed_department)
            for n in names:
                label = n + (tr("(建议)") if n == proposed_department else "")
                self.department.addItem(label, n)
            if proposed_department:
                self.department.setCurrentIndex(names.index(proposed_department))
            elif current.get("department") in names:
                self.department.setCurrentIndex(names.index(current["department"]))
            form.addRow(tr("处理部门"), self.department)
        elif a is Action.NAME_RESPONSIBLE:
            self.person = QComboBox()
            self.person.setEditable(True)
            self.person.addItems(list(people or []))
            self.person.setCurrentText(current.get("responsible") or "")
            line = self.person.lineEdit()
            if line is not None:  # an editable combo box has one
                line.setPlaceholderText(tr("第一责任人姓名"))
            form.addRow(tr("第一责任人"), self.person)
        elif a is Action.ESCALATE:
            self.escalate_to = QLineEdit()
            self.escalate_to.setPlaceholderText(tr("如:售后站长、销售经理"))
            form.addRow(tr("升级至"), self.escalate_to)
        elif a is Action.REPORT_OEM:
            self.cac_number = QLineEdit(current.get("cac_number") or "")
            self.cac_number.setPlaceholderText(tr("厂家受理后的案例号(可稍后补填)"))
            form.addRow(tr("CAC案例号"), self.cac_number)
        elif a in (Action.HANDLED, Action.RETURN_TO_CS):
            self.plan = QPlainTextEdit(current.get("plan") or "")
            self.plan.setPlaceholderText(tr("调查结果及处理意见(写入投诉单)"))
            self.plan.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
            form.addRow(tr("处理意见"), self.plan)
            self.cause, self.cause_note = cause_fields(causes or [], current)
            form.addRow(tr("原因分类"), self.cause)
            form.addRow(tr("原因说明"), self.cause_note)
        elif a in (Action.CALLBACK, Action.SECOND_CALLBACK, Action.FOLLOW_UP):
            self.satisfaction = QButtonGroup(self)
            row = QHBoxLayout()
            for s in Satisfaction:
                b = QRadioButton(tr(s.value))
                self.satisfaction.addButton(b)
                self.satisfaction_buttons[s.value] = b
                row.addWidget(b)
            row.addStretch(1)
            form.addRow(tr("满意度"), row)
            if a is Action.SECOND_CALLBACK:
                self.not_contacted = QCheckBox(tr("客户称无人与其联系(S7)"))
                form.addRow("", self.not_contacted)
            if a is Action.FOLLOW_UP:
                self.new_problem = QCheckBox(tr("发现新问题(重开投诉单,交部门再次处理)"))
                form.addRow("", self.new_problem)
        elif a is Action.CLOSE and current.get("emergency"):
            # an emergency closes with its short review
            for key, label in workflow.REVIEW_FIELDS.items():
                box = QPlainTextEdit(current.get(key) or "")
                box.setFixedHeight(self.fontMetrics().lineSpacing() * 2 + 12)
                self.review[key] = box
                form.addRow(tr("复盘:" + label), box)
        elif a is Action.FMC_STATUS:
            self.status = QComboBox()
            for fmc in FmcStatus:
                self.status.addItem(fmc.value, fmc.value)
            if current.get("fmc_status"):
                self.status.setCurrentIndex(max(0, self.status.findData(current["fmc_status"])))
            form.addRow(tr("FMC状态"), self.status)
            self.cac_number = QLineEdit(current.get("cac_number") or "")
            form.addRow(tr("CAC案例号"), self.cac_number)

        self.note = QPlainTextEdit()
        self.note.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        self.note.setPlaceholderText(tr(NOTE_HINT.get(a, "可不填")))
        form.addRow(tr(NOTE_LABEL.get(a, "说明")), self.note)

        # When: now, or an earlier time with its reason.
        self.earlier = QCheckBox(tr("补录较早的时间(外出处理后回来登记)"))
        form.addRow(tr("时间"), self.earlier)
        self.when = date_time_edit()
        # Shown in the office's time zone, whatever the PC's own zone is.
        self.when.setTimeZone(qzone(tz, now))
        self.when.setDateTime(qdatetime(now.astimezone(tz)))
        self.when.setMaximumDateTime(qdatetime(now))
        if received_at is not None:
            self.when.setMinimumDateTime(qdatetime(received_at.astimezone(tz)))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(tr("补录原因(必填),如:在客户处处理,回店后登记"))
        self.when_label = QLabel(tr("发生时间"))
        self.reason_label = QLabel(tr("补录原因"))
        form.addRow(self.when_label, self.when)
        form.addRow(self.reason_label, self.reason)
        self.earlier.toggled.connect(self._on_earlier)
        self._on_earlier(False)

        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(
            "QLabel { background: #fdecea; color: #c62828;"
            " border: 1px solid #c62828; border-radius: 3px; padding: 6px; }"
        )
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        lay.addWidget(self.error)
        self.error_detail = ErrorDetail(self)  # the server's own words of a refusal
        lay.addWidget(self.error_detail)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(tr("记录"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        self.buttons.accepted.connect(self.try_submit)
        self.buttons.rejected.connect(self.cancel)
        lay.addWidget(self.buttons)
        # what the dialog opened with: Esc, 取消 or the window's close box ask before
        # dropping anything typed since
        self._opened_with = self.values()

    # --- values ----------------------------------------------------------------------------

    def _on_earlier(self, on: bool) -> None:
        for w in (self.when, self.reason, self.when_label, self.reason_label):
            w.setVisible(on)
        self.adjustSize()

    def set_satisfaction(self, value: str) -> None:
        self.satisfaction_buttons[value].setChecked(True)

    def values(self) -> dict[str, Any]:
        """The keyword arguments of ``tracking.record_action`` (without ctx, case, action)."""
        out: dict[str, Any] = {"note": self.note.toPlainText().strip()}
        if self.hold_reason is not None:  # the reason leads the 说明
            reason = self.hold_reason.currentText().strip()
            out["note"] = ",".join(t for t in (reason, out["note"]) if t)
        if self.earlier.isChecked():
            out["at"] = from_qdatetime(self.when.dateTime(), self.tz)
            out["reason"] = self.reason.text().strip() or None
        a = self.action
        if self.department is not None:
            text = self.department.currentText().strip()
            i = self.department.currentIndex()
            picked = i >= 0 and text == self.department.itemText(i)
            out["department"] = self.department.itemData(i) if picked else text
        if self.person is not None:
            out["person"] = self.person.currentText().strip()
        if self.escalate_to is not None and self.escalate_to.text().strip():
            out["to"] = self.escalate_to.text().strip()
        if self.cac_number is not None and self.cac_number.text().strip():
            out["cac_number"] = self.cac_number.text().strip()
        if self.plan is not None and self.plan.toPlainText().strip():
            out["plan"] = self.plan.toPlainText().strip()
        if self.cause is not None and self.cause.currentData():
            out["cause"] = self.cause.currentData()
        if self.cause_note is not None and self.cause_note.text().strip():
            out["cause_note"] = self.cause_note.text().strip()
        if self.satisfaction is not None:
            checked = self.satisfaction.checkedButton()
            out["satisfaction"] = next(
                (k for k, b in self.satisfaction_buttons.items() if b is checked), None
            )
        if self.not_contacted is not None and self.not_contacted.isChecked():
            out["not_contacted"] = True
        if self.new_problem is not None and self.new_problem.isChecked():
            out["new_problem"] = True
        for key, box in self.review.items():
            if box.toPlainText().strip():
                out[key] = box.toPlainText().strip()
        if a is Action.FMC_STATUS and self.status is not None:
            out["status"] = self.status.currentData()
        return out

    def problem(self) -> str | None:
        """What must be filled in before the action can be recorded (checked here so the
        clerk hears it at once; the use case checks the same again)."""
        v = self.values()
        if "at" in v and not v.get("reason"):
            return tr("补录较早的时间须写明补录原因")
        if self.department is not None and not v.get("department"):
            return tr("派单须选择处理部门")
        if self.person is not None and not v.get("person"):
            return tr("须填写第一责任人姓名")
        if self.satisfaction is not None and not v.get("satisfaction"):
            return tr("须选择回访满意度")
        if self.review and any(k not in v for k in self.review):
            return tr("突发事件关闭前须填写简要复盘:原因、处理经过、改进措施")
        if self.action is Action.NOTE and not v.get("note"):
            return tr("备注内容不能为空")
        if self.hold_reason is not None and not self.hold_reason.currentText().strip():
            return tr("暂停须选择或填写原因")
        # an escalation names its target; a sheet is handled, or goes back to
        # customer service, with the handling opinion written
        if self.escalate_to is not None and not v.get("to"):
            return tr("升级须填写升级至何人(如:售后站长、销售经理)")
        if self.plan is not None and not v.get("plan"):
            return tr("须填写调查结果及处理意见")
        return None

    # --- closing without recording --------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and not event.modifiers():
            self.cancel()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.isVisible() and not self._may_drop():
            event.ignore()
            return
        super().closeEvent(event)

    def cancel(self) -> None:
        """Esc or 取消: what was typed is dropped only when the clerk agrees."""
        if self._may_drop():
            self.reject()

    def _may_drop(self) -> bool:
        return self.values() == self._opened_with or self.ask_discard()

    def ask_discard(self) -> bool:
        """True when the clerk agrees to drop what was typed in this dialog."""
        answer = QMessageBox.question(
            self,
            self.windowTitle(),
            tr("已填写的内容尚未记录,关闭后将丢失。确定放弃吗?"),
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    # --- submitting ------------------------------------------------------------------------

    def try_submit(self) -> None:
        if self._busy:
            return
        msg = self.problem()
        if msg:
            self.show_refusal(msg)
            return
        if self._submit is None:
            self.accept()
            return
        self._busy = True
        self.ok_button.setEnabled(False)
        self.error.hide()
        self._submit(self.values())

    def done_ok(self) -> None:
        self._busy = False
        self.accept()

    def show_refusal(self, message: str, detail: str = "") -> None:
        """Say why nothing was recorded; ``detail`` (the server's words) behind 详细信息."""
        self._busy = False
        self.ok_button.setEnabled(True)
        self.error.setText(message)
        self.error.show()
        self.error_detail.set_detail(detail)

    def refusal_text(self) -> str:
        return "" if self.error.isHidden() else self.error.text()
