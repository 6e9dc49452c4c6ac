"""The dialog the start shows when the office server cannot be opened: it says which (the
server does not answer, it refused the login, or the database there cannot be used) and
offers 重试, 修改连接 and 改用本机数据. The server's own words are behind its 详细信息 button
(ui/error_detail.py). The same dialog is shown again after a failed retry, so nothing typed
in it is lost."""

from __future__ import annotations

import enum

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from complaints.usecases.server_link import ServerFields
from ui.error_detail import ErrorDetail
from ui.server_fields import ServerFieldsForm


def tr(text: str) -> str:
    return QCoreApplication.translate("ServerStartDialog", text)


class Problem(enum.Enum):
    UNREACHABLE = "unreachable"
    REFUSED = "refused"
    UNUSABLE = "unusable"  # reached and signed in, but the database cannot be used


HEADINGS = {
    Problem.UNREACHABLE: "无法连接办公室服务器",
    Problem.REFUSED: "办公室服务器拒绝了登录",
    Problem.UNUSABLE: "无法使用办公室服务器上的数据库",
}


class Answer(enum.Enum):
    RETRY = "retry"  # the same address again, or the edited one (edited() says which)
    LOCAL = "local"  # this PC's own data, for this run
    QUIT = "quit"


class ServerStartDialog(QDialog):
    def __init__(
        self, fields: ServerFields, parent: QWidget | None = None, *, has_local_data: bool = True
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("客诉管理台 — 办公室服务器"))
        self.answer = Answer.QUIT
        self.heading = QLabel(self)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.heading.setFont(font)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setMinimumWidth(460)
        self.detail = ErrorDetail(self)
        self.detail.button.toggled.connect(lambda _shown: self.adjustSize())
        self.form = ServerFieldsForm(self)
        self.form.set_fields(fields)
        self.form.hide()
        self.local_note = QLabel(
            tr(
                "改用本机数据:本次使用本电脑数据文件夹中的数据(与服务器上的数据互不相通);"
                "保存的服务器设置不变,下次启动仍连接服务器。"
            )
            if has_local_data
            else tr(
                "本电脑的数据文件夹中还没有数据(这个座位一直使用办公室服务器),不能改用本机数据:"
                "那样会另建一个与办公室互不相通的站点。请等服务器恢复后重试。"
            ),
            self,
        )
        self.local_note.setWordWrap(True)
        self.local_note.setEnabled(False)

        buttons = QDialogButtonBox(self)
        self.retry_button = QPushButton(tr("重试"), self)
        self.edit_button = QPushButton(tr("修改连接"), self)
        self.local_button = QPushButton(tr("改用本机数据"), self)
        self.local_button.setEnabled(has_local_data)
        self.quit_button = QPushButton(tr("退出"), self)
        buttons.addButton(self.retry_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.edit_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.local_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.quit_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.retry_button.setDefault(True)
        self.retry_button.clicked.connect(lambda: self._answer(Answer.RETRY))
        self.local_button.clicked.connect(lambda: self._answer(Answer.LOCAL))
        self.quit_button.clicked.connect(self.reject)
        self.edit_button.clicked.connect(self.show_form)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.message)
        layout.addWidget(self.detail)
        layout.addWidget(self.form)
        layout.addWidget(self.local_note)
        layout.addWidget(buttons)

    def set_problem(self, problem: Problem, message: str, detail: str = "") -> None:
        """Say what went wrong; ``detail`` (the server's own words) behind 详细信息."""
        self.heading.setText(tr(HEADINGS[problem]))
        self.message.setText(message)
        self.detail.set_detail(detail)

    def show_form(self) -> None:
        """修改连接: the address fields, kept as typed across retries."""
        self.form.show()
        self.edit_button.setEnabled(False)
        self.retry_button.setText(tr("连接"))
        self.form.host_edit.setFocus()
        self.adjustSize()

    def edited(self) -> bool:
        """Whether the person opened 修改连接 (the fields then name the server)."""
        return not self.edit_button.isEnabled()

    def fields(self) -> ServerFields:
        return self.form.fields()

    def password(self) -> str:
        return self.form.password()

    def _answer(self, answer: Answer) -> None:
        self.answer = answer
        self.accept()

    def ask(self) -> Answer:
        """Show the dialog; what the person chose (closing it is 退出)."""
        self.answer = Answer.QUIT
        self.exec()
        return self.answer
