"""厂家跟踪: every case forwarded by or reported to the manufacturer, with its FMC状态.

Rows come from ``complaints.usecases.oem.oem_rows`` on the worker; the FMC status is changed
from here through the same action dialog as the case page (``oem.set_fmc_status`` writes an
FMC状态 tracking entry), and the selected case's 厂家跟踪表 is printed from here as from the
case's 打印 tab. Double-click opens the case.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from complaints.rules.deadlines import DeadlineStatus
from complaints.types import Action, FmcStatus
from complaints.usecases import oem
from complaints.usecases.changes import OpChanges
from complaints.usecases.context import Context
from complaints.usecases.oem import OemRow
from complaints.usecases.todo import format_remaining
from ui.action_dialog import ActionDialog
from ui.error_detail import ErrorDetail, said, say
from ui.permits import gate
from ui.reload import ReloadGuard
from ui.rows_model import Index, RowsModel
from ui.site_filter import SiteFilter
from ui.tables import read_only
from ui.todo import STATUS_COLORS

COLUMNS = (
    "编号",
    "客户",
    "车型",
    "渠道",
    "CAC案例号",
    "FMC状态",
    "上报厂家",
    "D2",
    "已开天数",
    "状态",
    "处理部门",
    "最后记录",
)
NO_STATUS = "(未设置)"
FMC_COLORS = {
    FmcStatus.ON_GOING.value: "#0b5394",
    FmcStatus.IN_PROCESS.value: "#2e7d32",
    FmcStatus.HOLD.value: "#a15c00",
    FmcStatus.CLOSED.value: "#666666",
}


def tr(text: str) -> str:
    return QCoreApplication.translate("OemPage", text)


def load_rows(
    ctx: Context, *, open_only: bool, fmc_status: str | None, sites: frozenset[str] = frozenset()
) -> tuple[list[OemRow], datetime]:
    """Worker side; NO_STATUS picks the rows without an FMC status yet; empty ``sites``:
    every site."""
    now = ctx.now()
    rows = oem.oem_rows(
        ctx,
        now=now,
        include_closed=not open_only,
        fmc_status=None if fmc_status == NO_STATUS else fmc_status,
        sites=sites,
    )
    if fmc_status == NO_STATUS:
        rows = [r for r in rows if not r.fmc_status]
    return rows, now


def d2_text(r: OemRow, now: datetime, tz: tzinfo) -> str:
    d = r.d2
    if d.status is DeadlineStatus.NOT_APPLICABLE:
        return tr("不适用")
    left = d.remaining(now)  # on hold: the time it had left, not counting down
    if d.status.is_open and left is not None:
        return f"{tr(d.status.value)} {format_remaining(left)}"
    return tr(d.status.value)


def row_cells(r: OemRow, now: datetime, tz: tzinfo) -> tuple[str, ...]:
    def t(x: datetime | None) -> str:
        return "" if x is None else f"{x.astimezone(tz):%Y-%m-%d %H:%M}"

    last = ""
    if r.last_at is not None:
        last = f"{r.last_at.astimezone(tz):%m-%d %H:%M} {r.last_action or ''}"
        if r.last_note:
            last += f":{r.last_note}"
    return (
        r.number,
        r.customer_name or "",
        r.car_model or "",
        r.channel or "",
        r.cac_number or "",
        r.fmc_status or "",
        t(r.reported_at),
        d2_text(r, now, tz),
        str(r.days_open),
        r.state or "",
        r.department or "",
        last,
    )


class OemModel(RowsModel[OemRow]):
    def __init__(self, tz: tzinfo, parent=None):
        super().__init__(COLUMNS, tr, parent)
        self.tz = tz
        self.now: datetime | None = None

    def set_rows(self, rows: list[OemRow], now: datetime | None = None) -> None:
        self.now = now if now is not None else self.now
        super().set_rows(rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.now is None:
            return None
        r = self.rows[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return row_cells(r, self.now, self.tz)[col]
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == 5 and r.fmc_status in FMC_COLORS:
                return QBrush(QColor(FMC_COLORS[r.fmc_status]))
            if col == 7:
                return QBrush(QColor(STATUS_COLORS[r.d2.status][1]))
        if role == Qt.ItemDataRole.BackgroundRole and col == 7:
            bg = STATUS_COLORS[r.d2.status][0]
            return QBrush(QColor(bg)) if bg else None
        return None


class OemPage(QWidget):
    """The 厂家跟踪 page of the main window."""

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.dialog: ActionDialog | None = None
        self._reloads = ReloadGuard(self._start_reload)

        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(tr("FMC状态")))
        self.status_filter = QComboBox()
        self.status_filter.addItem(tr("全部"), None)
        for s in FmcStatus:
            self.status_filter.addItem(s.value, s.value)
        self.status_filter.addItem(tr(NO_STATUS), NO_STATUS)
        bar.addWidget(self.status_filter)
        self.open_only = QCheckBox(tr("只看未关闭"))
        self.open_only.setChecked(True)
        bar.addWidget(self.open_only)
        # shown at the HQ (two sites or more)
        self.site_filter = SiteFilter(session, remember_as="oem")
        bar.addWidget(self.site_filter)
        bar.addStretch(1)
        self.set_status_button = QPushButton(tr("设置FMC状态…"))
        self.set_status_button.setEnabled(False)
        self.print_button = QPushButton(tr("打印厂家跟踪表"))
        self.print_button.setEnabled(False)
        self.preview_pdf = True  # as the case's 打印 tab: a PDF preview, else the .docx opens
        self.refresh_button = QPushButton(tr("刷新"))
        bar.addWidget(self.set_status_button)
        bar.addWidget(self.print_button)
        bar.addWidget(self.refresh_button)
        lay.addLayout(bar)
        self.summary = QLabel(tr("正在读取…"))
        lay.addWidget(self.summary)
        self.summary_detail = ErrorDetail(self)  # the server's own words of a failed read
        lay.addWidget(self.summary_detail)

        self.model = OemModel(session.ctx().tz, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        read_only(self.view, single=True)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        fm = self.fontMetrics()
        for col, sample in enumerate(
            (
                "SH01-202611-0000",
                "王建国",
                "别克GL8 ES陆尊",
                "厂家转发",
                "CAC26112254470",
                "In process",
                "2026-11-20 10:00",
                "将到期 剩 1小时20分",
                "已开天数",
                "已关闭",
                "售后服务部",
            )
        ):
            header.resizeSection(col, fm.horizontalAdvance(sample) + 24)
        lay.addWidget(self.view, 1)

        self.status_filter.currentIndexChanged.connect(self.reload)
        self.open_only.toggled.connect(self.reload)
        self.site_filter.changed.connect(self.reload)
        self.refresh_button.clicked.connect(self.reload)
        self.set_status_button.clicked.connect(self.open_set_status)
        self.print_button.clicked.connect(lambda _checked=False: self.print_tracking_sheet())
        self.view.doubleClicked.connect(self._open)
        self.view.selectionModel().selectionChanged.connect(self._on_selection)
        session.changed.connect(self._on_changed)
        self.reload()

    def _on_changed(self, changes: OpChanges) -> None:
        if changes.touches(("cases", "entries", "ledger")):
            self.reload()

    def reload(self) -> None:
        self._reloads.request()

    def _start_reload(self) -> None:
        ctx = self.session.ctx()
        open_only = self.open_only.isChecked()
        status = self.status_filter.currentData()
        sites = self.site_filter.sites()
        self.session.taskman.run(
            lambda: load_rows(ctx, open_only=open_only, fmc_status=status, sites=sites),
            self._loaded,
            on_error=self._failed,
            parent=self,
        )

    def _failed(self, exc: BaseException) -> None:
        self._reloads.failed()
        say(exc, self.summary, self.summary_detail, tr("无法读取厂家跟踪:"))

    def _loaded(self, result: tuple[list[OemRow], datetime]) -> None:
        self._reloads.done()
        self.summary_detail.set_detail("")
        rows, now = result
        keep = self.selected_row()
        self.model.set_rows(rows, now)
        counts = {s.value: 0 for s in FmcStatus}
        for r in rows:
            if r.fmc_status in counts:
                counts[r.fmc_status] += 1
        d2_over = sum(1 for r in rows if r.d2.status is DeadlineStatus.OVERDUE)
        self.summary.setText(
            tr("共 {n} 件 · ").format(n=len(rows))
            + " · ".join(f"{k} {v}" for k, v in counts.items())
            + (
                tr(" · <span style='color:#c62828'>D2 已逾期 {n} 件</span>").format(n=d2_over)
                if d2_over
                else ""
            )
        )
        if keep is not None:
            for i, r in enumerate(rows):
                if r.case_id == keep.case_id:
                    self.view.selectRow(i)
                    break
        self._on_selection()

    def selected_row(self) -> OemRow | None:
        sel = self.view.selectionModel().selectedRows() if self.view.selectionModel() else []
        if not sel:
            return None
        row = sel[0].row()
        return self.model.rows[row] if 0 <= row < len(self.model.rows) else None

    def _on_selection(self, *_args) -> None:
        chosen = self.selected_row() is not None
        self.set_status_button.setEnabled(chosen)
        gate(
            self.print_button,
            self.session.ctx(),
            "form.print",
            ready=chosen,
            tip="" if chosen else tr("请先在列表中选择一件投诉"),
        )

    def print_tracking_sheet(self) -> None:
        """The selected case's 客户投诉处理跟踪表(厂家) in the print preview; it counts as
        printed (and waits for its signed copy) once printed or opened in Word."""
        r = self.selected_row()
        if r is None:
            return
        # docx filling (docxtpl, lxml) and the PDF preview (QtPdf) load when first printed
        from complaints.usecases import printing
        from ui.print_preview import present

        ctx, paths, case_id, pdf = (
            self.session.ctx(),
            self.session.paths,
            r.case_id,
            self.preview_pdf,
        )
        self.session.taskman.run(
            lambda: printing.print_case_form(
                ctx,
                case_id,
                "B",
                templates_dir=paths.templates,
                printed_dir=paths.printed,
                pdf=pdf,
                record=False,
            ),
            lambda result: present(result, self, session=self.session),
            label=tr("正在生成表单…"),
            parent=self,
        )

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            self.session.open_case_requested.emit(self.model.rows[index.row()].case_id)

    def open_set_status(self) -> ActionDialog | None:
        """The FMC状态 dialog for the selected case (returned, shown non-modal)."""
        r = self.selected_row()
        if r is None:
            return None
        ctx = self.session.ctx()
        dialog = ActionDialog(
            Action.FMC_STATUS,
            number=r.number,
            now=ctx.now(),
            tz=ctx.tz,
            received_at=r.received_at,
            current={"fmc_status": r.fmc_status, "cac_number": r.cac_number},
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        case_id = r.case_id

        def refused(exc: BaseException) -> None:
            told = said(exc)  # a refusal, the server's trouble, a program error alike
            dialog.show_refusal(told.message, told.detail)

        def submit(values: dict[str, Any]) -> None:
            status = values.pop("status")
            self.session.taskman.run(
                lambda: oem.set_fmc_status(ctx, case_id, status, **values),
                lambda _e: self._done(dialog),
                on_error=refused,
                parent=self,
            )

        dialog._submit = submit
        self.dialog = dialog
        dialog.open()
        return dialog

    def _done(self, dialog: ActionDialog) -> None:
        dialog.done_ok()
