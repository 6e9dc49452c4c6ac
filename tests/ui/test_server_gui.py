"""The GUI on the office server (PostgreSQL): the start through desktop/server_start.py, every
page, a case window saving an action, and the list refreshing; the start's dialog when the
server cannot be opened. Runs on the throwaway cluster (tests/conftest.py: server_address)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from complaints.types import Action
from complaints.usecases import cases, server_link, signin, site, users
from db.database import close_database
from db.models import database
from db.server_login import save_server
from desktop import after_start
from desktop.paths import DataPaths
from desktop.server_start import Opened, open_chosen
from tests import pg_cluster
from tests.ui.helpers import idle
from ui import taskman as taskman_module
from ui.case_workflow import CaseWorkflowTab
from ui.main_window import MainWindow
from ui.maintenance import runner_for
from ui.server_start_dialog import Answer, ServerStartDialog
from ui.session import Session
from ui.taskman import TaskManager

PASSWORD = "Kefu-2026-secret"


@pytest.fixture
def said(monkeypatch) -> list[str]:
    """Every error a task or a message box would show, instead of showing it."""
    shown: list[str] = []
    monkeypatch.setattr(
        taskman_module, "show_error", lambda exc, parent=None: shown.append(str(exc))
    )
    for name in ("warning", "critical", "information"):
        monkeypatch.setattr(
            QMessageBox, name, lambda *a, _n=name, **k: shown.append(f"{_n}: {a[2]}")
        )
    return shown


@pytest.fixture
def data(tmp_path, monkeypatch) -> DataPaths:
    monkeypatch.delenv("COMPLAINTDESK_DATABASE", raising=False)
    paths = DataPaths(tmp_path / "data")
    paths.root.mkdir()
    return paths


def no_local() -> bool:
    raise AssertionError("the start opened this PC's data instead of the server")


def test_every_page_works_on_the_office_server(qtbot, server_address, data, said, caplog):
    save_server(data.root, server_address)  # 设置 → 数据库 saved on this data folder
    opened = open_chosen(None, data, smoke=False, before_dialog=lambda: None, open_local=no_local)
    assert opened is Opened.SERVER and server_link.on_office_server()
    tm = TaskManager(
        thread_start=lambda: database.connect(reuse_if_open=True), thread_stop=database.close
    )
    session = Session(
        data, tm, ui_settings=QSettings(str(data.root / "ui.ini"), QSettings.Format.IniFormat)
    )
    try:
        now = datetime.now(UTC)
        site.init_site("SH01", "上海浦东店", now=now)
        users.create_first_admin("admin", "张管理", PASSWORD, now=now)
        admin = users.context_for_user(signin.sign_in("admin", PASSWORD, now))
        users.add_user(admin, "clerk", "李客服", ["客服专员"], PASSWORD, must_change_password=False)
        clerk = users.context_for_user(signin.sign_in("clerk", PASSWORD, now))
        session.set_user(clerk)
        values = cases.blank_case(clerk)
        values.update(
            customer_name="张伟", content="保养后发动机异响", received_at=clerk.now(),
            business="售后", area="维修技术", phone="13812345678",
        )  # fmt: skip
        case_id = cases.create_case(clerk, values).id
        values.update(customer_name="王芳", content="销售顾问承诺的赠品未兑现", business="销售")
        other_id = cases.create_case(clerk, values).id

        window = MainWindow(session)
        qtbot.addWidget(window)
        window.show()
        server_name = f"服务器 本机套接字/{server_address.dbname}"
        assert window.database_label.text() == f"数据库:{server_name}"
        assert window.windowTitle().endswith(f"[{server_name}]")
        session.set_user(admin)  # the administrator sees every page, the restricted ones too
        for key in window.page_keys():
            window.show_page(key)
            idle(session)
        settings_page = window.show_page("settings")
        for i in range(settings_page.tabs.count()):  # every tab of 设置 too
            settings_page.tabs.setCurrentIndex(i)
            idle(session)
        assert {"audit", "users", "settings"} <= set(window.page_keys())
        assert said == []
        site_tab = settings_page.tab_widget("站点与数据")  # 立即备份 and 检查数据 on the server
        with qtbot.waitSignal(site_tab.backup_done, timeout=30_000) as made:
            site_tab.backup_now()
        assert made.args[0].parent == data.backups and made.args[0].is_file()
        with qtbot.waitSignal(site_tab.checked, timeout=30_000) as checked:
            site_tab.check_data()
        assert checked.args == [[]] and said == [
            "information: 检查通过:数据库完整,外键、搜索索引与审计日志链均无问题。"
        ]
        said.clear()
        assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []

        session.set_user(clerk)
        page = window.show_page("cases")
        idle(session)
        assert sorted(page.model.ids()) == sorted([case_id, other_id])
        state = page.model.columns.index("state")
        row = page.model.row_of(case_id)
        assert page.model.index(row, state).data() == "登记"

        case_window = window.open_case(case_id)
        assert case_window is not None
        editor = case_window.editor
        qtbot.waitUntil(editor.isEnabled)
        editor.tabs.setCurrentIndex(1)
        tab = editor.extra_tabs["跟踪与时限"]
        assert isinstance(tab, CaseWorkflowTab)
        qtbot.waitUntil(lambda: tab.data is not None or "无法" in tab.summary.text())
        assert tab.data is not None, tab.summary.text()
        idle(session)
        dialog = tab.open_action(Action.DISPATCH)
        with (
            qtbot.waitSignal(session.changed, check_params_cb=lambda c: "cases" in c),
            qtbot.waitSignal(dialog.accepted),
        ):
            dialog.try_submit()
        idle(session)
        assert cases.get_case(case_id)["state"] == "已派单"
        qtbot.waitUntil(lambda: page.model.index(row, state).data() == "已派单")
        assert said == []

        editor.tabs.setCurrentIndex(0)  # the case's own fields, saved on the server
        box = editor.editors["content"].focus_target()
        box.setFocus()
        commit = QInputMethodEvent()  # typed Chinese, as an input method commits it
        commit.setCommitString(",锦旗表扬")
        QApplication.sendEvent(box, commit)
        with qtbot.waitSignal(editor.saved):
            editor.save()
        assert "锦旗表扬" in cases.get_case(case_id)["content"]
        page.search_edit.setText("锦旗表")  # the search (pg_trgm on the server) finds it
        page.search_edit.returnPressed.emit()
        qtbot.waitUntil(lambda: page.model.ids() == [case_id])
        assert said == []

        # the day's backup is the server administrator's: said, not made on this seat
        after_start.start_backup(session, window)
        assert window.statusBar().currentMessage() == after_start.SERVER_BACKUP_NOTE
        assert [p.name for p in data.backups.iterdir()] == [made.args[0].name]  # no new one
        case_window.close()
        window.close()
    finally:
        runner_for(session).shutdown()
        tm.shutdown()
        close_database()


def unreachable(address):
    return dataclasses.replace(address, host="127.0.0.1", port=pg_cluster.free_port())


def test_the_start_says_the_server_is_unreachable_and_offers_this_pcs_data(
    qtbot, server_address, data, said
):
    save_server(data.root, unreachable(server_address))
    asked: list[ServerStartDialog] = []

    def ask(dialog: ServerStartDialog) -> Answer:
        qtbot.addWidget(dialog)
        asked.append(dialog)
        return Answer.RETRY if len(asked) == 1 else Answer.LOCAL

    local: list[bool] = []
    opened = open_chosen(
        None, data, smoke=False, before_dialog=lambda: None,
        open_local=lambda: local.append(True) or True, ask=ask,
    )  # fmt: skip
    assert opened is Opened.LOCAL and local == [True]
    assert len(asked) == 2 and asked[0] is asked[1]  # one dialog: what was typed stays
    assert asked[0].heading.text() == "无法连接办公室服务器"
    assert "请检查服务器是否开机" in asked[0].message.text()
    # the driver's words behind 详细信息, opened on a click; not a line of the message
    assert "详细信息" not in asked[0].message.text()
    detail = asked[0].detail
    assert "connection" in detail.detail().lower() and not detail.is_open()
    detail.button.click()
    assert detail.is_open() and detail.text.toPlainText() == detail.detail()
    assert not server_link.on_office_server()
    # 改用本机数据 is for this run: the saved choice still names the server
    assert server_link.saved_choice(data.root) is not None


def test_the_start_says_the_login_was_refused_and_a_corrected_connection_is_kept(
    qtbot, postgres, server_address, data, said, monkeypatch, tmp_path
):
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "pgpass"))
    role = f"seat_{server_address.dbname}"
    postgres.admin(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'")
    postgres.admin(f"ALTER DATABASE {server_address.dbname} OWNER TO {role}")
    over_tcp = dataclasses.replace(server_address, host="127.0.0.1", user=role)
    monkeypatch.setenv("COMPLAINTDESK_DATABASE", str(over_tcp))  # no password kept yet
    answers = iter([Answer.RETRY])
    dialogs: list[ServerStartDialog] = []

    def ask(dialog: ServerStartDialog) -> Answer:
        qtbot.addWidget(dialog)
        if not dialogs:
            assert dialog.heading.text() == "办公室服务器拒绝了登录"
            assert "拒绝了登录" in dialog.message.text()
            assert "no password supplied" in dialog.detail.detail()  # no password kept
            assert "no password supplied" not in dialog.message.text()
            dialog.show_form()  # 修改连接: the password typed this time
            dialog.form.password_edit.setText(PASSWORD)
        dialogs.append(dialog)
        return next(answers)

    try:
        opened = open_chosen(None, data, smoke=False, before_dialog=lambda: None,
                             open_local=no_local, ask=ask)  # fmt: skip
        assert opened is Opened.SERVER and len(dialogs) == 1
    finally:
        close_database()
    # kept: the address in the data folder, the password in the pgpass file (no keyring here)
    fields = server_link.saved_choice(data.root)
    assert fields is not None and fields.address() == over_tcp
    assert server_link.has_password(fields)
    assert PASSWORD in (tmp_path / "pgpass").read_text()
    monkeypatch.delenv("COMPLAINTDESK_DATABASE")
    try:  # the next start goes straight there, with the kept password
        assert open_chosen(None, data, smoke=False, before_dialog=lambda: None,
                           open_local=no_local) is Opened.SERVER  # fmt: skip
    finally:
        close_database()


def test_the_flag_wins_over_the_environment_which_wins_over_the_setting(data, monkeypatch):
    save_server(data.root, server_link.ServerFields("setting", 5432, "db", "u").address())
    assert server_link.start_address(None, None, data.root)[1] == "设置"
    env = "postgresql://u@env:5432/db"
    address, source = server_link.start_address(None, env, data.root)
    assert (address.host if address else "", source) == ("env", "COMPLAINTDESK_DATABASE")
    address, source = server_link.start_address("postgresql://u@flag/db", env, data.root)
    assert (address.host if address else "", source) == ("flag", "--database")
    save_server(data.root, None)
    assert server_link.start_address(None, None, data.root) == (None, "")


def test_a_smoke_run_on_an_unreachable_server_says_why_without_a_dialog(
    server_address, data, capsys
):
    opened = open_chosen(
        str(unreachable(server_address)), data, smoke=True,
        before_dialog=no_local, open_local=no_local,
    )  # fmt: skip
    assert opened is None
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("错误:无法连接数据库服务器")
    assert err[1].startswith("详细信息:") and "connection" in err[1].lower()
