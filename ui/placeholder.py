"""The page an area shows until the issue that builds it lands."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


def tr(text: str) -> str:
    return QCoreApplication.translate("Placeholder", text)


class PlaceholderPage(QWidget):
    """A plain "此功能尚未提供" page with one line of what will come."""

    def __init__(self, title: str, coming: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.title = title
        self.error: Exception | None = None  # set when a real page failed to open
        heading = QLabel(f"{title}:" + tr("此功能尚未提供"))
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        heading.setFont(font)
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        detail = QLabel(coming)
        detail.setWordWrap(True)
        detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        detail.setStyleSheet("color: palette(placeholder-text);")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(heading)
        layout.addWidget(detail)
        layout.addStretch(2)

    def badge_count(self) -> int | None:
        return None
