"""设置 → 表单模板: each office's own Word templates.

Open the templates folder, start from a copy of the default, replace a form's template
(checked when it is chosen: unknown or missing placeholders listed by name, a broken file
refused), restore the default. Register in ui.settings_page.SETTINGS_TABS as
("表单模板", "ui.form_templates_page:FormTemplatesPage").
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from complaints.usecases import form_placeholders
from complaints.usecases.changes import OpChanges
from ui.tables import read_only


def tr(text: str) -> str:
    return QCoreApplication.translate("FormTemplatesPage", text)


class FormTemplatesPage(QWidget):
    COLUMNS = ("表单", "文件名", "当前使用", "问题")

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.status: list[dict] = []
        intro = QLabel(
            tr(
                "本店可以在 Word 或 WPS 中修改表单模板(改字、加标志、移动方框),"
                "占位符写作 {{ 名称 }},可移动但不要改名。同名文件放在模板文件夹中即替换默认模板。"
            ),
            self,
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.setHorizontalHeaderLabels([tr(c) for c in self.COLUMNS])
        read_only(self.table, single=True, row_numbers=True)
        # the form, its file and the template in use read in full; the problems take the rest
        header = self.table.horizontalHeader()
        for c in range(len(self.COLUMNS) - 1):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.currentCellChanged.connect(lambda *_: self._show_placeholders())
        self.placeholders = QPlainTextEdit(self)
        self.placeholders.setReadOnly(True)
        self.open_folder_button = QPushButton(tr("打开模板文件夹"), self)
        self.open_folder_button.clicked.connect(self.open_folder)
        self.copy_button = QPushButton(tr("复制默认模板到文件夹"), self)
        self.copy_button.clicked.connect(self.copy_default)
        self.replace_button = QPushButton(tr("替换模板…"), self)
        self.replace_button.clicked.connect(self.choose_replacement)
        self.restore_button = QPushButton(tr("恢复默认模板"), self)
        self.restore_button.clicked.connect(self.restore_default)
        self.refresh_button = QPushButton(tr("重新检查"), self)
        self.refresh_button.clicked.connect(self.reload)
        buttons = QHBoxLayout()
        for b in (
            self.open_folder_button,
            self.copy_button,
            self.replace_button,
            self.restore_button,
            self.refresh_button,
        ):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 2)
        layout.addLayout(buttons)
        layout.addWidget(QLabel(tr("可用的占位符"), self))
        layout.addWidget(self.placeholders, 1)
        session.changed.connect(self._on_changed)
        self.reload()

    @property
    def folder(self) -> Path:
        return self.session.paths.templates

    def _on_changed(self, changes: OpChanges) -> None:
        if "forms" in changes:
            self.reload()

    def reload(self) -> None:
        from complaints.usecases import form_templates  # docx templates (docxtpl, lxml): on demand

        folder = self.folder
        self.session.taskman.run(
            lambda: form_templates.template_status(folder), self._show, parent=self
        )

    def _show(self, status: list[dict]) -> None:
        current = max(0, self.table.currentRow())
        self.status = status
        self.table.setRowCount(len(status))
        for r, s in enumerate(status):
            used = tr("默认模板") if s["source"] == "default" else tr("本店模板")
            values = (
                f"{s['form']} {s['title']}",
                s["file_name"],
                f"{used}({s['version']})",
                ";".join(s["problems"]) or tr("无"),
            )
            for c, v in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(v))
        if status:
            self.table.selectRow(min(current, len(status) - 1))
        self._show_placeholders()

    def selected_form(self) -> str | None:
        r = self.table.currentRow()
        return self.status[r]["form"] if 0 <= r < len(self.status) else None

    def _show_placeholders(self) -> None:
        form = self.selected_form()
        if form is None:
            self.placeholders.clear()
            return
        self.placeholders.setPlainText(
            "\n".join(
                f"{{{{ {name} }}}}\t{meaning}"
                for name, meaning in form_placeholders.placeholders_of(form).items()
            )
        )

    # --- actions -----------------------------------------------------------------------

    def open_folder(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder)))

    def copy_default(self) -> None:
        form = self.selected_form()
        if form is None:
            return
        from complaints.usecases import form_templates  # docx templates (docxtpl, lxml): on demand

        ctx, folder = self.session.ctx(), self.folder

        def done(path: Path) -> None:
            QMessageBox.information(
                self,
                tr("表单模板"),
                tr("已复制到:") + f"\n{path}\n" + tr("在 Word/WPS 中修改后保存即可。"),
            )

        self.session.taskman.run(
            lambda: form_templates.copy_default_template(ctx, form, folder), done, parent=self
        )

    def choose_replacement(self) -> None:
        form = self.selected_form()
        if form is None:
            return
        path, _ = QFileDialog.getOpenFileName(
            self, tr("选择 Word 模板"), "", tr("Word 文档 (*.docx)")
        )
        if path:
            self.replace_with(form, Path(path))

    def replace_with(self, form: str, path: Path, *, confirm: bool = True) -> bool:
        """Check first; a broken file is refused, warnings are shown and confirmed."""
        from complaints.usecases import form_templates  # docx templates (docxtpl, lxml): on demand

        error, problems = form_templates.check_office_template(path, form)
        if error:
            QMessageBox.warning(
                self, tr("模板无法使用"), tr("此文件不能作为模板,默认模板继续使用:") + f"\n{error}"
            )
            return False
        if problems and confirm:
            answer = QMessageBox.question(
                self, tr("模板检查"), "\n".join(problems) + "\n\n" + tr("仍要使用这个模板吗?")
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        ctx, folder = self.session.ctx(), self.folder
        self.session.taskman.run(
            lambda: form_templates.install_office_template(ctx, form, path, folder),
            parent=self,
        )
        return True

    def restore_default(self) -> None:
        form = self.selected_form()
        if form is None:
            return
        from complaints.usecases import form_templates  # docx templates (docxtpl, lxml): on demand

        ctx, folder = self.session.ctx(), self.folder
        self.session.taskman.run(
            lambda: form_templates.restore_default_template(ctx, form, folder),
            parent=self,
        )
