"""冲突 page: ledger conflicts side by side, field by field; keep either version."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from complaints.usecases import ledger_conflicts
from complaints.usecases.changes import OpChanges
from ui.permits import gate
from ui.session import Session
from ui.site_filter import SiteFilter
from ui.tables import read_only

DIFF_BRUSH = QBrush(QColor("#FFF2CC"))


def tr(text: str) -> str:
    return QCoreApplication.translate("ConflictsPage", text)


def show_value(v: Any, tz) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, datetime):
        return v.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


class ConflictsPage(QWidget):
    """Lists open conflicts; the selected one is shown field by field (本地 | 导入)."""

    resolved = Signal(int)  # conflict id, after it was resolved

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.conflicts: list[ledger_conflicts.ConflictView] = []  # those shown (the site filter)
        self.all_conflicts: list[ledger_conflicts.ConflictView] = []
        # by the record's owning site, at the HQ
        self.site_filter = SiteFilter(session, remember_as="conflicts")
        self.site_filter.changed.connect(self._fill)
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self._show)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([tr("字段"), tr("本地版本"), tr("导入的版本")])
        read_only(self.table, whole_rows=False)
        h = self.table.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        # The two versions are compared in full: a long text differing at its end must not
        # be cut to "…" on both sides, so each row grows to its wrapped text.
        self.table.setWordWrap(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.only_diff = QCheckBox(tr("只显示不同的字段"))
        self.only_diff.setChecked(True)
        self.only_diff.toggled.connect(lambda _: self._show(self.list.currentRow()))
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.keep_local = QPushButton(tr("保留本地版本"))
        self.keep_incoming = QPushButton(tr("采用导入的版本"))
        self.keep_local.clicked.connect(lambda: self.resolve("local"))
        self.keep_incoming.clicked.connect(lambda: self.resolve("incoming"))
        self.empty = QLabel(tr("没有待处理的冲突。"))

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.info)
        rl.addWidget(self.only_diff)
        rl.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.keep_local)
        buttons.addWidget(self.keep_incoming)
        rl.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.list)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(
            QLabel(
                tr(
                    "别的站点发来的版本与本站未同步的修改不一致时,本地记录保持不变,"
                    "导入的版本另存于此,请逐条选择保留哪一个。"
                )
            ),
            1,
        )
        top.addWidget(self.site_filter)
        layout.addLayout(top)
        layout.addWidget(self.empty)
        layout.addWidget(split, 1)
        session.changed.connect(self._on_changed)
        session.user_changed.connect(self._gate_buttons)
        self.reload()

    def _on_changed(self, changes: OpChanges) -> None:
        if changes.touches(("ledger", "cases", "entries", "sanctions")):
            self.reload()

    def reload(self) -> None:
        self.session.taskman.run(ledger_conflicts.list_conflicts, self._loaded, parent=self)

    def _loaded(self, conflicts: list[ledger_conflicts.ConflictView]) -> None:
        self.all_conflicts = conflicts
        self._fill()

    def _fill(self) -> None:
        sites = self.site_filter.sites()
        conflicts = [c for c in self.all_conflicts if not sites or c.site in sites]
        self.conflicts = conflicts
        self.list.clear()
        for c in conflicts:
            item = QListWidgetItem(
                f"{c.sheet} {c.title or c.uid[:8]}\n{tr('来自')} {c.source_site} · {c.source_file}"
            )
            self.list.addItem(item)
        self.empty.setText(
            tr("该站点没有待处理的冲突。")
            if sites and self.all_conflicts
            else tr("没有待处理的冲突。")
        )
        self.empty.setVisible(not conflicts)
        self._gate_buttons()
        if conflicts:
            self.list.setCurrentRow(0)
        else:
            self.table.setRowCount(0)
            self.info.clear()

    def _gate_buttons(self) -> None:
        """Enabled when a conflict is shown and this person may resolve it; else the
        refusal's reason is the tooltip (not said only after the confirmation)."""
        ctx = self.session.ctx()
        for button in (self.keep_local, self.keep_incoming):
            gate(button, ctx, "ledger.resolve", ready=bool(self.conflicts))

    def current(self) -> ledger_conflicts.ConflictView | None:
        row = self.list.currentRow()
        return self.conflicts[row] if 0 <= row < len(self.conflicts) else None

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.conflicts):
            return
        c = self.conflicts[row]
        tz = self.session.ctx().tz
        # docs/ledger.md: a proposal is an edit made at a site that does not own the
        # record; a version conflict is two versions neither known to follow the other
        kind = (
            tr("提议:在别处对某一版本所做、未经所属站点确认的修改")
            if c.kind == "proposal"
            else tr("同一记录的两个版本")
        )
        self.info.setText(
            f"{kind} · {tr('来自')} {c.source_site or '?'} · "
            f"{c.sheet} {c.title} · {tr('所属站点')} {c.site} · {tr('本地修订号')} "
            f"{c.local_revision} · {tr('导入修订号')} {c.incoming_revision} · "
            f"{tr('发现于')} {show_value(c.found_at, tz)}"
        )
        fields = [f for f in c.fields if f.differs or not self.only_diff.isChecked()]
        self.table.setRowCount(len(fields))
        for i, f in enumerate(fields):
            cells = (f.header, show_value(f.local, tz), show_value(f.incoming, tz))
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if f.differs:
                    item.setBackground(DIFF_BRUSH)
                self.table.setItem(i, j, item)

    def resolve(self, keep: str, *, confirm: bool = True) -> None:
        c = self.current()
        if c is None:
            return
        if confirm:
            which = tr("保留本地版本") if keep == "local" else tr("采用导入的版本")
            answer = QMessageBox.question(self, tr("处理冲突"), f"{c.title}:{which}?")
            if answer != QMessageBox.StandardButton.Yes:
                return
        ctx = self.session.ctx()

        def done(_):
            self.resolved.emit(c.id)

        self.session.taskman.run(
            lambda: ledger_conflicts.resolve_conflict(ctx, c.id, keep), done, parent=self
        )

    def badge_count(self) -> int | None:
        return len(self.all_conflicts) or None  # every site's, whatever the filter shows
