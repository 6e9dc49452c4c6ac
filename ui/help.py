"""Help where people look: F1 opens a short Chinese page about the page (or
window) in front, 帮助 → 使用手册 the one-page guide to a clerk's day. The pages are HTML
shipped with the program (ui/resources/help), read offline; the manual's screenshots are
made from demo data by ``python -m desktop.help_screenshots``."""

from __future__ import annotations

from pathlib import Path
from weakref import WeakKeyDictionary

from PySide6.QtCore import QCoreApplication, QUrl
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from ui import window_fit

HELP_DIR = Path(__file__).with_name("resources") / "help"
MANUAL = "manual"


def tr(text: str) -> str:
    return QCoreApplication.translate("Help", text)


def page_path(key: str) -> Path:
    """The help page of ``key`` (a navigation page, "case" or "manual"); the manual when
    the page has none of its own."""
    path = HELP_DIR / f"{key}.html"
    return path if path.is_file() else HELP_DIR / f"{MANUAL}.html"


class HelpWindow(QDialog):
    """A help page in a window of its own (non-modal: the page it explains stays usable)."""

    def __init__(self, key: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.key = key
        self.setWindowTitle(tr("使用手册") if key == MANUAL else tr("帮助"))
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(False)
        self.browser.setSearchPaths([str(HELP_DIR)])
        self.browser.setSource(QUrl.fromLocalFile(str(page_path(key))))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("关闭"))
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        window_fit.initial_size(self, 760 if key == MANUAL else 560, 820 if key == MANUAL else 460)
        window_fit.remember(self, f"help_{'manual' if key == MANUAL else 'page'}")

    def text(self) -> str:
        return self.browser.toPlainText()


# The help windows open for each window, by key (forgotten with the window).
_OPEN: WeakKeyDictionary[QWidget, dict[str, HelpWindow]] = WeakKeyDictionary()


def open_help(window: QWidget, key: str) -> HelpWindow | None:
    """The help window for ``key`` that ``window`` opened, if any."""
    return _OPEN.get(window, {}).get(key)


def show_help(parent: QWidget | None, key: str) -> HelpWindow:
    """Open (or bring forward) the help window for ``key``."""
    owner = parent.window() if parent is not None else None
    existing = _OPEN.get(owner, {}).get(key) if owner is not None else None
    if existing is not None:
        try:
            existing.show()
            existing.raise_()
            return existing
        except RuntimeError:  # closed and deleted
            pass
    w = HelpWindow(key, owner)
    if owner is not None:
        _OPEN[owner] = {**_OPEN.get(owner, {}), key: w}
    w.show()
    return w
