"""The office server's address as a person types it (服务器、端口、数据库、用户名、密码):
shared by 设置 → 数据库 and the dialog shown when the start cannot reach the server."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QFormLayout, QLineEdit, QSpinBox, QWidget

from complaints.usecases.server_link import DEFAULT_PORT, ServerFields


def tr(text: str) -> str:
    return QCoreApplication.translate("ServerFieldsForm", text)


class ServerFieldsForm(QWidget):
    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host_edit = QLineEdit(self)
        self.host_edit.setPlaceholderText(tr("服务器名或 IP,例如 192.168.1.10"))
        self.port_spin = QSpinBox(self)
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(DEFAULT_PORT)
        self.dbname_edit = QLineEdit(self)
        self.dbname_edit.setPlaceholderText(tr("例如 complaints"))
        self.user_edit = QLineEdit(self)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(tr("留空:使用已保存的密码"))
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(tr("服务器:"), self.host_edit)
        form.addRow(tr("端口:"), self.port_spin)
        form.addRow(tr("数据库:"), self.dbname_edit)
        form.addRow(tr("用户名:"), self.user_edit)
        form.addRow(tr("密码:"), self.password_edit)
        for edit in (self.host_edit, self.dbname_edit, self.user_edit, self.password_edit):
            edit.textEdited.connect(self.edited)
        self.port_spin.valueChanged.connect(self.edited)

    def fields(self) -> ServerFields:
        return ServerFields(
            self.host_edit.text().strip(),
            self.port_spin.value(),
            self.dbname_edit.text().strip(),
            self.user_edit.text().strip(),
        )

    def set_fields(self, fields: ServerFields | None) -> None:
        if fields is None:
            return
        self.host_edit.setText(fields.host)
        self.port_spin.setValue(fields.port)
        self.dbname_edit.setText(fields.dbname)
        self.user_edit.setText(fields.user)

    def password(self) -> str:
        return self.password_edit.text()
