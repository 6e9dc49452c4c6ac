"""The progress of a database migration at start-up, before any window: a dialog once it
has run half a second, saying the version and the time so far, repainted while the
migration's long statements run (db.database.MigrationProgress)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEventLoop

from ui.progress import DelayedProgress


def tr(text: str) -> str:
    return QCoreApplication.translate("UpgradeProgress", text)


class UpgradeProgress:
    """Call it as the MigrationProgress of ``open_database``; ``finish()`` when it returns."""

    def __init__(self) -> None:
        self._shown = DelayedProgress(tr("正在升级数据库,请勿关闭本程序…"))

    def __call__(self, version: int, seconds: float) -> None:
        self._shown.update(0, 0, tr("升级到版本 {v},已用 {s} 秒").format(v=version, s=int(seconds)))
        # The migration runs on this thread: let the dialog appear and repaint, and take no
        # input (nothing else is open yet; the dialog has no cancel button).
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)

    @property
    def shown(self) -> DelayedProgress:
        return self._shown

    def finish(self) -> None:
        self._shown.finish()
