"""设置 → 数据库: this PC's data or the office server, the connection test (on a thread of its
own, saying in Chinese what it found), saving (the password never in plain text in the
settings) and the restart it offers."""

from __future__ import annotations

import dataclasses
import json
import sys

import pytest
from PySide6.QtWidgets import QMessageBox

from complaints.usecases import server_link, server_test, site
from db.database import close_database, open_server
from db.models import database
from db.server_login import CHOICE_FILE, save_server
from tests import pg_cluster
from tests.conftest import FIXED_NOW
from ui import settings_database
from ui.settings_database import DatabaseTab
from ui.settings_page import SETTINGS_TABS

PASSWORD = "Kefu-2026-secret"


@pytest.fixture
def pgpass(tmp_path, monkeypatch):
    path = tmp_path / "pgpass"
    monkeypatch.setenv("PGPASSFILE", str(path))
    return path


@pytest.fixture
def questions(monkeypatch) -> list[str]:
    """Every question asked, answered 是."""
    asked: list[str] = []

    def answer(_parent, _title, text, *a, **k):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    return asked


@pytest.fixture
def restarts(monkeypatch) -> list[object]:
    asked: list[object] = []
    monkeypatch.setattr(settings_database, "request_restart", asked.append)
    return asked


def make_tab(qtbot, session) -> DatabaseTab:
    tab = DatabaseTab(session)
    qtbot.addWidget(tab)
    tab.show()
    return tab


def fill(tab: DatabaseTab, address, password: str = "") -> None:
    tab.server_radio.setChecked(True)
    tab.form.host_edit.setText(address.host)
    tab.form.port_spin.setValue(address.port)
    tab.form.dbname_edit.setText(address.dbname)
    tab.form.user_edit.setText(address.user)
    tab.form.password_edit.setText(password)


def run_test(qtbot, tab: DatabaseTab) -> str:
    with qtbot.waitSignal(tab.tested, timeout=15_000):
        tab.test_button.click()
    return tab.result_label.text()


def test_registered_and_starts_on_this_pcs_data(qtbot, session):
    assert ("数据库", "ui.settings_database:DatabaseTab") in SETTINGS_TABS
    tab = make_tab(qtbot, session)
    assert tab.local_radio.isChecked()
    assert not tab.form.isEnabled() and not tab.test_button.isEnabled()
    assert tab.in_use_label.text() == "当前使用的数据库:本机"
    tab.server_radio.setChecked(True)
    assert tab.form.isEnabled() and tab.test_button.isEnabled()


def test_the_connection_test_says_what_it_found(qtbot, session, postgres, server_address, pgpass):
    tab = make_tab(qtbot, session)
    closed = dataclasses.replace(server_address, host="127.0.0.1", port=pg_cluster.free_port())
    fill(tab, closed)
    said = run_test(qtbot, tab)
    assert said.startswith(f"无法连接数据库服务器 127.0.0.1:{closed.port}:")
    # the driver's own words behind 详细信息, not under the Chinese message
    assert "详细信息" not in said and "connection" in tab.result_detail.detail().lower()
    assert tab.result_detail.button.text() == "详细信息" and not tab.result_detail.is_open()
    role = f"seat_{server_address.dbname}"
    postgres.admin(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'")
    over_tcp = dataclasses.replace(server_address, host="127.0.0.1", user=role)
    fill(tab, over_tcp, "wrong-password")
    said = run_test(qtbot, tab)
    assert said.startswith("数据库服务器 127.0.0.1:")
    assert "拒绝了登录" in said and "password authentication failed" not in said
    assert "password authentication failed" in tab.result_detail.detail()
    fill(tab, over_tcp, PASSWORD)
    assert "数据库是空的,尚未初始化" in run_test(qtbot, tab)
    assert tab.result_detail.detail() == ""  # nothing left of the failed test
    assert tab._last_ok == server_link.ServerFields.of(over_tcp)
    assert session.taskman.wait_idle()  # the test never used the worker's database


def test_the_test_reads_the_schema_and_the_cases_without_changing_them(server_address):
    fields = server_link.ServerFields.of(server_address)
    try:
        open_server(server_address)
        assert server_test.try_connection(fields).kind == "no_site"
        site.init_site("SH01", "上海浦东店", now=FIXED_NOW)
        found = server_test.try_connection(fields)
        assert (found.kind, found.site, found.cases) == ("ready", "SH01 上海浦东店", 0)
        assert found.server_version.split(".")[0].isdigit()
        latest = found.program_version
        database.execute_sql(
            "INSERT INTO schema_version (version, applied_at, description, app_version) "
            "VALUES (?, '2030-01-01', 'from the future', '99')",
            (latest + 1,),
        )
        newer = server_test.try_connection(fields)
        assert (newer.kind, newer.schema_version) == ("newer", latest + 1)
        assert "比本程序(版本" in settings_database.describe(newer)
        database.execute_sql("DROP TABLE schema_version")
        foreign = server_test.try_connection(fields)
        assert foreign.kind == "not_ours" and not foreign.usable
        assert "数据库结构不符" in settings_database.describe(foreign)
    finally:
        close_database()


def test_saving_the_server_keeps_the_password_out_of_the_settings_and_offers_a_restart(
    qtbot, session, server_address, pgpass, questions, restarts
):
    tab = make_tab(qtbot, session)
    fill(tab, server_address, PASSWORD)
    with qtbot.waitSignal(tab.saved) as saved:
        tab.save_button.click()  # not tested yet: asked first, then saved
    assert saved.args == [True]
    assert questions[0] == "尚未成功测试这个服务器的连接。仍然保存吗?"
    assert "现在重新启动吗?" in questions[1] and restarts == [tab.window()]
    choice = (session.paths.root / CHOICE_FILE).read_text(encoding="utf-8")
    assert json.loads(choice) == {"server": str(server_address)} and PASSWORD not in choice
    line = pgpass.read_text(encoding="utf-8").strip()
    assert line == f"localhost:{server_address.port}:{server_address.dbname}:postgres:{PASSWORD}"
    assert (pgpass.stat().st_mode & 0o777) == 0o600
    assert tab.form.password() == ""  # not left in the window either

    again = make_tab(qtbot, session)  # the saved choice shows when the tab opens again
    assert again.server_radio.isChecked()
    assert again.form.fields() == server_link.ServerFields.of(server_address)
    assert "保存的设置为:服务器 本机套接字/" in again.in_use_label.text()

    again.local_radio.setChecked(True)  # back to this PC's data
    with qtbot.waitSignal(again.saved) as saved:
        again.save_button.click()
    assert saved.args == [False] and not (session.paths.root / CHOICE_FILE).exists()
    assert len(restarts) == 2


def test_saving_needs_the_site_administrator(qtbot, session, ctx):
    clerk = dataclasses.replace(ctx, roles=frozenset({"客服专员"}))
    session.set_user(clerk)
    tab = make_tab(qtbot, session)
    assert not tab.save_button.isEnabled() and "无权" in tab.save_button.toolTip()
    session.set_user(ctx)  # the administrator signs in at the same window
    assert tab.save_button.isEnabled()


def test_a_password_goes_to_the_credential_store_when_there_is_one(
    server_address, pgpass, monkeypatch
):
    kept: dict[tuple[str, str], str] = {}

    class Backend:
        priority = 1

    class FakeKeyring:
        @staticmethod
        def get_keyring():
            return Backend()

        @staticmethod
        def set_password(service, user, password):
            kept[(service, user)] = password

        @staticmethod
        def get_password(service, user):
            return kept.get((service, user))

    monkeypatch.setitem(sys.modules, "keyring", FakeKeyring)
    fields = server_link.ServerFields.of(server_address)
    assert server_link.keep_password(fields, PASSWORD) == "系统凭据管理器"
    assert kept == {("complaintdesk", server_address.keyring_user): PASSWORD}
    assert not pgpass.exists() and server_link.has_password(fields)


def test_a_pgpass_line_is_replaced_and_escaped(tmp_path, pgpass):
    address = server_link.ServerFields("srv", 5432, "complaints", "clerk").address()
    pgpass.write_text("other:5432:db:u:pw\nsrv:5432:complaints:clerk:old\n", encoding="utf-8")
    server_link.keep_password(server_link.ServerFields.of(address), "a:b\\c")
    assert pgpass.read_text(encoding="utf-8").splitlines() == [
        "other:5432:db:u:pw",
        "srv:5432:complaints:clerk:a\\:b\\\\c",
    ]


def test_a_saved_choice_is_this_data_folders(tmp_path):
    assert server_link.saved_choice(tmp_path) is None
    address = server_link.ServerFields("srv", 5433, "complaints", "clerk").address()
    save_server(tmp_path, address)
    assert server_link.saved_choice(tmp_path) == server_link.ServerFields.of(address)
    assert server_link.saved_choice(tmp_path / "another") is None
    (tmp_path / CHOICE_FILE).write_text("{broken", encoding="utf-8")
    with pytest.raises(server_link.UseCaseError, match="无法读取数据库设置"):
        server_link.saved_choice(tmp_path)


def test_a_restart_waits_for_the_window_to_close(qtbot, qapp):
    from PySide6.QtWidgets import QMainWindow

    from ui.restart import request_restart, restart_requested

    class Unsaved(QMainWindow):
        refuse = True

        def closeEvent(self, event):  # an editor with unsaved edits says no
            if self.refuse:
                event.ignore()
            else:
                super().closeEvent(event)

    window = Unsaved()
    qtbot.addWidget(window)
    window.show()
    try:
        assert not request_restart(window) and not restart_requested()
        assert window.isVisible()
        window.refuse = False
        assert request_restart(window) and restart_requested()
        assert not window.isVisible()
    finally:
        qapp.setProperty("complaintdesk_restart", False)  # the next tests' application


def test_a_database_not_in_utf8_is_named(postgres, server_address):
    name = f"{server_address.dbname}_ascii"
    postgres.admin(
        f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'SQL_ASCII' "
        "LC_COLLATE 'C' LC_CTYPE 'C'"
    )
    fields = server_link.ServerFields.of(dataclasses.replace(server_address, dbname=name))
    found = server_test.try_connection(fields)
    assert (found.kind, found.encoding, found.usable) == ("not_utf8", "SQL_ASCII", False)
    assert settings_database.describe(found).startswith("数据库编码为 SQL_ASCII,本程序需要 UTF8")
