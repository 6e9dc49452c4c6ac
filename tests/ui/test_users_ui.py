"""Sign-in dialogs, the users page, the audit page and the 历史 tab (pytest-qt, offscreen)."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from complaints.usecases import audit, cases, signin, users
from tests.conftest import FIXED_NOW
from ui import sign_in
from ui.audit_page import AuditPage
from ui.history_tab import HistoryTab
from ui.users_page import UsersPage

PW = "admin-pass-1"


@pytest.fixture
def no_boxes(monkeypatch):
    said = []
    for name in ("information", "warning"):
        monkeypatch.setattr(
            QMessageBox, name, staticmethod(lambda _p, title, text, *a, **k: said.append(text))
        )
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)
    )
    return said


def test_first_admin_then_sign_in(qtbot, session):
    dlg = sign_in.FirstAdminDialog(session, clock=lambda: FIXED_NOW)
    qtbot.addWidget(dlg)
    dlg.name_edit.setText("张管理")
    dlg.password_edit.setText(PW)
    dlg.again_edit.setText("different")
    dlg.ok_button.click()
    assert "不一致" in dlg.error_label.text()
    dlg.again_edit.setText(PW)
    dlg.ok_button.click()
    qtbot.waitUntil(lambda: dlg.result() == QDialog.DialogCode.Accepted)
    assert dlg.ctx.roles == {"管理员"} and dlg.ctx.actor == "张管理"

    s = sign_in.SignInDialog(session, clock=lambda: FIXED_NOW)
    qtbot.addWidget(s)
    s.login_edit.setText("admin")
    s.password_edit.setText("wrong-pass")
    s.ok_button.click()
    qtbot.waitUntil(lambda: s.error_label.isVisibleTo(s))
    assert "用户名或密码不正确" in s.error_label.text()
    assert s.remember_check.isHidden()  # the office has not allowed remembering
    s.password_edit.setText(PW)
    s.ok_button.click()
    qtbot.waitUntil(lambda: s.result() == QDialog.DialogCode.Accepted)
    assert s.ctx.user_id == dlg.ctx.user_id
    assert [e.event for e in audit.entries(newest_first=False)] == [
        "user.create",
        "sign_in.failed",
        "sign_in",
    ]
    # issue 17 §5: the wrong password was cleared; the next sign-in knows the login name
    again = sign_in.SignInDialog(session, clock=lambda: FIXED_NOW)
    qtbot.addWidget(again)
    assert again.login_edit.text() == "admin" and again.password_edit.text() == ""
    again.password_edit.setText("wrong-again")
    again.ok_button.click()
    assert again.password_edit.text() == ""
    qtbot.waitUntil(lambda: again.error_label.isVisibleTo(again))


def test_users_page_lists_and_unlocks(qtbot, session, no_boxes):
    admin = users.create_first_admin("admin", "张管理", PW, now=FIXED_NOW)
    session.set_user(users.context_for_user(admin, clock=lambda: FIXED_NOW))
    users.add_user(session.ctx(), "li", "李专员", ["客服专员"], "li-pass-11")
    for _ in range(5):
        with pytest.raises(users.SignInFailed):
            signin.sign_in("li", "wrong-wrong", FIXED_NOW)
    page = UsersPage(session, clock=lambda: FIXED_NOW)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.table.rowCount() == 2)
    page.select_login("li")
    assert "锁定至" in page.table.item(1, 4).text()
    assert page.unlock_button.isEnabled()
    page.unlock_button.click()
    qtbot.waitUntil(lambda: not users.get_user("li").is_locked(FIXED_NOW))
    qtbot.waitUntil(
        lambda: (
            page.table.item(1, 4) is not None and page.table.item(1, 4).text().startswith("正常")
        )
    )
    page.select_login("li")
    page.reset_button.click()
    qtbot.waitUntil(lambda: any("临时密码" in t for t in no_boxes))
    temp = no_boxes[-1].split("临时密码:")[1][:10]
    assert signin.sign_in("li", temp, FIXED_NOW).must_change_password


def test_users_page_refuses_a_clerk(qtbot, session):
    session.set_user(dataclasses.replace(session.ctx(), roles=frozenset({"客服专员"})))
    page = UsersPage(session)
    qtbot.addWidget(page)
    assert "只有管理员" in page.notice.text()
    assert not page.add_button.isEnabled()


def test_audit_page_filters_verifies_exports(qtbot, session, tmp_path, no_boxes):
    ctx = session.ctx()
    r = cases.create_case(ctx, {**cases.blank_case(ctx), "customer_name": "张伟", "content": "x"})
    cases.update_case(ctx, r.id, {"plan": "道歉"})
    page = AuditPage(session)
    qtbot.addWidget(page)
    # the office's today (the session's clock), not the PC's (issue 17 §5)
    assert page.until_edit.date().toPython() == ctx.local(ctx.now()).date()
    page.since_edit.setDate(page.since_edit.date().fromString("2026-11-01", "yyyy-MM-dd"))
    page.until_edit.setDate(page.until_edit.date().fromString("2026-11-30", "yyyy-MM-dd"))
    page.search_button.click()
    qtbot.waitUntil(lambda: page.table.rowCount() == 2)
    assert page.table.item(0, 3).text() == "修改投诉单"
    assert "plan: None → 道歉" in page.table.item(0, 5).text()
    # the time and the event read whole (the columns follow their content)
    fm = page.table.fontMetrics()
    assert page.table.columnWidth(1) >= fm.horizontalAdvance(page.table.item(0, 1).text())
    page.text_edit.setText("不存在的字")
    page.search_button.click()
    qtbot.waitUntil(lambda: page.table.rowCount() == 0)
    page.verify_button.click()
    qtbot.waitUntil(lambda: bool(no_boxes))
    assert "完整" in no_boxes[-1]
    page.export(tmp_path / "audit.xlsx")
    qtbot.waitUntil(lambda: (tmp_path / "audit.xlsx").exists() and "已导出" in page.status.text())
    assert audit.entries(event="audit.export")


def test_history_tab_shows_field_changes(qtbot, session):
    ctx = session.ctx()
    r = cases.create_case(ctx, {**cases.blank_case(ctx), "customer_name": "张伟", "content": "x"})
    cases.update_case(ctx, r.id, {"plan": "免费更换皮带"})
    tab = HistoryTab(session, r.id)
    qtbot.addWidget(tab)
    qtbot.waitUntil(lambda: tab.table.rowCount() > 2)
    rows = [
        [tab.table.item(i, j).text() for j in range(tab.table.columnCount())]
        for i in range(tab.table.rowCount())
    ]
    assert any(row[2] == "修改投诉单" and row[5] == "免费更换皮带" and row[4] == "" for row in rows)
    assert any(row[2] == "登记投诉单" and row[5] == "张*" for row in rows)
    assert rows[0][0] == "2026-11-20 09:30"
    empty = HistoryTab(session, None)
    qtbot.addWidget(empty)
    assert empty.table.isHidden()


def test_change_password_dialog(qtbot, session):
    u = users.create_first_admin("admin", "张管理", PW, now=FIXED_NOW)
    ctx = users.context_for_user(u, clock=lambda: FIXED_NOW)
    dlg = sign_in.ChangePasswordDialog(session, ctx)
    qtbot.addWidget(dlg)
    dlg.old_edit.setText("not-my-password")
    dlg.new_edit.setText("brand-new-1")
    dlg.again_edit.setText("brand-new-1")
    dlg.ok_button.click()
    qtbot.waitUntil(lambda: dlg.error_label.isVisibleTo(dlg))
    assert "旧密码不正确" in dlg.error_label.text()
    dlg.old_edit.setText(PW)
    dlg.ok_button.click()
    qtbot.waitUntil(lambda: dlg.result() == QDialog.DialogCode.Accepted)
    assert signin.sign_in("admin", "brand-new-1", FIXED_NOW).login == "admin"


def test_a_forced_password_change_starts_in_the_new_password_box(qtbot, session):
    """The keyboard starts where the person types: at the first sign-in the dialog opens on
    the new password (the old one is already known), not on the 修改 button."""
    u = users.create_first_admin("admin", "张管理", PW, now=FIXED_NOW)
    ctx = users.context_for_user(u, clock=lambda: FIXED_NOW)
    dlg = sign_in.ChangePasswordDialog(session, ctx, forced=True, old_password=PW)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    assert dlg.focusWidget() is dlg.new_edit
    qtbot.keyClicks(dlg.new_edit, "brand-new-1")
    qtbot.keyClick(dlg.new_edit, Qt.Key.Key_Tab)
    assert dlg.focusWidget() is dlg.again_edit
    qtbot.keyClicks(dlg.again_edit, "brand-new-1")
    qtbot.keyClick(dlg.again_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dlg.result() == QDialog.DialogCode.Accepted)
    assert signin.sign_in("admin", "brand-new-1", FIXED_NOW).login == "admin"


def test_a_long_error_makes_the_form_taller_not_its_boxes_thinner(qtbot, session):
    users.create_first_admin("admin", "张管理", PW, now=FIXED_NOW)
    dlg = sign_in.SignInDialog(session)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    box = dlg.password_edit.height()
    dlg.show_error("用户名或密码不正确(连续输错 5 次的账户将锁定 5 分钟,可请管理员解锁)" * 2)
    qtbot.waitUntil(dlg.error_label.isVisible)
    assert dlg.password_edit.height() >= min(box, dlg.password_edit.sizeHint().height())
    assert dlg.height() >= dlg.sizeHint().height()


def test_start_context_uses_the_remembered_user(qtbot, session, monkeypatch):
    from complaints.usecases import settings

    u = users.create_first_admin("admin", "张管理", PW, now=FIXED_NOW)
    settings.set_("auth.allow_remember", True)
    signin.remember(session.ctx(), "admin")
    assert sign_in.sign_in_at_start(session, clock=lambda: FIXED_NOW)
    assert session.ctx().user_id == u.id
    settings.set_("auth.allow_remember", False)
    monkeypatch.setattr(sign_in.SignInDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    assert not sign_in.sign_in_at_start(session, clock=lambda: FIXED_NOW)


def test_users_page_adds_a_department_manager(qtbot, session, no_boxes, monkeypatch):
    from ui import users_page

    admin = users.create_first_admin("admin", "张管理", PW, now=FIXED_NOW)
    session.set_user(users.context_for_user(admin, clock=lambda: FIXED_NOW))
    page = UsersPage(session, clock=lambda: FIXED_NOW)
    qtbot.addWidget(page)

    def fill(dlg):
        dlg.login_edit.setText("zhao")
        dlg.name_edit.setText("赵站长")
        dlg.role_checks["部门经理"].setChecked(True)
        dlg.department_combo.setCurrentIndex(dlg.department_combo.findData("售后服务部"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(users_page.UserDialog, "exec", fill)
    page.add_button.click()
    qtbot.waitUntil(lambda: page.table.rowCount() == 2)
    u = users.get_user("zhao")
    assert u.roles == {"部门经理"} and u.department == "售后服务部" and u.must_change_password
    assert "临时密码" in no_boxes[-1]


def test_the_audit_check_can_be_cancelled_and_says_so(qtbot, session, no_boxes):
    """At headquarters the log holds millions of entries: the check shows its count and
    取消; cancelled, it says so in the page's status line and shows no verdict."""
    ctx = session.ctx()
    cases.create_case(ctx, {**cases.blank_case(ctx), "customer_name": "张伟", "content": "x"})
    page = AuditPage(session)
    qtbot.addWidget(page)
    session.taskman.wait_idle()
    session.taskman.hold()  # cancelled before the worker starts it
    page.verify_button.click()
    session.taskman.cancel(page.verify_task)
    session.taskman.release()
    qtbot.waitUntil(lambda: "已取消" in page.status.text())
    assert not no_boxes
    page.verify_button.click()  # and again, to the end
    qtbot.waitUntil(lambda: bool(no_boxes))
    assert "完整" in no_boxes[-1]


def test_a_refused_new_account_brings_the_dialog_back_as_typed(
    qtbot, session, no_boxes, monkeypatch
):
    """No role ticked: the dialog closed, a box said 至少要有一个角色 and the login and name
    typed were gone. It comes back with them, the reason under them."""
    from ui import users_page

    admin = users.create_first_admin("admin", "张管理", PW, now=FIXED_NOW)
    session.set_user(users.context_for_user(admin, clock=lambda: FIXED_NOW))
    page = UsersPage(session, clock=lambda: FIXED_NOW)
    qtbot.addWidget(page)
    seen = []

    def fill(dlg):
        if not seen:  # the first time: typed without a role, 确定
            dlg.login_edit.setText("zhao")
            dlg.name_edit.setText("赵敏")
            seen.append(None)
            return QDialog.DialogCode.Accepted
        seen.append((dlg.login_edit.text(), dlg.name_edit.text(), dlg.error_label.text()))
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(users_page.UserDialog, "exec", fill)
    page.add_button.click()
    qtbot.waitUntil(lambda: len(seen) == 2)
    assert seen[1] == ("zhao", "赵敏", "至少要有一个角色")
    assert not any("至少要有一个角色" in said for said in no_boxes)
