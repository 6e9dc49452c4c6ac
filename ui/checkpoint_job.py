"""After a ledger import into this PC's file: SQLite's checkpoint, queued on the maintenance
thread (ui/maintenance.py) so that neither the import's report nor the person's next save
waits for it (complaints/usecases/checkpoint.py). Its line shows in the status bar while
it runs; a failure is only logged: the log keeps the import whole, the next checkpoint
copies it."""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QObject, Signal, SignalInstance
from PySide6.QtWidgets import QMainWindow, QWidget

from complaints.usecases import checkpoint
from ui.maintenance import attach_status_line, runner_for

log = logging.getLogger(__name__)


def tr(text: str) -> str:
    return QCoreApplication.translate("CheckpointJob", text)


class CheckpointJob(QObject):
    """Queues ``checkpoint.after_import`` on the session's maintenance runner."""

    done = Signal(object)  # the Checkpointed (None: cancelled at exit, or nothing to do)

    def __init__(self, session: QObject, page: QWidget, imported: SignalInstance) -> None:
        """Kept by ``page``; queued each time ``imported`` reports an import that wrote
        this PC's file (ImportReport.checkpoint_due)."""
        super().__init__(page)
        self.session = session
        self.page = page
        imported.connect(self._imported)

    def _imported(self, report: object) -> None:
        if getattr(report, "checkpoint_due", False):
            self.queue()

    def queue(self) -> None:
        runner = runner_for(self.session)
        window = self.page.window()
        if isinstance(window, QMainWindow):
            attach_status_line(runner, window)
        runner.run(
            checkpoint.after_import,
            self.done.emit,
            label=tr("正在整理数据库文件"),
            on_error=lambda exc: log.warning("checkpoint after an import failed: %r", exc),
        )
