"""设置 → 工作日历: the year laid out as twelve months, holidays and make-up
workdays marked; a file imported or one date edited at a time."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDate, QLocale, Qt
from PySide6.QtGui import QColor, QResizeEvent, QTextCharFormat
from PySide6.QtWidgets import (
    QCalendarWidget,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from complaints.rules.officetime import WEEKDAY_NAMES
from complaints.usecases import auth, workcalendar
from complaints.usecases.context import Context
from ui.error_detail import ErrorDetail, say

OFF_COLOUR = QColor("#f8d7da")  # 休息日
WORK_COLOUR = QColor("#d6e9f8")  # 调休上班日
KINDS = (("按星期", None), ("休息日", True), ("工作日(调休上班)", False))


def tr(text: str) -> str:
    return QCoreApplication.translate("CalendarTab", text)


def load_year(ctx: Context, year: int) -> tuple[workcalendar.YearView, bool]:
    """Worker side: the year's dates and whether this person may change them."""
    return workcalendar.year_view(year), auth.allowed(ctx, "settings.policy")


class CalendarTab(QWidget):
    """Registered in ui.settings_page.SETTINGS_TABS as ("工作日历", ...)."""

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.view: workcalendar.YearView | None = None
        self.may_edit = False
        self.outer = outer = QVBoxLayout(self)

        bar = QHBoxLayout()
        bar.addWidget(QLabel(tr("年份")))
        self.year = QSpinBox()
        self.year.setRange(2004, 2100)
        self.year.setValue(session.ctx().local(session.ctx().now()).year)
        bar.addWidget(self.year)
        self.source = QLabel()
        bar.addWidget(self.source, 1)
        self.import_button = QPushButton(tr("导入日历文件…"))
        bar.addWidget(self.import_button)
        outer.addLayout(bar)
        legend = QLabel(
            tr(
                "红色:休息日(法定节假日);蓝色:调休上班日(按周一的办公时间)。"
                "其余日期按星期与办公时间。点选日期可修改。"
            )
        )
        legend.setWordWrap(True)
        legend.setStyleSheet("color: #555;")
        outer.addWidget(legend)

        self.year_area = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        body = QWidget()
        self.grid = QGridLayout(body)
        self.months: list[QCalendarWidget] = []
        self.month_cells: list[QWidget] = []  # a month with its title, placed by _lay_out
        for i in range(12):
            c = QCalendarWidget()
            c.setNavigationBarVisible(False)
            c.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
            c.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
            c.setLocale(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
            c.setGridVisible(True)
            # Never narrower than its seven columns: a narrower month scrolls sideways
            # and hides a weekday (周日) from the person reading it.
            c.setMinimumSize(max(230, c.minimumSizeHint().width()), 170)
            c.clicked.connect(self._picked)
            title = QLabel(tr("{m} 月").format(m=i + 1))
            title.setAlignment(Qt.AlignmentFlag.AlignCenter)
            cell = QWidget()
            cell_layout = QVBoxLayout(cell)
            cell_layout.setContentsMargins(0, 0, 0, 0)
            cell_layout.addWidget(title)
            cell_layout.addWidget(c)
            self.month_cells.append(cell)
            self.months.append(c)
        self.columns = 0
        self._lay_out(4)
        scroll.setWidget(body)
        # the four months of a row ask for their width: the window gives it, never a sideways scroll
        scroll.setMinimumWidth(
            body.minimumSizeHint().width()
            + scroll.verticalScrollBar().sizeHint().width()
            + 2 * scroll.frameWidth()
        )
        outer.addWidget(scroll, 1)

        edit = QHBoxLayout()
        self.picked = QLabel(tr("未选日期"))
        self.picked.setMinimumWidth(self.fontMetrics().horizontalAdvance("2026-10-10 周六") + 8)
        edit.addWidget(self.picked)
        self.kind = QComboBox()
        for label, value in KINDS:
            self.kind.addItem(tr(label), value)
        edit.addWidget(self.kind)
        self.name = QLineEdit()
        self.name.setPlaceholderText(tr("名称,如 国庆节"))
        edit.addWidget(self.name, 1)
        self.apply_button = QPushButton(tr("应用"))
        edit.addWidget(self.apply_button)
        outer.addLayout(edit)
        self.message = QLabel()
        self.message.setWordWrap(True)
        outer.addWidget(self.message)
        self.message_detail = ErrorDetail(self)  # the server's own words of an error
        outer.addWidget(self.message_detail)

        self.picked_day: date | None = None
        self.year.valueChanged.connect(self.reload)
        self.import_button.clicked.connect(self.import_dialog)
        self.apply_button.clicked.connect(self.apply)
        self._set_editable(False)
        self.reload()

    def _lay_out(self, columns: int) -> None:
        """The twelve months in rows of ``columns``."""
        if columns == self.columns:
            return
        self.columns = columns
        for cell in self.month_cells:
            self.grid.removeWidget(cell)
        for i, cell in enumerate(self.month_cells):
            self.grid.addWidget(cell, i // columns, i % columns)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Four months a row where they fit, else fewer: the year scrolls down, never
        sideways, on a narrow window."""
        super().resizeEvent(event)
        spacing = self.grid.horizontalSpacing()
        month = self.month_cells[0].minimumSizeHint().width() + spacing
        outer, grid = self.outer.contentsMargins(), self.grid.contentsMargins()
        room = (
            event.size().width()
            - outer.left()
            - outer.right()
            - 2 * self.year_area.frameWidth()
            - self.year_area.verticalScrollBar().sizeHint().width()
            - grid.left()
            - grid.right()
        )
        self._lay_out(max(1, min(4, (room + spacing) // month)))

    # --- loading ---------------------------------------------------------------------------

    def reload(self) -> None:
        ctx, year = self.session.ctx(), self.year.value()
        self.session.taskman.run(
            lambda: load_year(ctx, year), self._loaded, on_error=self._failed, parent=self
        )

    def _loaded(self, result: tuple[workcalendar.YearView, bool]) -> None:
        view, may_edit = result
        if view.year != self.year.value():
            return  # an older answer after the year changed
        self.view, self.may_edit = view, may_edit
        if view.source:
            self.source.setText(tr("来源:") + view.source)
        else:
            self.source.setText(
                tr(
                    "{y} 年没有日历数据:按工作时间计时的规则把有办公时间的星期几都当作工作日"
                ).format(y=view.year)
            )
        marks = {m.day: m for m in view.marks}
        for i, c in enumerate(self.months):
            first = QDate(view.year, i + 1, 1)
            c.setDateRange(first, first.addMonths(1).addDays(-1))
            c.setCurrentPage(view.year, i + 1)
            c.setDateTextFormat(QDate(), QTextCharFormat())  # clear every earlier mark
            for d in range(1, first.daysInMonth() + 1):
                m = marks.get(date(view.year, i + 1, d))
                if m is None:
                    continue
                f = QTextCharFormat()
                f.setBackground(OFF_COLOUR if m.off else WORK_COLOUR)
                f.setToolTip(f"{'休息日' if m.off else '调休上班日'} {m.name}".rstrip())
                c.setDateTextFormat(QDate(view.year, i + 1, d), f)
        self._show_pick()
        self._set_editable(may_edit)
        if not may_edit:
            self.message.setText(tr("您没有修改工作日历的权限(需客服经理或总经理)"))

    def _set_editable(self, on: bool) -> None:
        for w in (self.import_button, self.kind, self.name, self.apply_button):
            w.setEnabled(on)

    def _failed(self, exc: BaseException) -> None:
        say(exc, self.message, self.message_detail, tr("操作未完成:"))
        self.message.setStyleSheet("color: #c62828;")

    def _done(self, text: str) -> None:
        self.message_detail.set_detail("")
        self.message.setStyleSheet("")
        self.message.setText(text)
        self.reload()

    # --- editing ---------------------------------------------------------------------------

    def _show_pick(self) -> None:
        """Only the picked date is highlighted (each month widget always selects a date)."""
        d = self.picked_day
        for i, c in enumerate(self.months):
            on = d is not None and d.year == self.year.value() and d.month == i + 1
            c.setStyleSheet(
                "QAbstractItemView { selection-background-color: %s; selection-color: black; }"
                % ("#ffd54f" if on else "transparent")
            )
            if on and d is not None:
                c.setSelectedDate(QDate(d.year, d.month, d.day))
            else:  # the (invisible) selection on a plain weekday, never over a mark
                c.setSelectedDate(self._plain_day(i + 1))

    def _plain_day(self, month: int) -> QDate:
        year = self.year.value()
        marked = {m.day for m in self.view.marks} if self.view else set()
        first = QDate(year, month, 1)
        for n in range(first.daysInMonth()):
            q = first.addDays(n)
            d = date(year, month, q.day())
            if d.weekday() < 5 and d not in marked:
                return q
        return first

    def _picked(self, qd: QDate) -> None:
        d = date(qd.year(), qd.month(), qd.day())
        self.picked_day = d
        self.picked.setText(f"{d.isoformat()} {tr(WEEKDAY_NAMES[d.weekday()])}")
        self._show_pick()
        m = next((m for m in (self.view.marks if self.view else ()) if m.day == d), None)
        value = None if m is None else m.off
        self.kind.setCurrentIndex(next(i for i, (_, v) in enumerate(KINDS) if v is value))
        self.name.setText(m.name if m else "")

    def apply(self) -> None:
        d = self.picked_day
        if d is None:
            self.message.setText(tr("请先点选一个日期"))
            self.message_detail.set_detail("")
            return
        ctx, off, name = self.session.ctx(), self.kind.currentData(), self.name.text()
        self.session.taskman.run(
            lambda: workcalendar.edit_day(ctx, d, off, name),
            lambda _v: self._done(tr("已修改 {d}").format(d=d.isoformat())),
            on_error=self._failed,
            parent=self,
        )

    def import_file(self, path: Path) -> None:
        ctx = self.session.ctx()

        def done(r: workcalendar.ImportResult) -> None:
            text = tr("已导入 {y} 年:休息日 {o} 天,调休上班日 {w} 天").format(
                y="、".join(map(str, r.years)), o=r.off_days, w=r.workdays
            )
            if r.ignored:
                text += "\n" + tr("未导入:") + ";".join(r.ignored)
            if r.years and r.years[0] != self.year.value():
                self.year.setValue(r.years[0])
            self._done(text)

        self.session.taskman.run(
            lambda: workcalendar.import_file(ctx, path), done, on_error=self._failed, parent=self
        )

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, tr("导入日历文件"), "", tr("日历文件 (*.json *.xlsx *.csv);;所有文件 (*)")
        )
        if path:
            self.import_file(Path(path))
