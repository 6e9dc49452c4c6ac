"""厂家跟踪 page: the selected case's 厂家跟踪表 is printed from the page itself, as from the
case's 打印 tab; the button waits for a selected row."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from complaints.usecases import printed_forms
from tests.ui.test_oem import make_page, new_case

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "forms"))
from conftest_forms import plain_text  # the forms tests' helper, beside them


def test_the_page_prints_the_selected_cases_tracking_sheet(qtbot, session, ctx, monkeypatch):
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    case_id = new_case(ctx, channel="厂家转发", cac_number="CAC-77")
    page = make_page(qtbot, session)
    assert not page.print_button.isEnabled()  # nothing selected yet

    page.view.selectRow(0)
    assert page.print_button.isEnabled()
    page.preview_pdf = False  # no LibreOffice needed: the .docx opens, as in Word
    page.print_button.click()
    qtbot.waitUntil(lambda: bool(opened), timeout=20_000)

    text = plain_text(Path(opened[-1].toLocalFile()).read_bytes())
    assert "客户投诉处理跟踪表" in text and "CAC-77" in text
    session.taskman.wait_idle()
    (sheet,) = printed_forms.history(case_id=case_id)
    assert sheet["form"] == "B"  # opened in Word counts as printed: its signed copy is awaited
