"""审计日志 page: who did what and when, with filters, an integrity check and Excel export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDate
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from complaints.usecases import audit, audit_export, auth
from complaints.usecases.errors import CheckCancelled
from ui.date_edits import date_edit, day_of
from ui.file_dialogs import ask_save, suggested_name
from ui.save_elsewhere import retry_elsewhere
from ui.session import Session
from ui.tables import read_only

HEADERS = ("序号", "时间", "用户", "事件", "对象", "字段变更", "说明")
MAX_ROWS = 5000
EVENT_GROUPS = (
    ("全部事件", None),
    ("登录与账户", "sign_in"),
    ("操作被拒绝", "permission"),
    ("用户管理", "user"),
    ("投诉单", "case"),
    ("奖惩", "sanction"),
    ("台账交换", "ledger"),
    ("表单打印", "form"),
    ("备份与恢复", "data"),
    ("设置", "settings"),
    ("隐私清理", "privacy"),
    ("审计导出", "audit"),
)


def tr(text: str) -> str:
    return QCoreApplication.translate("AuditPage", text)


@dataclass(frozen=True)
class AuditFilter:
    since: datetime | None = None
    until: datetime | None = None
    actor: str | None = None
    event: str | None = None
    text: str | None = None


def load(ctx, f: AuditFilter) -> tuple[list[audit.AuditRow], list[str]]:
    """Worker side: the filtered rows (newest first) and the list of people."""
    auth.require(ctx, "audit.view")
    rows = audit.entries(
        since=f.since, until=f.until, actor=f.actor, event=f.event, text=f.text, limit=MAX_ROWS
    )
    return rows, audit.actors()


class AuditPage(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.rows: list[audit.AuditRow] = []
        # the office's today, whatever zone the PC's clock is set to
        local = session.ctx().local(session.ctx().now())
        today = QDate(local.year, local.month, local.day)
        self.since_edit = date_edit(today.addDays(-30))
        self.until_edit = date_edit(today)
        self.actor_combo = QComboBox()
        self.actor_combo.addItem(tr("全部用户"), None)
        self.event_combo = QComboBox()
        for label, key in EVENT_GROUPS:
            self.event_combo.addItem(tr(label), key)
        self.text_edit = QLineEdit()
        self.text_edit.setPlaceholderText(tr("说明或字段中包含…"))
        self.search_button = QPushButton(tr("查询"))
        self.verify_button = QPushButton(tr("检查完整性"))
        self.export_button = QPushButton(tr("导出 Excel…"))
        self.search_button.clicked.connect(self.reload)
        self.text_edit.returnPressed.connect(self.reload)
        self.verify_button.clicked.connect(self.verify)
        self.export_button.clicked.connect(self.export)
        self.verify_task = 0  # the running check's task (taskman.cancel)
        self.status = QLabel()
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels([tr(h) for h in HEADERS])
        read_only(self.table)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        bar = QHBoxLayout()
        for w in (
            QLabel(tr("从")),
            self.since_edit,
            QLabel(tr("到")),
            self.until_edit,
            self.actor_combo,
            self.event_combo,
            self.text_edit,
            self.search_button,
        ):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.verify_button)
        bar.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.table)
        session.user_changed.connect(self.reload)
        self.reload()

    def current_filter(self) -> AuditFilter:
        tz = self.session.ctx().tz
        since = datetime.combine(day_of(self.since_edit), time(), tz)
        until = datetime.combine(day_of(self.until_edit), time(), tz) + timedelta(1)
        return AuditFilter(
            since,
            until,
            self.actor_combo.currentData(),
            self.event_combo.currentData(),
            self.text_edit.text().strip() or None,
        )

    def reload(self) -> None:
        ctx = self.session.ctx()
        allowed = auth.allowed(ctx, "audit.view")
        for b in (self.search_button, self.verify_button, self.export_button):
            b.setEnabled(allowed)
        if not allowed:
            self._fill([], [])
            self.status.setText(tr("只有管理员和总经理可以查看审计日志。"))
            return
        f = self.current_filter()
        self.session.taskman.run(lambda: load(ctx, f), self._show, parent=self)

    def _show(self, result) -> None:
        rows, actors = result
        self._fill(rows, actors)
        more = tr("(只显示最新的 ") + str(MAX_ROWS) + tr(" 条)") if len(rows) >= MAX_ROWS else ""
        self.status.setText(tr("共 ") + str(len(rows)) + tr(" 条") + more)

    def _fill(self, rows: list[audit.AuditRow], actors: list[str]) -> None:
        self.rows = rows
        current = self.actor_combo.currentData()
        self.actor_combo.blockSignals(True)
        self.actor_combo.clear()
        self.actor_combo.addItem(tr("全部用户"), None)
        for a in actors:
            self.actor_combo.addItem(a, a)
        i = self.actor_combo.findData(current)
        self.actor_combo.setCurrentIndex(max(i, 0))
        self.actor_combo.blockSignals(False)
        tz = self.session.ctx().tz
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            target = f"{r.table}/{r.uid}" if r.table and r.uid else (r.table or "")
            values = (
                str(r.id),
                f"{r.at.astimezone(tz):%Y-%m-%d %H:%M:%S}",
                r.actor,
                r.event_label,
                target,
                audit_export.format_changes(r.changes),
                r.note,
            )
            for j, v in enumerate(values):
                item = QTableWidgetItem(v)
                item.setToolTip(v if len(v) > 40 else "")
                self.table.setItem(i, j, item)
        self._fit_columns()

    MAX_COLUMN = 360  # a long 改动 or 说明 shows whole in its tooltip

    def _fit_columns(self) -> None:
        """Each column as wide as its content (capped), so that time, person and event read
        whole."""
        self.table.resizeColumnsToContents()
        for col in range(self.table.columnCount() - 1):
            if self.table.columnWidth(col) > self.MAX_COLUMN:
                self.table.setColumnWidth(col, self.MAX_COLUMN)

    def verify(self) -> None:
        def work(progress, cancelled) -> list[str] | None:
            try:
                return audit.verify_chain(progress, cancelled)
            except CheckCancelled:
                return None

        def done(problems: list[str] | None) -> None:
            if problems is None:
                self.status.setText(tr("审计日志检查已取消"))
            elif problems:
                QMessageBox.warning(self, tr("审计日志有问题"), "\n".join(problems))
            else:
                QMessageBox.information(self, tr("审计日志"), tr("审计日志完整,未发现改动或删除。"))

        # millions of entries at headquarters: the count read, and 取消
        self.verify_task = self.session.taskman.run_with_progress(
            work, done, label=tr("正在检查审计日志…"), parent=self
        )

    def export(self, path: Path | None = None) -> None:
        if path is None:
            ctx = self.session.ctx()
            name = suggested_name(ctx.site, tr("审计日志"), ctx.local(ctx.now()), ".xlsx")
            chosen = ask_save(self, "audit", tr("导出审计日志"), name, tr("Excel 文件 (*.xlsx)"))
            if chosen is None:
                return
            path = chosen
        ctx, rows = self.session.ctx(), list(self.rows)
        self.session.taskman.run(
            lambda: audit_export.export_entries(ctx, path, rows),
            lambda p: self.status.setText(tr("已导出到 ") + str(p)),
            on_error=retry_elsewhere(self, self.export),
            label=tr("正在导出…"),
            parent=self,
        )
