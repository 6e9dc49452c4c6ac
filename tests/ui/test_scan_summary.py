"""签字回收 page: the line above the results counts pages as pages. A page of three notices
(or any page with several codes) is one page read, however many sheets it returns."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "forms"))

import scan_fakes
from conftest_forms import CASE_VALUES

from complaints.usecases import printed_forms, printing
from complaints.usecases.cases import create_case
from forms import qr
from ui.scan_page import ScanReturnPage


def printed_a(ctx, session) -> qr.SheetCode:
    case = create_case(ctx, CASE_VALUES)
    printing.print_case_form(
        ctx, case.id, "A", templates_dir=None, printed_dir=session.paths.printed
    )
    [row] = printed_forms.history(case_id=case.id)
    return qr.SheetCode("A", case.number, 1, row["code"])


def test_one_page_with_two_codes_is_one_page_that_returns_two_sheets(qtbot, ctx, session, tmp_path):
    first, second = printed_a(ctx, session), printed_a(ctx, session)
    both, blank = tmp_path / "both.png", tmp_path / "blank.png"
    scan_fakes.sheet_page(first, second).save(both)
    scan_fakes.blank_page().save(blank)
    page = ScanReturnPage(session)
    qtbot.addWidget(page)
    page.import_files([both, blank])
    session.taskman.wait_idle()
    assert page.table.rowCount() == 3  # one row per code, and the blank page
    assert page.summary.text() == "本次 2 页,匹配 1 页,登记回收 2 张签字单,未匹配 1 页。"
