"""统计's figure card and dialogs: the cases behind a figure, and the business volume (业务量)
that the complaint rate divides by."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from complaints.rules import headline
from complaints.rules.volume import ComplaintRate
from complaints.usecases import stats, stats_review
from complaints.usecases.errors import UseCaseError
from ui.error_detail import ErrorDetail, say
from ui.tables import read_only

CASE_COLUMNS = (
    "编号",
    "登记时间",
    "状态",
    "渠道",
    "类别",
    "客户",
    "部门",
    "第一责任人",
    "投诉内容",
)


def tr(text: str) -> str:
    return QCoreApplication.translate("StatsPage", text)


class Card(QFrame):
    """One figure: label, value, change against the previous period and last year."""

    clicked = Signal(str)

    def __init__(self, key: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.key = key
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("statCard")
        self.setStyleSheet(
            "#statCard { background: #f7f9fc; border: 1px solid #d5dde8; border-radius: 4px; }"
        )
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.setSpacing(2)
        self.title = QLabel(headline.KPIS[key][0])
        self.title.setStyleSheet("color: #555;")
        self.value = QLabel("—")
        self.value.setStyleSheet("font-size: 18pt; font-weight: bold; color: #1b1b1b;")
        self.change = QLabel("")
        self.change.setStyleSheet("color: #666; font-size: 9pt;")
        for w in (self.title, self.value, self.change):
            lay.addWidget(w)

    def show_value(
        self, value: Any, vs_prev: float | None, vs_ly: float | None, none_text: str | None = None
    ) -> None:
        self.value.setText(headline.format_kpi(self.key, value, none_text))
        self.change.setText(
            tr("环比 {0}\n同比 {1}").format(
                headline.format_change(self.key, vs_prev), headline.format_change(self.key, vs_ly)
            )
        )

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.key)
        super().mousePressEvent(event)


class CasesDialog(QDialog):
    """The cases behind a figure; double-click (or Enter) opens one."""

    def __init__(self, session, title: str, ids: Sequence[int], parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setWindowTitle(title)
        self.resize(1100, 560)
        lay = QVBoxLayout(self)
        self.info = QLabel(tr("共 {0} 件,正在读取…").format(len(ids)))
        lay.addWidget(self.info)
        self.table = QTableWidget(0, len(CASE_COLUMNS))
        self.table.setHorizontalHeaderLabels([tr(c) for c in CASE_COLUMNS])
        read_only(self.table)
        self.table.horizontalHeader().setSectionResizeMode(
            len(CASE_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch
        )
        self.table.doubleClicked.connect(self._open)
        lay.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.ids = list(ids)
        self.loaded = False
        session.taskman.run(
            lambda: stats_review.case_list(self.ids[:5000]), self._show, parent=self
        )

    def _show(self, rows: list[tuple]) -> None:
        tz = self.session.ctx().tz
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            case_id, *values = row
            for c, value in enumerate(values):
                v = value
                if hasattr(v, "astimezone"):
                    v = v.astimezone(tz).strftime("%Y-%m-%d %H:%M")
                text = "" if v is None else str(v).replace("\n", " ")
                item = QTableWidgetItem(text[:200])
                item.setData(Qt.ItemDataRole.UserRole, case_id)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(len(CASE_COLUMNS) - 1, 300)
        more = len(self.ids) - len(rows)
        self.info.setText(
            tr("共 {0} 件(双击打开)").format(len(self.ids))
            + (tr(",只列出前 {0} 件").format(len(rows)) if more > 0 else "")
        )
        self.loaded = True

    def _open(self, index) -> None:
        item = self.table.item(index.row(), 0)
        if item is not None:
            self.session.request_open_case(int(item.data(Qt.ItemDataRole.UserRole)))

    def keyPressEvent(self, event) -> None:
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self.table.currentIndex().isValid()
        ):
            self._open(self.table.currentIndex())
            return
        super().keyPressEvent(event)


class VolumeDialog(QDialog):
    """业务量: a site's 进厂台次 and 新车销售台数 for each month of the period, the complaint
    rate's base. A blank row removes the month's figures (the rate then says 未填业务量)."""

    saved = Signal()
    loaded_volumes = Signal()
    HEADERS = ("月份", "进厂台次", "新车销售台数")

    def __init__(
        self,
        session,
        months: Sequence[str],
        sites: Sequence[str],
        site: str,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.session = session
        self.months = list(months)
        self.ready = False  # the entered figures are on screen
        self.setWindowTitle(tr("业务量(投诉率的基数)"))
        lay = QVBoxLayout(self)
        note = QLabel(
            tr(
                "按月填写本店的业务量:投诉率 = 投诉件数 ÷(进厂台次 + 新车销售台数)"
                "× 1000。两项都留空即删除该月的业务量。"
            )
        )
        note.setWordWrap(True)
        lay.addWidget(note)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("站点:")))
        self.site = QComboBox()
        for code in sites:
            self.site.addItem(code, code)
        self.site.setCurrentIndex(max(self.site.findData(site), 0))
        self.site.setEnabled(len(sites) > 1)
        self.site.currentIndexChanged.connect(lambda _i: self.load())
        row.addWidget(self.site)
        row.addStretch(1)
        lay.addLayout(row)
        self.table = QTableWidget(len(self.months), len(self.HEADERS))
        self.table.setHorizontalHeaderLabels([tr(h) for h in self.HEADERS])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # each month's (进厂台次, 新车销售台数) cells
        self.cells: list[tuple[QTableWidgetItem, QTableWidgetItem]] = []
        for r, m in enumerate(self.months):
            item = QTableWidgetItem(m)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(r, 0, item)
            self.cells.append((QTableWidgetItem(""), QTableWidgetItem("")))
            for c, cell in enumerate(self.cells[-1], start=1):
                self.table.setItem(r, c, cell)
        lay.addWidget(self.table)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        lay.addWidget(self.error)
        self.error_detail = ErrorDetail(self)  # the server's own words of a failed save
        lay.addWidget(self.error_detail)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(tr("保存"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(460, min(560, 200 + 32 * len(self.months)))
        self.load()

    def load(self) -> None:
        site, months = self.site.currentData(), self.months
        self.session.taskman.run(lambda: stats.volumes([site], months), self._show, parent=self)

    def _show(self, vols: dict) -> None:
        site = self.site.currentData()
        for r, m in enumerate(self.months):
            v = vols.get((site, m))
            visits, sales = self.cells[r]
            visits.setText("" if v is None else str(v.service_visits))
            sales.setText("" if v is None else str(v.new_car_sales))
        self.ready = True
        self.loaded_volumes.emit()

    def set_row(self, month: str, visits: int | str, sales: int | str) -> None:
        visits_cell, sales_cell = self.cells[self.months.index(month)]
        visits_cell.setText(str(visits))
        sales_cell.setText(str(sales))

    def values(self) -> dict[str, tuple[int, int] | None]:
        """month → (visits, sales) or None; UseCaseError names the bad cell."""
        out: dict[str, tuple[int, int] | None] = {}
        for r, m in enumerate(self.months):
            texts = [cell.text().strip().replace(",", "") for cell in self.cells[r]]
            if not any(texts):
                out[m] = None
                continue
            if not all(t.isdigit() for t in texts):
                raise UseCaseError(tr("{0}:进厂台次和新车销售台数都应填不小于 0 的整数").format(m))
            out[m] = (int(texts[0]), int(texts[1]))
        return out

    def save(self) -> None:
        try:
            values = self.values()
        except UseCaseError as e:
            say(e, self.error, self.error_detail)
            return
        ctx, site = self.session.ctx(), self.site.currentData()

        def done(_r) -> None:
            self.saved.emit()
            self.accept()

        def failed(exc: BaseException) -> None:
            say(exc, self.error, self.error_detail)

        self.session.taskman.run(
            lambda: stats.set_volumes(ctx, site, values), done, on_error=failed, parent=self
        )


def complaint_rate_tip(rate: ComplaintRate) -> str:
    """The 投诉率 card's tooltip: how the rate was worked out, or what it still lacks."""
    if rate.volume is None:
        if not rate.whole_months:
            return tr("业务量按月填写,投诉率只对整月、季度、年计算。")
        months = "、".join(f"{s} {m}" for s, m in rate.missing[:6])
        more = tr(" 等 {0} 个月").format(len(rate.missing)) if len(rate.missing) > 6 else ""
        return tr("缺少业务量:{0}{1}。点击填写。").format(months, more)
    v = rate.volume
    return tr(
        "投诉 {0} 件 ÷ 业务量 {1} 台次(进厂 {2} + 新车 {3})× 1000\n"
        "售后:{4};销售:{5}。点击修改业务量。"
    ).format(
        rate.cases,
        f"{v.total:,}",
        f"{v.service_visits:,}",
        f"{v.new_car_sales:,}",
        headline.format_kpi("complaint_rate", rate.service_value, "—"),
        headline.format_kpi("complaint_rate", rate.sales_value, "—"),
    )
