"""帮助 → 关于: what this program is, which version, where its data is, and the licences of
the components it ships with (Qt's LGPL notice among them), as an IT person checking twenty
PCs expects to find them."""

from __future__ import annotations

import platform
import sys
from importlib import resources
from pathlib import Path

import PySide6
from PySide6.QtCore import QCoreApplication, Qt, qVersion
from PySide6.QtGui import QGuiApplication, QIcon, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop import APP_NAME, APP_TITLE, __version__


def tr(text: str) -> str:
    return QCoreApplication.translate("AboutDialog", text)


def read_licences() -> str:
    """desktop/resources/LICENSES.md, read as a package resource (works in a bundle)."""
    try:
        return (resources.files("desktop.resources") / "LICENSES.md").read_text("utf-8")
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        return tr("(未找到第三方组件许可文件 LICENSES.md)")


def _icon_pixmap(size: int) -> QPixmap | None:
    try:
        data = (resources.files("desktop.resources") / "icon.png").read_bytes()
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        return None
    pixmap = QPixmap()
    if not pixmap.loadFromData(data):
        return None
    return pixmap.scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


def _data_folder(session_or_paths) -> Path | None:
    """A Session (``.paths``), a DataPaths (``.root``) or a plain path."""
    if session_or_paths is None:
        return None
    paths = getattr(session_or_paths, "paths", session_or_paths)
    root = getattr(paths, "root", paths)
    return Path(root)


class AboutDialog(QDialog):
    def __init__(self, session_or_paths=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("关于客诉管理台"))
        self.folder = _data_folder(session_or_paths)

        header = QHBoxLayout()
        pixmap = _icon_pixmap(64)
        if pixmap is not None:
            icon = QLabel(self)
            icon.setPixmap(pixmap)
            icon.setAlignment(Qt.AlignmentFlag.AlignTop)
            header.addWidget(icon)
            self.setWindowIcon(QIcon(pixmap))
        self.title_label = QLabel(
            f"<h2>{tr(APP_TITLE)} {APP_NAME}</h2>"
            f"<p>{tr('版本')} {__version__}</p>"
            f"<p>{tr('汽车经销商分支机构的客户投诉管理:登记、时限、表单打印、奖惩、统计与台账交换。')}"
            f"<br>{tr('完全离线运行,数据保存在本机的数据文件夹中。')}</p>",
            self,
        )
        self.title_label.setWordWrap(True)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        header.addWidget(self.title_label, 1)

        form = QFormLayout()
        self.version_label = QLabel(self._versions_text(), self)
        self.version_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(tr("运行环境:"), self.version_label)
        self.folder_edit = QLineEdit(str(self.folder) if self.folder else tr("(未知)"), self)
        self.folder_edit.setReadOnly(True)
        self.folder_edit.setCursorPosition(0)
        self.copy_button = QPushButton(tr("复制"), self)
        self.copy_button.setToolTip(tr("复制数据文件夹路径"))
        self.copy_button.clicked.connect(self.copy_folder)
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(self.copy_button)
        form.addRow(tr("数据文件夹:"), row)

        self.licences = QTextBrowser(self)
        self.licences.setOpenExternalLinks(False)  # no network: links are shown, not opened
        self.licences.setOpenLinks(False)
        self.licences.setMarkdown(read_licences())
        self.licences.setMinimumSize(640, 280)

        buttons = QDialogButtonBox(self)
        self.close_button = buttons.addButton(tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        self.about_qt_button = buttons.addButton(
            tr("关于 Qt…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.about_qt_button.clicked.connect(lambda: QMessageBox.aboutQt(self, tr("关于 Qt")))

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(form)
        layout.addWidget(QLabel(tr("第三方组件许可:"), self))
        layout.addWidget(self.licences, 1)
        layout.addWidget(buttons)
        self.resize(860, 640)

    @staticmethod
    def _versions_text() -> str:
        return (
            f"Qt {qVersion()} · PySide6 {PySide6.__version__} · "
            f"Python {platform.python_version()} ({sys.platform}, {platform.machine()})"
        )

    def copy_folder(self) -> None:
        QGuiApplication.clipboard().setText(self.folder_edit.text())


def show_about(parent: QWidget | None, session_or_paths=None) -> AboutDialog:
    """Open the About dialog (window-modal, deleted when closed) and return it."""
    dialog = AboutDialog(session_or_paths, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
