"""The case list's table model: the ids of the matching cases, in display order, with the
display rows fetched a page at a time into a bounded cache (the Anki browser habit), so
100,000 cases open and scroll as fast as 100."""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from complaints.fields import FIELDS_BY_NAME, KEY_HEADERS
from complaints.query import SORTABLE, CaseFilter, Sort
from complaints.rules.validation import mask_phone
from complaints.types import Severity, State
from complaints.usecases import cases
from complaints.usecases.context import CHINA_TZ

Index = QModelIndex | QPersistentModelIndex
RowFetcher = Callable[[Sequence[int], Sequence[str]], dict[int, tuple]]

DEFAULT_SORT = Sort("received_at", descending=True)
CACHE_PAGES = 16  # pages kept in memory; older pages are dropped first
CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 1


_SEVERE = QColor("#b3261e")
_DONE = QColor("#6b6b6b")
# The roles data() answers, as plain ints: the view asks ~7 roles per visible cell on every
# paint, and most of them need no work at all.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ROLES = frozenset({_DISPLAY, _TOOLTIP, _FOREGROUND, int(CASE_ID_ROLE)})
_MAJOR, _CLOSED = Severity.MAJOR.value, State.CLOSED.value
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable  # once, not per cell


def tr(text: str) -> str:
    return QCoreApplication.translate("CaseList", text)


def column_label(name: str) -> str:
    f = FIELDS_BY_NAME.get(name)
    if f is not None:
        return f.label
    return KEY_HEADERS.get(name, name)


class CaseTableModel(QAbstractTableModel):
    """Row ids in order; display rows fetched by page into a bounded LRU cache."""

    sort_requested = Signal(object)  # Sort: the list should query ids again in this order

    def __init__(
        self,
        columns: Sequence[str] = cases.LIST_COLUMNS,
        *,
        page_size: int = 200,
        cache_pages: int = CACHE_PAGES,
        tz: tzinfo = CHINA_TZ,
        mask_phones: bool = True,
        fetch_rows: RowFetcher | None = None,
        parent=None,
    ):
        super().__init__(parent)
        self.columns: tuple[str, ...] = tuple(columns)
        self.page_size = max(1, int(page_size))
        self.cache_pages = max(1, int(cache_pages))
        self.tz = tz
        self._mask_phones = mask_phones
        self._fetch_rows: RowFetcher = fetch_rows or cases.case_rows
        # 8 bytes an id (array, not list): a million cases' ids in 8 MB, not ~36 MB
        self._ids: array[int] = array("q")
        self._pages: OrderedDict[int, dict[int, tuple]] = OrderedDict()
        self._sort = DEFAULT_SORT

    # --- ids -----------------------------------------------------------------------------------

    def set_ids(self, ids: Sequence[int]) -> None:
        """Show these cases, in this order. Same ids again: keep the view, re-read the rows."""
        if not (isinstance(ids, array) and ids.typecode == "q"):
            ids = array("q", ids)
        if ids == self._ids:
            self.invalidate_rows()
            return
        self.beginResetModel()
        self._ids = ids
        self._pages.clear()
        self.endResetModel()

    def load(self, f: CaseFilter) -> None:
        """Query the ids on the calling thread (tests and small lists; the page uses the
        task manager)."""
        self.set_ids(cases.case_ids(f, self._sort))

    def invalidate_rows(self) -> None:
        """Forget the cached rows (cases were edited) without resetting the view."""
        self._pages.clear()
        if self._ids:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._ids) - 1, len(self.columns) - 1)
            )

    def ids(self) -> list[int]:
        return list(self._ids)

    def begins(self, ids: Sequence[int]) -> bool:
        """Whether ``ids`` start with the ids shown now (none shown: False)."""
        n = len(self._ids)
        if not 0 < n <= len(ids):
            return False
        head = ids[:n]
        return (head if isinstance(head, array) else array("q", head)) == self._ids

    def case_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, case_id: int) -> int | None:
        # A scan (~20 ms for a million ids, once per reload with a case selected), not a
        # dict of every id to its row (~100 MB for a million).
        try:
            return self._ids.index(case_id)
        except ValueError:
            return None

    def cached_row_count(self) -> int:
        return sum(len(p) for p in self._pages.values())

    # --- options -------------------------------------------------------------------------------

    @property
    def mask_phones(self) -> bool:
        return self._mask_phones

    @mask_phones.setter
    def mask_phones(self, value: bool) -> None:
        if value != self._mask_phones:
            self._mask_phones = value
            if "phone" in self.columns and self._ids:
                c = self.columns.index("phone")
                self.dataChanged.emit(self.index(0, c), self.index(len(self._ids) - 1, c))

    @property
    def sort_key(self) -> Sort:
        return self._sort

    def set_sort_key(self, sort: Sort) -> None:
        self._sort = sort

    # --- Qt model ------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return column_label(self.columns[section])
            if role == Qt.ItemDataRole.ToolTipRole and self.columns[section] not in SORTABLE:
                return tr("此列不能排序")
        elif (
            orientation == Qt.Orientation.Vertical
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._ids)
        ):
            return str(section + 1)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _ROW_FLAGS

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if role not in _ROLES or not index.isValid():
            return None
        r, c = index.row(), index.column()
        if not (0 <= r < len(self._ids) and 0 <= c < len(self.columns)):
            return None
        if role == CASE_ID_ROLE:
            return self._ids[r]
        row = self._row(r)
        if row is None:
            return None
        name = self.columns[c]
        value = row[c]
        if role == _DISPLAY:
            return self._display(name, value)
        if role == _TOOLTIP:
            return value if name == "content" and value else None
        if name == "severity" and value == _MAJOR:  # _FOREGROUND
            return _SEVERE
        if name == "state" and value == _CLOSED:
            return _DONE
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting is the database's job: remember the order and ask for the ids again."""
        if not 0 <= column < len(self.columns) or self.columns[column] not in SORTABLE:
            return
        sort = Sort(self.columns[column], order == Qt.SortOrder.DescendingOrder)
        if sort != self._sort:
            self._sort = sort
            self.sort_requested.emit(sort)

    # --- rows ----------------------------------------------------------------------------------

    def _row(self, r: int) -> tuple | None:
        page_no = r // self.page_size
        page = self._pages.get(page_no)
        if page is None:
            start = page_no * self.page_size
            page_ids = self._ids[start : start + self.page_size]
            page = self._fetch_rows(page_ids, self.columns)
            self._pages[page_no] = page
            while len(self._pages) > self.cache_pages:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        return page.get(self._ids[r])

    def _display(self, name: str, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, bool):
            return tr("是") if value else tr("否")
        if name == "phone" and self._mask_phones:
            return mask_phone(value)
        if name == "content":
            text = " ".join(str(value).split())
            return text if len(text) <= 80 else text[:79] + "…"
        return str(value)
