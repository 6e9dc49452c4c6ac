"""The pages that say an error themselves (sign-in, the case editor's banner, the settings
tabs) say every kind of office-server error in plain Chinese, the server's own words behind
one 详细信息 button (ui/error_detail.py), the same on every page. The server's errors here are
real: the throwaway cluster refuses a write the way a missing privilege does."""

from __future__ import annotations

from collections.abc import Iterator

import peewee as pw
import pytest
from psycopg import errors as pg_errors
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget

from complaints.types import Action
from complaints.usecases import cases, todo, users
from complaints.usecases.context import CHINA_TZ
from complaints.usecases.errors import UseCaseError
from db.models import database
from desktop.paths import DataPaths
from tests.conftest import FIXED_NOW
from tests.ui.helpers import idle
from ui import sign_in
from ui.action_dialog import ActionDialog
from ui.case_editor import CaseEditor
from ui.error_detail import ErrorDetail, said
from ui.maintenance import runner_for
from ui.session import Session
from ui.settings_causes import CausesTab
from ui.taskman import TaskManager
from ui.todo import TodoPage

PASSWORD = "Kefu-2026-secret"
REFUSAL = "permission denied for table {table}"


def test_said_tells_the_kinds_apart():
    error = pg_errors.InsufficientPrivilege("permission denied for x")
    wrapped = pw.OperationalError(error)  # as peewee raises it
    wrapped.__context__ = error
    told = said(wrapped)
    assert "权限" in told.message and not told.program_error
    assert told.detail.startswith("SQLSTATE 42501:") and "permission denied" in told.detail
    conflict = said(pg_errors.SerializationFailure("could not serialize access"))
    assert "多次重试仍未成功" in conflict.message and conflict.detail.startswith("SQLSTATE 40001")
    refusal = said(UseCaseError("没有权限"))
    assert (refusal.message, refusal.detail, refusal.program_error) == ("没有权限", "", False)
    bug = said(KeyError("x"))
    assert bug.program_error and bug.detail == "KeyError('x')"


def test_the_detail_part_is_hidden_without_detail_and_opens_on_a_click(qtbot):
    page = QWidget()
    qtbot.addWidget(page)
    part = ErrorDetail(page)
    page.show()
    assert part.isHidden() and part.detail() == ""
    part.set_detail("SQLSTATE 42501:permission denied")
    assert part.isVisible() and not part.is_open() and part.button.text() == "详细信息"
    part.button.click()
    assert part.is_open() and part.text.toPlainText() == "SQLSTATE 42501:permission denied"
    part.set_detail("")  # the next message has none: nothing stale stays
    assert part.isHidden() and part.detail() == ""


@pytest.fixture
def server_session(server_ctx, tmp_path) -> Iterator[Session]:
    """A session on the office server (site SH01), its worker a connection of its own."""
    tm = TaskManager(
        thread_start=lambda: database.connect(reuse_if_open=True), thread_stop=database.close
    )
    data = DataPaths(tmp_path / "data")
    session = Session(
        data, tm, ui_settings=QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    )
    session.set_user(server_ctx)
    try:
        yield session
    finally:
        runner_for(session).shutdown()
        tm.shutdown()


def refuse_writes(table: str) -> None:
    """The server refuses every write of ``table`` as it does a login without the privilege
    (SQLSTATE 42501), from now on."""
    message = REFUSAL.format(table=table)
    database.execute_sql(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"RAISE EXCEPTION '{message}' USING ERRCODE = 'insufficient_privilege'; END $$"
    )
    database.execute_sql(
        f"CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION refuse()"
    )


def test_the_case_editors_banner_says_a_privilege_refusal_with_the_servers_words(
    qtbot, server_session, server_ctx
):
    values = cases.blank_case(server_ctx)
    values.update(customer_name="李娜", content="销售承诺的赠品未兑现")
    case_id = cases.create_case(server_ctx, values).id
    refuse_writes("cases")
    editor = CaseEditor(server_session, case_id)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitUntil(editor.isEnabled)
    idle(server_session)
    editor.editors["plan"].set_value("联系客户,补送脚垫一套")
    editor.save()
    idle(server_session)
    banner = editor.banner_text()
    assert banner.startswith("保存失败:数据库登录名没有这项操作的权限") and "仍然保留" in banner
    assert "permission denied" not in banner
    assert editor.banner_detail.detail().startswith("SQLSTATE 42501:")
    assert REFUSAL.format(table="cases") in editor.banner_detail.detail()
    assert editor.editors["plan"].value() == "联系客户,补送脚垫一套"


def test_sign_in_says_a_servers_refusal_in_chinese_with_its_words_behind_the_button(
    qtbot, server_session
):
    users.create_first_admin("admin", "张管理", PASSWORD, now=FIXED_NOW)
    refuse_writes("audit_log")  # a sign-in is written to the audit log
    dialog = sign_in.SignInDialog(server_session, clock=lambda: FIXED_NOW)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.login_edit.setText("admin")
    dialog.password_edit.setText(PASSWORD)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.error_label.isVisibleTo(dialog))
    assert dialog.error_label.text().startswith("数据库登录名没有这项操作的权限")
    assert "permission denied" not in dialog.error_label.text()
    assert dialog.error_detail.detail().startswith("SQLSTATE 42501:")
    dialog.error_detail.button.click()
    assert dialog.error_detail.is_open()


def test_a_settings_tab_says_it_the_same_way(qtbot, server_session):
    refuse_writes("settings")
    tab = CausesTab(server_session)
    qtbot.addWidget(tab)
    idle(server_session)
    tab.edit.setPlainText("产品质量\n服务态度\n新的分类")
    tab.save()
    idle(server_session)
    assert tab.message.text().startswith("数据库登录名没有这项操作的权限")
    assert tab.message_detail.detail().startswith("SQLSTATE 42501:")


def server_refusal() -> Exception:
    """A missing privilege as peewee raises it from the driver's error."""
    error = pg_errors.InsufficientPrivilege("permission denied for table cases")
    wrapped = pw.ProgrammingError(error)
    wrapped.__context__ = error
    return wrapped


def test_a_page_that_cannot_read_says_it_the_same_way(qtbot, session, monkeypatch):
    def refused(_ctx):
        raise server_refusal()

    monkeypatch.setattr(todo, "todo_list", refused)
    page = TodoPage(session)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.summary.text().startswith("无法读取待办:"))
    assert "数据库登录名没有这项操作的权限" in page.summary.text()
    assert "permission denied" not in page.summary.text()
    assert page.summary_detail.detail().startswith("SQLSTATE 42501:")


def test_a_recording_dialog_says_it_the_same_way(qtbot):
    dialog = ActionDialog(Action.NOTE, number="SH01-202611-0001", now=FIXED_NOW, tz=CHINA_TZ)
    qtbot.addWidget(dialog)
    told = said(server_refusal())
    dialog.show_refusal(told.message, told.detail)
    assert dialog.refusal_text().startswith("数据库登录名没有这项操作的权限")
    assert dialog.error_detail.detail().startswith("SQLSTATE 42501:")
    dialog.show_refusal("请填写内容")  # a refusal of its own has no detail: none stays
    assert dialog.error_detail.detail() == ""
