"""签字回收 page: drop the evening's scans, see which sheets came back, assign the rest.

Scans come from three doors: the 导入扫描件 button, a drop on the main window (which shows
this page), and a folder the scanner saves into, watched while the program runs. Every
page's result is listed; the pages that matched nothing are shown as thumbnails, and the
clerk assigns one by typing the code under its QR (or the case number) and picking the sheet.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QFileSystemWatcher, QSize, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from complaints.usecases import scans
from ui import options
from ui.error_detail import warn
from ui.session import Session
from ui.tables import read_only

PATH_ROLE = Qt.ItemDataRole.UserRole + 1
NOT_MATCHED = QBrush(QColor("#FCE4D6"))


def tr(text: str) -> str:
    return QCoreApplication.translate("ScanReturnPage", text)


class ScanReturnPage(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.results: list[scans.PageResult] = []
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(self._folder_changed)
        self._seen: set[Path] = set()  # files of the watched folder already there or imported
        self._settle = QTimer(self)  # a scanner writes a file in steps: wait until it rests
        self._settle.setSingleShot(True)
        self._settle.setInterval(1500)
        self._settle.timeout.connect(self.import_new_in_folder)

        self.import_button = QPushButton(tr("导入扫描件…"))
        self.import_button.clicked.connect(self._ask_files)
        self.folder_button = QPushButton(tr("监视扫描文件夹…"))
        self.folder_button.clicked.connect(self._ask_folder)
        self.folder_label = QLabel(tr("未监视文件夹"))
        self.summary = QLabel(tr("把扫描件(PDF、JPEG、PNG)拖到窗口上,或点“导入扫描件”。"))
        self.summary.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.import_button)
        top.addWidget(self.folder_button)
        top.addWidget(self.folder_label, 1)

        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([tr("页面"), tr("结果"), tr("说明")])
        read_only(self.table)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)

        self.thumbs = QListWidget()
        self.thumbs.setViewMode(QListView.ViewMode.IconMode)
        self.thumbs.setIconSize(QSize(150, 210))
        self.thumbs.setResizeMode(QListView.ResizeMode.Adjust)
        self.thumbs.setMovement(QListView.Movement.Static)
        self.thumbs.setSpacing(6)
        self.thumbs.currentItemChanged.connect(lambda *_: self._update_assign())
        self.lookup = QLineEdit()
        self.lookup.setPlaceholderText(tr("二维码下的识别码(如 7F3K)或投诉单编号"))
        self.lookup.textChanged.connect(self._find)
        self.candidates = QComboBox()
        self.assign_button = QPushButton(tr("登记到此签字单"))
        self.assign_button.clicked.connect(self.assign_selected)
        assign = QVBoxLayout()
        assign.addWidget(QLabel(tr("未匹配的页面(选中一页,手工登记):")))
        assign.addWidget(self.thumbs, 1)
        assign.addWidget(self.lookup)
        assign.addWidget(self.candidates)
        assign.addWidget(self.assign_button)
        right = QWidget()
        right.setLayout(assign)

        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)

        folder = options.SCAN_FOLDER.read(self.session.ui_settings)
        if folder and Path(str(folder)).is_dir():
            self.watch_folder(Path(str(folder)))
        self._update_assign()

    # --- importing -----------------------------------------------------------------------------

    def _ask_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self,
            tr("选择签字单扫描件"),
            "",
            tr("扫描件 (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;所有文件 (*)"),
        )
        if files:
            self.import_files([Path(f) for f in files])

    def import_files(self, files: list[Path]) -> None:
        """Read the scans on the worker; the results are listed when it is done."""
        ctx, paths = self.session.ctx(), self.session.paths
        keep = paths.root / "scans" / "unmatched"
        self.session.taskman.run(
            lambda: scans.import_scans(ctx, files, printed_dir=paths.printed, keep_dir=keep),
            self.show_report,
            on_error=self._failed,
            label=tr("正在读取扫描件…"),
            parent=self,
        )

    def _failed(self, e: BaseException) -> None:
        warn(self, tr("签字回收"), e)

    def show_report(self, report: scans.ScanReport) -> None:
        self.results = list(report.results) + self.results
        self.summary.setText(tr("本次 {summary}。").format(summary=report.summary()))
        self._fill()

    def _fill(self) -> None:
        self.table.setRowCount(len(self.results))
        for row, r in enumerate(self.results):
            cells = (r.where, scans.LABELS[r.outcome], r.message)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if not r.matched:
                    item.setBackground(NOT_MATCHED)
                self.table.setItem(row, col, item)
        self.thumbs.clear()
        for r in self.results:
            if r.matched or r.image is None or not r.image.is_file():
                continue
            thumb = QListWidgetItem(
                QIcon(QPixmap(str(r.image))), f"{r.where}\n{scans.LABELS[r.outcome]}"
            )
            thumb.setData(PATH_ROLE, str(r.image))
            thumb.setToolTip(r.message)
            self.thumbs.addItem(thumb)
        self._update_assign()

    # --- the watched folder ----------------------------------------------------------------------

    def _ask_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("选择扫描仪保存扫描件的文件夹"))
        if folder:
            self.watch_folder(Path(folder))

    def watch_folder(self, folder: Path) -> None:
        """Import every scan saved into ``folder`` from now on, while the program runs."""
        for old in self.watcher.directories():
            self.watcher.removePath(old)
        self.watcher.addPath(str(folder))
        self._seen = set(self._scans_in(folder))
        options.SCAN_FOLDER.write(self.session.ui_settings, str(folder))
        self.folder_label.setText(tr("正在监视:{f}").format(f=folder))

    def watched_folder(self) -> Path | None:
        dirs = self.watcher.directories()
        return Path(dirs[0]) if dirs else None

    @staticmethod
    def _scans_in(folder: Path) -> list[Path]:
        return [p for p in folder.iterdir() if p.is_file() and scans.is_scan_file(p)]

    def _folder_changed(self, _path: str) -> None:
        self._settle.start()

    def import_new_in_folder(self) -> None:
        folder = self.watched_folder()
        if folder is None or not folder.is_dir():
            return
        new = sorted(p for p in self._scans_in(folder) if p not in self._seen)
        if new:
            self._seen.update(new)
            self.import_files(new)

    # --- by hand -------------------------------------------------------------------------------

    def _find(self, text: str) -> None:
        self.candidates.clear()
        if len(text.strip()) < 3:
            self._update_assign()
            return
        tz = self.session.ctx().tz
        for s in scans.find_sheets(text):
            label = (
                f"{s.form} {s.case_number or ''} · {s.code or tr('无识别码')} · "
                f"{s.printed_at.astimezone(tz):%Y-%m-%d %H:%M}"
                + (f" · {s.signer}" if s.signer else "")
            )
            self.candidates.addItem(label, s.id)
        self._update_assign()

    def _update_assign(self) -> None:
        self.assign_button.setEnabled(
            self.thumbs.currentItem() is not None and self.candidates.currentData() is not None
        )

    def assign_selected(self) -> None:
        item = self.thumbs.currentItem()
        sheet_id = self.candidates.currentData()
        if item is None or sheet_id is None:
            return
        image = Path(item.data(PATH_ROLE))
        ctx, paths = self.session.ctx(), self.session.paths

        def done(result: scans.PageResult) -> None:
            self.results = [
                result if (r.image == image and not r.matched) else r for r in self.results
            ]
            self.summary.setText(tr("已手工登记:{m}").format(m=result.message))
            self.lookup.clear()
            self._fill()

        self.session.taskman.run(
            lambda: scans.assign_page(ctx, image, int(sheet_id), printed_dir=paths.printed),
            done,
            on_error=self._failed,
            parent=self,
        )
