"""投诉台账: the list of cases.

The page holds the filters, the search box and the table; the model
(ui.case_list_model) holds only the ids and fetches rows by page. Sorting and filtering
happen in the database (complaints.query), the id query runs on the task manager's worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta, tzinfo

from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from complaints.query import SORTABLE, CaseFilter
from complaints.rules.validation import search_text
from complaints.types import Channel, Kind, Severity, State
from complaints.usecases import auth, cases, settings
from complaints.usecases import site as site_uc
from complaints.usecases.changes import OpChanges
from complaints.usecases.context import CHINA_TZ
from ui import options
from ui.case_list_model import DEFAULT_SORT, CaseTableModel, column_label
from ui.case_list_view import _CaseTable
from ui.date_edits import date_edit, day_of
from ui.painting import after_next_paint
from ui.permits import gate
from ui.site_filter import SiteFilter
from ui.tables import read_only

log = logging.getLogger(__name__)


SEARCH_DELAY_MS = 250

# Each column's widest usual value: a column starts as wide as that or its title in this
# PC's font, and a cell's margins (CELL_MARGIN), so the list fits a 1366x768 laptop without
# scrolling sideways whatever the system font; the last column (投诉内容) stretches.
_SAMPLES = {
    "number": "SH01-202611-0016",
    "received_at": "2026-11-19 18:53",
    "state": "已派单",
    "channel": "网络/邮件",
    "kind": "投诉",
    "severity": "一般投诉",
    "customer_name": "欧阳明辉",
    "phone": "15642829648",
    "car_model": "别克昂科威Plus",
    "plate": "沪M·LDVU7",
    "department": "售后服务部",
    "responsible": "欧阳明辉",
    "site": "SH01",
}
CELL_MARGIN = 14
# The list's columns: those of the use case, the long 投诉内容 last (it stretches).
COLUMNS: tuple[str, ...] = tuple(
    [c for c in cases.LIST_COLUMNS if c != "content"]
    + (["content"] if "content" in cases.LIST_COLUMNS else [])
)


FIRST_PAGE_WAIT_MS = 300  # the whole id list waits at most this long for the first paint


def tr(text: str) -> str:
    return QCoreApplication.translate("CaseList", text)


def _combo(all_text: str, values: Sequence[str]) -> QComboBox:
    box = QComboBox()
    box.addItem(all_text, None)
    for v in values:
        box.addItem(v, v)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return box


class CaseListPage(QWidget):
    def _gate_new(self) -> None:
        """新建投诉 only for whoever may register a case; otherwise the reason as tip."""
        if self.session.site() is not None:
            gate(self.new_button, self.session.ctx(), "case.create", tip=tr("新建投诉 (Ctrl+N)"))

    """投诉台账: filters, the search box and the table; double-click or Enter opens a case."""

    ids_loaded = Signal(int)  # number of matching cases, after each query

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self._generation = 0
        tz = self._tz()
        self.model = CaseTableModel(
            COLUMNS, page_size=int(settings.get("ui.page_size")), tz=tz, parent=self
        )
        self.model.sort_requested.connect(lambda _s: self.reload())
        self._update_phone_mask()

        # search row
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(
            tr("搜索编号、姓名、电话、VIN、车牌或投诉内容 (Ctrl+F)")
        )
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(200)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.reload)
        self.search_edit.textChanged.connect(lambda _t: self._search_timer.start())
        self.search_edit.returnPressed.connect(self._search_now)
        self.count_label = QLabel()
        self.new_button = QPushButton(tr("新建投诉"))
        self.new_button.setToolTip(tr("新建投诉 (Ctrl+N)"))
        self.new_button.clicked.connect(session.new_case_requested)
        session.user_changed.connect(self._gate_new)
        self._gate_new()

        # filter row
        self.state_box = _combo(tr("全部状态"), [s.value for s in State])
        self.channel_box = _combo(tr("全部渠道"), [c.value for c in Channel])
        self.kind_box = _combo(tr("全部性质"), [k.value for k in Kind])
        self.severity_box = _combo(tr("全部类型"), [s.value for s in Severity])
        self.department_box = _combo(tr("全部部门"), self._departments())
        # shown at the HQ (two sites or more)
        self.site_filter = SiteFilter(session, remember_as="cases")
        self.site_filter.changed.connect(self.reload)
        self.date_check = QCheckBox(tr("接单日期"))
        today = QDate.currentDate()
        self.date_from = date_edit(today.addMonths(-1))
        self.date_to = date_edit(today)
        for d in (self.date_from, self.date_to):
            d.setEnabled(False)
        self.date_check.toggled.connect(self.date_from.setEnabled)
        self.date_check.toggled.connect(self.date_to.setEnabled)
        self.clear_button = QPushButton(tr("清除筛选"))
        self.clear_button.clicked.connect(self.clear_filters)
        for box in self._boxes():
            box.currentIndexChanged.connect(self.reload)
        self.date_check.toggled.connect(self.reload)
        self.date_from.dateChanged.connect(self._date_changed)
        self.date_to.dateChanged.connect(self._date_changed)

        # table
        self.view = _CaseTable()
        self.view.setModel(self.model)
        read_only(self.view, single=True)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 10)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        metrics = self.view.fontMetrics()
        for i, name in enumerate(self.model.columns):
            if name in _SAMPLES:
                widest = max(_SAMPLES[name], column_label(name), key=metrics.horizontalAdvance)
                header.resizeSection(i, metrics.horizontalAdvance(widest) + CELL_MARGIN)
        header.setSortIndicatorShown(True)
        if DEFAULT_SORT.column in self.model.columns:
            header.setSortIndicator(
                self.model.columns.index(DEFAULT_SORT.column), Qt.SortOrder.DescendingOrder
            )
        self.view.setSortingEnabled(True)  # calls model.sort with the indicator: no change
        header.sortIndicatorChanged.connect(self._keep_indicator_on_sortable)
        self.view.doubleClicked.connect(lambda ix: self._open_row(ix.row()))
        self.view.open_requested.connect(self._open_row)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)

        top = QHBoxLayout()
        top.addWidget(self.search_edit, 1)
        for w in (self.date_check, self.date_from, QLabel(tr("至")), self.date_to):
            top.addWidget(w)
        top.addSpacing(8)
        top.addWidget(self.count_label)
        top.addWidget(self.new_button)
        filters = QHBoxLayout()
        for widget in (*self._boxes(), self.site_filter, self.clear_button):
            filters.addWidget(widget)
        filters.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.view, 1)

        self._restore_state()
        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.activated.connect(self.focus_search)
        session.changed.connect(self._on_changed)
        user_changed = getattr(session, "user_changed", None)
        if user_changed is not None:
            user_changed.connect(self._update_phone_mask)
        self.reload(first_page=True)

    # --- remembered look ---------------------------------------------------------------------

    def save_state(self, store: QSettings) -> None:
        """Column widths and order, and the sort, for the next start (QSettings)."""
        options.CASES_HEADER.write(store, self.view.horizontalHeader().saveState())
        options.CASES_COLUMNS.write(store, ",".join(self.model.columns))

    def _restore_state(self) -> None:
        store = getattr(self.session, "ui_settings", None)
        if store is None:
            return
        if options.CASES_COLUMNS.read(store) != ",".join(self.model.columns):
            return  # the columns changed since: start from the defaults
        state = options.CASES_HEADER.read(store)
        if not state.isEmpty():
            self.view.horizontalHeader().restoreState(state)  # may re-sort: model.sort

    # --- filters ---------------------------------------------------------------------------------

    def _boxes(self) -> tuple[QComboBox, ...]:
        return (
            self.state_box,
            self.channel_box,
            self.kind_box,
            self.severity_box,
            self.department_box,
        )

    def _tz(self) -> tzinfo:
        try:
            return self.session.ctx().tz
        except Exception:
            return CHINA_TZ

    def _update_phone_mask(self) -> None:
        """Full phone numbers only for the roles allowed to see them (privacy settings)."""
        try:
            visible = auth.phone_visible(self.session.ctx())
        except Exception:
            visible = False
        self.model.mask_phones = not visible

    @staticmethod
    def _departments() -> list[str]:
        try:
            return site_uc.department_names()
        except Exception:
            return []

    def current_filter(self) -> CaseFilter:
        def chosen(box: QComboBox) -> frozenset[str]:
            v = box.currentData()
            return frozenset({v}) if v else frozenset()

        received_from = received_to = None
        if self.date_check.isChecked():
            tz = self.model.tz
            start = day_of(self.date_from)
            end = day_of(self.date_to)
            if end < start:
                start, end = end, start
            received_from = datetime.combine(start, time(0), tz)
            received_to = datetime.combine(end + timedelta(days=1), time(0), tz)
        return CaseFilter(
            states=chosen(self.state_box),
            channels=chosen(self.channel_box),
            kinds=chosen(self.kind_box),
            severities=chosen(self.severity_box),
            departments=chosen(self.department_box),
            sites=self.site_filter.sites(),
            received_from=received_from,
            received_to=received_to,
            text=search_text(self.search_edit.text()),  # a phone or plate however typed
        )

    def clear_filters(self) -> None:
        widgets = (*self._boxes(), self.date_check, self.search_edit)
        for w in widgets:
            w.blockSignals(True)
        for box in self._boxes():
            box.setCurrentIndex(0)
        self.site_filter.clear_choice()
        self.date_check.setChecked(False)
        self.date_from.setEnabled(False)
        self.date_to.setEnabled(False)
        self.search_edit.clear()
        for w in widgets:
            w.blockSignals(False)
        self.reload()

    def _date_changed(self) -> None:
        if self.date_check.isChecked():
            self.reload()

    def focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def _search_now(self) -> None:
        self._search_timer.stop()
        self.reload()

    # --- loading ---------------------------------------------------------------------------------

    def reload(self, *, first_page: bool = False) -> None:
        """Query the matching ids on the worker; a newer query makes older answers moot.
        With ``first_page`` (the page's first load, at start) the first screenful is read
        here, from the index alone (~1 ms at 100k cases), so the page's first paint shows
        rows; all the ids follow from the worker once they are painted (~0.1 s at 100k)."""
        self._search_timer.stop()
        self._generation += 1
        generation = self._generation
        f, sort = self.current_filter(), self.model.sort_key

        def load_all() -> None:
            if generation == self._generation:
                self.session.taskman.run(
                    lambda: cases.all_case_ids(f, sort),
                    lambda ids: self._loaded(generation, ids),
                    parent=self,
                )

        if first_page:
            try:
                ids = cases.case_ids(f, sort, limit=self.model.page_size)
            except Exception:
                log.exception("reading the first screenful failed")
            else:
                self._first_page(ids, load_all)
                return
        load_all()

    def _first_page(self, ids: list[int], load_all: Callable[[], None]) -> None:
        """Show the first screenful; read all the ids once it is painted (not while: the
        worker's Python would take the interpreter lock from the paint's data() calls),
        or after FIRST_PAGE_WAIT_MS if the page is not on screen."""
        self.model.set_ids(ids)
        self.count_label.setText(tr("正在读取…"))
        after_next_paint(self, load_all, fallback_ms=FIRST_PAGE_WAIT_MS)  # its children with it

    def _loaded(self, generation: int, ids: Sequence[int]) -> None:
        if generation != self._generation:
            return
        current = self.current_case_id()
        scroll = self.view.verticalScrollBar().value()
        # the same list, or the rest of the first screenful shown at start: keep the place
        keep_place = self.model.begins(ids)
        self.model.set_ids(ids)
        if current is not None:
            row = self.model.row_of(current)
            if row is not None:
                self.view.selectRow(row)
        if keep_place:
            self.view.verticalScrollBar().setValue(scroll)
        self.count_label.setText(tr("共 {n} 条").format(n=f"{len(ids):,}"))
        self.ids_loaded.emit(len(ids))

    def _on_changed(self, changes: OpChanges) -> None:
        if changes.touches(("cases", "entries", "ledger")):
            self.reload()
        if changes.touches(("settings", "users")):
            self._update_phone_mask()
            self.model.page_size = max(1, int(settings.get("ui.page_size")))
            self.model.invalidate_rows()

    def _keep_indicator_on_sortable(self, section: int, _order: Qt.SortOrder) -> None:
        """A click on a column the database cannot sort puts the indicator back."""
        if self.model.columns[section] in SORTABLE:
            return
        s = self.model.sort_key
        header = self.view.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(
            self.model.columns.index(s.column) if s.column in self.model.columns else -1,
            Qt.SortOrder.DescendingOrder if s.descending else Qt.SortOrder.AscendingOrder,
        )
        header.blockSignals(False)

    # --- opening ---------------------------------------------------------------------------------

    def current_case_id(self) -> int | None:
        ix = self.view.currentIndex()
        return self.model.case_id(ix.row()) if ix.isValid() else None

    def _open_row(self, row: int) -> None:
        case_id = self.model.case_id(row)
        if case_id is not None:
            self.session.open_case_requested.emit(case_id)

    def _context_menu(self, pos) -> None:
        ix = self.view.indexAt(pos)
        if not ix.isValid():
            return
        menu = QMenu(self)
        open_action = QAction(tr("打开"), menu)
        open_action.triggered.connect(lambda: self._open_row(ix.row()))
        menu.addAction(open_action)
        if "number" in self.model.columns:
            number = self.model.index(ix.row(), self.model.columns.index("number")).data()
            copy_action = QAction(tr("复制编号"), menu)
            copy_action.triggered.connect(lambda: QApplication.clipboard().setText(number or ""))
            menu.addAction(copy_action)
        menu.exec(self.view.viewport().mapToGlobal(pos))

    def badge_count(self) -> int | None:
        return None
