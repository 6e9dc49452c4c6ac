"""A page that could not be built (the office server away for a moment) is not kept broken
for the rest of the day: its 重试 builds it again, and so does coming back to it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from db.server_errors import ServerTrouble
from ui import main_window as mw
from ui.error_detail import BrokenPart
from ui.main_window import MainWindow

AWAY = ServerTrouble(
    "数据库服务器中断了本机的连接:本次操作未完成。请稍等后重试(程序会重新连接)。",
    "57P01: terminating connection due to administrator command",
    "57P01",
)


@pytest.fixture
def window(qtbot, session, qsettings, monkeypatch):
    real = mw.load_page
    down = {"server": True}

    def load(key, *args, **kwargs):
        if key == "cases" and down["server"]:
            raise AWAY
        return real(key, *args, **kwargs)

    monkeypatch.setattr(mw, "load_page", load)
    w = MainWindow(session, settings=qsettings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.server = down
    yield w
    session.taskman.wait_idle()


def test_a_page_that_failed_to_open_has_a_retry_that_builds_it(qtbot, window):
    broken = window.show_page("cases")
    assert isinstance(broken, BrokenPart)
    assert "投诉台账页面打开时出错" in broken.message.text()
    assert broken.retry_button.isVisible()
    qtbot.mouseClick(broken.retry_button, Qt.MouseButton.LeftButton)  # still down
    still = window.page("cases")
    assert isinstance(still, BrokenPart) and window.stack.currentWidget() is still
    window.server["server"] = False  # the server is back
    qtbot.mouseClick(still.retry_button, Qt.MouseButton.LeftButton)
    page = window.page("cases")
    assert page is not None and not isinstance(page, BrokenPart)
    assert window.stack.currentWidget() is page
    assert window.current_page_key() == "cases"


def test_coming_back_to_a_page_that_failed_builds_it_again(qtbot, window):
    assert isinstance(window.show_page("cases"), BrokenPart)
    window.show_page("todo")
    window.server["server"] = False
    page = window.show_page("cases")
    assert not isinstance(page, BrokenPart)
    assert window.stack.indexOf(page) >= 0
