"""统计's report files from the page: ask where, then complaints.usecases.report_files on the
worker with the review on screen and the page's charts as pictures (the Word report)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog

from complaints.usecases import report_files
from complaints.usecases.report_files import SavedReport
from ui import options
from ui.save_elsewhere import retry_elsewhere

if TYPE_CHECKING:
    from ui.stats import StatsPage


def tr(text: str) -> str:
    return QCoreApplication.translate("StatsPage", text)


def save_report(page: StatsPage, kind: str, path: Path | None = None) -> None:
    """The page's report as ``kind`` ("xlsx" or "docx") at ``path``, or where the person
    chooses; page.report_saved(path) once written. A file held open: another name offered."""
    if page.review is None:
        return
    period = page.review.figures.period
    if path is None:
        name = f"投诉分析报告_{period.code.replace('..', '_')}.{kind}"
        folder = options.STATS_REPORT_DIR.read(page.session.ui_settings) or Path.home()
        start = str(Path(folder) / name)
        filt = tr("Excel 工作簿 (*.xlsx)") if kind == "xlsx" else tr("Word 文档 (*.docx)")
        chosen, _ = QFileDialog.getSaveFileName(page, tr("保存报告"), start, filt)
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != f".{kind}":
            path = path.with_name(path.name + f".{kind}")
        options.STATS_REPORT_DIR.write(page.session.ui_settings, str(path.parent))
    ctx, sites, review, target = page.session.ctx(), page.sites(), page.review, path
    charts = page.chart_pngs() if kind == "docx" else {}
    templates = page.session.paths.templates

    def work() -> SavedReport:
        return report_files.save_report(
            ctx, period, sites, target, templates_dir=templates, review=review, charts=charts
        )

    def done(saved: SavedReport) -> None:
        page.status.setText("  ".join([tr("已保存 {0}").format(saved.path), *saved.warnings]))
        page.report_saved.emit(str(saved.path))

    page.session.taskman.run(
        work,
        done,
        label=tr("正在生成报告…"),
        parent=page,
        on_error=retry_elsewhere(page, lambda other: save_report(page, kind, other)),
    )
