"""Fixtures for GUI tests: the real task manager (one worker thread with its own
database connection), a session on the test database, a scratch QSettings."""

from __future__ import annotations

import gc

import pytest
from PySide6.QtCore import QSettings

from db.models import database
from desktop.paths import DataPaths
from ui import pin_singletons
from ui.maintenance import runner_for
from ui.session import Session
from ui.taskman import TaskManager

pin_singletons()  # PySide6 6.12 on Python 3.11 drops references to None/True (see there)


@pytest.fixture
def taskman(qapp, db_path):
    """Torn down before ``db_path`` closes the database: the worker's connection first.
    While its worker thread lives, cycles are collected on this (the GUI) thread only, as
    in the program (ui/gc_thread.py): at the end, with the worker stopped."""
    was = gc.isenabled()
    gc.disable()
    tm = TaskManager(
        thread_start=lambda: database.connect(reuse_if_open=True), thread_stop=database.close
    )
    yield tm
    tm.shutdown()
    gc.collect()
    if was:
        gc.enable()


@pytest.fixture
def session(ctx, taskman, tmp_path, qsettings):
    s = Session(DataPaths(tmp_path / "data"), taskman, ui_settings=qsettings)
    s.set_user(ctx)
    yield s
    runner_for(s).shutdown()  # the maintenance thread's connection closes with it
    taskman.wait_idle()


@pytest.fixture
def qsettings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
