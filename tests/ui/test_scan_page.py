"""签字回收 page: results listed, unmatched pages as thumbnails assigned by hand, the
watched scan folder, and scans dropped on the main window."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

sys.path.insert(0, str(Path(__file__).parents[1] / "forms"))

import scan_fakes
from conftest_forms import CASE_VALUES

from complaints.usecases import printed_forms, printing
from complaints.usecases.cases import create_case
from forms import qr
from ui.main_window import MainWindow
from ui.scan_page import ScanReturnPage


@pytest.fixture
def sheet(ctx, session):
    """One printed form A, and its code."""
    case = create_case(ctx, CASE_VALUES)
    printing.print_case_form(
        ctx, case.id, "A", templates_dir=None, printed_dir=session.paths.printed
    )
    [row] = printed_forms.history(case_id=case.id)
    return row, qr.SheetCode("A", case.number, 1, row["code"])


@pytest.fixture
def page(qtbot, session):
    p = ScanReturnPage(session)
    qtbot.addWidget(p)
    return p


def _returned(row) -> bool:
    [now] = [h for h in printed_forms.history(case_id=row["case_id"]) if h["id"] == row["id"]]
    return now["signed_returned_at"] is not None


def test_results_listed_and_an_unmatched_page_assigned_by_hand(page, session, sheet, tmp_path):
    row, code = sheet
    letter, blank = tmp_path / "letter.png", tmp_path / "blank.png"
    scan_fakes.sheet_page().save(letter)  # the sheet, its code torn off
    scan_fakes.blank_page().save(blank)
    page.import_files([letter, blank])
    session.taskman.wait_idle()
    assert page.table.rowCount() == 2
    assert [page.table.item(r, 1).text() for r in range(2)] == ["未找到二维码", "空白页"]
    assert page.thumbs.count() == 1 and not page.assign_button.isEnabled()
    page.thumbs.setCurrentRow(0)
    page.lookup.setText(code.sheet.lower())
    assert page.candidates.count() == 1 and page.assign_button.isEnabled()
    page.assign_selected()
    session.taskman.wait_idle()
    assert _returned(row)
    assert page.thumbs.count() == 0 and "已手工登记" in page.summary.text()


def test_a_matched_scan_is_listed(page, session, sheet, tmp_path):
    row, code = sheet
    scan = tmp_path / "scan.jpg"
    scan_fakes.rotate(2)(scan_fakes.sheet_page(code)).save(scan, quality=70)
    page.import_files([scan])
    session.taskman.wait_idle()
    assert page.table.item(0, 1).text() == "已匹配" and code.human() in page.table.item(0, 2).text()
    assert "登记回收 1 张" in page.summary.text() and _returned(row)


def test_the_watched_folder_imports_what_the_scanner_saves(qtbot, page, session, sheet, tmp_path):
    row, code = sheet
    folder = tmp_path / "scanner"
    folder.mkdir()
    scan_fakes.blank_page().save(folder / "old.png")  # there before: not imported
    page.watch_folder(folder)
    assert page.watched_folder() == folder
    with qtbot.waitSignal(page.watcher.directoryChanged, timeout=10000):
        scan_fakes.sheet_page(code).save(folder / "new.png")
    page.import_new_in_folder()  # what the settle timer calls once the folder rests
    session.taskman.wait_idle()
    assert [page.table.item(r, 0).text() for r in range(page.table.rowCount())] == [
        "new.png 第1/1页"
    ]
    assert _returned(row)
    # the folder is remembered for the next start
    again = ScanReturnPage(session)
    qtbot.addWidget(again)
    assert again.watched_folder() == folder


def test_scans_dropped_on_the_main_window_go_to_the_scan_page(qtbot, session, qsettings, sheet):
    row, code = sheet
    w = MainWindow(session, settings=qsettings)
    qtbot.addWidget(w)
    scan = session.paths.root / "drop.png"
    scan_fakes.sheet_page(code).save(scan)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(scan))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    w.dropEvent(event)
    session.taskman.wait_idle()
    assert w.current_page_key() == "scans"
    assert _returned(row)
    text = QMimeData()
    text.setUrls([QUrl.fromLocalFile(str(session.paths.root / "notes.txt"))])
    assert (
        w.dropped_scans(
            QDropEvent(
                QPointF(1, 1),
                Qt.DropAction.CopyAction,
                text,
                Qt.MouseButton.LeftButton,
                Qt.KeyboardModifier.NoModifier,
            )
        )
        == []
    )
