"""设置 → 数据库: this PC's data (SQLite, the default) or the office's PostgreSQL server, with a
connection test and, after saving, a restart (the database is chosen at the start).

Registered in ui.settings_page.SETTINGS_TABS as ("数据库", "ui.settings_database:DatabaseTab").
The connection test runs on a thread of its own, not on the worker: it talks to a server the
program does not use yet, and may wait for it up to the connection timeout, while the worker
keeps serving the pages from the database in use.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from complaints.usecases import server_link, server_test
from complaints.usecases.errors import UseCaseError
from complaints.usecases.server_link import ServerFields
from complaints.usecases.server_test import ConnectionTest
from ui.error_detail import ErrorDetail, say, warn
from ui.permits import gate
from ui.restart import request_restart
from ui.server_fields import ServerFieldsForm


def tr(text: str) -> str:
    return QCoreApplication.translate("DatabaseTab", text)


def describe(result: ConnectionTest) -> str:
    """What a connection test found, as a person reads it."""
    if result.kind in (server_test.UNREACHABLE, server_test.REFUSED):
        return result.message  # it says which; the server's words are in 详细信息
    server = tr("PostgreSQL {version}").format(version=result.server_version)
    if result.kind == "ready":
        return tr("连接成功:{server},站点 {site},共 {cases} 件投诉。").format(
            server=server, site=result.site, cases=result.cases
        )
    if result.kind == "empty":
        return tr(
            "连接成功({server}),但数据库是空的,尚未初始化:保存并重启后,"
            "本程序会在其中建立数据表,并请您设置站点。"
        ).format(server=server)
    if result.kind == "no_site":
        return tr("连接成功({server}),数据表已建立但尚未初始化站点:重启后会请您设置站点。").format(
            server=server
        )
    if result.kind == "older":
        return tr(
            "连接成功({server}),站点 {site},共 {cases} 件投诉;数据库结构版本 {have} "
            "较旧,重启后本程序会先将其升级到版本 {want}(其他座席也须升级本程序)。"
        ).format(
            server=server,
            site=result.site or tr("未设置"),
            cases=result.cases,
            have=result.schema_version,
            want=result.program_version,
        )
    if result.kind == "newer":
        return tr(
            "数据库结构版本不符:服务器上的版本 {have} 比本程序(版本 {want})新,"
            "请先把本电脑的客诉管理台升级到最新版本。"
        ).format(have=result.schema_version, want=result.program_version)
    if result.kind == "not_utf8":
        return tr(
            "数据库编码为 {encoding},本程序需要 UTF8 编码的数据库(投诉内容为中文):"
            "请服务器管理员按说明重建数据库(createdb --encoding UTF8 --template template0 …)。"
        ).format(encoding=result.encoding)
    return tr(
        "数据库结构不符:该数据库中已有其他程序的数据表(没有客诉管理台的版本表),"
        "本程序不会使用它。请向管理员确认数据库名。"
    )


class _Relay(QObject):
    """Carries a result from the test's thread to the GUI thread (a queued signal)."""

    done = Signal(object)  # ConnectionTest, or the error (a bad address, the server's)


class DatabaseTab(QWidget):
    tested = Signal(object)  # ConnectionTest (or the error), on the GUI thread
    saved = Signal(bool)  # True: the office server, False: this PC's data

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._last_ok: ServerFields | None = None  # the fields the last good test was for
        self._relay = _Relay()
        self._relay.done.connect(self._show_result)

        self.local_radio = QRadioButton(tr("本机(数据保存在本电脑的数据文件夹,默认)"), self)
        self.server_radio = QRadioButton(tr("办公室服务器(PostgreSQL,多台电脑共用)"), self)
        choice = QButtonGroup(self)
        choice.addButton(self.local_radio)
        choice.addButton(self.server_radio)
        self.form = ServerFieldsForm(self)
        self.form.edited.connect(self._edited)
        self.test_button = QPushButton(tr("测试连接"), self)
        self.test_button.clicked.connect(self.test)
        self.save_button = QPushButton(tr("保存"), self)
        self.save_button.clicked.connect(self.save)
        self.result_label = QLabel(self)
        self.result_label.setWordWrap(True)
        self.result_detail = ErrorDetail(self)  # the server's own words of a failed test
        self.in_use_label = QLabel(self)
        self.in_use_label.setWordWrap(True)
        note = QLabel(
            tr(
                "密码不会以明文保存在设置中:保存到系统凭据管理器(已安装 keyring 时),"
                "否则保存到 PostgreSQL 的 pgpass 密码文件(仅本账户可读)。"
                "启动时的优先顺序:命令行 --database > 环境变量 COMPLAINTDESK_DATABASE > "
                "此处的设置。更改在重新启动程序后生效。"
            ),
            self,
        )
        note.setWordWrap(True)
        note.setEnabled(False)
        note.setMaximumWidth(720)

        box = QGroupBox(tr("数据库位置"), self)
        box.setMaximumWidth(720)  # an address is short: the fields need not span the screen
        inner = QVBoxLayout(box)
        inner.addWidget(self.local_radio)
        inner.addWidget(self.server_radio)
        inner.addWidget(self.form)
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        inner.addLayout(buttons)
        inner.addWidget(self.result_label)
        inner.addWidget(self.result_detail)
        layout = QVBoxLayout(self)
        layout.addWidget(self.in_use_label)
        layout.addWidget(box)
        layout.addWidget(note)
        layout.addStretch(1)

        self.local_radio.toggled.connect(self._choice_changed)
        self._load()
        self._gate()
        session.user_changed.connect(self._gate)

    def _gate(self) -> None:
        """保存 follows who is signed in (the use case checks again)."""
        gate(self.save_button, self.session.ctx(), "settings.site")

    # --- reading -------------------------------------------------------------------------------

    def _load(self) -> None:
        try:
            saved = server_link.saved_choice(self.session.paths.root)
        except UseCaseError as e:
            saved = None
            say(e, self.result_label, self.result_detail)
        self.form.set_fields(saved)
        (self.server_radio if saved is not None else self.local_radio).setChecked(True)
        self._choice_changed()
        in_use = server_link.database_in_use()
        text = tr("当前使用的数据库:{where}").format(where=in_use)
        said = server_link.describe_choice(saved)
        if said != in_use:
            text += tr(
                "(保存的设置为:{said};本次启动由命令行 --database 或环境变量 "
                "COMPLAINTDESK_DATABASE 指定,或启动时改用了本机数据)"
            ).format(said=said)
        self.in_use_label.setText(text)

    def _choice_changed(self) -> None:
        on_server = self.server_radio.isChecked()
        self.form.setEnabled(on_server)
        self.test_button.setEnabled(on_server)

    def _edited(self) -> None:
        self._last_ok = None
        self.result_label.clear()
        self.result_detail.set_detail("")

    # --- 测试连接 ----------------------------------------------------------------------------

    def test(self) -> None:
        """Test the typed server on a thread of its own; ``tested`` says the result."""
        fields = self.form.fields()
        password = self.form.password()
        self.test_button.setEnabled(False)
        self.result_label.setText(tr("正在连接 {host}……").format(host=fields.host or "?"))
        self.result_detail.set_detail("")
        relay = self._relay

        def run() -> None:
            try:
                result: object = server_test.try_connection(fields, password)
            except Exception as e:  # never a traceback in a person's face: said on the tab
                result = e
            relay.done.emit((fields, result))

        threading.Thread(target=run, name="server-test", daemon=True).start()

    def _show_result(self, payload: tuple[ServerFields, object]) -> None:
        fields, result = payload
        self.test_button.setEnabled(self.server_radio.isChecked())
        if isinstance(result, ConnectionTest):
            self.result_label.setText(describe(result))
            self.result_detail.set_detail(result.detail)
            if result.usable and fields == self.form.fields():
                self._last_ok = fields
        elif isinstance(result, BaseException):
            say(result, self.result_label, self.result_detail)
        self.tested.emit(result)

    # --- 保存 ----------------------------------------------------------------------------------

    def save(self) -> None:
        """Keep the choice (and a typed password), then offer to restart the program."""
        fields = self.form.fields() if self.server_radio.isChecked() else None
        if (
            fields is not None
            and fields != self._last_ok
            and QMessageBox.question(
                self,
                tr("保存数据库设置"),
                tr("尚未成功测试这个服务器的连接。仍然保存吗?"),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,  # Enter keeps the working choice
            )
            != QMessageBox.StandardButton.Yes
        ):
            return
        try:
            where = server_link.save_choice(
                self.session.ctx(), self.session.paths.root, fields, self.form.password()
            )
        except UseCaseError as e:
            warn(self, tr("保存数据库设置"), e)
            return
        self.form.password_edit.clear()
        self.saved.emit(fields is not None)
        said = tr("已保存:重新启动客诉管理台后使用{what}。").format(
            what=tr("办公室服务器") if fields is not None else tr("本机数据")
        )
        if where:
            said += tr("密码已保存到{where}。").format(where=where)
        self.result_label.setText(said)
        if (
            QMessageBox.question(self, tr("重新启动"), said + "\n\n" + tr("现在重新启动吗?"))
            == QMessageBox.StandardButton.Yes
        ):
            request_restart(self.window())
