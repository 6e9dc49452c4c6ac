"""宣布突发事件: the case window's button and dialog declaring a case an emergency.

The use case (complaints.usecases.emergency.declare) raises the case to 重大投诉 and notes
that the general manager was told; the to-do list then shows it on top.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from complaints.types import EmergencyKind, State
from complaints.usecases import emergency
from ui.error_detail import ErrorDetail, said
from ui.toast import show_toast

BUTTON_STYLE = "QPushButton { color: #ffffff; background: #c62828; font-weight: bold; }"
BANNER = "<span style='color:#ffffff;background:#c62828;'>&nbsp;突发事件({kind})&nbsp;</span> "


def tr(text: str) -> str:
    return QCoreApplication.translate("CaseEmergency", text)


def banner(case: dict) -> str:
    """The red mark the case's summary line starts with ("" for no emergency)."""
    kind = case.get("emergency")
    return tr(BANNER).format(kind=kind) if kind else ""


def may_declare(case: dict) -> bool:
    return not case.get("emergency") and case.get("state") != State.CLOSED.value


class EmergencyDialog(QDialog):
    """Pick the kind, say a word; 宣布 calls ``submit(kind, note)``."""

    def __init__(
        self, number: str, submit: Callable[[str, str], None], parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.setWindowTitle(f"{number} — {tr('宣布突发事件')}")
        self.setMinimumWidth(460)
        self._submit = submit
        lay = QVBoxLayout(self)
        head = QLabel(
            tr(
                "宣布后:投诉单升为重大投诉,按涉及媒体的时限上报厂家(D2),立即通知总经理"
                "(待办置顶);关闭时须填写简要复盘。"
            )
        )
        head.setWordWrap(True)
        lay.addWidget(head)
        form = QFormLayout()
        lay.addLayout(form)
        self.kinds = QButtonGroup(self)
        self.kind_buttons: dict[str, QRadioButton] = {}
        row = QHBoxLayout()
        for k in EmergencyKind:
            b = QRadioButton(tr(k.value))
            self.kinds.addButton(b)
            self.kind_buttons[k.value] = b
            row.addWidget(b)
        row.addStretch(1)
        form.addRow(tr("类型"), row)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText(tr("情况说明(可不填),如:客户在抖音发布视频"))
        self.note.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        form.addRow(tr("说明"), self.note)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)
        self.error.hide()
        lay.addWidget(self.error)
        self.error_detail = ErrorDetail(self)  # the server's own words of a refusal
        lay.addWidget(self.error_detail)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(tr("宣布"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        buttons.accepted.connect(self.try_submit)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def kind(self) -> str | None:
        checked = self.kinds.checkedButton()
        return next((k for k, b in self.kind_buttons.items() if b is checked), None)

    def try_submit(self) -> None:
        kind = self.kind()
        if kind is None:
            self.show_refusal(tr("请选择突发事件类型"))
            return
        self.ok_button.setEnabled(False)
        self._submit(kind, self.note.toPlainText().strip())

    def show_refusal(self, message: str, detail: str = "") -> None:
        self.ok_button.setEnabled(True)
        self.error.setText(message)
        self.error.show()
        self.error_detail.set_detail(detail)


def declare_button(panel, case_id: int, number: str) -> QPushButton:
    """The red 宣布突发事件 button of a case's workflow panel (``panel.session``)."""
    b = QPushButton(tr("宣布突发事件"), panel)
    b.setStyleSheet(BUTTON_STYLE)
    b.setToolTip(tr("群体客户、媒体曝光、安全事故、诉讼:升为重大,立即通知总经理"))
    b.clicked.connect(lambda _c=False: open_dialog(panel, case_id, number))
    return b


def open_dialog(panel, case_id: int, number: str) -> EmergencyDialog:
    session = panel.session
    ctx = session.ctx()
    dialog = EmergencyDialog(number, lambda kind, note: None, panel)

    def submit(kind: str, note: str) -> None:
        def failed(exc: BaseException) -> None:
            told = said(exc)
            dialog.show_refusal(told.message, told.detail)

        def done(_result: object) -> None:
            show_toast(panel, tr("已宣布突发事件:{n},已通知总经理").format(n=number))
            dialog.accept()

        session.taskman.run(
            lambda: emergency.declare(ctx, case_id, kind, note),
            done,
            on_error=failed,
            parent=panel,
        )

    dialog._submit = submit
    dialog.open()
    return dialog
