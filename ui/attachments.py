"""The 附件 box of the case editor: add (button or drag & drop), open, remove.

Files are copied into the data folder by complaints.usecases.attachments on the
worker thread; the list shows name, size, when and by whom.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from complaints.usecases import attachments as uc
from ui.tables import read_only
from ui.taskman import show_error


def tr(text: str) -> str:
    return QCoreApplication.translate("AttachmentsPanel", text)


def human_size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


class AttachmentsPanel(QWidget):
    """Attachments of one case; disabled (with a hint) until the case is saved."""

    changed = Signal()  # after an add or a removal
    message = Signal(str)  # a line for the editor's status (e.g. "已附加过")

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.case_id: int | None = None
        self._may_add = self._may_remove = True
        self._rows: list[dict[str, Any]] = []
        self.setAcceptDrops(True)

        self.table = QTableWidget(0, 5, self)
        self.table.setHorizontalHeaderLabels(
            [tr("文件名"), tr("大小"), tr("添加时间"), tr("添加人"), tr("备注")]
        )
        read_only(self.table)
        h = self.table.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in (1, 2, 3):
            h.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(110)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.add_button = QPushButton(tr("添加附件…"), self)
        self.open_button = QPushButton(tr("打开"), self)
        self.remove_button = QPushButton(tr("删除"), self)
        self.add_button.clicked.connect(self.choose_files)
        self.open_button.clicked.connect(self.open_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.hint = QLabel(self)
        self.hint.setStyleSheet("color: #666;")
        self.hint.setWordWrap(True)

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.hint, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.table)
        self.set_case(None)

    # --- state --------------------------------------------------------------------------------

    def set_case(self, case_id: int | None) -> None:
        self.case_id = case_id
        saved = case_id is not None
        self.table.setEnabled(saved)
        self.add_button.setEnabled(saved)
        self.hint.setText(
            tr("可把文件拖到此处添加。") if saved else tr("请先保存投诉单,再添加附件。")
        )
        self._rows = []
        self._fill()
        if saved:
            self.reload()

    def reload(self) -> None:
        if self.case_id is None:
            return
        case_id, ctx = self.case_id, self.session.ctx()
        self.session.taskman.run(
            lambda: (uc.list_attachments(case_id), uc.refusals(ctx, case_id)),
            self._on_loaded,
            parent=self,
        )

    def rows(self) -> list[dict[str, Any]]:
        return list(self._rows)

    def _on_loaded(self, result: tuple[list[dict[str, Any]], dict[str, str | None]]) -> None:
        self._rows, refused = result
        self._may_add, self._may_remove = refused["add"] is None, refused["remove"] is None
        self.add_button.setEnabled(self.case_id is not None and self._may_add)
        self.add_button.setToolTip(refused["add"] or "")
        self.remove_button.setToolTip(refused["remove"] or "")
        self._fill()

    def _fill(self) -> None:
        self.table.setRowCount(len(self._rows))
        tz = self.session.ctx().tz if self._rows else None
        for r, a in enumerate(self._rows):
            added = a["added_at"].astimezone(tz).strftime("%Y-%m-%d %H:%M") if a["added_at"] else ""
            for c, text in enumerate(
                (a["file_name"], human_size(a["size"]), added, a["added_by"], a["note"])
            ):
                item = QTableWidgetItem(text)
                if c == 0:
                    item.setToolTip(f"SHA-256 {a['sha256']}")
                self.table.setItem(r, c, item)
        self._update_buttons()

    def _selected(self) -> dict[str, Any] | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        i = rows[0].row()
        return self._rows[i] if 0 <= i < len(self._rows) else None

    def select_row(self, i: int) -> None:
        self.table.selectRow(i)

    def _update_buttons(self) -> None:
        has = self.case_id is not None and self._selected() is not None
        self.open_button.setEnabled(has)
        self.remove_button.setEnabled(has and self._may_remove)

    # --- actions --------------------------------------------------------------------------------

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, tr("选择要添加的附件"))
        if files:
            self.add_files([Path(f) for f in files])

    def add_files(self, paths: list[Path]) -> None:
        """Copy the files into the store, one task for all, then refresh the list."""
        if self.case_id is None or not paths:
            return
        case_id, ctx, store = self.case_id, self.session.ctx(), self.session.paths.attachments

        def work() -> list[dict[str, Any]]:
            return [uc.add_attachment(ctx, case_id, p, store) for p in paths]

        def done(added: list[dict[str, Any]]) -> None:
            dup = [a["file_name"] for a in added if a.get("already_attached")]
            if dup:
                self.message.emit(tr("已附加过相同内容的文件:") + "、".join(dup))
            self._after_change()

        self.session.taskman.run(
            work, done, on_error=self._on_error, label=tr("正在复制附件…"), parent=self
        )

    def open_selected(self) -> None:
        a = self._selected()
        if a is None:
            return
        store = self.session.paths.attachments
        dest = Path(tempfile.gettempdir()) / "complaintdesk-open"
        self.session.taskman.run(
            lambda: uc.viewing_copy(a["id"], store, dest),
            self._open,
            on_error=self._on_error,
            parent=self,
        )

    def _open(self, path: Path) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            QMessageBox.warning(
                self, tr("无法打开附件"), tr("没有可以打开此文件的程序:") + str(path)
            )

    def remove_selected(self) -> None:
        a = self._selected()
        if a is None:
            return
        answer = QMessageBox.question(
            self,
            tr("删除附件"),
            tr("确定删除附件“{name}”吗?").format(name=a["file_name"]),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        ctx, store = self.session.ctx(), self.session.paths.attachments
        self.session.taskman.run(
            lambda: uc.remove_attachment(ctx, a["id"], store),
            lambda _r: self._after_change(),
            on_error=self._on_error,
            parent=self,
        )

    def _after_change(self) -> None:
        self.reload()
        self.changed.emit()

    def _on_error(self, exc: BaseException) -> None:
        show_error(exc, self)
        self.reload()

    # --- drag & drop ----------------------------------------------------------------------------

    @staticmethod
    def _local_files(event) -> list[Path]:
        md = event.mimeData()
        if not md.hasUrls():
            return []
        return [Path(u.toLocalFile()) for u in md.urls() if u.isLocalFile()]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.case_id is not None and self._may_add and self._local_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        files = [p for p in self._local_files(event) if p.is_file()]
        if self.case_id is not None and files:
            event.acceptProposedAction()
            self.add_files(files)
        else:
            event.ignore()
