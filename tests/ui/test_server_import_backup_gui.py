"""数据交换 on the office server: the backup before an import is written on the maintenance
thread while the import runs, its progress the status bar's line and its end said under
the report; quitting before it is written asks (等待 / 放弃备份并退出); a failure is a
warning the person closes, the import standing."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from PySide6.QtWidgets import QMainWindow, QMessageBox

from complaints.usecases import import_backup, ledger_export
from complaints.usecases.errors import UseCaseError
from db.backup import list_backups
from db.models import database
from desktop import after_start
from tests.ledger.helpers import new_case
from tests.ui import test_server_import_report
from tests.ui.test_exchange_ui import _foreign_copy
from ui.exchange_page import ExchangePage
from ui.maintenance import MaintenanceRunner, may_quit, runner_for

server_session = test_server_import_report.server_session  # the GUI session on the server


@pytest.fixture
def ledger(server_ctx, tmp_path):
    new_case(server_ctx, customer_name="本店原有")
    own = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(server_ctx, own)
    return _foreign_copy(own, tmp_path / "bj02.xlsx")


def _in_window(qtbot, session) -> tuple[QMainWindow, ExchangePage]:
    window = QMainWindow()
    page = ExchangePage(session)
    window.setCentralWidget(page)
    qtbot.addWidget(window)
    return window, page


def _customers(path) -> set[str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return {r[0] for r in db.execute("SELECT customer_name FROM cases")}


def test_the_backup_is_written_beside_the_import_with_a_status_line(
    qtbot, server_session, ledger, tmp_path
):
    before = {r[0] for r in database.execute_sql("SELECT customer_name FROM cases").fetchall()}
    window, page = _in_window(qtbot, server_session)
    runner = runner_for(server_session)
    with qtbot.waitSignal(page.checked, timeout=20_000):
        page.check_files([ledger])
    lines: list[str] = []
    runner.status.connect(lines.append)
    with (
        qtbot.waitSignal(page.backup_job.written, timeout=30_000) as written,
        qtbot.waitSignal(page.imported, timeout=20_000) as imported,
    ):
        page.apply_checked()
    report, path = imported.args[0], written.args[0]
    assert report.applied and path == report.backup
    assert any(line.startswith("正在写入导入前备份") for line in lines)
    assert window.findChild(object, "maintenanceStatus") is not None
    assert f"导入前备份已写完:{path}" in page.messages.toPlainText()
    assert [b.path for b in list_backups(tmp_path / "data" / "backups")] == [path]
    assert _customers(path) == before  # the office before the import


def test_quitting_before_the_backup_is_written_asks(qtbot, qapp, monkeypatch):
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    runner = MaintenanceRunner()
    release = threading.Event()
    dropped: list[str] = []
    runner.run(lambda progress, cancelled: release.wait(), label="占住", ask_at_exit="先问")
    runner.run(
        lambda progress, cancelled: None,
        label="导入前备份",
        ask_at_exit="导入前备份尚未完成",
        on_dropped=lambda: dropped.append("dropped"),
    )
    assert runner.questions_at_exit() == ["先问", "导入前备份尚未完成"]
    asked: list[str] = []

    def answer(label: str):
        def exec_(box: QMessageBox) -> int:
            asked.append(box.text())
            next(b for b in box.buttons() if b.text() == label).click()
            return 0

        return exec_

    monkeypatch.setattr(QMessageBox, "exec", answer("等待"))
    assert not may_quit(window, runner)  # 等待: the window stays, and closes once done
    assert asked == ["先问"]
    with qtbot.waitSignal(runner.asked_done, timeout=10_000):
        release.set()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5_000)
    assert may_quit(window, runner)  # nothing left to ask

    blocker = threading.Event()
    runner.run(lambda progress, cancelled: blocker.wait(), label="占住", ask_at_exit="先问")
    runner.run(
        lambda progress, cancelled: None,
        label="x",
        ask_at_exit="y",
        on_dropped=lambda: dropped.append("dropped"),
    )
    monkeypatch.setattr(QMessageBox, "exec", answer("放弃备份并退出"))
    assert may_quit(window, runner)
    blocker.set()
    runner.shutdown()
    assert dropped == ["dropped"]  # the one never started heard it was given up


def test_a_backup_given_up_at_exit_leaves_nothing_and_is_said_next_start(
    qtbot, server_session, ledger, tmp_path, monkeypatch
):
    _window, page = _in_window(qtbot, server_session)
    runner = runner_for(server_session)
    hold = threading.Event()
    runner.run(lambda progress, cancelled: hold.wait(), label="占住")  # the backup waits behind
    with qtbot.waitSignal(page.checked, timeout=20_000):
        page.check_files([ledger])
    with qtbot.waitSignal(page.imported, timeout=20_000) as imported:
        page.apply_checked()
    qtbot.waitUntil(lambda: runner.questions_at_exit() != [], timeout=5_000)
    assert "导入前备份尚未完成" in runner.questions_at_exit()[0]
    runner.shutdown(timeout_s=0.1)  # 放弃备份并退出
    hold.set()
    backups = tmp_path / "data" / "backups"
    assert list_backups(backups) == [] and not list(backups.glob("*.part*"))
    report = imported.args[0]
    assert import_backup.take_abandoned(backups) == [report.backup.name]


def test_a_failed_backup_is_a_warning_and_the_import_stands(
    qtbot, server_session, ledger, monkeypatch
):
    _window, page = _in_window(qtbot, server_session)
    warned: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", staticmethod(lambda _parent, _title, text: warned.append(text))
    )

    def fails(self, progress=None, cancelled=None):
        self.abandon()
        raise UseCaseError(import_backup.failure_said(self.path, OSError("磁盘已满")))

    monkeypatch.setattr(import_backup.PendingBackup, "write", fails)
    with qtbot.waitSignal(page.checked, timeout=20_000):
        page.check_files([ledger])
    with (
        qtbot.waitSignal(page.backup_job.failed, timeout=20_000),
        qtbot.waitSignal(page.imported, timeout=20_000) as imported,
    ):
        page.apply_checked()
    assert imported.args[0].applied
    assert len(warned) == 1 and "导入本身不受影响" in warned[0] and "磁盘已满" in warned[0]
    assert "导入本身不受影响" in page.messages.toPlainText()


def test_the_next_start_says_a_backup_was_given_up(qtbot, server_session, tmp_path):
    backups = tmp_path / "data" / "backups"
    import_backup.note_abandoned(backups / "complaintdesk-20261120T013000Z-before-import.sqlite3")
    window = QMainWindow()
    qtbot.addWidget(window)
    after_start.start_backup(server_session, window)
    (box,) = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert "放弃了 1 份尚未写完的导入前备份" in box.text()
    assert "complaintdesk-20261120T013000Z-before-import.sqlite3" in box.text()
    box.close()
    assert import_backup.take_abandoned(backups) == []  # said once
