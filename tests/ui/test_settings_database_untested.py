"""设置 → 数据库: saving a server connection that was not tested asks first, and Enter (or
Esc) on that question keeps the saved choice as it was; only 是 saves it."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from db.server_login import CHOICE_FILE
from tests.ui.test_settings_database import make_tab
from ui import settings_database
from ui.settings_database import DatabaseTab


def _untested(tab: DatabaseTab) -> None:
    tab.server_radio.setChecked(True)
    tab.form.host_edit.setText("192.168.1.10")
    tab.form.dbname_edit.setText("complaints")
    tab.form.user_edit.setText("complaintdesk")
    tab.form.password_edit.setText("typed-but-never-tested")


def _answer_boxes(qtbot, key: Qt.Key, asked: list[str]) -> QTimer:
    """Answers the first message box with ``key``, any later one (the restart offered after
    a save) with Esc, noting each box's text."""
    timer = QTimer()
    timer.setInterval(20)

    def press() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.isVisible():
            asked.append(box.text())
            qtbot.keyClick(box, key if len(asked) == 1 else Qt.Key.Key_Escape)

    timer.timeout.connect(press)
    timer.start()
    return timer


def test_enter_on_the_untested_question_does_not_save(qtbot, session, monkeypatch):
    monkeypatch.setattr(settings_database, "request_restart", lambda _window: None)
    tab = make_tab(qtbot, session)
    _untested(tab)
    asked: list[str] = []
    timer = _answer_boxes(qtbot, Qt.Key.Key_Return, asked)
    try:
        with qtbot.assertNotEmitted(tab.saved):
            tab.save_button.click()
    finally:
        timer.stop()
    assert asked == ["尚未成功测试这个服务器的连接。仍然保存吗?"]
    assert not (session.paths.root / CHOICE_FILE).exists()
    assert tab.form.password() == "typed-but-never-tested"  # nothing typed is lost either
