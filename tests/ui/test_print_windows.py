"""Printing on a branch PC without LibreOffice: Word (through COM, faked here) makes the
PDF, the preview shows it and QPrinter prints it; with neither LibreOffice nor Word/WPS the
clerk is told so and the .docx opens. On Windows itself (the release workflow's runner) the
printer list holds "Microsoft Print to PDF" and a form prints through it."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QPageSize, QPainter, QPdfWriter
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
from PySide6.QtWidgets import QMessageBox

from complaints.usecases import printing
from complaints.usecases.cases import create_case
from forms import pdf
from ui.print_preview import PrintPreviewDialog, present, print_pdf

sys.path.insert(0, str(Path(__file__).parents[1] / "forms"))
from conftest_forms import CASE_VALUES


class FakeWord:
    """Word's Application object as forms.pdf.OfficeConverter uses it; the export writes a
    real one-page PDF (QPdfWriter) naming the document it came from."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.Documents = self

    def Open(self, path: str, **kwargs):
        self.calls.append("Open")
        self.path = path
        return self

    def ExportAsFixedFormat(self, out: str, fmt: int) -> None:
        self.calls.append(f"Export {fmt}")
        writer = QPdfWriter(out)
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        painter = QPainter(writer)
        painter.drawText(100, 100, Path(self.path).name)
        painter.end()

    def Close(self, save: int) -> None:
        self.calls.append("Close")

    def Quit(self) -> None:
        self.calls.append("Quit")


@pytest.fixture
def no_libreoffice(monkeypatch):
    monkeypatch.setattr(pdf, "find_soffice", lambda: None)


@pytest.fixture
def opened(monkeypatch):
    urls: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: urls.append(url) or True)
    return urls


def use_office(monkeypatch, installed: dict) -> None:
    def dispatch(progid):
        if progid not in installed:
            raise OSError("not registered")
        return installed[progid]

    office = pdf.OfficeConverter(dispatch)
    monkeypatch.setattr(pdf, "to_pdf", functools.partial(pdf.to_pdf, office=office))


def test_word_makes_the_pdf_the_preview_shows_and_qprinter_prints(
    qtbot, session, ctx, tmp_path, no_libreoffice, monkeypatch
):
    word = FakeWord()
    use_office(monkeypatch, {"Word.Application": word})
    case_id = create_case(ctx, CASE_VALUES).id
    result = printing.print_case_form(
        ctx, case_id, "A", templates_dir=None, printed_dir=tmp_path / "printed", pdf=True
    )
    assert result.pdf is not None and result.warnings == ()
    assert word.calls == ["Open", "Export 17", "Close", "Quit"]
    dialog = present(result)
    assert isinstance(dialog, PrintPreviewDialog)
    qtbot.addWidget(dialog)
    assert dialog.page_count() == 1 and dialog.print_button.isEnabled()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed-out.pdf"))
    assert print_pdf(dialog.document, printer) == 1
    assert (tmp_path / "printed-out.pdf").read_bytes().startswith(b"%PDF")


def test_neither_libreoffice_nor_word_opens_the_docx_and_says_why(
    qtbot, session, ctx, tmp_path, no_libreoffice, monkeypatch, opened
):
    use_office(monkeypatch, {})
    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "information", lambda parent, title, text, *a: shown.append(text)
    )
    case_id = create_case(ctx, CASE_VALUES).id
    result = printing.print_case_form(
        ctx, case_id, "A", templates_dir=None, printed_dir=tmp_path / "printed", pdf=True
    )
    assert result.pdf is None
    assert present(result) is None
    assert shown and "LibreOffice" in shown[0] and "Word/WPS" in shown[0]
    assert Path(opened[-1].toLocalFile()) == result.docx


@pytest.mark.skipif(
    sys.platform != "win32",
    reason="the Windows printer list exists only on "
    "Windows (runs in .github/workflows/windows.yml)",
)
def test_windows_printer_list_and_print_to_pdf_printer(qtbot, tmp_path):  # pragma: no cover
    names = QPrinterInfo.availablePrinterNames()
    assert "Microsoft Print to PDF" in names, names
    from PySide6.QtPdf import QPdfDocument

    source = tmp_path / "form.pdf"
    writer = QPdfWriter(str(source))
    painter = QPainter(writer)
    painter.drawText(100, 100, "处理表")
    painter.end()
    doc = QPdfDocument()
    doc.load(str(source))
    printer = QPrinter(
        QPrinterInfo.printerInfo("Microsoft Print to PDF"), QPrinter.PrinterMode.HighResolution
    )
    printer.setOutputFileName(str(tmp_path / "spooled.pdf"))  # the spooler writes the file
    assert print_pdf(doc, printer) == 1
