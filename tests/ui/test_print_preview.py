"""Print preview (QtPdf), printing through QPrinter, the case's 打印 tab and the
设置 → 表单模板 page, offscreen."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QPageSize, QPainter, QPdfWriter
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QMessageBox

sys.path.insert(0, str(Path(__file__).parents[1] / "forms"))

from conftest_forms import CASE_VALUES, VIN, plain_text

from complaints.usecases.cases import create_case
from forms.templates import default_bytes
from ui.form_templates_page import FormTemplatesPage
from ui.print_preview import PrintedFormsTab, PrintPreviewDialog, print_pdf


def _pdf(path: Path, pages: int = 2) -> Path:
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    painter = QPainter(writer)
    for i in range(pages):
        if i:
            writer.newPage()
        painter.drawText(100, 100, f"第 {i + 1} 页")
    painter.end()
    return path


@pytest.fixture
def opened(monkeypatch):
    urls: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: urls.append(url) or True)
    return urls


def test_preview_shows_the_pdf_and_prints_every_page(qtbot, tmp_path, opened):
    pdf = _pdf(tmp_path / "form.pdf")
    dialog = PrintPreviewDialog(pdf, tmp_path / "form.docx")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.page_count() == 2
    assert dialog.print_button.isEnabled()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert print_pdf(dialog.document, printer) == 2
    assert (tmp_path / "printed.pdf").read_bytes().startswith(b"%PDF")
    assert print_pdf(dialog.document, printer, first=2, last=2) == 1
    dialog.open_button.click()
    assert opened and opened[0].toLocalFile().endswith("form.docx")


def test_preview_of_a_missing_pdf_cannot_print(qtbot, tmp_path):
    dialog = PrintPreviewDialog(tmp_path / "nothing.pdf")
    qtbot.addWidget(dialog)
    assert not dialog.print_button.isEnabled()
    assert "无法打开" in dialog.status.text()


def test_case_tab_prints_form_a_and_marks_it_returned(qtbot, session, ctx, opened):
    case_id = create_case(ctx, CASE_VALUES).id
    tab = PrintedFormsTab(session, case_id)
    qtbot.addWidget(tab)
    assert session.taskman.wait_idle()
    assert tab.table.rowCount() == 0
    tab.want_pdf.setChecked(False)  # no LibreOffice needed: the .docx opens instead
    tab.print_a.click()
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1)
    assert tab.table.item(0, 0).text().startswith("A ")
    assert tab.table.item(0, 4).text() == "未回收"
    docx = Path(opened[-1].toLocalFile())
    assert VIN in plain_text(docx.read_bytes())
    tab.mark_returned_now(tab.rows[0]["id"], None)
    qtbot.waitUntil(lambda: tab.table.item(0, 4).text() != "未回收")
    assert tab.table.item(0, 4).text() == "2026-11-20 09:30"


def test_templates_page_replaces_checks_and_restores(qtbot, session, tmp_path, monkeypatch):
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    page = FormTemplatesPage(session)
    qtbot.addWidget(page)
    assert session.taskman.wait_idle()
    assert page.table.rowCount() == 4
    assert page.table.item(0, 2).text().startswith("默认模板")
    assert "{{ vin }}" in page.placeholders.toPlainText()
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"junk")
    assert page.replace_with("A", broken) is False
    assert warnings and "不是 Word 文档" in warnings[0]
    good = tmp_path / "good.docx"
    good.write_bytes(default_bytes("A"))
    assert page.replace_with("A", good, confirm=False)
    qtbot.waitUntil(lambda: page.table.item(0, 2).text().startswith("本店模板"))
    page.table.selectRow(0)
    page.restore_default()
    qtbot.waitUntil(lambda: page.table.item(0, 2).text().startswith("默认模板"))
    assert list((session.paths.templates / "old").glob("*.docx"))


def test_sanction_notice_and_month_batch_from_the_gui(qtbot, session, ctx, opened):
    from conftest_forms import make_sanction

    from ui.print_preview import print_month_notices, print_sanction_notice

    s = make_sanction(ctx)
    print_sanction_notice(session, s.id, pdf=False)
    assert session.taskman.wait_idle()
    assert "壹佰元整" in plain_text(Path(opened[-1].toLocalFile()).read_bytes())
    print_month_notices(session, "2026-11", pdf=False)
    assert session.taskman.wait_idle()
    assert "罚款通知单" in plain_text(Path(opened[-1].toLocalFile()).read_bytes())


def test_a_sheet_is_recorded_when_printed_not_when_previewed(
    qtbot, session, ctx, tmp_path, monkeypatch
):
    """issue 17 §5: the preview is not a printed sheet. The history row comes when the
    sheet is printed (once), and a preview closed unprinted leaves no file behind."""
    from complaints.usecases import printed_forms, printing
    from ui.print_preview import present

    case_id = create_case(ctx, CASE_VALUES).id

    def previewed():
        r = printing.print_case_form(
            ctx, case_id, "A", templates_dir=None, printed_dir=session.paths.printed, record=False
        )
        pdf = _pdf(r.docx.with_suffix(".pdf"), pages=1)  # as the converter would
        return dataclasses.replace(r, pdf=pdf)

    result = previewed()
    assert result.printed_ids == () and printed_forms.history(case_id=case_id) == []
    dialog = present(result, session=session)
    qtbot.addWidget(dialog)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "out.pdf"))
    assert dialog.print_to(printer) == 1
    assert dialog.print_to(printer) == 1  # a second copy is the same sheet
    assert session.taskman.wait_idle()
    (row,) = printed_forms.history(case_id=case_id)
    assert row["form"] == "A" and row["printed_by"] == ctx.actor
    dialog.close()
    assert result.docx.exists()  # a printed sheet's files stay with its record

    unprinted = previewed()
    dialog = present(unprinted, session=session)
    qtbot.addWidget(dialog)
    dialog.reject()
    assert session.taskman.wait_idle()
    assert len(printed_forms.history(case_id=case_id)) == 1
    assert not unprinted.docx.exists() and not unprinted.pdf.exists()


def test_case_tab_opens_the_signed_sheets_scan(qtbot, session, ctx, opened, tmp_path):
    case_id = create_case(ctx, CASE_VALUES).id
    tab = PrintedFormsTab(session, case_id)
    qtbot.addWidget(tab)
    tab.want_pdf.setChecked(False)
    tab.print_a.click()
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1)
    tab.table.selectRow(0)
    assert not tab.scan_button.isEnabled()  # no scan registered yet
    scan = tmp_path / "signed.pdf"
    scan.write_bytes(b"%PDF-1.4 signed sheet")
    tab.mark_returned_now(tab.rows[0]["id"], scan)
    qtbot.waitUntil(lambda: tab.table.item(0, 5).text() == "有")
    tab.table.selectRow(0)
    assert tab.scan_button.isEnabled()
    before = len(opened)
    tab.scan_button.click()
    qtbot.waitUntil(lambda: len(opened) > before)
    assert Path(opened[-1].toLocalFile()).read_bytes() == b"%PDF-1.4 signed sheet"


def test_templates_page_shows_each_form_file_and_template_in_full(qtbot, session):
    """The form, its file name and the template in use were cut to "A 顾客抱怨/投…" beside
    a wide, nearly empty 问题 column (a 1366x768 window)."""
    page = FormTemplatesPage(session)
    qtbot.addWidget(page)
    page.resize(1060, 600)
    page.show()
    assert session.taskman.wait_idle()
    metrics = page.table.fontMetrics()
    for r in range(page.table.rowCount()):
        for c in range(3):
            text = page.table.item(r, c).text()
            assert page.table.columnWidth(c) >= metrics.horizontalAdvance(text), text
