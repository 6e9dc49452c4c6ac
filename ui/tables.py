"""The read-only tables of the pages: the person reads rows and picks them, never types in a
cell (each page changes a row through its own buttons and dialogs)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView, QTableWidget

USER_ROLE = int(Qt.ItemDataRole.UserRole)


def read_only(
    view: QTableView, *, single: bool = False, whole_rows: bool = True, row_numbers: bool = False
) -> None:
    """No editing; a click picks the whole row (``whole_rows=False``: one cell, for tables
    compared or copied cell by cell); ``single``: one row at a time; row numbers hidden
    unless ``row_numbers``."""
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    if whole_rows:
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    if single:
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().setVisible(row_numbers)


def cell_text(table: QTableWidget, row: int, column: int) -> str:
    """The text of a cell, "" for a cell never filled."""
    item = table.item(row, column)
    return item.text() if item is not None else ""


def cell_data(table: QTableWidget, row: int, column: int, role: int = USER_ROLE) -> Any:
    """The data a cell carries (the row's record, a path), None for a cell never filled."""
    item = table.item(row, column)
    return item.data(role) if item is not None else None
