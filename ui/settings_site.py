"""设置 → 站点与数据: this office's code and name, where the data lives, and its backups
(list, back up now, restore, check).

Registered in ui.settings_page.SETTINGS_TABS as ("站点与数据", "ui.settings_site:SiteDataTab").
Every database call runs on the task manager's worker; the buttons follow the signed-in
person's permissions (disabled with the refusal as tooltip), and the use cases check again.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from complaints.usecases import auth, server_link, storage
from complaints.usecases.changes import OpChanges
from complaints.usecases.context import Context
from complaints.usecases.errors import UseCaseError
from complaints.usecases.site import rename_site
from ui.maintenance import runner_for
from ui.restore_dialog import RestoreFlow, reason_label, size_text
from ui.tables import cell_data, read_only
from ui.taskman import show_error


def tr(text: str) -> str:
    return QCoreApplication.translate("SiteDataTab", text)


class SiteDataTab(QWidget):
    backup_done = Signal(object)  # Path of the new backup
    checked = Signal(list)  # problems found by 检查数据 (empty: sound)
    name_saved = Signal(str)
    size_factor_saved = Signal(int)

    COLUMNS = ("时间", "类型", "大小", "文件名")

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.restore_flow = RestoreFlow(session, self)
        self.restore_flow.restored.connect(lambda _r: self.reload())

        # --- site
        self.code_label = QLabel(self)
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.name_edit = QLineEdit(self)
        self.name_edit.setMaxLength(60)
        self.save_name_button = QPushButton(tr("保存名称"), self)
        self.save_name_button.clicked.connect(self.save_name)
        self.name_edit.returnPressed.connect(self.save_name)
        name_row = QHBoxLayout()
        name_row.addWidget(self.name_edit, 1)
        name_row.addWidget(self.save_name_button)
        site_box = QGroupBox(tr("站点"), self)
        site_form = QFormLayout(site_box)
        site_form.addRow(tr("站点代码:"), self.code_label)
        site_form.addRow(tr("站点名称:"), name_row)
        code_note = QLabel(tr("站点代码写在每张投诉单编号和交换台账中,初始化后不能修改。"), self)
        code_note.setWordWrap(True)
        code_note.setEnabled(False)
        site_form.addRow("", code_note)

        # --- data folder
        self.folder_edit = QLineEdit(str(session.paths.root), self)
        self.folder_edit.setReadOnly(True)
        self.open_folder_button = QPushButton(tr("打开文件夹"), self)
        self.open_folder_button.clicked.connect(lambda: self._open(session.paths.root))
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.open_folder_button)
        self.warning_label = QLabel(self)
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(
            "QLabel { background: #fff4ce; border: 1px solid #e0b000; padding: 6px; }"
        )
        folder_box = QGroupBox(tr("数据文件夹"), self)
        folder_layout = QVBoxLayout(folder_box)
        folder_layout.addLayout(folder_row)
        folder_layout.addWidget(self.warning_label)
        self._show_network_warning()

        # --- backups
        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.setHorizontalHeaderLabels([tr(c) for c in self.COLUMNS])
        read_only(self.table, single=True)
        header = self.table.horizontalHeader()
        for c in range(3):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _i: self.restore())
        self.backup_button = QPushButton(tr("立即备份"), self)
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button = QPushButton(tr("恢复…"), self)
        self.restore_button.clicked.connect(self.restore)
        self.check_button = QPushButton(tr("检查数据"), self)
        self.check_button.setToolTip(tr("完整性、外键、搜索索引与审计日志链的检查"))
        self.check_button.clicked.connect(self.check_data)
        self.open_backups_button = QPushButton(tr("打开备份文件夹"), self)
        self.open_backups_button.clicked.connect(lambda: self._open(session.paths.backups))
        self.refresh_button = QPushButton(tr("刷新"), self)
        self.refresh_button.clicked.connect(self.reload)
        buttons = QHBoxLayout()
        for b in (self.backup_button, self.restore_button, self.check_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.open_backups_button)
        buttons.addWidget(self.refresh_button)
        # on the server no seat backs up by itself: the administrator's pg_dump does
        self.on_server = server_link.on_office_server()
        self.backup_note = QLabel(
            tr(
                "数据在办公室服务器上:服务器的备份由管理员负责(pg_dump),本机不做每日自动备份。"
                "“立即备份”把服务器上的全部数据写成一个可携带的备份文件,放在本机数据文件夹的"
                "备份文件夹中,任何一台电脑都能用它恢复;它是第二份保险,不代替 pg_dump。"
            )
            if self.on_server
            else tr(
                "程序每天第一次启动时在后台自动备份并快速检查(不影响录入与查询),并按保留规则"
                "轮换(最近几天全部保留,之后每日、每周、每月各留一份),且自动轮换的备份合计不超过"
                "下面所设的数据库大小倍数(超出时先删最旧的,每类最新的一份总会保留);"
                "手动备份不会被自动删除,也不计入上限。备份文件可复制到 U 盘另行保管。"
            ),
            self,
        )
        self.backup_note.setWordWrap(True)
        self.summary_label = QLabel(self)
        self.size_factor_box = QSpinBox(self)
        self.size_factor_box.setRange(1, 100)
        self.size_factor_box.setSuffix(tr(" 倍"))
        self.size_factor_box.setToolTip(tr("自动轮换的备份合计不超过数据库文件大小的几倍"))
        self.save_factor_button = QPushButton(tr("保存上限"), self)
        self.save_factor_button.clicked.connect(self.save_size_factor)
        factor_row = QHBoxLayout()
        factor_label = QLabel(tr("备份总量上限:数据库大小的"), self)
        factor_row.addWidget(factor_label)
        factor_row.addWidget(self.size_factor_box)
        factor_row.addWidget(self.save_factor_button)
        factor_row.addStretch(1)
        for w in (factor_label, self.size_factor_box, self.save_factor_button):
            w.setVisible(not self.on_server)  # the cap is of this PC's rotated backups
        backup_box = QGroupBox(tr("备份"), self)
        backup_layout = QVBoxLayout(backup_box)
        backup_layout.addWidget(self.backup_note)
        backup_layout.addLayout(factor_row)
        backup_layout.addWidget(self.table, 1)
        backup_layout.addWidget(self.summary_label)
        backup_layout.addLayout(buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(site_box)
        layout.addWidget(folder_box)
        layout.addWidget(backup_box, 1)

        session.changed.connect(self._on_changed)
        session.user_changed.connect(self.apply_permissions)
        self.reload()

    # --- showing ------------------------------------------------------------------------------

    def reload(self) -> None:
        """Site, permissions and the backups folder (a listing: no database work)."""
        info = self.session.site()
        self.code_label.setText(info.code if info else tr("(未设置)"))
        if not self.name_edit.isModified():
            self.name_edit.setText(info.name if info else "")
        self.apply_permissions()
        self.size_factor_box.setValue(storage.size_factor())
        self._list_backups()

    def _on_changed(self, changes: OpChanges) -> None:
        if "settings" in changes:
            self.name_edit.setModified(False)
            self.reload()
        elif "ledger" in changes:  # an import keeps a copy of the data first: list it
            self._list_backups()

    def _show_network_warning(self) -> None:
        try:
            warning = storage.location_warning(self.session.paths.root)
        except OSError:
            warning = None
        self.warning_label.setText(warning or "")
        self.warning_label.setVisible(bool(warning))

    def _list_backups(self) -> None:
        selected = self.selected_backup()
        backups = storage.backups(self.session.paths.backups)
        ctx = self._ctx()
        self.table.setRowCount(len(backups))
        total = 0
        for r, b in enumerate(backups):
            try:
                size = b.path.stat().st_size
            except OSError:
                size = 0
            total += size
            when = ctx.local(b.at) if ctx else b.at.astimezone()
            values = (
                f"{when:%Y-%m-%d %H:%M:%S}",
                reason_label(b.reason),
                size_text(size),
                b.path.name,
            )
            for c, v in enumerate(values):
                item = QTableWidgetItem(v)
                item.setData(Qt.ItemDataRole.UserRole, str(b.path))
                if c == 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(r, c, item)
            if selected is not None and b.path == selected:
                self.table.selectRow(r)
        limit = (
            ""
            if self.on_server
            else tr("自动轮换的备份合计不超过 {limit}。").format(
                limit=size_text(storage.size_limit())
            )
        )
        self.summary_label.setText(
            (
                tr("共 {n} 份备份,合计 {size}。").format(n=len(backups), size=size_text(total))
                if backups
                else tr("备份文件夹中还没有备份。")
            )
            + limit
        )

    def backup_paths(self) -> list[Path]:
        """The backups listed, newest first (for tests)."""
        return [Path(cell_data(self.table, r, 0)) for r in range(self.table.rowCount())]

    def selected_backup(self) -> Path | None:
        r = self.table.currentRow()
        path = cell_data(self.table, r, 0) if r >= 0 else None
        return Path(path) if path is not None else None

    def _ctx(self) -> Context | None:
        try:
            return self.session.ctx()
        except UseCaseError:
            return None

    def apply_permissions(self) -> None:
        ctx = self._ctx()
        for button, permission in (
            (self.save_name_button, "settings.site"),
            (self.backup_button, "data.backup"),
            (self.save_factor_button, "settings.site"),
            (self.restore_button, "data.restore"),
        ):
            if ctx is None:
                button.setEnabled(False)
                button.setToolTip(tr("站点尚未初始化"))
                continue
            decision = auth.decide(ctx, permission)
            button.setEnabled(decision.allowed)
            button.setToolTip("" if decision.allowed else decision.reason)
        self.name_edit.setReadOnly(not self.save_name_button.isEnabled())
        self.size_factor_box.setReadOnly(not self.save_factor_button.isEnabled())

    # --- actions ------------------------------------------------------------------------------

    def _open(self, folder: Path) -> None:
        if not Path(folder).exists():
            QMessageBox.information(
                self, tr("打开文件夹"), tr("文件夹 {f} 还不存在。").format(f=folder)
            )
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(os.fspath(folder)))

    def save_name(self) -> None:
        if not self.save_name_button.isEnabled():
            return
        ctx = self.session.ctx()
        name = self.name_edit.text()

        def done(new: str) -> None:
            self.name_edit.setModified(False)
            self.name_saved.emit(new)

        self.session.taskman.run(lambda: rename_site(ctx, name), done, parent=self)

    def backup_now(self) -> None:
        ctx = self.session.ctx()
        folder = self.session.paths.backups

        def done(path: Path) -> None:
            self._list_backups()
            for r, p in enumerate(self.backup_paths()):
                if p == path:
                    self.table.selectRow(r)
            self.backup_done.emit(path)
            window = self.window()
            bar = getattr(window, "statusBar", None)
            if callable(bar):
                bar().showMessage(tr("已备份到 {p}").format(p=path), 8000)

        # on the maintenance thread: a save on the worker meanwhile never waits for it
        runner_for(self.session).run(
            lambda progress, cancelled: storage.backup_now(
                backup_dir=folder, ctx=ctx, progress=progress, cancelled=cancelled
            ),
            done,
            label=tr("正在备份"),
            on_error=lambda exc: show_error(exc, self),
        )

    def save_size_factor(self) -> None:
        if not self.save_factor_button.isEnabled():
            return
        ctx = self.session.ctx()
        factor = self.size_factor_box.value()

        def done(_r: object) -> None:
            self.size_factor_saved.emit(factor)
            self._list_backups()

        self.session.taskman.run(lambda: storage.set_size_factor(ctx, factor), done, parent=self)

    def restore(self) -> None:
        if not self.restore_button.isEnabled():
            return
        self.restore_flow.start(start_dir=self.selected_backup())

    def check_data(self) -> None:
        def done(problems: list[str]) -> None:
            if problems:
                shown = "\n".join(problems[:20])
                more = (
                    tr("\n……另有 {n} 个问题").format(n=len(problems) - 20)
                    if len(problems) > 20
                    else ""
                )
                QMessageBox.warning(
                    self,
                    tr("检查数据"),
                    tr(
                        "检查发现 {n} 个问题:\n\n{list}{more}\n\n"
                        "请先立即备份,再联系管理员;必要时可从较早的备份恢复。"
                    ).format(n=len(problems), list=shown, more=more),
                )
            else:
                QMessageBox.information(
                    self,
                    tr("检查数据"),
                    tr("检查通过:数据库完整,外键、搜索索引与审计日志链均无问题。"),
                )
            self.checked.emit(problems)

        # the full check, on the maintenance thread; its estimate is the status line's first
        runner_for(self.session).run(
            lambda progress, cancelled: storage.run_checks(progress=progress, cancelled=cancelled),
            done,
            label=tr("正在检查数据"),
            on_error=lambda exc: show_error(exc, self),
        )
