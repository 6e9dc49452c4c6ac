"""End-to-end fixtures: the real main window on a fresh temp-file database with one
account per role, the real task manager (one worker thread), a scratch QSettings.

Copied from tests/ui/conftest.py (those fixtures are not visible from tests/e2e/);
``db_path`` and ``site_db`` come from tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from e2e_steps import NOW
from PySide6.QtCore import QSettings

from complaints.usecases import signin, users
from db.models import database
from desktop.paths import DataPaths
from ui import pin_singletons
from ui.session import Session
from ui.taskman import TaskManager

pin_singletons()  # PySide6 6.12 on Python 3.11 drops references to None/True (ui/__init__.py)

PASSWORD = "pass12345"

# login → (display name, roles, department): the people of one branch office.
PEOPLE: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "clerk": ("李客服", ("客服专员",), None),
    "csm": ("赵经理", ("客服经理",), None),
    "dm": ("张部门", ("部门经理",), "车间"),
    "gm": ("陈总", ("总经理",), None),
}


@pytest.fixture
def taskman(qapp, db_path):
    """Torn down before ``db_path`` closes the database: the worker's connection first."""
    tm = TaskManager(
        thread_start=lambda: database.connect(reuse_if_open=True), thread_stop=database.close
    )
    yield tm
    tm.shutdown()


@pytest.fixture
def qsettings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def office(site_db):
    """The first administrator (as on first start) and one account per role."""
    admin = users.create_first_admin("admin", "王管理", "adminpass1", now=NOW)
    admin_ctx = users.context_for_user(admin, clock=lambda: NOW)
    for login, (name, roles, dept) in PEOPLE.items():
        users.add_user(
            admin_ctx, login, name, roles, PASSWORD, department=dept, must_change_password=False
        )
    return site_db


@pytest.fixture
def session(office, taskman, tmp_path, qsettings):
    s = Session(DataPaths(tmp_path / "data"), taskman, ui_settings=qsettings)
    yield s
    taskman.wait_idle()


@pytest.fixture
def sign_in(session) -> Callable[[str], None]:
    """Sign a person in by login and password (the use case the sign-in dialog calls),
    with the clock fixed at NOW."""

    def do(login: str, password: str | None = None) -> None:
        password = password or ("adminpass1" if login == "admin" else PASSWORD)
        user = signin.sign_in(login, password, NOW)
        session.set_user(users.context_for_user(user, clock=lambda: NOW))

    return do


@pytest.fixture
def main_window(qtbot, session, qsettings, sign_in):
    """The real main window, first signed in as the clerk."""
    from ui.main_window import MainWindow

    sign_in("clerk")
    w = MainWindow(session, settings=qsettings)
    # not qtbot.addWidget: pytest-qt closes its widgets before this fixture's tear-down
    # below, and an editor left with unsaved edits would then wait on its modal question
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    yield w
    for win in list(w._case_windows.values()) + list(w._new_case_windows):
        editor = getattr(win, "editor", None)
        if editor is not None:
            editor._dirty = False  # no "unsaved edits" question at tear-down
        win.close()
    w.close()
    w.deleteLater()
    session.taskman.wait_idle()
