"""待办: every deadline not yet met across the open cases, overdue on top, then soonest.

The list comes from ``complaints.usecases.todo.open_deadlines`` (read once on the worker,
unfiltered, so the navigation count and the filters need no second query); the department
and person filters work on it in memory. It refreshes after every change and on one timer
set to ``todo.next_change`` (the moment the next item turns 将到期 or 已逾期). A printable list
for the morning meeting (print preview of an HTML table) and a CSV export.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
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

from complaints.csvsafe import csv_text
from complaints.rules.deadlines import DeadlineStatus
from complaints.usecases import policy as policy_uc
from complaints.usecases import site as site_uc
from complaints.usecases import todo, workcalendar
from complaints.usecases.changes import OpChanges
from complaints.usecases.context import Context
from complaints.usecases.todo import TodoItem
from ui.reload import ReloadGuard
from ui.rows_model import Index, RowsModel
from ui.site_filter import SiteFilter

# (background, foreground) by status; "" = leave the background alone.
STATUS_COLORS: dict[DeadlineStatus, tuple[str, str]] = {
    DeadlineStatus.OVERDUE: ("#fdecea", "#c62828"),
    DeadlineStatus.AT_RISK: ("#fff4e5", "#a15c00"),
    DeadlineStatus.PENDING: ("", "#1b1b1b"),
    DeadlineStatus.MET: ("", "#2e7d32"),
    DeadlineStatus.MET_LATE: ("", "#a15c00"),
    DeadlineStatus.WAITING: ("", "#666666"),
    DeadlineStatus.NOT_APPLICABLE: ("", "#999999"),
}

COLUMNS = (
    "状态",
    "编号",
    "规则",
    "应办事项",
    "时限",
    "到期时间",
    "剩余",
    "处理部门",
    "第一责任人",
    "客户",
    "站点",
)
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


def format_remaining(delta: timedelta) -> str:
    """ "剩 1小时20分" / "超 2天3小时": whole minutes, the two largest units."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        body = f"{days}天{hours}小时" if hours else f"{days}天"
    elif hours:
        body = f"{hours}小时{mins}分" if mins else f"{hours}小时"
    else:
        body = f"{mins}分"
    return (tr("超 ") if delta < timedelta(0) else tr("剩 ")) + body


def item_cells(i: TodoItem, tz: tzinfo) -> tuple[str, ...]:
    return (
        tr(i.status.value),
        i.number,
        i.rule,
        tr(i.what),
        i.limit,
        f"{i.due.astimezone(tz):%Y-%m-%d %H:%M}",
        format_remaining(i.remaining),
        i.department or "",
        i.responsible or "",
        i.customer_name or "",
        i.site,
    )


@dataclass
class TodoData:
    """One worker read: the items, the department tree for the filter, the time."""

    items: list[TodoItem]
    departments: list[str]
    below: dict[str, list[str]]
    now: datetime
    next_change: datetime | None
    calendar_warning: str = ""  # next year has no calendar data (from 1 December)


def load_todo(ctx: Context) -> TodoData:
    """Worker side."""
    now = ctx.now()
    items = todo.open_deadlines(ctx, now=now)
    names = site_uc.department_names()
    below = {n: todo.department_and_below(n) for n in names}
    warning = workcalendar.next_year_warning(policy_uc.load(), ctx.local(now).date())
    return TodoData(items, names, below, now, todo.next_change(items, now), warning)


def attention(items: list[TodoItem]) -> int:
    """Overdue or at risk: the navigation count (todo.todo_count over the same items)."""
    return sum(1 for i in items if i.status in (DeadlineStatus.OVERDUE, DeadlineStatus.AT_RISK))


def filter_items(
    items: list[TodoItem],
    *,
    departments: list[str] | None = None,
    person: str | None = None,
    urgent_only: bool = False,
    sites: frozenset[str] = frozenset(),
) -> list[TodoItem]:
    """The page's filters over one unfiltered read (the same answers as
    todo.open_deadlines(department=, person=, sites=) without a second query)."""
    out = items
    if sites:
        out = [i for i in out if i.site in sites]
    if departments is not None:
        allowed = set(departments)
        out = [i for i in out if i.department in allowed]
    if person == NOBODY:
        out = [i for i in out if not i.responsible]
    elif person:
        out = [i for i in out if i.responsible == person]
    if urgent_only:
        out = [i for i in out if i.status in (DeadlineStatus.OVERDUE, DeadlineStatus.AT_RISK)]
    return out


def todo_html(
    items: list[TodoItem], tz: tzinfo, now: datetime, *, title: str, filters: str = ""
) -> str:
    """The morning meeting's list: one HTML table (print preview / printer)."""
    overdue = sum(1 for i in items if i.status is DeadlineStatus.OVERDUE)
    risk = sum(1 for i in items if i.status is DeadlineStatus.AT_RISK)
    rows = []
    for i in items:
        bg = STATUS_COLORS[i.status][0] or "#ffffff"
        cells = "".join(f"<td>{html.escape(c)}</td>" for c in item_cells(i, tz))
        rows.append(f"<tr style='background:{bg}'>{cells}</tr>")
    head = "".join(f"<th>{html.escape(tr(h))}</th>" for h in COLUMNS)
    sub = tr("截至 {t}:共 {n} 项,已逾期 {o} 项,将到期 {r} 项").format(
        t=f"{now.astimezone(tz):%Y-%m-%d %H:%M}", n=len(items), o=overdue, r=risk
    )
    if filters:
        sub += " · " + html.escape(filters)
    empty = "" if items else f"<p>{tr('没有未完成的处理时限。')}</p>"
    return (
        "<html><head><meta charset='utf-8'></head><body style='font-size:9pt'>"
        f"<h2>{html.escape(title)}</h2><p>{sub}</p>"
        "<table border='1' cellspacing='0' cellpadding='3' width='100%'>"
        f"<thead><tr style='background:#eeeeee'>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{empty}</body></html>"
    )


def todo_csv(items: list[TodoItem], tz: tzinfo) -> str:
    """CSV whose cells no spreadsheet runs as a formula (issue 15 §8)."""
    return csv_text([tr(h) for h in COLUMNS], (item_cells(i, tz) for i in items))


class TodoModel(RowsModel[TodoItem]):
    """The to-do items as a read-only table (thousands of rows: cells made on demand)."""

    def __init__(self, tz: tzinfo, parent=None):
        super().__init__(COLUMNS, tr, parent)
        self.tz = tz

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item_cells(item, self.tz)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 3:
            return tr(item.what)
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
        self.data: TodoData | None = None
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
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
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
            lambda: load_todo(ctx), self._loaded, on_error=self._failed, parent=self
        )

    def _failed(self, exc: BaseException) -> None:
        self._reloads.failed()
        self.summary.setText(tr("无法读取待办:") + str(exc))
        self.timer.start(MAX_TIMER_MS)

    def _loaded(self, data: TodoData) -> None:
        self._reloads.done()
        self.data = data
        self.calendar_warning.setText(data.calendar_warning)
        self.calendar_warning.setVisible(bool(data.calendar_warning))
        self._fill_filters(data)
        self._apply_filters()
        self._schedule(data)
        refresh = getattr(self.window(), "refresh_badges", None)
        if callable(refresh):
            refresh()

    def _schedule(self, data: TodoData) -> None:
        ms = MAX_TIMER_MS
        if data.next_change is not None:
            ms = int((data.next_change - data.now).total_seconds() * 1000)
        self.timer.start(max(MIN_TIMER_MS, min(MAX_TIMER_MS, ms)))

    def _fill_filters(self, data: TodoData) -> None:
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
        people = sorted({i.responsible for i in data.items if i.responsible})
        refill(self.person, [*people, NOBODY])

    def _apply_filters(self) -> None:
        data = self.data
        if data is None:
            return
        dept = self.department.currentData()
        items = filter_items(
            data.items,
            departments=data.below.get(dept, [dept]) if dept else None,
            person=self.person.currentData(),
            urgent_only=self.urgent.isChecked(),
            sites=self.site_filter.sites(),
        )
        self.model.set_rows(items)
        overdue = sum(1 for i in items if i.status is DeadlineStatus.OVERDUE)
        risk = sum(1 for i in items if i.status is DeadlineStatus.AT_RISK)
        tz = self.session.ctx().tz
        self.summary.setText(
            tr(
                "截至 {t}:共 {n} 项 · <span style='color:#c62828'>已逾期 {o} 项</span> · "
                "<span style='color:#a15c00'>将到期 {r} 项</span> · 双击打开投诉单"
            ).format(t=f"{data.now.astimezone(tz):%m-%d %H:%M}", n=len(items), o=overdue, r=risk)
        )

    # --- what others ask -------------------------------------------------------------------

    def badge_count(self) -> int | None:
        """Overdue + at risk over all open cases (todo.todo_count), from the last read."""
        return None if self.data is None else attention(self.data.items)

    def shown_items(self) -> list[TodoItem]:
        return list(self.model.rows)

    def filters_text(self) -> str:
        parts = []
        if self.site_filter.code():
            parts.append(tr("站点:") + self.site_filter.code())
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
        from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        from PySide6.QtGui import QPageLayout

        printer.setPageOrientation(QPageLayout.Orientation.Landscape)
        doc = self.document()
        dlg = QPrintPreviewDialog(printer, self)
        dlg.setWindowTitle(tr("打印待办"))
        dlg.paintRequested.connect(doc.print_)
        dlg.exec()

    def print_to_pdf(self, path: Path) -> None:
        """The same list as a PDF file (tests, and people without a printer)."""
        from PySide6.QtGui import QPageLayout
        from PySide6.QtPrintSupport import QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(path))
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)
        self.document().print_(printer)

    def export_csv(self, path: Path) -> int:
        """Write the shown items as CSV with a BOM (Excel opens it); returns the count."""
        from complaints.usecases.output_files import writing

        items = self.shown_items()
        with writing(path):  # open in Excel: OutputInUse (a message and a free name)
            Path(path).write_text(
                todo_csv(items, self.session.ctx().tz), encoding="utf-8-sig", newline=""
            )  # the CRLF of todo_csv, untranslated
        return len(items)

    def export_csv_dialog(self) -> None:
        now = self.data.now if self.data else self.session.ctx().now()
        from ui.file_dialogs import ask_save, suggested_name

        ctx = self.session.ctx()
        name = suggested_name(ctx.site, tr("待办"), now.astimezone(ctx.tz), ".csv")
        path = ask_save(self, "todo", tr("导出待办"), name, tr("CSV 文件 (*.csv)"))
        if not path:
            return
        from complaints.usecases.output_files import OutputInUse
        from ui.save_elsewhere import ask_other_name

        try:
            n = self.export_csv(Path(path))
        except OutputInUse as busy:  # open in Excel: the message, and another name
            other = ask_other_name(self, busy)
            if other is None:
                return
            path = str(other)
            try:
                n = self.export_csv(other)
            except (OutputInUse, OSError) as e:
                QMessageBox.warning(self, tr("导出失败"), str(e))
                return
        except OSError as e:
            QMessageBox.warning(
                self, tr("导出失败"), tr("无法写入 {p}:{e}").format(p=path, e=e.strerror or e)
            )
            return
        QMessageBox.information(self, tr("导出待办"), tr("已导出 {n} 项到 {p}").format(n=n, p=path))
