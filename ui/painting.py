"""Work that waits for a widget to be on screen (the start-up's habit: paint first)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


def after_next_paint(widget: QWidget, fn: Callable[[], None], *, fallback_ms: int) -> None:
    """Call ``fn()`` once, on the GUI thread, when the event loop is back after ``widget``'s
    next paint (its children have painted in the same pass), or after ``fallback_ms`` if it
    does not paint (hidden, started minimised)."""

    class _Watch(QObject):
        fired = False

        def fire(self) -> None:
            if not self.fired:
                self.fired = True
                widget.removeEventFilter(self)
                self.deleteLater()
                fn()

        def eventFilter(self, obj, event) -> bool:
            if event.type() == QEvent.Type.Paint and not self.fired:
                QTimer.singleShot(0, self, self.fire)  # dropped if the widget goes first
            return False

    watch = _Watch(widget)
    widget.installEventFilter(watch)
    QTimer.singleShot(fallback_ms, watch, watch.fire)
