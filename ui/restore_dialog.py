"""恢复…: choose a backup, say plainly what will happen, restore on the worker, then say
what was kept.

The use case (complaints.usecases.storage.restore) checks the file before touching
anything and keeps the current data as a "before-restore" backup; this module only asks,
waits and reports. A refusal (not a database, damaged, too new, another site's) is shown
with its reason, and nothing has changed. After a restore every page refreshes: the
session announces every topic.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from complaints.usecases import server_link, server_move, storage
from desktop import __version__
from ui.error_detail import said, tell


def tr(text: str) -> str:
    return QCoreApplication.translate("RestoreDialog", text)


REASON_LABELS = {
    "auto": "启动时自动备份",
    "manual": "手动备份",
    "before-restore": "恢复前的原数据",
    "before-restore-damaged": "恢复前的原数据(已损坏,原样保存)",
    "before-migration": "升级前备份",
    "before-import": "导入前备份",
}

BACKUP_FILTER = "客诉管理台备份 (*.sqlite3 *.db *.sqlite);;所有文件 (*)"


def reason_label(reason: str) -> str:
    """'before-migration-v3' → 升级前备份(数据库版本 3)."""
    if reason.startswith("before-migration-v"):
        return tr("升级前备份(数据库版本 {v})").format(v=reason.rsplit("-v", 1)[1])
    return tr(REASON_LABELS.get(reason, reason))


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


class RestoreFlow(QObject):
    """One restore, from choosing the file to the report. Emits ``restored(report)`` or
    ``refused(message)`` (also when the user cancels nothing is emitted)."""

    restored = Signal(object)  # storage.RestoreReport, or server_move.MoveReport on the server
    refused = Signal(str)  # the reason shown to the user; nothing was changed

    def __init__(self, session, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.parent_widget = parent

    # --- steps -----------------------------------------------------------------------------

    def choose_file(self, start: Path | None = None) -> Path | None:
        """The file chooser, opened on the backups folder (or on ``start``)."""
        folder = self.session.paths.backups
        where = start if start is not None else folder
        if not Path(where).exists():
            where = self.session.paths.root
        name, _filter = QFileDialog.getOpenFileName(
            self.parent_widget, tr("选择要恢复的备份文件"), str(where), tr(BACKUP_FILTER)
        )
        return Path(name) if name else None

    def confirm(self, src: Path) -> bool:
        try:
            stat = src.stat()
            about = tr("{size},修改于 {when:%Y-%m-%d %H:%M}").format(
                size=size_text(stat.st_size), when=datetime.fromtimestamp(stat.st_mtime)
            )
        except OSError:
            about = ""
        if server_link.on_office_server():  # the office's data, every seat's, not this PC's
            text = tr(
                "将用下面的备份替换办公室服务器({where})上的全部数据,所有座位都会看到恢复后的"
                "数据:\n\n{src}\n{about}\n\n"
                "替换之前,服务器上的当前数据会先另存为一份“恢复前的原数据”备份,放在本机的备份"
                "文件夹\n{folder}\n中;如需要,可以再从那份备份恢复回来。\n\n"
                "恢复后,所有座位在该备份之后录入或修改的内容都将不再显示。"
                "请先让各座位保存并关闭正在编辑的投诉单。\n\n确定要恢复吗?"
            ).format(
                where=server_link.database_in_use(),
                src=src,
                about=about,
                folder=self.session.paths.backups,
            )
        else:
            text = tr(
                "将用下面的备份替换本机当前的全部数据:\n\n{src}\n{about}\n\n"
                "替换之前,当前数据会先另存为一份“恢复前的原数据”备份,放在备份文件夹\n{folder}\n"
                "中;如需要,可以再从那份备份恢复回来。\n\n"
                "恢复后,当前数据中在该备份之后录入或修改的内容将不再显示。"
                "请先保存并关闭正在编辑的投诉单。\n\n确定要恢复吗?"
            ).format(src=src, about=about, folder=self.session.paths.backups)
        answer = QMessageBox.question(
            self.parent_widget,
            tr("从备份恢复"),
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def start(self, src: Path | None = None, *, start_dir: Path | None = None) -> bool:
        """Choose (unless ``src``), confirm, and queue the restore; False if cancelled."""
        if src is None:
            src = self.choose_file(start_dir)
            if src is None:
                return False
        if not self.confirm(src):
            return False
        self.run(src)
        return True

    def run(self, src: Path, *, allow_other_site: bool = False) -> None:
        paths = self.session.paths
        ctx = self.session.ctx()

        def work() -> storage.RestoreReport | server_move.MoveReport:
            if server_link.on_office_server():  # the server's rows; the seat stays on it
                return server_move.restore_onto_server(
                    src, paths, ctx=ctx, allow_other_site=allow_other_site, app_version=__version__
                )
            return storage.restore(
                src, paths, __version__, ctx=ctx, allow_other_site=allow_other_site
            )

        self.session.taskman.run(
            work,
            lambda report: self._done(src, report),
            on_error=lambda e: self._failed(src, e),
            label=tr("正在恢复数据,请勿关闭程序…"),
            parent=self.parent_widget,
        )

    # --- outcomes --------------------------------------------------------------------------

    def _failed(self, src: Path, exc: BaseException) -> None:
        told = said(exc)
        if isinstance(exc, storage.OtherSiteBackup):
            answer = QMessageBox.question(
                self.parent_widget,
                tr("其他站点的备份"),
                told.message
                + "\n\n"
                + (
                    tr(
                        "确实要用其他站点的备份替换办公室服务器上的数据吗?(当前数据同样会先另存为备份)"
                    )
                    if server_link.on_office_server()
                    else tr("确实要用其他站点的备份替换本机数据吗?(当前数据同样会先另存为备份)")
                ),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer == QMessageBox.StandardButton.Yes:
                self.run(src, allow_other_site=True)
                return
            self.refused.emit(told.message)
            return
        tell(self.parent_widget, tr("未能恢复"), told)
        self.refused.emit(told.message)

    def _done(self, src: Path, report: storage.RestoreReport | server_move.MoveReport) -> None:
        text = (
            report_text(report)
            if isinstance(report, storage.RestoreReport)
            else server_report_text(src, report)
        )
        QMessageBox.information(self.parent_widget, tr("恢复完成"), text)
        self.restored.emit(report)


def _checked(problems: list[str]) -> list[str]:
    """The lines that end a restore's report: what the check after it found."""
    if problems:
        return ["", tr("恢复后检查发现 {n} 个问题:").format(n=len(problems)), *problems[:10]]
    return ["", tr("恢复后检查数据:未发现问题。")]


def server_report_text(src: Path, report: server_move.MoveReport) -> str:
    """After a restore onto the office server: from where, what was kept, the checks."""
    lines = [
        tr("已从备份恢复办公室服务器({where})上的数据:\n{src}").format(
            where=server_link.database_in_use(), src=src
        ),
        "",
        tr("恢复前服务器上的数据已另存为:\n{kept}\n需要时可以从这份备份恢复回来。").format(
            kept=report.kept
        ),
    ]
    return "\n".join(lines + _checked(report.problems))


def report_text(report: storage.RestoreReport) -> str:
    """What the clerk needs to know after a restore: from where, and what was kept."""
    lines = [tr("已从备份恢复数据:\n{src}").format(src=report.source), ""]
    if report.kept is None:
        lines.append(tr("恢复前本机没有数据,无需保留。"))
    elif report.kept_verified:
        lines.append(
            tr("恢复前的数据已另存为:\n{kept}\n需要时可以从这份备份恢复回来。").format(
                kept=report.kept
            )
        )
    else:
        lines.append(tr("恢复前的数据库已损坏,已原样另存为:\n{kept}").format(kept=report.kept))
    if report.version_now != report.version_restored:
        lines += [
            "",
            tr("备份的数据库版本为 {a},已升级到 {b}。").format(
                a=report.version_restored, b=report.version_now
            ),
        ]
    return "\n".join(lines + _checked(report.problems))
