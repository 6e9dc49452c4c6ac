"""The first hour of a new office (issue 17 §1): after the administrator, the people who
work at the desk (or the demo accounts); an action the person may not take is disabled
with the reason as its tooltip, before the work is done."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from complaints.usecases import signin, users
from ui import first_run
from ui.first_run import LoginsDialog, PeopleDialog, set_up_people

ADMIN_REFUSAL = "无权登记投诉单:需要客服专员 或 客服经理(您的角色:管理员)"


@pytest.fixture
def admin(session, ctx):
    """The session's person is the site's administrator only (as after the first run)."""
    users.create_first_admin("admin", "管理员", "admin-pass-1", now=datetime.now(UTC))
    a = dataclasses.replace(ctx, roles=frozenset({"管理员"}), department=None)
    session.set_user(a)
    return a


def test_people_dialog_creates_an_account_per_row_and_names_a_bad_row(qtbot, session, admin):
    dlg = PeopleDialog(session, ["客服部", "售后服务部"])
    qtbot.addWidget(dlg)
    assert [dlg.table.cellWidget(r, 2).currentText() for r in range(4)] == [
        "客服专员",
        "客服经理",
        "部门经理",
        "总经理",
    ]
    for r, (login, name) in enumerate(
        (("wangli", "王丽"), ("zhaomin", "赵敏"), ("liqiang", "李强"), ("chengang", "陈刚"))
    ):
        dlg.table.item(r, 0).setText(login)
        dlg.table.item(r, 1).setText(name)
    # the 部门经理 has no department yet: that row is refused by its number, the rows
    # before it are made, the rest is still there to correct
    with qtbot.waitSignal(session.changed):
        dlg.submit()
    qtbot.waitUntil(lambda: not dlg.error_label.isHidden())
    assert dlg.error_label.text().startswith("第 3 行(liqiang):部门经理必须指定所属部门")
    assert [login for login, *_ in dlg.created] == ["wangli", "zhaomin"]
    assert dlg.table.rowCount() == 2 and dlg.table.item(0, 0).text() == "liqiang"
    dept = dlg.table.cellWidget(0, 3)
    dept.setCurrentIndex(dept.findData("售后服务部"))
    with qtbot.waitSignal(dlg.accepted):
        dlg.submit()
    made = {u.login: u for u in users.list_users()}
    assert made["liqiang"].department == "售后服务部" and "部门经理" in made["liqiang"].roles
    assert "总经理" in made["chengang"].roles and made["chengang"].must_change_password
    assert [c[2] for c in dlg.created] == ["客服专员", "客服经理", "部门经理", "总经理"]
    login, _name, _role, _dept, password = dlg.created[0]
    assert signin.sign_in(login, password, datetime.now(UTC)).login == "wangli"


def test_with_demo_data_every_role_gets_an_account_shown_once(qtbot, session, admin, monkeypatch):
    shown = []

    def fake_exec(self):
        qtbot.addWidget(self)
        shown.append(self.text)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(LoginsDialog, "exec", fake_exec)
    set_up_people(session, demo=True)
    lines = shown[0].splitlines()
    assert [line.split("\t")[0] for line in lines] == [
        "客服专员",
        "客服经理",
        "部门经理(售后服务部)",
        "部门经理(销售部)",
        "总经理",
    ]
    _role, _name, login, password = lines[-1].split("\t")
    assert signin.sign_in(login, password, datetime.now(UTC)).roles == {"总经理"}


def test_without_demo_data_the_people_dialog_follows(qtbot, session, admin, monkeypatch):
    opened = []
    monkeypatch.setattr(
        PeopleDialog, "exec", lambda self: qtbot.addWidget(self) or opened.append(self) or 0
    )
    set_up_people(session, demo=False)
    assert len(opened) == 1 and opened[0].table.rowCount() == 4
    assert first_run.WORKING_ROLES == ("客服专员", "客服经理", "部门经理", "总经理")


def test_the_administrator_sees_why_before_typing_a_case(qtbot, session, admin, qsettings):
    from ui.case_editor import CaseEditor
    from ui.main_window import MainWindow

    w = MainWindow(session, settings=qsettings)
    qtbot.addWidget(w)
    assert not w.new_case_action.isEnabled()
    assert w.new_case_action.toolTip() == ADMIN_REFUSAL
    page = w.show_page("cases")
    assert not page.new_button.isEnabled() and page.new_button.toolTip() == ADMIN_REFUSAL
    assert w.new_case() is None  # Ctrl+N from a case window: the reason, no window
    assert w.statusBar().currentMessage() == ADMIN_REFUSAL
    editor = CaseEditor(session, None)
    qtbot.addWidget(editor)
    qtbot.waitUntil(lambda: not editor._loading and editor.isEnabled())
    assert not editor.save_button.isEnabled() and not editor.form.isEnabled()
    assert editor.banner.text().startswith(ADMIN_REFUSAL) and not editor.banner.isHidden()
    # a clerk signs in: the action is there again
    session.set_user(dataclasses.replace(admin, roles=frozenset({"客服专员"})))
    assert w.new_case_action.isEnabled() and page.new_button.isEnabled()


def test_export_and_import_say_who_may(qtbot, session, ctx):
    from ui.exchange_page import ExchangePage

    session.set_user(dataclasses.replace(ctx, roles=frozenset({"总经理"})))
    page = ExchangePage(session)
    qtbot.addWidget(page)
    assert not page.export_button.isEnabled() and not page.choose.isEnabled()
    assert page.export_button.toolTip().startswith("无权导出台账:需要客服专员、客服经理 或 管理员")
    session.set_user(dataclasses.replace(ctx, roles=frozenset({"客服专员"})))
    assert page.export_button.isEnabled() and page.choose.isEnabled()


def test_stats_without_the_right_says_so(qtbot, session, admin):
    from ui.stats import StatsPage

    page = StatsPage(session)
    qtbot.addWidget(page)
    page.show()
    assert page.body.isHidden() and not page.denied.isHidden()
    assert page.denied.text().startswith("无权查看统计:需要客服专员、客服经理、部门经理 或 总经理")
    assert page.review is None
    session.set_user(dataclasses.replace(admin, roles=frozenset({"总经理"})))
    assert not page.body.isHidden() and page.denied.isHidden()
    qtbot.waitUntil(lambda: page.review is not None, timeout=10_000)


def test_after_a_refused_row_the_rows_left_are_not_lost_by_enter_or_esc(
    qtbot, session, admin, monkeypatch
):
    """The refused row gets the focus and 创建账户 stays the default button (the focus had
    moved to 稍后再说, so Enter closed the dialog); closing with rows not created asks."""
    dlg = PeopleDialog(session, ["客服部", "售后服务部"])
    qtbot.addWidget(dlg)
    dlg.show()
    for r, (login, name) in enumerate((("wangli", "王丽"), ("", ""), ("liqiang", "李强"))):
        dlg.table.item(r, 0).setText(login)
        dlg.table.item(r, 1).setText(name)
    dlg.ok_button.click()
    qtbot.waitUntil(lambda: not dlg.error_label.isHidden())
    assert dlg.error_label.text().startswith("第 3 行(liqiang)")
    assert dlg.ok_button.isDefault()
    assert dlg.table.currentRow() == 1 and dlg.table.item(1, 0).text() == "liqiang"
    asked = []

    def no(*args, **kwargs):
        asked.append(args[2])
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", staticmethod(no))
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert dlg.isVisible()
    assert "还有 1 行没有创建账户" in asked[0]
    assert dlg.table.item(1, 0).text() == "liqiang"
