"""Restarting the program from inside it (设置 → 数据库: the database is chosen at the start).

A page asks through ``request_restart(window)``: the main window closes as when a person quits
(an editor with unsaved edits may refuse, and then nothing happens), and desktop/app.py starts
the program again with the same command line once this one has let go of its data folder.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QWidget

_PROPERTY = "complaintdesk_restart"


def request_restart(window: QWidget) -> bool:
    """Close ``window`` (the main window) and quit, to be started again; False when the
    window refused to close (unsaved edits), and the program goes on."""
    app = QApplication.instance()
    if app is None:
        return False
    app.setProperty(_PROPERTY, True)
    if not window.close():
        app.setProperty(_PROPERTY, False)
        return False
    app.quit()
    return True


def restart_requested() -> bool:
    app = QApplication.instance()
    return bool(app is not None and app.property(_PROPERTY))
