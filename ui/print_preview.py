"""Print preview and printing of a filled form, without leaving the app.

When a PDF could be made (LibreOffice, or Word/WPS on Windows), ``PrintPreviewDialog``
shows it with QtPdf and prints it through QPrinter; otherwise the .docx opens in the
default program. ``PrintedFormsTab`` is the case window's tab: print form A / B, see what
went out, open it again, and mark when the signed sheet came back (with its scan).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QRect, QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from complaints.usecases.changes import OpChanges
from complaints.usecases.errors import UseCaseError
from ui import window_fit
from ui.case_tab import CaseTab
from ui.error_detail import warn
from ui.tables import read_only

MAX_PRINT_DPI = 300  # pages are rendered to images; more only costs memory


def tr(text: str) -> str:
    return QCoreApplication.translate("PrintPreview", text)


def print_pdf(
    document: QPdfDocument, printer: QPrinter, *, first: int = 1, last: int | None = None
) -> int:
    """Render pages ``first``..``last`` (1-based) of ``document`` onto ``printer``, each
    scaled to the printable area keeping its proportions. Returns the pages printed."""
    count = document.pageCount()
    last = count if last is None or last < 1 else min(last, count)
    first = max(1, first)
    if count == 0 or first > last:
        return 0
    painter = QPainter()
    if not painter.begin(printer):
        raise UseCaseError(tr("无法开始打印(打印机不可用)"))
    dpi = min(printer.resolution(), MAX_PRINT_DPI)
    printed = 0
    try:
        for index in range(first - 1, last):
            if printed:
                printer.newPage()
            size_pt = document.pagePointSize(index)
            image = document.render(
                index, QSize(round(size_pt.width() * dpi / 72), round(size_pt.height() * dpi / 72))
            )
            area = painter.viewport()
            scaled = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            x = area.x() + (area.width() - scaled.width()) // 2
            y = area.y() + (area.height() - scaled.height()) // 2
            # the paint engine scales: no printer-resolution copy of the page in memory
            painter.drawImage(QRect(x, y, scaled.width(), scaled.height()), image)
            printed += 1
    finally:
        painter.end()
    return printed


class PrintPreviewDialog(QDialog):
    """A filled form's PDF on screen, with 打印… and 打开 Word 文档."""

    def __init__(
        self,
        pdf_path: Path | str,
        docx_path: Path | str | None = None,
        parent: QWidget | None = None,
        *,
        title: str = "",
        on_printed: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        # called once, when the sheet leaves the program (printed, or opened in Word to be
        # printed or saved there): the printed-sheet record is made then, not on preview
        self.on_printed = on_printed
        self.printed = False
        self.setWindowTitle(title or tr("打印预览"))
        # an A4 page's height if the screen has it; the buttons stay on screen
        window_fit.initial_size(self, 820, 960)
        window_fit.remember(self, "print_preview")
        self.pdf_path = Path(pdf_path)
        self.docx_path = Path(docx_path) if docx_path else None
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.document)
        self.status = QLabel(self)
        self.print_button = QPushButton(tr("打印…"), self)
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self.print_document)
        self.open_button = QPushButton(tr("打开 Word 文档"), self)
        self.open_button.setEnabled(self.docx_path is not None)
        self.open_button.clicked.connect(self.open_docx)
        close = QPushButton(tr("关闭"), self)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.print_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        error = self.document.load(str(self.pdf_path))
        if error != QPdfDocument.Error.None_:
            self.status.setText(tr("无法打开 PDF:") + str(self.pdf_path))
            self.print_button.setEnabled(False)
        else:
            self.status.setText(tr("共 %n 页").replace("%n", str(self.document.pageCount())))

    def page_count(self) -> int:
        return self.document.pageCount()

    def print_document(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.pdf_path.stem)
        dialog = QPrintDialog(printer, self)
        dialog.setMinMax(1, max(1, self.document.pageCount()))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.print_to(printer)

    def print_to(self, printer: QPrinter) -> int:
        """Print on ``printer`` (its page range), then mark the sheet printed."""
        try:
            pages = print_pdf(
                self.document, printer, first=printer.fromPage() or 1, last=printer.toPage() or None
            )
        except UseCaseError as e:
            warn(self, tr("打印"), e)
            return 0
        self._mark_printed()
        return pages

    def open_docx(self) -> None:
        if self.docx_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.docx_path)))
            self._mark_printed()

    def _mark_printed(self) -> None:
        if not self.printed:
            self.printed = True
            if self.on_printed is not None:
                self.on_printed()


def present(
    result, parent: QWidget | None = None, *, title: str = "", session=None
) -> QDialog | None:
    """Show a printing.PrintResult: the preview when there is a PDF, else open the .docx.
    Warnings (a template problem, no PDF converter) are shown first. A result still pending
    (printing.print_*(record=False)) is recorded through ``session`` when it is printed or
    opened in Word; a preview closed without either removes its files."""
    from complaints.usecases import printing  # docx filling (docxtpl, lxml): on demand

    if result.warnings:
        QMessageBox.information(parent, tr("打印"), "\n".join(result.warnings))

    def record() -> None:
        if result.pending is None or session is None:
            return
        ctx = session.ctx()
        session.taskman.run(
            lambda: printing.record_printed(ctx, result),
            label=tr("正在记录已打印的表单…"),
            parent=parent,
        )

    if result.pdf is not None:
        dialog = PrintPreviewDialog(result.pdf, result.docx, parent, title=title, on_printed=record)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(
            lambda _code: None if dialog.printed else printing.discard_unprinted(result)
        )
        dialog.show()
        return dialog
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(result.docx)))
    record()  # opened in Word: it is printed or saved there
    return None


class PrintedFormsTab(CaseTab):
    """The case window's 打印 tab (register in ui.case_editor.CASE_TABS)."""

    COLUMNS = ("表单", "打印时间", "打印人", "模板", "签字回收", "扫描件")

    def __init__(self, session, case_id: int | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.case_id = case_id
        self.rows: list[dict] = []
        self.last_dialog: QDialog | None = None
        self.print_a = QPushButton(tr("打印处理表(内部)"), self)
        self.print_a.clicked.connect(lambda: self.print_form("A"))
        self.print_b = QPushButton(tr("打印厂家跟踪表"), self)
        self.print_b.clicked.connect(lambda: self.print_form("B"))
        self.want_pdf = QCheckBox(tr("预览(PDF)"), self)
        self.want_pdf.setChecked(True)
        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.setHorizontalHeaderLabels([tr(c) for c in self.COLUMNS])
        read_only(self.table, single=True, row_numbers=True)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        self.open_button = QPushButton(tr("打开"), self)
        self.open_button.clicked.connect(self.open_selected)
        self.returned_button = QPushButton(tr("标记签字已回收…"), self)
        self.returned_button.clicked.connect(self.mark_returned)
        self.scan_button = QPushButton(tr("打开扫描件"), self)
        self.scan_button.setToolTip(
            tr("打开这张签字单登记的扫描件(办公室服务器上另一台电脑登记的也能打开)")
        )
        self.scan_button.clicked.connect(self.open_scan)
        self.scan_button.setEnabled(False)
        self.table.itemSelectionChanged.connect(self._scan_enabled)
        top = QHBoxLayout()
        top.addWidget(self.print_a)
        top.addWidget(self.print_b)
        top.addWidget(self.want_pdf)
        top.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.open_button)
        bottom.addWidget(self.scan_button)
        bottom.addWidget(self.returned_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(QLabel(tr("打印记录"), self))
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        session.changed.connect(self._on_changed)
        self.reload()

    # --- data --------------------------------------------------------------------------

    def _on_changed(self, changes: OpChanges) -> None:
        if changes.touches(("forms", "sanctions")):
            self.reload()

    def reload(self) -> None:
        enabled = self.case_id is not None
        for w in (self.print_a, self.print_b, self.open_button, self.returned_button):
            w.setEnabled(enabled)
        if self.case_id is None:
            self._show([])
            return
        from complaints.usecases import printed_forms  # its templates load docxtpl: on demand

        case_id = self.case_id
        self.session.taskman.run(
            lambda: printed_forms.history(case_id=case_id), self._show, parent=self
        )

    def _show(self, rows: list[dict]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        tz = self.session.ctx().tz
        for r, row in enumerate(rows):
            returned = row["signed_returned_at"]
            values = (
                f"{row['form']} {row['title']}",
                _fmt(row["printed_at"], tz),
                row["printed_by"],
                ("默认" if row["template_source"] == "default" else "本店")
                + f" {row['template_sha256'][:8]}",
                _fmt(returned, tz) if returned else tr("未回收"),
                tr("有") if row["scan_path"] else "",
            )
            for c, v in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(v))
        self._scan_enabled()

    def _scan_enabled(self) -> None:
        row = self.selected()
        self.scan_button.setEnabled(bool(row and row["scan_path"]))

    def selected(self) -> dict | None:
        r = self.table.currentRow()
        return self.rows[r] if 0 <= r < len(self.rows) else None

    # --- actions -----------------------------------------------------------------------

    def print_form(self, form: str) -> None:
        from complaints.usecases import printing  # docx filling (docxtpl, lxml): on demand

        ctx, paths, case_id = self.session.ctx(), self.session.paths, self.case_id
        if case_id is None:  # the tab is enabled for a saved case only
            return
        want_pdf = self.want_pdf.isChecked()

        def work():
            return printing.print_case_form(
                ctx,
                case_id,
                form,
                templates_dir=paths.templates,
                printed_dir=paths.printed,
                pdf=want_pdf,
                record=False,
            )

        def done(result) -> None:
            self.last_dialog = present(result, self, session=self.session)

        self.session.taskman.run(work, done, label=tr("正在生成表单…"), parent=self)

    def open_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        base = self.session.paths.printed
        path = base / (row["pdf_path"] or row["file_path"])
        if row["pdf_path"] and path.exists():
            self.last_dialog = PrintPreviewDialog(path, base / row["file_path"], self)
            self.last_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.last_dialog.show()
        else:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(base / row["file_path"])))

    def open_scan(self) -> None:
        """The selected sheet's scan, opened with this PC's viewer: the file beside the printed
        one, or the content the database keeps (another seat's scan on the office server)
        written there first."""
        row = self.selected()
        if row is None or not row["scan_path"]:
            return
        from complaints.usecases import printed_forms  # its templates load docxtpl: on demand

        printed_id, printed_dir = row["id"], self.session.paths.printed
        self.session.taskman.run(
            lambda: printed_forms.scan_file(printed_id, printed_dir),
            lambda path: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))),
            label=tr("正在取扫描件…"),
            parent=self,
        )

    def mark_returned(self) -> None:
        row = self.selected()
        if row is None:
            QMessageBox.information(self, tr("签字回收"), tr("请先在打印记录中选择一行"))
            return
        scan, _ = QFileDialog.getOpenFileName(
            self,
            tr("选择签字后的扫描件(可取消,不附扫描件)"),
            "",
            tr("扫描件 (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;所有文件 (*)"),
        )
        self.mark_returned_now(row["id"], Path(scan) if scan else None)

    def mark_returned_now(self, printed_id: int, scan: Path | None) -> None:
        from complaints.usecases import printed_forms  # its templates load docxtpl: on demand

        ctx, paths = self.session.ctx(), self.session.paths
        when = ctx.now()
        self.session.taskman.run(
            lambda: printed_forms.mark_signed_returned(
                ctx, printed_id, when, scan, printed_dir=paths.printed
            ),
            parent=self,
        )


def _fmt(value: datetime | None, tz) -> str:
    if value is None:
        return ""
    return f"{value.astimezone(tz):%Y-%m-%d %H:%M}"


def print_sanction_notice(
    session, sanction_id: int, parent: QWidget | None = None, *, pdf: bool = True
) -> None:
    """For the sanctions page: notice C/D of one approved sanction, then the preview."""
    from complaints.usecases import printing  # docx filling (docxtpl, lxml): on demand

    ctx, paths = session.ctx(), session.paths

    def done(result) -> None:
        present(result, parent, session=session)

    session.taskman.run(
        lambda: printing.print_sanction_notice(
            ctx,
            sanction_id,
            templates_dir=paths.templates,
            printed_dir=paths.printed,
            pdf=pdf,
            record=False,
        ),
        done,
        label=tr("正在生成通知单…"),
        parent=parent,
    )


def print_month_notices(
    session, month: str, parent: QWidget | None = None, *, per_page: int = 3, pdf: bool = True
) -> None:
    """For the sanctions page: every approved notice of ``month`` (YYYY-MM) in one file."""
    from complaints.usecases import printing  # docx filling (docxtpl, lxml): on demand

    ctx, paths = session.ctx(), session.paths

    def done(result) -> None:
        present(result, parent, title=tr("奖惩通知单") + f" {month}", session=session)

    session.taskman.run(
        lambda: printing.print_month_notices(
            ctx,
            month,
            templates_dir=paths.templates,
            printed_dir=paths.printed,
            per_page=per_page,
            pdf=pdf,
            record=False,
        ),
        done,
        label=tr("正在生成通知单…"),
        parent=parent,
    )
