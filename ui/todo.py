"""待办: every deadline not yet met across the open cases, overdue on top, then soonest.

The list comes from ``complaints.usecases.todo.todo_list`` (read once on the worker,
unfiltered, so the navigation count and the filters need no second query); the department
and person filters work on it in memory (``todo.filter_items``); its rows, their time left and
the CSV are the ``todo`` command's (complaints.usecases.todo). It refreshes after every change
and on one timer set to ``todo.next_change`` (the moment the next item turns 将到期 or 已逾期).
A printable list for the morning meeting (print preview of an HTML table) and a CSV export.
"""

from __future__ import annotations

import html
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QPageLayout, QTextDocument
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from complaints.rules.deadlines import DeadlineStatus
from complaints.usecases import todo
from complaints.usecases.changes import OpChanges
from complaints.usecases.output_files import OutputInUse
from complaints.usecases.todo import TodoItem, TodoList
from ui.error_detail import ErrorDetail, say, warn
from ui.file_dialogs import ask_save, suggested_name
from ui.notifier import own_department
from ui.reload import ReloadGuard
from ui.rows_model import Index, RowsModel
from ui.save_elsewhere import ask_other_name
from ui.site_filter import SiteFilter
from ui.tables import read_only

# (background, foreground) by status; "" = leave the background alone.
STATUS_COLORS: dict[DeadlineStatus, tuple[str, str]] = {
    DeadlineStatus.OVERDUE: ("#fdecea", "#c62828"),
    DeadlineStatus.AT_RISK: ("#fff4e5", "#a15c00"),
    DeadlineStatus.PENDING: ("", "#1b1b1b"),
    DeadlineStatus.MET: ("", "#2e7d32"),
    DeadlineStatus.MET_LATE: ("", "#a15c00"),
    DeadlineStatus.WAITING: ("", "#666666"),
    DeadlineStatus.NOT_APPLICABLE: ("", "#999999"),
    DeadlineStatus.PAUSED: ("#eef1f6", "#455a64"),  # on hold: its clock stands
}

# Initial column widths: the width of a typical value.
WIDTH_SAMPLES = (
    "已逾期",
    "SH01-202611-0000",
    "D10",
    "指定第一责任人、填写处理意见并联系客户",
    "当天下班前(工作时间)",
    "2026-11-20 23:59",
    "超 10天23小时",
    "售后服务部",
    "第一责任人",
    "王建国",
    "站点",
)
ALL = "全部"
NOBODY = "(未指定)"
MAX_TIMER_MS = 5 * 60_000  # also keeps 剩余 fresh
MIN_TIMER_MS = 1_000


def tr(text: str) -> str:
    return QCoreApplication.translate("TodoPage", text)


def todo_html(
    items: list[TodoItem], tz: tzinfo, now: datetime, *, title: str, filters: str = ""
) -> str:
    """The morning meeting's list: one HTML table (print preview / printer)."""
    rows = []
    for i in items:
        bg = STATUS_COLORS[i.status][0] or "#ffffff"
        cells = "".join(f"<td>{html.escape(c)}</td>" for c in todo.item_cells(i, tz))
        rows.append(f"<tr style='background:{bg}'>{cells}</tr>")
    head = "".join(f"<th>{html.escape(tr(h))}</th>" for h in todo.COLUMNS)
    sub = html.escape(todo.summary_text(items, now, tz))
    if filters:
        sub += " · " + html.escape(filters)
    empty = "" if items else f"<p>{html.escape(todo.NOTHING_OPEN)}</p>"
    return (
        "<html><head><meta charset='utf-8'></head><body style='font-size:9pt'>"
        f"<h2>{html.escape(title)}</h2><p>{sub}</p>"
        "<table border='1' cellspacing='0' cellpadding='3' width='100%'>"
        f"<thead><tr style='background:#eeeeee'>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{empty}</body></html>"
    )


class TodoModel(RowsModel[TodoItem]):
    """The to-do items as a read-only table (thousands of rows: cells made on demand)."""

    def __init__(self, tz: tzinfo, parent=None):
        super().__init__(todo.COLUMNS, tr, parent)
        self.tz = tz

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return todo.item_cells(item, self.tz)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 3:
            return item.what
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            bg, fg = STATUS_COLORS[item.status]
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(QColor(bg)) if bg else None
            return QBrush(QColor(fg))
        if role == Qt.ItemDataRole.UserRole:
            return item.case_id
        return None

    def case_id(self, row: int) -> int:
        return self.rows[row].case_id


class TodoPage(QWidget):
    """The 待办 page of the main window."""

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.data: TodoList | None = None
        # the account whose department the filter was set to (a manager opens on his own)
        self._scoped_for: tuple[int | None, str] | None = None
        self._reloads = ReloadGuard(self._start_reload)
        tz = session.ctx().tz

        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(tr("处理部门")))
        self.department = QComboBox()
        self.department.addItem(tr(ALL), None)
        self.department.setMinimumContentsLength(8)
        bar.addWidget(self.department)
        bar.addWidget(QLabel(tr("第一责任人")))
        self.person = QComboBox()
        self.person.addItem(tr(ALL), None)
        self.person.setMinimumContentsLength(6)
        bar.addWidget(self.person)
        # shown at the HQ (two sites or more)
        self.site_filter = SiteFilter(session, remember_as="todo")
        bar.addWidget(self.site_filter)
        self.urgent = QCheckBox(tr("只看已逾期/将到期"))
        bar.addWidget(self.urgent)
        bar.addStretch(1)
        self.refresh_button = QPushButton(tr("刷新"))
        self.print_button = QPushButton(tr("打印待办…"))
        self.csv_button = QPushButton(tr("导出 CSV…"))
        for b in (self.refresh_button, self.print_button, self.csv_button):
            bar.addWidget(b)
        lay.addLayout(bar)

        self.summary = QLabel(tr("正在读取…"))
        lay.addWidget(self.summary)
        self.summary_detail = ErrorDetail(self)  # the server's own words of a failed read
        lay.addWidget(self.summary_detail)
        self.calendar_warning = QLabel()
        self.calendar_warning.setWordWrap(True)
        self.calendar_warning.setStyleSheet(
            "QLabel { background: #fff4e5; color: #8a4b00; border: 1px solid #e0a040;"
            " border-radius: 3px; padding: 6px; }"
        )
        self.calendar_warning.hide()
        lay.addWidget(self.calendar_warning)

        self.model = TodoModel(tz, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        read_only(self.view)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.view.setAlternatingRowColors(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        fm = self.fontMetrics()
        for col, sample in enumerate(WIDTH_SAMPLES):
            header.resizeSection(col, fm.horizontalAdvance(sample) + 24)
        self.view.doubleClicked.connect(self._open)
        lay.addWidget(self.view, 1)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.reload)

        self.department.currentIndexChanged.connect(self._apply_filters)
        self.person.currentIndexChanged.connect(self._apply_filters)
        self.urgent.toggled.connect(self._apply_filters)
        self.site_filter.changed.connect(self._apply_filters)
        self.refresh_button.clicked.connect(self.reload)
        self.print_button.clicked.connect(self.print_preview)
        self.csv_button.clicked.connect(self.export_csv_dialog)
        session.changed.connect(self._on_changed)
        session.user_changed.connect(self.reload)
        self.reload()

    # --- loading ---------------------------------------------------------------------------

    def _on_changed(self, changes: OpChanges) -> None:
        if changes.touches(("cases", "entries", "settings", "ledger")):
            self.reload()

    def reload(self) -> None:
        self._reloads.request()

    def _start_reload(self) -> None:
        ctx = self.session.ctx()
        self.session.taskman.run(
            lambda: todo.todo_list(ctx), self._loaded, on_error=self._failed, parent=self
        )

    def _failed(self, exc: BaseException) -> None:
        self._reloads.failed()
        say(exc, self.summary, self.summary_detail, tr("无法读取待办:"))
        self.timer.start(MAX_TIMER_MS)

    def _loaded(self, data: TodoList) -> None:
        self._reloads.done()
        self.summary_detail.set_detail("")
        self.data = data
        self.calendar_warning.setText(data.calendar_warning)
        self.calendar_warning.setVisible(bool(data.calendar_warning))
        self._fill_filters(data)
        self._apply_filters()
        self._schedule(data)
        refresh = getattr(self.window(), "refresh_badges", None)
        if callable(refresh):
            refresh()

    def _schedule(self, data: TodoList) -> None:
        ms = MAX_TIMER_MS
        if data.next_change is not None:
            ms = int((data.next_change - data.now).total_seconds() * 1000)
        self.timer.start(max(MIN_TIMER_MS, min(MAX_TIMER_MS, ms)))

    def _fill_filters(self, data: TodoList) -> None:
        def refill(box: QComboBox, values: list[str]) -> None:
            keep = box.currentData()
            box.blockSignals(True)
            box.clear()
            box.addItem(tr(ALL), None)
            for v in values:
                box.addItem(v, v)
            i = box.findData(keep) if keep is not None else 0
            if i < 0:  # the chosen value has no items now: keep it, empty list
                box.addItem(keep, keep)
                i = box.count() - 1
            box.setCurrentIndex(i)
            box.blockSignals(False)

        refill(self.department, data.departments)
        ctx = self.session.ctx()
        if self._scoped_for != (ctx.user_id, ctx.actor):
            self._scoped_for = (ctx.user_id, ctx.actor)
            own, i = own_department(ctx), 0
            if own:
                i = self.department.findData(own)
                if i < 0:  # his department has no deadlines open now: chosen all the same
                    self.department.addItem(own, own)
                    i = self.department.count() - 1
            self.department.setCurrentIndex(i)
        people = sorted({i.responsible for i in data.items if i.responsible})
        refill(self.person, [*people, NOBODY])

    def _apply_filters(self) -> None:
        data = self.data
        if data is None:
            return
        dept = self.department.currentData()
        person = self.person.currentData()
        items = todo.filter_items(
            data.items,
            departments=data.below.get(dept, [dept]) if dept else None,
            person=None if person == NOBODY else person,
            unassigned=person == NOBODY,
            urgent_only=self.urgent.isChecked(),
            sites=self.site_filter.sites(),
        )
        self.model.set_rows(items)
        overdue = sum(1 for i in items if i.status is DeadlineStatus.OVERDUE)
        risk = sum(1 for i in items if i.status is DeadlineStatus.AT_RISK)
        paused = sum(1 for i in items if i.status is DeadlineStatus.PAUSED)
        tz = self.session.ctx().tz
        self.summary.setText(
            tr(
                "截至 {t}:共 {n} 项 · <span style='color:#c62828'>已逾期 {o} 项</span> · "
                "<span style='color:#a15c00'>将到期 {r} 项</span> · 双击打开投诉单"
            ).format(t=f"{data.now.astimezone(tz):%m-%d %H:%M}", n=len(items), o=overdue, r=risk)
            + (tr(" · 暂停 {p} 项(不计时)").format(p=paused) if paused else "")
        )

    # --- what others ask -------------------------------------------------------------------

    def badge_count(self) -> int | None:
        """Overdue + at risk from the last read, over the cases the person's reminders are
        about (a department manager: his department's), as the count before the first read."""
        if self.data is None:
            return None
        items = self.data.items
        own = own_department(self.session.ctx())
        if own:
            items = todo.filter_items(items, departments=self.data.below.get(own, [own]))
        return todo.attention(items)

    def shown_items(self) -> list[TodoItem]:
        return list(self.model.rows)

    def filters_text(self) -> str:
        parts = []
        code = self.site_filter.code()
        if code:
            parts.append(tr("站点:") + code)
        if self.department.currentData():
            parts.append(tr("部门:") + self.department.currentData())
        if self.person.currentData():
            parts.append(tr("第一责任人:") + self.person.currentData())
        if self.urgent.isChecked():
            parts.append(tr("只看已逾期/将到期"))
        return ",".join(parts)

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            self.session.open_case_requested.emit(self.model.case_id(index.row()))

    # --- printing and export ---------------------------------------------------------------

    def html(self) -> str:
        info = self.session.site()
        title = tr("待办事项(晨会)") + (f" — {info.code} {info.name}" if info else "")
        now = self.data.now if self.data else self.session.ctx().now()
        return todo_html(
            self.shown_items(), self.session.ctx().tz, now, title=title, filters=self.filters_text()
        )

    def document(self) -> QTextDocument:
        doc = QTextDocument(self)
        doc.setHtml(self.html())
        return doc

    def print_preview(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)
        doc = self.document()
        dlg = QPrintPreviewDialog(printer, self)
        dlg.setWindowTitle(tr("打印待办"))
        dlg.paintRequested.connect(doc.print_)
        dlg.exec()

    def print_to_pdf(self, path: Path) -> None:
        """The same list as a PDF file (tests, and people without a printer)."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(path))
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)
        self.document().print_(printer)

    def export_csv(self, path: Path) -> int:
        """Write the shown items as CSV with a BOM (Excel opens it); returns the count."""
        return todo.save_csv(self.shown_items(), self.session.ctx().tz, path)

    def _export_failed(self, path: Path, exc: BaseException) -> None:
        """The file still open in Excel as the use case says it; the disk's trouble (full,
        read-only, no such folder) with its own words behind 详细信息."""
        cannot = "" if isinstance(exc, OutputInUse) else tr("无法写入 {p}").format(p=path)
        warn(self, tr("导出失败"), exc, expected=cannot)

    def export_csv_dialog(self) -> None:
        now = self.data.now if self.data else self.session.ctx().now()
        ctx = self.session.ctx()
        name = suggested_name(ctx.site, tr("待办"), now.astimezone(ctx.tz), ".csv")
        path = ask_save(self, "todo", tr("导出待办"), name, tr("CSV 文件 (*.csv)"))
        if not path:
            return
        try:
            n = self.export_csv(Path(path))
        except OutputInUse as busy:  # open in Excel: the message, and another name
            other = ask_other_name(self, busy)
            if other is None:
                return
            path = other
            try:
                n = self.export_csv(other)
            except (OutputInUse, OSError) as e:
                self._export_failed(other, e)
                return
        except OSError as e:
            self._export_failed(Path(path), e)
            return
        QMessageBox.information(self, tr("导出待办"), tr("已导出 {n} 项到 {p}").format(n=n, p=path))
