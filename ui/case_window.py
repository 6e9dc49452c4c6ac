"""The case window: a top-level window around one CaseEditor, one window per case."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QMainWindow,
    QSizePolicy,
    QWidget,
)

from ui import window_fit
from ui.case_editor import CaseEditor


def tr(text: str) -> str:
    return QCoreApplication.translate("CaseEditor", text)


class CaseWindow(QMainWindow):
    """A top-level window around one CaseEditor; ``open_case_window`` reuses it."""

    def __init__(self, session, case_id: int | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.session = session
        self.editor = CaseEditor(session, case_id, self)
        self.setCentralWidget(self.editor)
        self.editor.title_changed.connect(self._on_title)
        self.editor.close_requested.connect(self._close_now)
        if getattr(session, "new_case_requested", None) is None:  # no main window listening
            self.editor.new_case_requested.connect(lambda: open_case_window(session, None))
        self.editor.saved.connect(self._on_saved)
        self._closing = False
        # the paper form's two columns want 1100x860; a 1366x768 laptop gets what it has,
        # and the form scrolls; each screen keeps the size the clerk chose
        window_fit.initial_size(self, 1100, 860)
        window_fit.remember(self, "case", getattr(session, "ui_settings", None))
        self._on_title(self.editor.title())
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def _on_title(self, title: str) -> None:
        self.setWindowTitle(title + " — " + tr("投诉单"))

    def _on_saved(self, case_id: int) -> None:
        _WINDOWS[case_id] = self

    def _close_now(self) -> None:
        self._closing = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closing or self.editor.confirm_close(self._close_now):
            for key, w in list(_WINDOWS.items()):
                if w is self:
                    del _WINDOWS[key]
            event.accept()
        else:
            event.ignore()


_WINDOWS: dict[int | None, CaseWindow] = {}


def open_case_window(session, case_id: int | None, parent: QWidget | None = None) -> CaseWindow:
    """Show the case's window, reusing one already open for that case."""
    w = _WINDOWS.get(case_id) if case_id is not None else None
    if w is None:
        w = CaseWindow(session, case_id, parent)
        if case_id is not None:
            _WINDOWS[case_id] = w
    w.show()
    w.raise_()
    w.activateWindow()
    return w
