"""The maintenance runner: a backup on its own thread never holds up the worker's save, its
progress is a line in the status bar, and closing the program cancels it without a trace."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMainWindow

from complaints.usecases import cases, settings, storage
from db.backup import list_backups
from ui.maintenance import attach_status_line, runner_for
from ui.settings_site import SiteDataTab

NOW = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)


def _save(ctx, name: str):
    v = cases.blank_case(ctx)
    v.update(customer_name=name, content="新车交付时漆面有划痕,要求补漆", phone="13900001111")
    return cases.create_case(ctx, v)


def _held_backup(session, started: threading.Event, release: threading.Event):
    """A job: the day's backup that stands still at its first step until ``release``."""
    folder = session.paths.backups

    def job(progress, cancelled):
        def held(done: int, total: int, text: str) -> None:
            progress(done, total, text)
            started.set()
            release.wait()

        return storage.auto_backup(folder, NOW, progress=held, cancelled=cancelled)

    return job


def test_a_save_completes_while_the_backup_runs(qtbot, session, ctx):
    _save(ctx, "甲")
    runner = runner_for(session)
    started, release = threading.Event(), threading.Event()
    made: list = []
    runner.run(_held_backup(session, started, release), made.append, label="正在自动备份")
    assert started.wait(60)
    saved: list = []
    with qtbot.waitSignal(session.changed, timeout=20_000):  # the save, not the backup
        session.taskman.run(lambda: _save(ctx, "乙"), saved.append)
    assert saved and not made  # the save is through; the backup still stands mid-copy
    assert runner.is_busy()
    release.set()
    qtbot.waitUntil(lambda: bool(made), timeout=60_000)
    assert made[0] is not None and made[0].exists()
    assert not runner.is_busy()


def test_progress_is_a_line_in_the_status_bar(qtbot, session, ctx):
    _save(ctx, "甲")
    window = QMainWindow()
    qtbot.addWidget(window)
    runner = runner_for(session)
    line = attach_status_line(runner, window)
    seen: list[str] = []
    runner.status.connect(seen.append)
    started, release = threading.Event(), threading.Event()
    runner.run(_held_backup(session, started, release), label="正在自动备份")
    assert started.wait(60)
    qtbot.waitUntil(lambda: "%" in line.text(), timeout=10_000)
    assert line.text().startswith("正在自动备份…") and line.isVisibleTo(window)
    release.set()
    qtbot.waitUntil(lambda: not runner.is_busy(), timeout=60_000)
    assert seen[-1] == "" and line.isHidden()


def test_shutdown_cancels_the_backup_and_leaves_nothing(qtbot, session, ctx):
    _save(ctx, "甲")
    runner = runner_for(session)
    started, release = threading.Event(), threading.Event()
    told: list = []
    runner.run(
        _held_backup(session, started, release),
        told.append,
        label="正在自动备份",
        on_error=told.append,
    )
    assert started.wait(60)
    runner.cancel()  # the program closes while the copy stands mid-way
    release.set()
    runner.shutdown()
    QCoreApplication.processEvents()  # what the thread posted: nobody is told at exit
    assert told == []
    folder = session.paths.backups
    assert not folder.exists() or list(folder.iterdir()) == []
    assert list_backups(folder) == []
    assert settings.get("backup.last_auto") == ""


def test_the_size_limit_is_shown_and_saved_in_settings(qtbot, session):
    tab = SiteDataTab(session)
    qtbot.addWidget(tab)
    assert tab.size_factor_box.value() == 5 and tab.save_factor_button.isEnabled()
    tab.size_factor_box.setValue(2)
    with qtbot.waitSignal(tab.size_factor_saved, timeout=10_000):
        tab.save_factor_button.click()
    assert storage.size_factor() == 2


def test_a_job_taken_as_the_program_closes_hears_it_was_dropped(qtbot, session):
    runner = runner_for(session)
    started, release = threading.Event(), threading.Event()

    def held(progress, cancelled):
        started.set()
        release.wait()

    dropped: list[str] = []
    runner.run(held, label="正在自动备份")
    runner.run(
        lambda progress, cancelled: "written",
        label="正在写入导入前备份",
        ask_at_exit="导入前备份尚未完成",
        on_dropped=lambda: dropped.append("dropped"),
    )
    assert started.wait(60)
    runner.cancel()  # the program closes: the thread takes the next job, never starts it
    thread = runner._thread
    assert thread is not None
    release.set()
    thread.join(60)
    assert not thread.is_alive()
    runner.shutdown()
    assert dropped == ["dropped"]  # its owner hears it (a backup notes it for the next start)


def test_the_status_line_is_attached_once_per_window(qtbot, session):
    window = QMainWindow()
    qtbot.addWidget(window)
    runner = runner_for(session)
    first = attach_status_line(runner, window)
    assert attach_status_line(runner, window) is first  # a later job finds it there
    assert len(window.statusBar().findChildren(type(first))) == 1
