"""Housekeeping off the person's path: backups and checks on their own thread.

The one worker thread (ui/taskman.py) runs a person's saves, opens and lists in order; a
backup or a check queued there would make a save wait minutes behind it. The maintenance
runner has its own thread, and its jobs their own database connection
(``storage.in_own_connection``): in WAL mode its reads never block the worker's writes.
Its jobs run one at a time, in order; their progress is a line in the status bar
(``StatusLine``); ``shutdown()`` at exit cancels the running job between two of its steps
(a backup leaves no ``.part`` and is not counted) and waits for the thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QLabel, QMainWindow, QWidget

from complaints.usecases import storage
from complaints.usecases.changes import OpChanges, recording

# (progress(done, total, text), cancelled()) → result, on the maintenance thread
Job = Callable[[Callable[[int, int, str], None], Callable[[], bool]], Any]


def tr(text: str) -> str:
    return QCoreApplication.translate("Maintenance", text)


@dataclass
class _Queued:
    job: Job
    label: str
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None


class MaintenanceRunner(QObject):
    """Runs maintenance jobs on one thread of its own, in order; results come back on the
    GUI thread (``on_done`` / ``on_error``)."""

    status = Signal(str)  # the status bar's line ("" when nothing runs)
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
        self._finished.connect(self._deliver)

    def run(
        self,
        job: Job,
        on_done: Callable[[Any], None] | None = None,
        *,
        label: str,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Queue ``job``; ``label`` is the status line while it runs (e.g. 正在自动备份)."""
        if self._thread is None:
            self._cancel.clear()
            self._thread = threading.Thread(target=self._loop, name="maintenance", daemon=True)
            self._thread.start()
        self._busy += 1
        self._jobs.put(_Queued(job, label, on_done, on_error))

    def is_busy(self) -> bool:
        return self._busy > 0

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
                self._jobs.get_nowait()
            except queue.Empty:
                break
        self._jobs.put(None)
        thread.join(timeout_s)
        self._busy = 0
        self.status.emit("")

    def _loop(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None or self._cancel.is_set():
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
                self._finished.emit((item, None, e, rec.changes()))
                return
        self._finished.emit((item, result, None, rec.changes()))

    def _deliver(self, outcome: tuple[_Queued, Any, BaseException | None, OpChanges]) -> None:
        item, result, error, changes = outcome
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
