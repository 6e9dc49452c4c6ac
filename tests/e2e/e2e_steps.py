"""Steps the end-to-end tests share: typing like a clerk, opening a case from anywhere,
recording an action through its dialog, handing the PC to someone else."""

from __future__ import annotations

from datetime import datetime

import shiboken6
from PySide6.QtCore import Qt

from complaints.rules.validation import vin_check_digit
from complaints.types import Action
from complaints.usecases.context import CHINA_TZ
from tests.ui.helpers import idle

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ)  # the clock of every e2e test

VIN_BASE = "LSGJA52U_BH001234"
VIN = VIN_BASE.replace("_", vin_check_digit(VIN_BASE.replace("_", "0")))


def type_into(qtbot, editor, text: str) -> None:
    """Type like a clerk: key by key for ASCII; CJK through the input method's commit."""
    target = editor.focus_target()
    target.setFocus()
    if text.isascii():
        qtbot.keyClicks(target, text)
    elif hasattr(target, "insertPlainText"):
        target.insertPlainText(text)
    else:
        target.insert(text)


def ctrl(qtbot, widget, key) -> None:
    qtbot.keyClick(widget.focusWidget() or widget, key, Qt.KeyboardModifier.ControlModifier)


def new_case_window(qtbot, win):
    """Ctrl+N in the main window: a blank case window."""
    ctrl(qtbot, win, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: len(win._new_case_windows) == 1)
    cw = win._new_case_windows[0]
    qtbot.waitUntil(cw.editor.isEnabled)
    return cw


def save(qtbot, session, ed) -> None:
    ctrl(qtbot, ed, Qt.Key.Key_S)
    idle(session)


def workflow_tab(qtbot, session, win, case_id):
    """Open the case from anywhere (Session.open_case_requested) and its 跟踪与时限 tab."""
    session.request_open_case(case_id)
    qtbot.waitUntil(lambda: win.case_window(case_id) is not None)
    cw = win.case_window(case_id)
    ed = cw.editor
    qtbot.waitUntil(ed.isEnabled)
    ed.tabs.setCurrentIndex(1)
    tab = ed.extra_tabs["跟踪与时限"]
    qtbot.waitUntil(lambda: tab.data is not None)
    idle(session)
    return cw, tab


def record(qtbot, session, tab, action: Action, fill=None) -> None:
    """Click the action's button, fill the dialog, press 记录; it must be accepted."""
    assert action in tab.action_buttons, (action, sorted(tab.action_buttons))
    tab.action_buttons[action].click()
    dialog = tab.dialog
    assert dialog is not None and dialog.action is action
    if fill is not None:
        fill(dialog)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.ok_button.click()
    idle(session)


def close_case_windows(qtbot, win, session) -> None:
    """What a careful clerk does before handing the PC over (see the xfail test on
    switching user with a case window open)."""
    ids = list(win._case_windows)
    for w in list(win._case_windows.values()):
        if shiboken6.isValid(w):
            w.close()
    qtbot.waitUntil(lambda: all(win.case_window(i) is None for i in ids))
    idle(session)


def as_user(qtbot, win, session, sign_in, login: str) -> None:
    close_case_windows(qtbot, win, session)
    sign_in(login)
    idle(session)
