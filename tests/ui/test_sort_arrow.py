"""The case list's sort arrow reads as in Excel (issue 17 §5): up for ascending, down for
descending, and a click on a column still sorts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QStyleOptionHeader, QTableView

from ui.case_list_view import ExcelSortHeader, _CaseTable

UP = QStyleOptionHeader.SortIndicator.SortUp
DOWN = QStyleOptionHeader.SortIndicator.SortDown


def _drawn(header, column: int):
    opt = QStyleOptionHeader()
    header.initStyleOptionForIndex(opt, column)
    return opt.sortIndicator


def test_ascending_points_up_and_descending_down_under_fusion(qtbot):
    assert QApplication.style().name().lower() == "fusion"  # the style offscreen and on Linux
    model = QStandardItemModel(3, 2)
    for r in range(3):
        model.setItem(r, 0, QStandardItem(str(3 - r)))
    view = _CaseTable()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setSortingEnabled(True)
    header = view.horizontalHeader()
    assert isinstance(header, ExcelSortHeader) and header.sectionsClickable()
    header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
    assert _drawn(header, 0) == UP
    assert [model.item(r, 0).text() for r in range(3)] == ["1", "2", "3"]
    header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
    assert _drawn(header, 0) == DOWN
    # Qt's own header draws the reverse under Fusion: what this header corrects
    plain = QTableView()
    qtbot.addWidget(plain)
    plain.setModel(QStandardItemModel(1, 1))
    plain.setSortingEnabled(True)
    plain.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
    assert _drawn(plain.horizontalHeader(), 0) == DOWN
