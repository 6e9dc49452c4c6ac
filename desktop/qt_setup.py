"""The Qt application's own set-up: Qt's dialogs in Simplified Chinese, the program's icon,
the box that says a Chinese font is missing."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QMessageBox

# Labels qtbase_zh_CN leaves in English (Qt 6.8-6.12): the file dialog's "Look in" and
# "Files of type" carry an accelerator (&) its catalogue has only without one.
QT_GAPS = {
    ("QFileDialog", "&Look in:"): "查找范围(&L)：",
    ("QFileDialog", "Files of &type:"): "文件类型(&T)：",
}


class _Gaps(QTranslator):
    def translate(self, context, source, disambiguation=None, n=-1):
        # None (a null string) lets the next translator answer; "" would be taken as the
        # translation and blank every other text of the program
        return QT_GAPS.get((str(context), source))

    def isEmpty(self) -> bool:
        return False


def install_qt_translations(app: QApplication) -> list[QTranslator]:
    """Qt's own dialogs, buttons and messages in Simplified Chinese (qtbase_zh_CN, and
    QT_GAPS for what it lacks). Returns the translators installed."""
    installed: list[QTranslator] = []
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(
        QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase", "_", folder
    ):
        app.installTranslator(translator)
        installed.append(translator)
    gaps = _Gaps(app)
    app.installTranslator(gaps)  # asked first: the last installed is
    installed.append(gaps)
    # the Python override lives as long as the app
    app._qt_translators = installed  # type: ignore[attr-defined]  # an attribute of our own
    return installed


def app_icon() -> QIcon | None:
    beside = Path(__file__).with_name("resources") / "icon.png"
    if beside.is_file():  # QIcon(path) reads the file only when it is drawn
        return QIcon(str(beside))
    try:
        data = (resources.files("desktop.resources") / "icon.png").read_bytes()
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        return None
    pixmap = QPixmap()
    if not pixmap.loadFromData(data):
        return None
    return QIcon(pixmap)


def font_box(message: str) -> None:
    QMessageBox.warning(None, "缺少中文字体 / Missing Chinese font", message)
