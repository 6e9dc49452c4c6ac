"""设置 → 制度参数 → 导入总部制度…: pick the file, read every change it makes (old → new),
then import it (a backup first) through ``complaints.usecases.rulebook``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from complaints.usecases import rulebook
from complaints.usecases.context import Context
from ui.error_detail import Said, said, tell
from ui.file_dialogs import ask_open
from ui.tables import read_only

HEADERS = ("类别", "项目", "说明", "原值", "新值")


def tr(text: str) -> str:
    return QCoreApplication.translate("RulebookImport", text)


class RulebookPreviewDialog(QDialog):
    """Every change of a rulebook, one a row; 导入 accepts."""

    def __init__(self, preview: rulebook.Preview, ctx: Context, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(tr("导入总部制度:预览"))
        self.resize(900, 560)
        lay = QVBoxLayout(self)
        head = QLabel("\n".join(preview.lines(ctx)[:3]))
        head.setWordWrap(True)
        lay.addWidget(head)
        count = QLabel(
            tr("共 {n} 处修改(原值 → 新值)。导入前先自动备份数据。").format(n=len(preview.changes))
            if preview.changes
            else tr("与本站现行制度相同,没有需要修改的项目。")
        )
        lay.addWidget(count)
        table = QTableWidget(len(preview.changes), len(HEADERS))
        table.setHorizontalHeaderLabels([tr(h) for h in HEADERS])
        read_only(table)
        for r, c in enumerate(preview.changes):
            for col, text in enumerate((c.place, c.key, c.label, c.old, c.new)):
                table.setItem(r, col, QTableWidgetItem(text))
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        self.table = table
        lay.addWidget(table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = buttons.addButton(tr("导入"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)


def start_import(
    parent: QWidget, session, done: Callable[[str], None], failed: Callable[[Said], None]
) -> None:
    """Ask for the file, preview it on the worker, show the dialog, import on 导入. A failure
    reaches ``failed`` as ui/error_detail.py says it."""
    files = ask_open(
        parent, "rulebook", tr("导入总部制度"), tr("总部制度文件 (*.zip);;所有文件 (*)")
    )
    if not files:
        return
    path: Path = files[0]
    ctx = session.ctx()
    templates = session.paths.templates
    # the data folder's backups: on the office server there is no database file to sit beside
    backups = session.paths.backups

    def show(pv: rulebook.Preview) -> None:
        dialog = RulebookPreviewDialog(pv, ctx, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        # The start is worked out again as the preview did (the file's, else now): the
        # preview's "now" has passed by the time 导入 is clicked.
        session.taskman.run(
            lambda: rulebook.import_file(ctx, path, templates, backup_dir=backups),
            lambda r: done(
                tr("已导入总部制度 {f};导入前的数据已备份到 {b}").format(
                    f=path.name, b=r.backup.name
                )
            ),
            on_error=lambda e: failed(said(e)),
            parent=parent,
        )

    def refused(exc: BaseException) -> None:
        told = said(exc)
        tell(parent, tr("无法导入总部制度"), told)
        failed(told)

    session.taskman.run(
        lambda: rulebook.preview(ctx, path, templates),
        show,
        on_error=refused,
        parent=parent,
    )
