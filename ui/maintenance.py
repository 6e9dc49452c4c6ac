"""Housekeeping off the person's path: backups and checks on their own thread.

The one worker thread (ui/taskman.py) runs a person's saves, opens and lists in order; a
backup or a check queued there would make a save wait minutes behind it. The maintenance
runner has its own thread, and its jobs their own database connection
(``storage.in_own_connection``): in WAL mode its reads never block the worker's writes.
Its jobs run one at a time, in order; their progress is a line in the status bar
(``StatusLine``); ``shutdown()`` at exit cancels the running job between two of its steps
(a backup leaves no ``.part`` and is not counted) and waits for the thread.

A job whose loss a person must agree to (the office server's backup before an import, which
nothing else will write) carries a question: ``may_quit`` asks it when the main window
closes while the job is queued or running (等待, or give it up and quit), and a job given up
before it started hears so (``on_dropped``).
"""

from __future__ import annotations

import logging
import queue
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QWidget

from complaints.usecases import storage
from complaints.usecases.changes import OpChanges, recording

log = logging.getLogger(__name__)

# (progress(done, total, text), cancelled()) → result, on the maintenance thread
Job = Callable[[Callable[[int, int, str], None], Callable[[], bool]], Any]


def tr(text: str) -> str:
    return QCoreApplication.translate("Maintenance", text)


@dataclass(eq=False)  # each queued job is itself: found by identity
class _Queued:
    job: Job
    label: str
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    ask_at_exit: str | None = None  # the question before quitting loses it
    on_dropped: Callable[[], None] | None = None  # given up at exit before it started


class MaintenanceRunner(QObject):
    """Runs maintenance jobs on one thread of its own, in order; results come back on the
    GUI thread (``on_done`` / ``on_error``)."""

    status = Signal(str)  # the status bar's line ("" when nothing runs)
    asked_done = Signal()  # the last job that asks before quitting ended
    changes_made = Signal(object)  # OpChanges of a job that wrote (the session relays it)
    # (queued, result, error, OpChanges) to the GUI thread: one tuple, never a bare None,
    # which PySide's queued connections mishandle
    _finished = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: queue.Queue[_Queued | None] = queue.Queue()
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._busy = 0
        self._asking: list[_Queued] = []  # queued or running jobs with a question at exit
        # a job the thread took after the cancel, left for shutdown's on_dropped
        self._taken_at_cancel: list[_Queued] = []
        self._finished.connect(self._deliver)

    def run(
        self,
        job: Job,
        on_done: Callable[[Any], None] | None = None,
        *,
        label: str,
        on_error: Callable[[BaseException], None] | None = None,
        ask_at_exit: str | None = None,
        on_dropped: Callable[[], None] | None = None,
    ) -> None:
        """Queue ``job``; ``label`` is the status line while it runs (e.g. 正在自动备份).
        ``ask_at_exit``: the question ``may_quit`` asks while it is queued or running;
        ``on_dropped()`` runs (at shutdown, on the GUI thread) if it never started."""
        if self._thread is None:
            self._cancel.clear()
            self._thread = threading.Thread(target=self._loop, name="maintenance", daemon=True)
            self._thread.start()
        self._busy += 1
        item = _Queued(job, label, on_done, on_error, ask_at_exit, on_dropped)
        if ask_at_exit is not None:
            self._asking.append(item)
        self._jobs.put(item)

    def is_busy(self) -> bool:
        return self._busy > 0

    def questions_at_exit(self) -> list[str]:
        """The questions of the jobs queued or running that a quit would lose."""
        return [item.ask_at_exit for item in self._asking if item.ask_at_exit]

    def cancel(self) -> None:
        """Ask the running job to stop at its next step (and the queued ones not to start);
        ``shutdown`` then waits for it."""
        self._cancel.set()

    def shutdown(self, timeout_s: float = 60.0) -> None:
        """Cancel the running job, drop the queued ones, and wait for the thread."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._cancel.set()
        while True:  # the jobs not started yet never start
            try:
                dropped = self._jobs.get_nowait()
            except queue.Empty:
                break
            if dropped is not None and dropped.on_dropped is not None:
                dropped.on_dropped()
        self._jobs.put(None)
        thread.join(timeout_s)
        dropped_late, self._taken_at_cancel = self._taken_at_cancel, []
        for item in dropped_late:
            if item.on_dropped is not None:
                item.on_dropped()
        self._busy = 0
        self.status.emit("")

    def _loop(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            if self._cancel.is_set():  # taken as the program closes: never started
                self._taken_at_cancel.append(item)
                return
            self._run_one(item)

    def _run_one(self, item: _Queued) -> None:
        self.status.emit(item.label + "…")
        shown = {"pct": -1, "note": ""}

        def progress(done: int, total: int, text: str) -> None:
            pct = int(done * 100 / total) if total else 0
            if text and text != item.label:
                shown["note"] = text  # e.g. the check's estimate, kept while it runs
            elif pct == shown["pct"]:
                return
            shown["pct"] = pct
            note = f"({shown['note']})" if shown["note"] else ""
            self.status.emit(f"{item.label}{note}… {pct}%")

        def job() -> Any:
            return item.job(progress, self._cancel.is_set)

        with recording() as rec:
            try:
                result = storage.in_own_connection(job)
            except Exception as e:
                # kept for the 详细信息 of a program error (ui/error_detail.py), as ui/taskman.py
                # does: an attribute of our own on the exception, hence the ignore
                e.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
                self._finished.emit((item, None, e, rec.changes()))
                return
        self._finished.emit((item, result, None, rec.changes()))

    def _deliver(self, outcome: tuple[_Queued, Any, BaseException | None, OpChanges]) -> None:
        item, result, error, changes = outcome
        if item in self._asking:
            self._asking.remove(item)
            if not self._asking:
                self.asked_done.emit()
        if changes:
            self.changes_made.emit(changes)
        self._busy = max(0, self._busy - 1)
        if self._busy == 0:
            self.status.emit("")
        if self._cancel.is_set():
            return  # the program is closing: nobody is left to tell
        if error is not None:
            if item.on_error is not None:
                item.on_error(error)
            else:  # nobody asked to hear it: the log keeps it
                log.error("%s failed: %s", item.label, getattr(error, "__traceback_text__", ""))
        elif item.on_done is not None:
            item.on_done(result)


class StatusLine(QLabel):
    """The maintenance runner's line, a permanent widget at the right of the status bar
    (hidden while nothing runs)."""

    def __init__(self, runner: MaintenanceRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("maintenanceStatus")
        self.hide()
        runner.status.connect(self._show)

    def _show(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))


def attach_status_line(runner: MaintenanceRunner, window: QMainWindow) -> StatusLine:
    """The runner's line in ``window``'s status bar, added by the first call (the start's
    backup, or the first job of an office server's seat, which makes none at start)."""
    line = window.findChild(StatusLine)
    if line is None:
        line = StatusLine(runner, window)
        window.statusBar().addPermanentWidget(line)
    return line


def runner_for(session: QObject) -> MaintenanceRunner:
    """The session's maintenance runner, made on first use (a child of the session)."""
    runner = session.findChild(MaintenanceRunner)
    if runner is None:
        runner = MaintenanceRunner(session)
        changed = getattr(session, "changed", None)
        if changed is not None:  # the pages hear the job's writes as any other
            runner.changes_made.connect(changed)
    return runner


def may_quit(window: QMainWindow, runner: MaintenanceRunner) -> bool:
    """Whether ``window`` may close now: yes when no queued or running job asks before its
    loss; else the person chooses. 放弃备份并退出: yes (``shutdown`` then stops the job, which
    leaves nothing half-written and is said at the next start). 等待: no, and the window
    closes by itself once those jobs have ended."""
    questions = runner.questions_at_exit()
    if not questions:
        return True
    box = QMessageBox(QMessageBox.Icon.Warning, window.windowTitle(), questions[0], parent=window)
    wait = box.addButton(tr("等待"), QMessageBox.ButtonRole.RejectRole)
    give_up = box.addButton(tr("放弃备份并退出"), QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(wait)
    box.setEscapeButton(wait)
    box.exec()
    if box.clickedButton() is give_up:
        return True
    runner.asked_done.connect(window.close, Qt.ConnectionType.SingleShotConnection)
    window.statusBar().showMessage(tr("正在等待备份写完,写完后程序自动退出"))
    return False
