"""An error said on a page itself (a form's error line, a banner, a settings tab's result):
the message in plain Chinese, and the engine's own words (the office server's SQLSTATE and
English text) behind a 详细信息 button, the same on every page and in the start's dialog as in
the default error dialog (ui/taskman.py ``show_error``).

``said(exc)`` says what to show; ``ErrorDetail`` is the 详细信息 part, placed under the message:
hidden while there is no detail, a button that opens and closes the text when there is one
(a dialog that should grow with it connects to ``button.toggled``).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QPlainTextEdit, QToolButton, QVBoxLayout, QWidget

from complaints.usecases.errors import USER_ERRORS, detail_of, for_person


def tr(text: str) -> str:
    return QCoreApplication.translate("ErrorDetail", text)


@dataclass(frozen=True)
class Said:
    message: str  # for the person: a refusal or the server's trouble in Chinese, as is
    detail: str  # the engine's own words, or ""
    program_error: bool  # not a refusal nor the server's state: a bug, for the administrator


def said(exc: BaseException) -> Said:
    """``exc`` as a page shows it: the office server's and the network's errors of every kind
    in plain Chinese with their own words as the detail (db/server_errors.py), a use case's
    refusal as is, anything else flagged as a program error (its repr as the detail)."""
    exc = for_person(exc)
    if isinstance(exc, USER_ERRORS):
        return Said(str(exc), detail_of(exc), False)
    return Said(str(exc) or type(exc).__name__, repr(exc), True)


def warn(parent: QWidget | None, title: str, exc: BaseException) -> None:
    """A page's own warning box for ``exc``: its message, the detail behind the box's
    详细信息 button (QMessageBox's own, as in ui/taskman.py ``show_error``)."""
    told = said(exc)
    if not told.detail:
        QMessageBox.warning(parent, title, told.message)
        return
    box = QMessageBox(
        QMessageBox.Icon.Warning, title, told.message, QMessageBox.StandardButton.Ok, parent
    )
    box.setDetailedText(told.detail)
    box.exec()


class ErrorDetail(QWidget):
    """The 详细信息 part under a message: a button that shows the detail's text, read-only
    (selectable, for copying to the IT person). Hidden while there is no detail."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.button = QToolButton(self)
        self.button.setText(tr("详细信息"))
        self.button.setCheckable(True)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.setArrowType(Qt.ArrowType.RightArrow)
        self.button.setAutoRaise(True)
        self.button.toggled.connect(self._toggled)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setMaximumHeight(90)
        self.text.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.text)
        self.hide()

    def set_detail(self, detail: str) -> None:
        """Show ``detail`` behind the button (closed); "" hides the part."""
        self.button.setChecked(False)
        self.text.setPlainText(detail)
        self.setVisible(bool(detail))

    def detail(self) -> str:
        """The detail shown behind the button ("" while the part is hidden)."""
        return "" if self.isHidden() else self.text.toPlainText()

    def open(self) -> None:
        self.button.setChecked(True)

    def is_open(self) -> bool:
        return not self.isHidden() and not self.text.isHidden()

    def _toggled(self, shown: bool) -> None:
        self.button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.text.setVisible(shown)
