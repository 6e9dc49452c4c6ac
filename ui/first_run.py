"""First start: which office is this? (site code and name), and demo data on request."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QApplication,
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
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from complaints.usecases import site, users
from complaints.usecases.demo_users import create_demo_users
from complaints.usecases.errors import UseCaseError
from complaints.usecases.site import check_site_code
from ui.error_detail import ErrorDetail, said, say
from ui.tables import cell_text

DEFAULT_DEMO_CASES = 2000


def tr(text: str) -> str:
    return QCoreApplication.translate("FirstRun", text)


class FirstRunDialog(QDialog):
    """Asks the site code and name; offers demo data when the generator is available."""

    def __init__(self, *, demo_available: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(tr("首次启动:设置本站点"))
        intro = QLabel(
            tr(
                "欢迎使用客诉管理台。请填写本站点的代码和名称。\n"
                "站点代码会出现在每张投诉单的编号里(如 SH01-202611-0007),之后不能更改。"
            )
        )
        intro.setWordWrap(True)
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText(tr("如 SH01"))
        self.code_edit.setMaxLength(10)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(tr("如 上海浦东店"))
        self.name_edit.setMaxLength(60)
        self.demo_check = QCheckBox(tr("载入演示数据(供试用和培训)"))
        self.demo_count = QSpinBox()
        self.demo_count.setRange(100, 100_000)
        self.demo_count.setSingleStep(500)
        self.demo_count.setValue(DEFAULT_DEMO_CASES)
        self.demo_count.setSuffix(tr(" 条投诉"))
        self.demo_count.setEnabled(False)
        self.demo_check.toggled.connect(self.demo_count.setEnabled)
        if not demo_available:
            self.demo_check.setEnabled(False)
            self.demo_check.setToolTip(tr("演示数据生成器尚未提供"))
            self.demo_check.setText(tr("载入演示数据(本版本尚未提供)"))
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        form = QFormLayout()
        form.addRow(tr("站点代码"), self.code_edit)
        form.addRow(tr("站点名称"), self.name_edit)
        form.addRow(self.demo_check, self.demo_count)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("开始使用"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("退出"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def site_code(self) -> str:
        return self.code_edit.text().strip().upper()

    def site_name(self) -> str:
        return self.name_edit.text().strip()

    def wants_demo(self) -> bool:
        return self.demo_check.isEnabled() and self.demo_check.isChecked()

    def demo_cases(self) -> int:
        return self.demo_count.value()

    def problem(self) -> str | None:
        """What is wrong with the entries, in words for the user (None: all good)."""
        try:
            check_site_code(self.code_edit.text())
        except UseCaseError as e:
            return said(e).message
        if not self.site_name():
            return tr("站点名称必须填写")
        return None

    def accept(self) -> None:
        problem = self.problem()
        if problem:
            self.error_label.setText(problem)
            self.error_label.show()
            return
        super().accept()


# --- the office's people: after the administrator, before the first case ----------------------

PEOPLE_COLUMNS = ("登录名", "姓名", "角色", "所属部门(部门经理必填)")
WORKING_ROLES = ("客服专员", "客服经理", "部门经理", "总经理")


class PeopleDialog(QDialog):
    """The administrator adds the people who work at the desk, one row each, with their
    role (and a 部门经理's department). Each gets a temporary password to change at first
    sign-in; the logins and passwords are shown at the end (``created``)."""

    def __init__(self, session, departments: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.departments = departments
        self.created: list[tuple[str, str, str, str | None, str]] = []
        self.setWindowTitle(tr("首次启动:添加本站点的人员"))
        intro = QLabel(
            tr(
                "管理员账户只管理用户和数据,不能登记投诉、查看统计或审批。"
                "请为在客服台工作的人各建一个账户:每人一行,选好角色"
                "(部门经理须选所属部门)。每个账户会得到一个临时密码,首次登录时须修改。"
                "也可以稍后在“用户管理”页添加。"
            )
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(0, len(PEOPLE_COLUMNS))
        self.table.setHorizontalHeaderLabels([tr(h) for h in PEOPLE_COLUMNS])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(True)
        for role in WORKING_ROLES:
            self.add_row(role)
        add = QPushButton(tr("再加一行"))
        add.clicked.connect(lambda: self.add_row(WORKING_ROLES[0]))
        remove = QPushButton(tr("删除所选行"))
        remove.clicked.connect(self._remove_selected)
        row_buttons = QHBoxLayout()
        row_buttons.addWidget(add)
        row_buttons.addWidget(remove)
        row_buttons.addStretch(1)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(tr("创建账户"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("稍后再说"))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(row_buttons)
        layout.addWidget(self.error_label)
        self.error_detail = ErrorDetail(self)  # the server's own words of an error
        layout.addWidget(self.error_detail)
        layout.addWidget(buttons)
        self.resize(760, 420)

    def add_row(
        self, role: str, login: str = "", name: str = "", department: str | None = None
    ) -> int:
        r = self.table.rowCount()
        self.table.insertRow(r)
        self.table.setItem(r, 0, QTableWidgetItem(login))
        self.table.setItem(r, 1, QTableWidgetItem(name))
        roles = QComboBox()
        roles.addItems([tr(x) for x in WORKING_ROLES])
        roles.setCurrentIndex(WORKING_ROLES.index(role) if role in WORKING_ROLES else 0)
        self.table.setCellWidget(r, 2, roles)
        dept = QComboBox()
        dept.addItem(tr("(无)"), None)
        for d in self.departments:
            dept.addItem(d, d)
        if department:
            dept.setCurrentIndex(max(dept.findData(department), 0))
        self.table.setCellWidget(r, 3, dept)
        return r

    def _remove_selected(self) -> None:
        for r in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(r)

    def rows(self) -> list[tuple[int, str, str, str, str | None]]:
        """(row number from 1, login, name, role, department) of each row with a login or
        a name typed; empty rows are ignored."""
        out = []
        for r in range(self.table.rowCount()):
            login = cell_text(self.table, r, 0).strip()
            name = cell_text(self.table, r, 1).strip()
            if not login and not name:
                continue
            roles, departments = self.table.cellWidget(r, 2), self.table.cellWidget(r, 3)
            assert isinstance(roles, QComboBox) and isinstance(departments, QComboBox)
            role = WORKING_ROLES[roles.currentIndex()]
            dept = departments.currentData()
            out.append((r + 1, login, name, role, dept))
        return out

    def reject(self) -> None:
        """稍后再说, Esc or the window's close: rows typed and not created yet are lost, so
        the person is asked first."""
        waiting = len(self.rows())
        if waiting:
            answer = QMessageBox.question(
                self,
                tr("放弃未创建的账户"),
                tr("还有 {n} 行没有创建账户,关闭后这些内容不会保存。确定放弃吗?").format(n=waiting),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        super().reject()

    def submit(self) -> None:
        """Create the accounts on the worker, row by row; a refused row stops there with
        its row number and the reason, the rows created before it leave the table (their
        passwords are kept for the end) and nothing typed is lost."""
        rows = self.rows()
        if not rows:
            self.reject()
            return
        ctx = self.session.ctx()
        self.ok_button.setEnabled(False)
        self.error_label.hide()

        def work():
            made, problem, failed = [], None, 0
            for number, login, name, role, dept in rows:
                password = users.temporary_password(14)
                try:
                    users.add_user(ctx, login, name or login, [role], password, department=dept)
                except UseCaseError as e:
                    problem = tr("第 {n} 行({login}):{e}").format(
                        n=number, login=login or name, e=said(e).message
                    )
                    failed = number
                    break
                made.append((number, login, name or login, role, dept, password))
            return made, problem, failed

        def done(result) -> None:
            made, problem, failed = result
            for number, *rest in reversed(made):
                self.created.append(tuple(rest))
                self.table.removeRow(number - 1)
            self.created.sort(key=lambda c: WORKING_ROLES.index(c[2]))
            self.ok_button.setEnabled(True)
            if problem:
                self.error_label.setText(
                    problem + tr("(此行及以下各行尚未创建,改正后再按“创建账户”)")
                )
                self.error_label.show()
                # back on the refused row, 创建账户 still the default: Enter after the
                # correction creates the rest instead of closing the dialog
                self.ok_button.setDefault(True)
                self.table.setCurrentCell(failed - 1 - len(made), 0)
                self.table.setFocus()
                return
            self.accept()

        def failed(exc: BaseException) -> None:
            self.ok_button.setEnabled(True)
            say(exc, self.error_label, self.error_detail)
            self.error_label.show()

        self.session.taskman.run(work, done, on_error=failed, parent=self)


class LoginsDialog(QDialog):
    """The accounts just made, with their temporary passwords: to write down or copy and
    hand to each person. Each password must be changed at its first sign-in."""

    def __init__(
        self,
        logins: Sequence[tuple[str, str, str, str | None, str | None]],
        parent: QWidget | None = None,
        *,
        demo: bool = False,
    ):
        super().__init__(parent)
        self.setWindowTitle(tr("演示账户") if demo else tr("新建的账户"))
        head = (
            tr(
                "已为每个角色建好演示账户。用“文件 → 切换用户”以其中一个登录,"
                "就能以客服专员、部门经理或总经理的身份试用。"
            )
            if demo
            else tr("以下账户已建好。请把登录名和临时密码当面交给本人。")
        )
        intro = QLabel(head + tr("临时密码只显示这一次,首次登录时须修改。"))
        intro.setWordWrap(True)
        self.table = QTableWidget(len(logins), 4)
        self.table.setHorizontalHeaderLabels([tr("角色"), tr("姓名"), tr("登录名"), tr("临时密码")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        lines = []
        for i, (login, name, role, dept, password) in enumerate(logins):
            role_text = role + (f"({dept})" if dept else "")
            shown = password or tr("(账户已存在)")
            for j, v in enumerate((role_text, name, login, shown)):
                self.table.setItem(i, j, QTableWidgetItem(v))
            lines.append(f"{role_text}\t{name}\t{login}\t{shown}")
        self.text = "\n".join(lines)
        copy = QPushButton(tr("复制到剪贴板"))
        copy.clicked.connect(lambda: QApplication.clipboard().setText(self.text))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(640, 320)


def set_up_people(session, *, demo: bool, parent: QWidget | None = None) -> None:
    """Right after the first administrator: the demo accounts (shown with their passwords)
    when demo data is loaded, else the dialog that adds the office's people."""
    if demo:
        ctx = session.ctx()
        made = session.run_now(lambda: create_demo_users(ctx))
        logins = [(u.login, u.display_name, u.role, u.department, u.password) for u in made]
        shown = LoginsDialog(logins, parent, demo=True)
        shown.exec()
        shown.deleteLater()
        return
    dialog = PeopleDialog(session, site.department_names(), parent)
    dialog.exec()
    dialog.deleteLater()
    if dialog.created:
        shown = LoginsDialog(dialog.created, parent)
        shown.exec()
        shown.deleteLater()
