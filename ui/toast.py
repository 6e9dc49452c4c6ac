"""A short confirmation after an action that changed data: "已批准 2 条奖惩",
"已导出 120 条…". It appears at the bottom of the window for a few seconds, and in the
main window's status bar when there is one; it never takes the focus or needs a click."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow, QWidget

TOAST_MS = 5000


def show_toast(widget: QWidget, text: str, *, ms: int = TOAST_MS, kind: str = "ok") -> None:
    """Say ``text`` at the bottom of ``widget``'s window (and its status bar)."""
    window = widget.window()
    bar = window.statusBar() if isinstance(window, QMainWindow) else None
    if bar is not None:
        bar.showMessage(text, ms)
    label = window.findChild(QLabel, "toast", Qt.FindChildOption.FindDirectChildrenOnly)
    if label is None:
        label = QLabel(window)
        label.setObjectName("toast")
        label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        timer = QTimer(label)
        timer.setSingleShot(True)
        timer.timeout.connect(label.hide)
    colours = {"ok": ("#1b5e20", "#e8f5e9"), "error": ("#b3261e", "#fdecea")}
    fg, bg = colours.get(kind, colours["ok"])
    label.setStyleSheet(
        f"QLabel#toast {{ color: {fg}; background: {bg}; border: 1px solid {fg};"
        " border-radius: 4px; padding: 8px 16px; font-size: 14px; }"
    )
    label.setText(text)
    widest = max(200, window.width() - 40)
    label.setMaximumWidth(widest)
    label.setMinimumWidth(min(widest, label.fontMetrics().horizontalAdvance(text) + 48))
    label.adjustSize()
    label.move(
        (window.width() - label.width()) // 2,
        window.height() - label.height() - (48 if bar is not None else 16),
    )
    label.raise_()
    label.show()
    shown_for = label.findChild(QTimer)
    if shown_for is not None:
        shown_for.start(ms)


def last_toast(widget: QWidget) -> str:
    """The text of the toast showing on ``widget``'s window ("" if none)."""
    label = widget.window().findChild(QLabel, "toast", Qt.FindChildOption.FindDirectChildrenOnly)
    return label.text() if label is not None and not label.isHidden() else ""
