"""The read-only table set-up and the date boxes, written once in ui/tables.py and
ui/date_edits.py and used by every page."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import QAbstractItemView, QTableWidget

from ui.date_edits import date_edit, date_time_edit
from ui.tables import read_only

ROOT = Path(__file__).resolve().parents[2]


def test_a_read_only_table_picks_whole_rows_and_types_nothing(qtbot):
    t = QTableWidget(2, 2)
    qtbot.addWidget(t)
    read_only(t, single=True)
    assert t.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers
    assert t.selectionBehavior() == QAbstractItemView.SelectionBehavior.SelectRows
    assert t.selectionMode() == QAbstractItemView.SelectionMode.SingleSelection
    assert t.verticalHeader().isHidden()


def test_a_cell_by_cell_table_keeps_cells_and_may_number_its_rows(qtbot):
    t = QTableWidget(2, 2)
    qtbot.addWidget(t)
    read_only(t, whole_rows=False, row_numbers=True)
    assert t.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers
    assert t.selectionBehavior() == QAbstractItemView.SelectionBehavior.SelectItems
    assert t.selectionMode() == QAbstractItemView.SelectionMode.ExtendedSelection
    assert not t.verticalHeader().isHidden()


def test_date_boxes_show_a_calendar_and_the_ledgers_format(qtbot):
    d = date_edit(QDate(2026, 12, 7))
    qtbot.addWidget(d)
    assert d.calendarPopup() and d.text() == "2026-12-07"
    dt = date_time_edit(QDateTime(QDate(2026, 12, 7), QTime(14, 30)))
    qtbot.addWidget(dt)
    assert dt.calendarPopup() and dt.text() == "2026-12-07 14:30"


def test_the_set_up_is_written_once():
    """No page of the ui sets up a read-only table or a date box by hand."""
    others = {"tables.py", "date_edits.py"}
    by_hand = re.compile(
        r"setEditTriggers\(QAbstractItemView\.EditTrigger\.NoEditTriggers|"
        r"setCalendarPopup\(|setDisplayFormat\(\"yyyy"
    )
    found = [
        f"{p.name}:{n}"
        for p in sorted((ROOT / "ui").glob("*.py"))
        if p.name not in others
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if by_hand.search(line)
    ]
    assert found == []
