"""The task manager runs work on one worker thread and calls back on the GUI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from complaints.query import CaseFilter
from complaints.usecases import cases
from complaints.usecases.errors import NotFound
from ui.progress import DelayedProgress


def _gui_thread() -> QThread:
    return QApplication.instance().thread()


def test_result_comes_back_on_gui_thread(qtbot, taskman):
    seen = {}

    def work():
        seen["worker"] = threading.get_ident()
        return 42

    got = []
    taskman.run(work, lambda r: got.append((r, QThread.currentThread())))
    qtbot.waitUntil(lambda: bool(got))
    assert got[0][0] == 42
    assert got[0][1] is _gui_thread()
    assert seen["worker"] != threading.get_ident()
    assert not taskman.is_busy()


def test_error_comes_back_on_gui_thread(qtbot, taskman):
    errors = []

    def work():
        raise NotFound("找不到投诉单(id 9)")

    taskman.run(
        work,
        lambda r: errors.append("done?"),
        on_error=lambda e: errors.append((e, QThread.currentThread())),
    )
    qtbot.waitUntil(lambda: bool(errors))
    exc, thread = errors[0]
    assert isinstance(exc, NotFound) and "id 9" in str(exc)
    assert thread is _gui_thread()


def test_one_worker_in_order(qtbot, taskman):
    threads, order = set(), []

    def work(i):
        threads.add(threading.get_ident())
        return i

    for i in range(20):
        taskman.run(lambda i=i: work(i), order.append)
    assert taskman.wait_idle()
    assert order == list(range(20))
    assert len(threads) == 1


def test_worker_reads_the_database(qtbot, taskman, ctx):
    r = cases.create_case(
        ctx, {**cases.blank_case(ctx), "customer_name": "张伟", "content": "天窗漏水"}
    )
    got = []
    taskman.run(lambda: cases.case_ids(CaseFilter()), got.append)
    qtbot.waitUntil(lambda: bool(got))
    assert got == [[r.id]]


def test_callbacks_skipped_when_parent_is_gone(qtbot, taskman):
    parent = QWidget()
    gate = threading.Event()
    called = []
    taskman.run(lambda: gate.wait(5), called.append, parent=parent)
    parent.deleteLater()
    qtbot.waitUntil(lambda: not _alive(parent))
    gate.set()
    assert taskman.wait_idle()
    assert called == []


def _alive(widget) -> bool:
    import shiboken6

    return shiboken6.isValid(widget)


def test_progress_reported_and_cancellable(qtbot, taskman):
    gate = threading.Event()
    results = []

    def work(progress, cancelled):
        total = 1000
        for i in range(total):
            if i == 10:
                gate.wait(5)
            if cancelled():
                return ("cancelled", i)
            progress(i, total, f"第 {i} 条")
        return ("done", total)

    task_id = taskman.run_with_progress(work, results.append, label="正在处理…")
    task = taskman._tasks[task_id]
    task.progress.show_now()  # as if half a second had passed
    dialog = task.progress.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.findChild(QPushButton).click()  # the user presses 取消
    gate.set()
    qtbot.waitUntil(lambda: bool(results))
    assert results[0][0] == "cancelled"
    assert task.progress.dialog is None  # closed when the work ended


def test_quick_work_shows_no_dialog(qtbot, taskman):
    done = []
    taskman.run(lambda: 1, done.append, label="保存中…")
    task = next(iter(taskman._tasks.values()))
    qtbot.waitUntil(lambda: bool(done))
    assert task.progress.dialog is None


def test_delayed_progress_updates_value(qtbot):
    p = DelayedProgress("导入中…")
    p.update(3, 10, "第 3 行")
    p.show_now()
    assert p.dialog.maximum() == 10 and p.dialog.value() == 3
    assert "第 3 行" in p.dialog.labelText()
    p.finish()
    assert p.dialog is None


def test_default_on_error_shows_the_use_case_message(qtbot, taskman, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda parent, title, text: shown.append((title, text))
    )

    def work():
        raise NotFound("找不到编号为 SH01-202611-0099 的投诉单")

    taskman.run(work)
    assert taskman.wait_idle()
    assert shown == [("无法完成", "找不到编号为 SH01-202611-0099 的投诉单")]


def test_shutdown_cancels_and_waits(qtbot, db_path):
    from db.models import database
    from ui.taskman import TaskManager

    tm = TaskManager(
        thread_start=lambda: database.connect(reuse_if_open=True), thread_stop=database.close
    )
    seen = []

    def work(progress, cancelled):
        while not cancelled():
            progress(1, 2, "")
        return "stopped"

    tm.run_with_progress(work, seen.append, label="长任务…")
    tm.shutdown()
    assert seen == ["stopped"] and not tm.is_busy()


def test_held_tasks_start_in_order_on_release(qtbot, taskman):
    """At start-up the worker waits until the database is fully open (hold/release)."""
    ran, done = [], []
    taskman.hold()
    taskman.run(lambda: ran.append(1) or 1, done.append)
    taskman.run(lambda: ran.append(2) or 2, done.append)
    qtbot.wait(50)
    assert ran == [] and done == [] and taskman.is_busy()
    taskman.release()
    assert taskman.wait_idle()
    assert ran == [1, 2] and done == [1, 2]
    taskman.run(lambda: 3, done.append)  # after release: straight to the worker
    assert taskman.wait_idle()
    assert done == [1, 2, 3]


def test_shutdown_drops_tasks_still_held(qtbot, db_path):
    from ui.taskman import TaskManager

    tm = TaskManager()
    ran = []
    tm.hold()
    tm.run(lambda: ran.append(1))
    tm.shutdown(timeout_ms=5_000)  # returns at once: the held task never started
    assert ran == [] and not tm.is_busy()


def test_after_cancel_the_dialog_stays_saying_so_until_the_work_stops(qtbot, taskman):
    """QProgressDialog hides itself on 取消; a long import takes a while to roll back, and
    meanwhile the page looked finished (stale preview, no dialog). It stays, says 正在取消,
    and its button cannot be pressed twice, until the work has ended."""
    gate, stopping = threading.Event(), threading.Event()
    results = []

    def work(progress, cancelled):
        while not cancelled():
            gate.wait(0.01)
        stopping.wait(5)  # the rollback
        return "cancelled"

    task_id = taskman.run_with_progress(work, results.append, label="正在导入台账…")
    task = taskman._tasks[task_id]
    task.progress.show_now()
    dialog = task.progress.dialog
    button = dialog.findChild(QPushButton)
    button.click()
    assert dialog.isVisible() and "正在取消" in dialog.labelText()
    assert not button.isEnabled()
    task.progress.update(5, 10, "跟踪记录")  # a late progress report keeps the word
    assert "正在取消" in dialog.labelText()
    stopping.set()
    qtbot.waitUntil(lambda: bool(results))
    assert task.progress.dialog is None
