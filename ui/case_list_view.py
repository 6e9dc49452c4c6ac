"""The case list's table view and its header (the sort arrow as in Excel)."""

from __future__ import annotations

from PySide6.QtCore import (
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHeaderView,
    QStyleOptionHeader,
    QTableView,
    QWidget,
)


class ExcelSortHeader(QHeaderView):
    """A header whose sort arrow reads as in Excel: up for ascending (oldest, A→Z first),
    down for descending. Qt passes an ascending sort to the style as SortDown, and Fusion
    (the style on Linux) draws that as a down arrow; Windows' own styles already draw it
    up, so the arrow is turned only under Fusion."""

    def initStyleOptionForIndex(self, option, logical_index: int) -> None:
        super().initStyleOptionForIndex(option, logical_index)
        if self.style().name().lower() != "fusion":
            return
        up, down = (
            QStyleOptionHeader.SortIndicator.SortUp,
            QStyleOptionHeader.SortIndicator.SortDown,
        )
        if option.sortIndicator == down:
            option.sortIndicator = up
        elif option.sortIndicator == up:
            option.sortIndicator = down


class _CaseTable(QTableView):
    """The view: Enter opens the current case, as double-click does."""

    open_requested = Signal(int)  # row

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        header = ExcelSortHeader(Qt.Orientation.Horizontal, self)
        header.setSectionsClickable(True)  # as QTableView's own header: a click sorts
        self.setHorizontalHeader(header)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_requested.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)
