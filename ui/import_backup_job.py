"""The office server's backup before a ledger import, written on the maintenance thread
(ui/maintenance.py) while the import runs on the worker: the import begins it (its snapshot
fixed, complaints/usecases/import_backup.py) and hands it over here; its progress is the
status bar's line, its end a status bar message, its failure a warning the person must
close (the import stands; the office should make a backup now). Quitting before it is
written asks first (``may_quit``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QMainWindow, QWidget

from complaints.usecases.import_backup import PendingBackup
from ui.error_detail import said, tell
from ui.maintenance import attach_status_line, runner_for


def tr(text: str) -> str:
    return QCoreApplication.translate("ImportBackupJob", text)


class ImportBackupJob(QObject):
    """Takes a pending backup on any thread (``hand_over``, the import's worker) and queues
    its writing on the session's maintenance runner from the GUI thread."""

    written = Signal(object)  # the backup's Path, once whole and checked
    # (the backup's Path, why it could not be written): said to the person already
    failed = Signal(object, str)
    _handed = Signal(object)  # PendingBackup, from the worker to the GUI thread

    def __init__(self, session: QObject, page: QWidget) -> None:
        super().__init__(page)
        self.session = session
        self.page = page
        self._handed.connect(self._queue)  # a queued connection: this lives on the GUI thread

    def hand_over(self, pending: PendingBackup) -> None:
        """The import's ``backup_later``: called on the worker thread."""
        self._handed.emit(pending)

    def _queue(self, pending: PendingBackup) -> None:
        runner = runner_for(self.session)
        window = self.page.window()
        if isinstance(window, QMainWindow):
            attach_status_line(runner, window)

        def job(progress: Callable[[int, int, str], None], cancelled: Callable[[], bool]) -> Path:
            return pending.write(lambda done, total: progress(done, total, ""), cancelled)

        runner.run(
            job,
            self._done,
            label=tr("正在写入导入前备份"),
            on_error=lambda exc: self._failed(pending.path, exc),
            ask_at_exit=tr(
                "导入前备份尚未完成:{p}\n\n这份备份保存的是导入之前的数据。"
                "现在退出,这份备份就没有了(导入本身不受影响)。"
            ).format(p=pending.path),
            on_dropped=pending.abandon,
        )

    def _done(self, path: Path) -> None:
        window = self.page.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(tr("导入前备份已写完:{p}").format(p=path), 15_000)
        self.written.emit(path)

    def _failed(self, path: Path, exc: BaseException) -> None:
        window = self.page.window()
        told = said(exc)  # in Chinese, the technical words as detail
        tell(window, window.windowTitle(), told)
        self.failed.emit(path, told.message)
