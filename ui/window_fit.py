"""Every window and dialog fits the screen it opens on.

``install(app)`` watches every top-level window as it is shown: one larger than the screen's
available geometry (a 1366x768 laptop, 1920x1080 at 150 % = 1280x720) is shrunk to it and
moved inside it, so its buttons can be reached. ``remember(window, key, settings)`` keeps a
window's size and place per screen (a laptop on the desk and the same laptop on a large
monitor each get their own), restored when it is next shown and saved when it hides.

Windows whose content may be taller than a small screen put it in a scroll area
(``scrolling``), so shrinking them never hides a button.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from PySide6.QtCore import QEvent, QMargins, QObject, QRect, QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QFrame, QScrollArea, QWidget

from ui import options

# The title bar and borders the window manager adds, before the real frame is known
# (Windows 10/11 at 100 %: 31 px title, 8 px borders; a little more is harmless).
FRAME_ALLOWANCE = QMargins(8, 34, 8, 8)
_SKIP_TYPES = {
    Qt.WindowType.Popup,
    Qt.WindowType.ToolTip,
    Qt.WindowType.SplashScreen,
    Qt.WindowType.Desktop,
}


def available(widget: QWidget) -> QRect:
    """The screen area a window may use: the screen it is on (or its parent's, or the
    primary one), without the task bar."""
    screen = widget.screen()
    if screen is None and widget.parentWidget() is not None:
        screen = widget.parentWidget().screen()
    if screen is None:
        screen = QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1366, 728)


def _margins(widget: QWidget) -> QMargins:
    frame, geometry = widget.frameGeometry(), widget.geometry()
    real = QMargins(
        geometry.left() - frame.left(),
        geometry.top() - frame.top(),
        frame.right() - geometry.right(),
        frame.bottom() - geometry.bottom(),
    )
    if real.top() > 0 or real.left() > 0 or widget.property("fit_shown"):
        return real
    return FRAME_ALLOWANCE  # not decorated yet


def max_size(widget: QWidget) -> tuple[int, int]:
    """The largest client size whose frame still fits the available screen."""
    area, m = available(widget), _margins(widget)
    return area.width() - m.left() - m.right(), area.height() - m.top() - m.bottom()


def fit(widget: QWidget) -> None:
    """Shrink ``widget`` (a window) to the available screen if it is larger, and move it so
    that its frame lies inside."""
    if widget.isMaximized() or widget.isFullScreen():
        return
    area, m = available(widget), _margins(widget)
    max_w, max_h = max_size(widget)
    w, h = min(widget.width(), max_w), min(widget.height(), max_h)
    if (w, h) != (widget.width(), widget.height()):
        widget.resize(w, h)
    outer_w = widget.width() + m.left() + m.right()
    outer_h = widget.height() + m.top() + m.bottom()
    frame = widget.frameGeometry()
    x = max(area.left(), min(frame.left(), area.left() + area.width() - outer_w))
    y = max(area.top(), min(frame.top(), area.top() + area.height() - outer_h))
    if (x, y) != (frame.left(), frame.top()):
        widget.move(x, y)


def initial_size(widget: QWidget, width: int, height: int) -> None:
    """Resize to the preferred ``width`` x ``height``, or the available screen if smaller."""
    max_w, max_h = max_size(widget)
    widget.resize(min(width, max_w), min(height, max_h))


def _screen_key(widget: QWidget) -> str:
    area = available(widget)
    screen = widget.screen() or QGuiApplication.primaryScreen()
    name = screen.name() if screen is not None else "screen"
    safe = "".join(c if c.isalnum() else "_" for c in name) or "screen"
    return f"{safe}_{area.width()}x{area.height()}"


# The settings each remembered window keeps its size in (forgotten with the window).
_SETTINGS: WeakKeyDictionary[QWidget, QSettings] = WeakKeyDictionary()


def remember(widget: QWidget, key: str, settings: QSettings | None = None) -> None:
    """Keep ``widget``'s size and place per screen under ``windows/<key>/…`` of
    ``settings`` (by default, those of the window it was opened from)."""
    widget.setProperty("fit_key", key)
    if settings is not None:
        _SETTINGS[widget] = settings


def _settings_of(widget: QWidget | None) -> QSettings | None:
    """The window's own settings, else its opener's (none: nothing is kept)."""
    while widget is not None:
        settings = _SETTINGS.get(widget)
        if settings is not None:
            return settings
        parent = widget.parentWidget()
        widget = parent.window() if parent is not None else None
    return None


def restore(widget: QWidget) -> bool:
    """Put back the size and place kept for this window on this screen; False if none."""
    key, settings = widget.property("fit_key"), _settings_of(widget)
    if not key or settings is None:
        return False
    value = options.WINDOW_GEOMETRY.read(settings, f"{key}/{_screen_key(widget)}")
    if not value.isEmpty():
        return bool(widget.restoreGeometry(value))
    return False


def save(widget: QWidget) -> None:
    key, settings = widget.property("fit_key"), _settings_of(widget)
    if key and settings is not None:
        options.WINDOW_GEOMETRY.write(
            settings, widget.saveGeometry(), f"{key}/{_screen_key(widget)}"
        )


class _Watcher(QObject):
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.Show, QEvent.Type.Hide) or not isinstance(obj, QWidget):
            return False
        if not obj.isWindow() or obj.windowType() in _SKIP_TYPES:
            return False
        if kind == QEvent.Type.Hide:
            if not event.spontaneous():
                save(obj)
            return False
        if not obj.property("fit_shown"):
            obj.setProperty("fit_shown", True)
            restore(obj)
        fit(obj)
        return False


_WATCHER: list[_Watcher] = []


def install(app: QApplication | None = None) -> None:
    """Fit every window of the application as it is shown (once per application)."""
    instance = app or QApplication.instance()
    if instance is None or _WATCHER:
        return
    watcher = _Watcher(instance)
    instance.installEventFilter(watcher)
    _WATCHER.append(watcher)


def scrolling(content: QWidget, parent: QWidget | None = None) -> QScrollArea:
    """``content`` in a frameless scroll area that scrolls only when the window is too
    small for it."""
    area = QScrollArea(parent)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(content)
    return area
