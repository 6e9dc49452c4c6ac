"""Sign-in at start, switching user, first administrator, changing a password.

The dialogs call the users' use cases on the session's worker thread and hand back a
Context (``dialog.ctx``); ``sign_in_at_start`` and ``switch_user`` put it into the session.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from complaints.usecases import settings, signin, users
from complaints.usecases.context import Context
from ui import options
from ui.error_detail import ErrorDetail, said
from ui.session import Session


def tr(text: str) -> str:
    return QCoreApplication.translate("SignIn", text)


def _now_fn(clock: Callable[[], datetime] | None) -> Callable[[], datetime]:
    return clock or (lambda: datetime.now(UTC))


class _Form(QDialog):
    """A small form with an error line and OK/Cancel; the work runs on the worker."""

    def __init__(
        self, session: Session, title: str, intro: str, ok_text: str, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.session = session
        self.ctx: Context | None = None
        self.setWindowTitle(title)
        self.setMinimumWidth(360)
        self.form = QFormLayout()
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.error_detail = ErrorDetail(self)  # the server's own words of an error
        self.error_detail.button.toggled.connect(lambda _shown: self._fit())
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if intro:
            label = QLabel(intro)
            label.setWordWrap(True)
            layout.addWidget(label)
        layout.addLayout(self.form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.error_detail)
        layout.addWidget(self.buttons)

    def showEvent(self, event: QShowEvent) -> None:
        """The buttons are made before the boxes: without this the keyboard would start on
        the OK button, and a person typing their new password would type into nothing."""
        super().showEvent(event)
        if not isinstance(self.focusWidget(), QLineEdit):
            empty = [e for e in self.findChildren(QLineEdit) if e.isVisible() and not e.text()]
            if empty:
                empty[0].setFocus()

    def _password_edit(self) -> QLineEdit:
        e = QLineEdit()
        e.setEchoMode(QLineEdit.EchoMode.Password)
        return e

    def show_error(self, message: str, detail: str = "") -> None:
        self.error_label.setText(message)
        self.error_label.show()
        self.error_detail.set_detail(detail)
        self.ok_button.setEnabled(True)
        self._fit()

    def _fit(self) -> None:
        # a message of two lines makes the form taller, never squeezes the boxes
        layout = self.layout()
        if layout is not None:
            layout.activate()
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def _run(self, fn, on_done) -> None:
        self.ok_button.setEnabled(False)
        self.error_label.hide()
        self.error_detail.set_detail("")

        def failed(exc: BaseException) -> None:
            told = said(exc)
            self.show_error(told.message, told.detail)

        self.session.taskman.run(fn, on_done, on_error=failed, parent=self)

    def _submit(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class SignInDialog(_Form):
    """登录: login and password; 记住我 where the office allows it."""

    def __init__(
        self,
        session: Session,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        login: str = "",
    ):
        super().__init__(session, tr("登录 — 客诉管理台"), "", tr("登录"), parent)
        self._clock = clock
        self._now = _now_fn(clock)
        # the login name used last on this PC: only the password to type
        login = login or options.LAST_LOGIN.read(session.ui_settings)
        self.login_edit = QLineEdit(login)
        self.password_edit = self._password_edit()
        self.remember_check = QCheckBox(tr("在这台电脑上记住我(下次启动免登录)"))
        self.form.addRow(tr("登录名"), self.login_edit)
        self.form.addRow(tr("密码"), self.password_edit)
        self.form.addRow("", self.remember_check)
        self.remember_check.setVisible(bool(settings.get("auth.allow_remember")))
        self.user: users.UserInfo | None = None
        (self.password_edit if login else self.login_edit).setFocus()

    def _submit(self) -> None:
        login, password = self.login_edit.text().strip(), self.password_edit.text()
        if not login or not password:
            self.show_error(tr("请填写登录名和密码"))
            return
        remember = self.remember_check.isVisible() and self.remember_check.isChecked()
        now = self._now()
        self.password_edit.clear()  # a wrong one is typed again from scratch
        self.password_edit.setFocus()

        def work():
            u = signin.sign_in(login, password, now)
            return u

        def done(u: users.UserInfo) -> None:
            self.password_edit.clear()
            options.LAST_LOGIN.write(self.session.ui_settings, u.login)
            ctx = users.context_for_user(u, clock=self._clock)
            if u.must_change_password:
                dlg = ChangePasswordDialog(
                    self.session, ctx, self, forced=True, old_password=password
                )
                if dlg.exec() != QDialog.DialogCode.Accepted:
                    self.show_error(tr("首次登录须修改密码"))
                    return
            if remember:
                self.session.taskman.run(lambda: signin.remember(ctx, u.login), parent=self)
            self.user, self.ctx = u, ctx
            self.accept()

        self._run(work, done)


class FirstAdminDialog(_Form):
    """First start: the administrator's account (only when there is none)."""

    def __init__(
        self,
        session: Session,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ):
        super().__init__(
            session,
            tr("首次启动:创建管理员"),
            tr(
                "请创建本站点的管理员账户。管理员负责新增用户、重置密码、备份与恢复;"
                "认定责任和审批奖惩须由总经理的账户进行。"
            ),
            tr("创建"),
            parent,
        )
        self._clock = clock
        self._now = _now_fn(clock)
        self.login_edit = QLineEdit("admin")
        self.name_edit = QLineEdit()
        self.password_edit = self._password_edit()
        self.again_edit = self._password_edit()
        self.form.addRow(tr("登录名"), self.login_edit)
        self.form.addRow(tr("姓名"), self.name_edit)
        self.form.addRow(tr("密码(至少 8 位)"), self.password_edit)
        self.form.addRow(tr("再输入一次"), self.again_edit)

    def _submit(self) -> None:
        if self.password_edit.text() != self.again_edit.text():
            self.show_error(tr("两次输入的密码不一致"))
            return
        login, name, pw = (self.login_edit.text(), self.name_edit.text(), self.password_edit.text())
        now = self._now()

        def done(u: users.UserInfo) -> None:
            self.ctx = users.context_for_user(u, clock=self._clock)
            self.accept()

        self._run(lambda: users.create_first_admin(login, name, pw, now=now), done)


class ChangePasswordDialog(_Form):
    """The signed-in person changes their own password (forced at first sign-in)."""

    def __init__(
        self,
        session: Session,
        ctx: Context,
        parent: QWidget | None = None,
        *,
        forced: bool = False,
        old_password: str | None = None,
    ):
        intro = tr("这是您第一次登录或密码刚被重置,请设置自己的新密码。") if forced else ""
        super().__init__(session, tr("修改密码"), intro, tr("修改"), parent)
        self._ctx = ctx
        self.old_edit = self._password_edit()
        self.new_edit = self._password_edit()
        self.again_edit = self._password_edit()
        if old_password is not None:
            self.old_edit.setText(old_password)
        else:
            self.form.addRow(tr("当前密码"), self.old_edit)
        self.form.addRow(tr("新密码(至少 8 位)"), self.new_edit)
        self.form.addRow(tr("再输入一次"), self.again_edit)

    def _submit(self) -> None:
        if self.new_edit.text() != self.again_edit.text():
            self.show_error(tr("两次输入的新密码不一致"))
            return
        old, new, ctx = self.old_edit.text(), self.new_edit.text(), self._ctx
        self._run(lambda: users.change_own_password(ctx, old, new), lambda _: self.accept())


def start_context(
    session: Session, parent: QWidget | None = None, *, clock: Callable[[], datetime] | None = None
) -> Context | None:
    """Who works at start: the first administrator to create, the remembered person (if
    the office allows it), or whoever signs in. None: the person cancelled."""
    if users.needs_first_admin():
        dlg: _Form = FirstAdminDialog(session, parent, clock=clock)
        return dlg.ctx if dlg.exec() == QDialog.DialogCode.Accepted else None
    remembered = signin.remembered_user(_now_fn(clock)())
    if remembered is not None:
        return users.context_for_user(remembered, clock=clock)
    dlg = SignInDialog(session, parent, clock=clock)
    return dlg.ctx if dlg.exec() == QDialog.DialogCode.Accepted else None


def sign_in_at_start(
    session: Session, parent: QWidget | None = None, *, clock: Callable[[], datetime] | None = None
) -> bool:
    """Put the person of ``start_context`` into the session; False if cancelled."""
    ctx = start_context(session, parent, clock=clock)
    if ctx is None:
        return False
    session.set_user(ctx)
    return True


def switch_user(
    session: Session, parent: QWidget | None = None, *, clock: Callable[[], datetime] | None = None
) -> bool:
    """切换用户 without restarting: the current person is signed out (and forgotten on
    this PC), someone else signs in. Cancelling keeps the current person."""
    dlg = SignInDialog(session, parent, clock=clock)
    if dlg.exec() != QDialog.DialogCode.Accepted or dlg.ctx is None:
        return False
    old = session.ctx()
    if old.user_id is not None and old.user_id != dlg.ctx.user_id:
        signin.sign_out(old)
        if settings.get("auth.remembered_login") and not dlg.remember_check.isChecked():
            signin.remember(old, None)
    session.set_user(dlg.ctx)
    return True
