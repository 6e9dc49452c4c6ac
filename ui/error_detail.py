"""An error said to a person, the same on every page: the message in plain Chinese they can
act on, and the technical words (the office server's SQLSTATE and English text, a program
error's traceback) behind a 详细信息 button, never in the message itself. Every page, dialog
and box that turns an exception into words goes through here (tests/ui/test_error_lines.py
checks that none formats one by hand).

``said(exc)`` says what to show: a use case's refusal and the storage's trouble as they are,
the office server's and the network's errors in Chinese, anything else a program error with
one plain Chinese line (logged for the administrator). ``say`` puts it on a page's error line
and its ``ErrorDetail``; ``warn`` and ``tell`` in a message box (QMessageBox's own 详细信息).
``ErrorDetail`` is the 详细信息 part, placed under the message: hidden while there is no detail,
a button that opens and closes the text when there is one (a dialog that should grow with it
connects to ``button.toggled``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from complaints.usecases.errors import USER_ERRORS, detail_of, for_person

log = logging.getLogger(__name__)

# A program error (a bug, not a refusal the person can act on), in one line for every page.
PROGRAM_ERROR = "程序出错,操作未能完成。请把“详细信息”中的内容告知管理员。"


def tr(text: str) -> str:
    return QCoreApplication.translate("ErrorDetail", text)


@dataclass(frozen=True)
class Said:
    message: str  # for the person: a refusal or the server's trouble in Chinese, as is
    detail: str  # the engine's own words, or ""
    program_error: bool  # not a refusal nor the server's state: a bug, for the administrator


def said(exc: BaseException, *, expected: str = "") -> Said:
    """``exc`` as a page shows it: the office server's and the network's errors of every kind
    in plain Chinese with their own words as the detail (db/server_errors.py), a use case's
    refusal as is, anything else a program error: PROGRAM_ERROR, its traceback (or repr) as
    the detail. Both are logged with the detail. ``expected``: the page's own words for an
    error it foresees (a file it could not write), the exception's as the detail."""
    if expected:
        return Said(expected, technical_words(exc), False)
    exc = for_person(exc)
    if isinstance(exc, USER_ERRORS):
        if detail_of(exc):
            log.warning("refused: %s (%s)", exc, detail_of(exc))
        return Said(str(exc), detail_of(exc), False)
    detail = technical_words(exc)
    log.error("program error shown to the person: %s", detail)
    return Said(tr(PROGRAM_ERROR), detail, True)


def technical_words(exc: BaseException) -> str:
    """What the administrator needs of ``exc``: the traceback the worker kept
    (ui/taskman.py), else its repr (an OS error's own text included)."""
    return getattr(exc, "__traceback_text__", "") or repr(exc)


def say(exc: BaseException, line: QLabel, detail: ErrorDetail, lead: str = "") -> Said:
    """Say ``exc`` on a page's error ``line`` (after ``lead``, e.g. 无法保存:) with its
    technical words behind ``detail``'s 详细信息."""
    told = said(exc)
    line.setText(lead + told.message)
    detail.set_detail(told.detail)
    return told


def warn(parent: QWidget | None, title: str, exc: BaseException, *, expected: str = "") -> None:
    """A page's own warning box for ``exc`` (``expected`` as in ``said``)."""
    tell(parent, title, said(exc, expected=expected))


def tell(parent: QWidget | None, title: str, told: Said) -> None:
    """A message box saying ``told``: its message, the detail behind the box's 详细信息
    button (QMessageBox's own); a program error titled 程序出错, with the critical icon."""
    icon = QMessageBox.Icon.Warning
    if told.program_error:
        title, icon = tr("程序出错"), QMessageBox.Icon.Critical
    if not told.detail:
        QMessageBox.warning(parent, title, told.message)
        return
    box = QMessageBox(icon, title, told.message, QMessageBox.StandardButton.Ok, parent)
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


class BrokenPart(QWidget):
    """In place of a page or tab that could not be built: ``lead`` and ``exc`` as ``said``
    says it, its technical words behind 详细信息; the rest of the window works on. With
    ``retry``, a 重试 button calls it (what failed may work now: the server is back)."""

    def __init__(
        self,
        lead: str,
        exc: BaseException,
        parent: QWidget | None = None,
        *,
        retry: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.error = exc
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c62828;")
        self.detail = ErrorDetail(self)
        self.retry_button = QPushButton(tr("重试"), self)
        self.retry_button.setVisible(retry is not None)
        if retry is not None:
            self.retry_button.clicked.connect(lambda _checked=False: retry())
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.detail)
        layout.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        say(exc, self.message, self.detail, lead)
