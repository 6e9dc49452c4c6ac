"""用户 page for the administrator: accounts, roles, passwords, locks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from complaints.rules.permissions import ROLES
from complaints.usecases import auth, site, users
from complaints.usecases.changes import OpChanges
from complaints.usecases.errors import UseCaseError
from ui.error_detail import said, warn
from ui.session import Session
from ui.tables import read_only

HEADERS = ("登录名", "显示名", "角色", "部门", "状态", "上次登录")


def tr(text: str) -> str:
    return QCoreApplication.translate("UsersPage", text)


class UserDialog(QDialog):
    """Add a person (with a temporary password) or edit name, roles, department."""

    def __init__(
        self,
        departments: list[str],
        user: users.UserInfo | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle(tr("修改用户") if user else tr("新增用户"))
        self.login_edit = QLineEdit(user.login if user else "")
        self.login_edit.setEnabled(user is None)
        self.name_edit = QLineEdit(user.display_name if user else "")
        self.role_checks = {r: QCheckBox(r) for r in ROLES}
        roles_box = QWidget()
        row = QHBoxLayout(roles_box)
        row.setContentsMargins(0, 0, 0, 0)
        for r, c in self.role_checks.items():
            c.setChecked(bool(user and r in user.roles))
            row.addWidget(c)
        self.department_combo = QComboBox()
        self.department_combo.addItem(tr("(无)"), None)
        for d in departments:
            self.department_combo.addItem(d, d)
        if user and user.department:
            i = self.department_combo.findData(user.department)
            self.department_combo.setCurrentIndex(max(i, 0))
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.hide()
        form = QFormLayout()
        form.addRow(tr("登录名"), self.login_edit)
        form.addRow(tr("显示名"), self.name_edit)
        form.addRow(tr("角色"), roles_box)
        form.addRow(tr("所属部门"), self.department_combo)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        if user is None:
            note = QLabel(tr("将生成一个临时密码,此人首次登录时须修改。"))
            layout.addWidget(note)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def show_again(self, typed: dict, problem: str) -> None:
        """The values typed before a refusal, and the refusal's reason under them."""
        self.login_edit.setText(typed["login"])
        self.name_edit.setText(typed["display_name"])
        for r, c in self.role_checks.items():
            c.setChecked(r in typed["roles"])
        self.department_combo.setCurrentIndex(
            max(self.department_combo.findData(typed["department"]), 0)
        )
        self.error_label.setText(problem)
        self.error_label.show()

    def values(self) -> dict:
        return {
            "login": self.login_edit.text().strip(),
            "display_name": self.name_edit.text().strip(),
            "roles": [r for r, c in self.role_checks.items() if c.isChecked()],
            "department": self.department_combo.currentData(),
        }


class UsersPage(QWidget):
    def __init__(
        self,
        session: Session,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ):
        super().__init__(parent)
        self.session = session
        self._now = clock or (lambda: datetime.now(UTC))
        self._users: list[users.UserInfo] = []
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels([tr(h) for h in HEADERS])
        read_only(self.table, single=True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _i: self.edit_user())
        self.add_button = QPushButton(tr("新增用户…"))
        self.edit_button = QPushButton(tr("修改…"))
        self.reset_button = QPushButton(tr("重置密码…"))
        self.unlock_button = QPushButton(tr("解锁"))
        self.active_button = QPushButton(tr("停用"))
        self.add_button.clicked.connect(lambda _checked=False: self.add_user())
        self.edit_button.clicked.connect(lambda _checked=False: self.edit_user())
        self.reset_button.clicked.connect(self.reset_password)
        self.unlock_button.clicked.connect(self.unlock)
        self.active_button.clicked.connect(self.toggle_active)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        bar = QHBoxLayout()
        for b in (
            self.add_button,
            self.edit_button,
            self.reset_button,
            self.unlock_button,
            self.active_button,
        ):
            bar.addWidget(b)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.notice)
        layout.addWidget(self.table)
        session.changed.connect(self._on_changed)
        session.user_changed.connect(self.reload)
        self.reload()

    # --- loading ----------------------------------------------------------------------------

    def _on_changed(self, changes: OpChanges) -> None:
        if "users" in changes:
            self.reload()

    def reload(self) -> None:
        ctx = self.session.ctx()
        if not auth.allowed(ctx, "users.manage"):
            self._show([])
            self.notice.setText(tr("只有管理员可以管理用户。"))
            for b in (
                self.add_button,
                self.edit_button,
                self.reset_button,
                self.unlock_button,
                self.active_button,
            ):
                b.setEnabled(False)
            return
        self.notice.setText("")
        self.add_button.setEnabled(True)
        self.session.taskman.run(users.list_users, self._show, parent=self)

    def _show(self, rows: list[users.UserInfo]) -> None:
        self._users = rows
        now = self._now()
        ctx = self.session.ctx()
        self.table.setRowCount(len(rows))
        for i, u in enumerate(rows):
            if not u.active:
                state = tr("停用")
            elif u.is_locked(now) and u.locked_until is not None:
                state = tr("锁定至 ") + f"{ctx.local(u.locked_until):%H:%M}"
            else:
                state = tr("正常")
            if u.active and u.must_change_password:
                state += tr("(须改密码)")
            last = f"{ctx.local(u.last_sign_in_at):%Y-%m-%d %H:%M}" if u.last_sign_in_at else ""
            for j, v in enumerate(
                (u.login, u.display_name, u.roles_text, u.department or "", state, last)
            ):
                item = QTableWidgetItem(v)
                item.setData(Qt.ItemDataRole.UserRole, u.login)
                self.table.setItem(i, j, item)
        self._update_buttons()

    def selected(self) -> users.UserInfo | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        return self._users[rows[0].row()]

    def select_login(self, login: str) -> None:
        for i, u in enumerate(self._users):
            if u.login == login:
                self.table.selectRow(i)
                return

    def _update_buttons(self) -> None:
        u = self.selected()
        allowed = auth.allowed(self.session.ctx(), "users.manage")
        for b in (self.edit_button, self.reset_button, self.active_button):
            b.setEnabled(allowed and u is not None)
        self.unlock_button.setEnabled(allowed and u is not None and u.is_locked(self._now()))
        self.active_button.setText(tr("启用") if u is not None and not u.active else tr("停用"))

    # --- actions ----------------------------------------------------------------------------

    def _write(
        self,
        fn: Callable[[], Any],
        done_text: str | Callable[[Any], str],
        refused: Callable[[str], None] | None = None,
    ) -> None:
        """Run ``fn``; ``refused(reason)`` hears a refusal (the dialog comes back as typed)."""

        def done(result) -> None:
            text = done_text(result) if callable(done_text) else done_text
            if text:
                QMessageBox.information(self, tr("用户"), text)

        def failed(exc: BaseException) -> None:
            if refused is not None and isinstance(exc, UseCaseError):
                refused(said(exc).message)
            else:
                warn(self, tr("用户"), exc)

        self.session.taskman.run(
            fn, done, on_error=None if refused is None else failed, parent=self
        )

    def add_user(self, typed: dict | None = None, problem: str = "") -> None:
        """A refused account (no role, a 部门经理 without department, a login taken) brings
        the dialog back as it was typed, the reason under it: nothing typed is lost."""
        dlg = UserDialog(site.department_names(), parent=self)
        if typed is not None:
            dlg.show_again(typed, problem)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        v, ctx, temp = dlg.values(), self.session.ctx(), users.temporary_password()
        self._write(
            lambda: users.add_user(
                ctx, v["login"], v["display_name"], v["roles"], temp, department=v["department"]
            ),
            lambda u: (
                tr("已新增 ")
                + f"{u.login}。"
                + tr("临时密码:")
                + temp
                + tr("(首次登录须修改,请当面告知本人)")
            ),
            refused=lambda why: self.add_user(v, why),
        )

    def edit_user(self, typed: dict | None = None, problem: str = "") -> None:
        u = self.selected()
        if u is None:
            return
        dlg = UserDialog(site.department_names(), u, parent=self)
        if typed is not None:
            dlg.show_again(typed, problem)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        v, ctx = dlg.values(), self.session.ctx()
        self._write(
            lambda: users.update_user(
                ctx,
                u.login,
                display_name=v["display_name"],
                roles=v["roles"],
                department=v["department"],
            ),
            "",
            refused=lambda why: self.edit_user(v, why),
        )

    def reset_password(self) -> None:
        u = self.selected()
        if u is None:
            return
        if (
            QMessageBox.question(
                self, tr("重置密码"), tr("为 ") + u.display_name + tr(" 生成新的临时密码?")
            )
            != QMessageBox.StandardButton.Yes
        ):
            return
        ctx, temp = self.session.ctx(), users.temporary_password()
        self._write(
            lambda: users.reset_password(ctx, u.login, temp),
            tr("新的临时密码:") + temp + tr("(此人登录时须修改)"),
        )

    def unlock(self) -> None:
        u = self.selected()
        if u is not None:
            ctx = self.session.ctx()
            self._write(lambda: users.unlock(ctx, u.login), "")

    def toggle_active(self) -> None:
        u = self.selected()
        if u is not None:
            ctx = self.session.ctx()
            self._write(lambda: users.set_active(ctx, u.login, not u.active), "")
