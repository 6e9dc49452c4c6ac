"""设置 → 制度参数 → 导出总部制度文件… (headquarters): binding or not and why, the start,
the office's own form templates or not; then the file, written by
``complaints.usecases.rulebook.export`` as ``policy export`` does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from complaints.usecases import rulebook
from complaints.usecases.context import Context
from ui.date_edits import date_edit, day_of
from ui.error_detail import Said, said
from ui.file_dialogs import ask_save, suggested_name


def tr(text: str) -> str:
    return QCoreApplication.translate("RulebookExport", text)


class RulebookExportDialog(QDialog):
    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(tr("导出总部制度文件"))
        lay = QVBoxLayout(self)
        about = QLabel(
            tr(
                "把本站的制度参数(最新版本)、导入或修改过的工作日历年份,以及(可选)本站的"
                "表单模板导出为一个文件,发给各分店导入。"
            )
        )
        about.setWordWrap(True)
        lay.addWidget(about)
        form = QFormLayout()
        self.binding = QCheckBox(tr("约束性:分店导入后不能修改制度参数"))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(tr("原因(分店可见),如 集团统一服务标准"))
        self.reason.setEnabled(False)
        self.binding.toggled.connect(self.reason.setEnabled)
        self.has_start = QCheckBox(tr("指定生效日期(自该日 0 点起登记的投诉单)"))
        tomorrow = ctx.local(ctx.now()).date() + timedelta(days=1)
        self.start = date_edit(QDate(tomorrow.year, tomorrow.month, tomorrow.day))
        self.start.setEnabled(False)
        self.has_start.toggled.connect(self.start.setEnabled)
        self.templates = QCheckBox(tr("同时导出本站的表单模板"))
        form.addRow(self.binding)
        form.addRow(tr("原因"), self.reason)
        form.addRow(self.has_start)
        form.addRow(tr("生效日期"), self.start)
        form.addRow(self.templates)
        lay.addLayout(form)
        hint = QLabel(tr("不指定生效日期时:最新版本尚未生效则按其生效时间,否则自分店导入时起。"))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        lay.addWidget(hint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = buttons.addButton(tr("导出…"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def effective_from(self) -> datetime | None:
        if not self.has_start.isChecked():
            return None
        d = day_of(self.start)
        return datetime(d.year, d.month, d.day, tzinfo=self.ctx.tz)


def start_export(
    parent: QWidget, session, done: Callable[[str], None], failed: Callable[[Said], None]
) -> None:
    """The dialog, the file name, then the export on the worker. A failure reaches
    ``failed`` as ui/error_detail.py says it."""
    ctx = session.ctx()
    dialog = RulebookExportDialog(ctx, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return
    name = suggested_name(ctx.site, "总部制度", ctx.local(ctx.now()), rulebook.SUFFIX)
    out = ask_save(parent, "rulebook", tr("导出总部制度文件"), name, tr("总部制度文件 (*.zip)"))
    if out is None:
        return
    binding, reason = dialog.binding.isChecked(), dialog.reason.text()
    start, with_templates = dialog.effective_from(), dialog.templates.isChecked()
    templates = session.paths.templates

    def run() -> Path:
        return rulebook.export(
            ctx,
            out,
            templates,
            binding=binding,
            reason=reason,
            effective_from=start,
            with_templates=with_templates,
        )

    session.taskman.run(
        run,
        lambda path: done(tr("已导出总部制度文件 {f}").format(f=path)),
        on_error=lambda e: failed(said(e)),
        parent=parent,
    )
