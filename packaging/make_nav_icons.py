"""Draw the navigation icons into ui/resources (nav-<page>.png and nav-<page>@2x.png).

    .venv/bin/python packaging/make_nav_icons.py

The main window used Qt's standard pixmaps; asking the style for them makes PySide6 build
the QStyle class and its ~10 enums before the first paint (~6 ms of a ~0.3 s start, issue 2
§8). These plain pictograms are files instead, read by Qt when first drawn. Run this again
after changing a drawing and commit the PNGs.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)

OUT = Path(__file__).resolve().parent.parent / "ui" / "resources"
INK = QColor("#34495e")  # dark slate: reads on white and on the selection's blue
ACCENT = QColor("#e0a526")
UNIT = 20  # the drawings are on a 20 × 20 grid, scaled for @2x


def _pen(p: QPainter, width: float = 1.6, color: QColor = INK) -> None:
    pen = QPen(color, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)


def todo(p: QPainter) -> None:  # a checklist
    _pen(p)
    p.drawRoundedRect(QRectF(3, 2.5, 14, 15), 2, 2)
    for y in (7, 11, 15):
        p.drawLine(QPointF(9, y), QPointF(14.5, y))
    _pen(p, 1.6, ACCENT)
    for y in (7, 11, 15):
        p.drawPolyline(QPolygonF([QPointF(5, y - 0.3), QPointF(6, y + 0.8), QPointF(7.6, y - 1.4)]))


def cases(p: QPainter) -> None:  # a ledger: a table with a header row
    _pen(p)
    p.drawRect(QRectF(2.5, 3.5, 15, 13))
    p.fillRect(QRectF(2.5, 3.5, 15, 3.5), INK)
    for y in (10, 13.3):
        p.drawLine(QPointF(2.5, y), QPointF(17.5, y))
    p.drawLine(QPointF(7.5, 7), QPointF(7.5, 16.5))


def oem(p: QPainter) -> None:  # a factory with a chimney
    _pen(p)
    path = QPainterPath(QPointF(2.5, 17))
    for x, y in ((2.5, 9), (7, 11.5), (7, 9), (11.5, 11.5), (11.5, 4), (14.5, 4), (14.5, 17)):
        path.lineTo(x, y)
    path.closeSubpath()
    p.drawPath(path)
    p.drawLine(QPointF(2, 17), QPointF(18, 17))
    p.fillRect(QRectF(4.5, 13, 2, 2), ACCENT)
    p.fillRect(QRectF(8.5, 13, 2, 2), ACCENT)


def sanctions(p: QPainter) -> None:  # a star: rewards (and fines)
    points = []
    for i in range(10):
        r = 8 if i % 2 == 0 else 3.4
        a = math.pi / 2 + i * math.pi / 5
        points.append(QPointF(10 + r * math.cos(a), 10.6 - r * math.sin(a)))
    _pen(p, 1.4)
    p.setBrush(ACCENT)
    p.drawPolygon(QPolygonF(points))


def stats(p: QPainter) -> None:  # a bar chart
    for x, h, color in ((3.5, 6, INK), (8.5, 11, ACCENT), (13.5, 8, INK)):
        p.fillRect(QRectF(x, 16.5 - h, 3.5, h), color)
    _pen(p, 1.4)
    p.drawLine(QPointF(2, 17), QPointF(18, 17))


def exchange(p: QPainter) -> None:  # two arrows, there and back
    _pen(p, 1.8)
    p.drawLine(QPointF(3, 7), QPointF(16, 7))
    p.drawPolyline(QPolygonF([QPointF(12.5, 3.8), QPointF(16, 7), QPointF(12.5, 10.2)]))
    _pen(p, 1.8, ACCENT)
    p.drawLine(QPointF(17, 13.5), QPointF(4, 13.5))
    p.drawPolyline(QPolygonF([QPointF(7.5, 10.3), QPointF(4, 13.5), QPointF(7.5, 16.7)]))


def settings(p: QPainter) -> None:  # a gear
    outer, inner, teeth = 8, 6.2, 8
    points = []
    for i in range(teeth * 4):
        a = i * math.pi * 2 / (teeth * 4)
        r = outer if i % 4 in (1, 2) else inner
        points.append(QPointF(10 + r * math.cos(a), 10 + r * math.sin(a)))
    _pen(p, 1.3)
    p.drawPolygon(QPolygonF(points))
    _pen(p, 1.6, ACCENT)
    p.drawEllipse(QPointF(10, 10), 2.6, 2.6)


def audit(p: QPainter) -> None:  # a magnifier over a page
    _pen(p)
    p.drawRect(QRectF(3, 2.5, 10, 13))
    for y in (6, 9):
        p.drawLine(QPointF(5.5, y), QPointF(10.5, y))
    _pen(p, 1.8, ACCENT)
    p.drawEllipse(QPointF(12.5, 12), 3.4, 3.4)
    p.drawLine(QPointF(15, 14.5), QPointF(18, 17.5))


def users(p: QPainter) -> None:  # two people
    _pen(p, 1.5, ACCENT)
    p.drawEllipse(QPointF(13.5, 6.5), 2.4, 2.4)
    p.drawArc(QRectF(9.5, 10, 8, 8), 20 * 16, 140 * 16)
    _pen(p, 1.6)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(QPointF(8, 7), 3, 3)
    p.drawChord(QRectF(2.5, 11, 11, 10), 0, 180 * 16)


def scans(p: QPainter) -> None:  # a signed sheet coming back: a page with its code, a tick
    _pen(p)
    p.drawRect(QRectF(3, 2.5, 11, 15))
    p.drawRect(QRectF(5, 4.5, 3.5, 3.5))
    p.drawLine(QPointF(5.5, 11), QPointF(11.5, 11))
    _pen(p, 1.9, ACCENT)
    p.drawPolyline(QPolygonF([QPointF(10.5, 14.5), QPointF(13, 17), QPointF(18, 11.5)]))


DRAWINGS = {
    "todo": todo,
    "cases": cases,
    "oem": oem,
    "sanctions": sanctions,
    "stats": stats,
    "exchange": exchange,
    "settings": settings,
    "audit": audit,
    "users": users,
    "scans": scans,
}


def render(draw, scale: int) -> QImage:
    image = QImage(UNIT * scale, UNIT * scale, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(scale, scale)
    draw(p)
    p.end()
    return image


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    OUT.mkdir(parents=True, exist_ok=True)
    for key, draw in DRAWINGS.items():
        for scale, suffix in ((1, ""), (2, "@2x")):
            path = OUT / f"nav-{key}{suffix}.png"
            if not render(draw, scale).save(str(path)):
                print(f"cannot write {path}", file=sys.stderr)
                return 1
    print(f"{len(DRAWINGS) * 2} icons in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
