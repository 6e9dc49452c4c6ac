"""Database work off the GUI thread, on ONE background worker (the Anki habit).

``run(fn, on_done)`` queues ``fn()`` for the worker thread and calls ``on_done(result)``
or ``on_error(exc)`` back on the GUI thread. One worker means tasks run in the order
they were queued and never race each other for the database. The worker opens its own
database connection through ``thread_start`` (the desktop layer wires
``database.connect(reuse_if_open=True)``; ui/ never imports peewee).

Every task runs inside the database's change journal: after a task that wrote something,
``changes_made(OpChanges)`` is emitted once, before its ``on_done``/``on_error`` (the
session turns it into its ``changed``), so no caller says by hand what it wrote.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QDeadlineTimer,
    QEventLoop,
    QObject,
    QThread,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtWidgets import QApplication, QWidget

from complaints.usecases.changes import OpChanges, recording
from ui.error_detail import said, tell
from ui.progress import DelayedProgress

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, str], None]
CancelledFn = Callable[[], bool]


def tr(text: str) -> str:
    return QCoreApplication.translate("TaskManager", text)


class Cancelled(Exception):
    """Raised by a task that stopped because the user pressed 取消."""


class _Worker(QObject):
    """Lives on the worker thread; runs one callable at a time."""

    # task id, (result, exception or None, OpChanges): a tuple, never a bare None, which
    # PySide's queued connections mishandle (a refcount error at exit)
    finished = Signal(int, object)
    progressed = Signal(int, int, int, str)  # task id, done, total, text
    waiting = Signal(int, bool)  # task id, waits for another program's write (or no more)

    def __init__(
        self, thread_start: Callable[[], None] | None, thread_stop: Callable[[], None] | None
    ):
        super().__init__()
        self._thread_start = thread_start
        self._thread_stop = thread_stop
        self._started = False
        self.current = 0  # the task running now (read from any thread)

    @Slot(int, object)
    def execute(self, task_id: int, fn: Callable[[], Any]) -> None:
        self.current = task_id
        with recording() as rec:
            try:
                if not self._started and self._thread_start is not None:
                    self._thread_start()
                self._started = True
                result = fn()
            except Exception as exc:
                # a task that failed may still have written (the audit of a refusal)
                exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
                # The text is kept; the frames are not: they hold the task's locals (a
                # page's closure, its widget) alive for as long as the exception lives.
                _drop_frames(exc)
                self.finished.emit(task_id, (None, exc, rec.changes()))
                return
        self.finished.emit(task_id, (result, None, rec.changes()))

    @Slot()
    def stop(self) -> None:
        if self._started and self._thread_stop is not None:
            try:
                self._thread_stop()
            except Exception:
                log.exception("closing the worker's database connection failed")
        self._started = False


def _drop_frames(exc: BaseException) -> None:
    """Forget the tracebacks of ``exc`` and of the exceptions it was raised from or during."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        e.__traceback__ = None
        e = e.__cause__ or e.__context__


@dataclass
class _Task:
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    parent: QWidget | None
    progress: DelayedProgress | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event)


class TaskManager(QObject):
    """Runs callables on a single worker thread; results come back on the GUI thread."""

    _submit = Signal(int, object)
    _stop = Signal()
    busy_changed = Signal(bool)
    changes_made = Signal(object)  # OpChanges of a task that wrote, before its callbacks

    def __init__(
        self,
        *,
        thread_start: Callable[[], None] | None = None,
        thread_stop: Callable[[], None] | None = None,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._tasks: dict[int, _Task] = {}
        self._held: list[tuple[int, Callable[[], Any]]] | None = None  # see hold()
        self._thread = QThread()
        self._thread.setObjectName("complaintdesk-worker")
        self._worker = _Worker(thread_start, thread_stop)
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.execute)
        self._stop.connect(self._worker.stop)
        self._worker.finished.connect(self._on_finished)
        self._worker.progressed.connect(self._on_progress)
        self._worker.waiting.connect(self._on_waiting)
        self._thread.start()

    # --- public API -----------------------------------------------------------------------

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        *,
        on_error: Callable[[BaseException], None] | None = None,
        label: str | None = None,
        parent: QWidget | None = None,
    ) -> int:
        """Queue ``fn()``; ``on_done(result)`` / ``on_error(exc)`` run on the GUI thread.

        With ``label`` a progress dialog appears if the work takes longer than 0.5 s.
        If ``parent`` is deleted before the work ends, the callbacks are skipped.
        """
        task_id = next(self._ids)
        task = _Task(on_done, on_error, parent)
        if label:
            task.progress = DelayedProgress(label, parent=parent or self._window())
        self._queue(task_id, task, fn)
        return task_id

    def run_with_progress(
        self,
        fn: Callable[[ProgressFn, CancelledFn], Any],
        on_done: Callable[[Any], None] | None = None,
        *,
        label: str,
        cancellable: bool = True,
        on_error: Callable[[BaseException], None] | None = None,
        parent: QWidget | None = None,
    ) -> int:
        """Like ``run``, for long work that reports ``progress(done, total, text)`` and
        polls ``cancelled()``; the dialog (after 0.5 s) shows the count and a 取消 button."""
        task_id = next(self._ids)
        task = _Task(on_done, on_error, parent)
        task.progress = DelayedProgress(
            label,
            parent=parent or self._window(),
            cancellable=cancellable,
            on_cancel=task.cancel_event.set,
        )
        worker = self._worker
        last = [0.0]

        def progress(done: int, total: int, text: str = "") -> None:
            now = time.monotonic()  # at most ~20 updates a second cross threads
            if now - last[0] >= 0.05 or done >= total:
                last[0] = now
                worker.progressed.emit(task_id, int(done), int(total), str(text))

        self._queue(task_id, task, lambda: fn(progress, task.cancel_event.is_set))
        return task_id

    def note_waiting(self, waiting: bool) -> None:
        """From the worker thread: the running task waits for another program's write to
        the database (a ledger import, say), or no longer. Its progress dialog says so."""
        self._worker.waiting.emit(self._worker.current, bool(waiting))

    def hold(self) -> None:
        """Queue tasks without starting them until ``release()``: at start-up the main
        window paints from a read-only connection, and the worker connects only once the
        database is fully open."""
        if self._held is None:
            self._held = []

    def release(self) -> None:
        """Start the tasks queued since ``hold()``, in order."""
        held, self._held = self._held, None
        for task_id, fn in held or ():
            if task_id in self._tasks:
                self._submit.emit(task_id, fn)

    def cancel(self, task_id: int) -> None:
        """Ask a running ``run_with_progress`` task to stop (it polls ``cancelled()``)."""
        task = self._tasks.get(task_id)
        if task is not None:
            task.cancel_event.set()

    def is_busy(self) -> bool:
        return bool(self._tasks)

    def wait_idle(self, timeout_ms: int = 10_000) -> bool:
        """Run the event loop until every queued task has called back (for tests and
        shutdown), or ``timeout_ms``. It waits in the event loop, asleep between events: a
        busy ``processEvents`` loop kept the interpreter lock from the worker's Python (the
        100k-case id list took 0.5 s instead of 0.1 s)."""
        deadline = QDeadlineTimer(timeout_ms)
        while self._tasks and not deadline.hasExpired():
            loop = QEventLoop()
            self.busy_changed.connect(loop.quit)  # the last task has called back (or a new one)
            QTimer.singleShot(max(1, deadline.remainingTime()), loop, loop.quit)
            loop.exec()
            self.busy_changed.disconnect(loop.quit)
        return not self._tasks

    def shutdown(self, timeout_ms: int = 60_000) -> None:
        """Finish queued work, close the worker's connection and stop the thread.

        Cancellable tasks are asked to stop; the task running at the end is always
        awaited, so the database is never closed under a write."""
        if not self._thread.isRunning():
            return
        if self._held is not None:  # never started (the database did not open): dropped
            for task_id, _fn in self._held:
                task = self._tasks.pop(task_id, None)
                if task is not None and task.progress is not None:
                    task.progress.finish()
            self._held = None
        for task in self._tasks.values():
            task.cancel_event.set()
        self.wait_idle(timeout_ms)
        self._stop.emit()
        self._thread.quit()
        self._thread.wait()

    # --- internals --------------------------------------------------------------------------

    def _queue(self, task_id: int, task: _Task, fn: Callable[[], Any]) -> None:
        was_busy = bool(self._tasks)
        self._tasks[task_id] = task
        if not was_busy:
            self.busy_changed.emit(True)
        if self._held is not None:
            self._held.append((task_id, fn))
        else:
            self._submit.emit(task_id, fn)

    @Slot(int, int, int, str)
    def _on_progress(self, task_id: int, done: int, total: int, text: str) -> None:
        task = self._tasks.get(task_id)
        if task is not None and task.progress is not None:
            task.progress.update(done, total, text)

    @Slot(int, bool)
    def _on_waiting(self, task_id: int, waiting: bool) -> None:
        task = self._tasks.get(task_id)
        if task is None:
            return
        if task.progress is None:
            if not waiting:
                return
            task.progress = DelayedProgress(
                tr("正在写入数据库…"), parent=task.parent or self._window()
            )
        task.progress.note(
            tr("正在等待另一个程序(例如台账导入)写完数据库,轮到后自动继续……") if waiting else ""
        )

    @Slot(int, object)
    def _on_finished(
        self, task_id: int, outcome: tuple[Any, BaseException | None, OpChanges]
    ) -> None:
        result, exc, changes = outcome
        task = self._tasks.pop(task_id, None)
        if not self._tasks:
            self.busy_changed.emit(False)
        if task is not None and task.progress is not None:
            task.progress.finish()
        if changes:  # even when the widget that asked is gone: the pages show the data
            self.changes_made.emit(changes)
        if task is None:
            return
        if task.parent is not None and not shiboken6.isValid(task.parent):
            return  # the widget that asked is gone
        if exc is None:
            if task.on_done is not None:
                task.on_done(result)
            return
        if task.on_error is not None:
            task.on_error(exc)
        else:
            show_error(exc, task.parent if task.parent is not None else self._window())

    @staticmethod
    def _window() -> QWidget | None:
        app = QApplication.instance()
        return app.activeWindow() if isinstance(app, QApplication) else None


def show_error(exc: BaseException, parent: QWidget | None = None) -> None:
    """The default ``on_error``: a use case's refusal as is, anything else as a program error
    (ui/error_detail.py ``said``)."""
    if isinstance(exc, Cancelled):
        return
    tell(parent, tr("无法完成"), said(exc))  # the server's errors in Chinese, its words kept
