"""The 统计 page's charts (QtCharts): bars that say which bar was clicked, a trend line, and
off-screen PNG pictures of the same charts for the Word report."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMargins, QPointF, Qt
from PySide6.QtGui import QColor, QFont, QPainter

BAR_COLOR = "#3b6ea5"
SATISFACTION_COLOR = "#2e7d32"


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    f = QFont(chart.titleFont())
    f.setPointSizeF(max(f.pointSizeF(), 10.5))
    f.setBold(True)
    chart.setTitleFont(f)
    chart.legend().hide()
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setBackgroundRoundness(0)
    return chart


def bar_chart(
    title: str,
    categories: Sequence[str],
    values: Sequence[int],
    *,
    color: str = BAR_COLOR,
    on_click: Callable[[int], object] | None = None,
) -> QChartView:
    """One bar per category; ``on_click(index)`` when a bar is clicked."""
    chart = _chart(title)
    series = QBarSeries()
    s = QBarSet(title)
    s.append(list(values))
    s.setColor(QColor(color))
    s.setLabelColor(QColor("#222222"))
    if on_click:
        s.clicked.connect(lambda idx: on_click(int(idx)))
    series.append(s)
    series.setBarWidth(0.6)
    series.setLabelsVisible(True)
    series.setLabelsPosition(QBarSeries.LabelsPosition.LabelsOutsideEnd)
    series.setLabelsFormat("@value")
    chart.addSeries(series)
    cats = QBarCategoryAxis()
    cats.append(list(categories))
    vals = QValueAxis()
    vals.setRange(0, max(5.0, max(values, default=0) * 1.12))
    vals.applyNiceNumbers()
    vals.setLabelFormat("%d")
    chart.addAxis(cats, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(vals, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(cats)
    series.attachAxis(vals)
    return _view(chart)


def line_chart(title: str, labels: Sequence[str], values: Sequence[int]) -> QChartView:
    chart = _chart(title)
    series = QLineSeries()
    for i, v in enumerate(values):
        series.append(QPointF(i, v))
    series.setPointsVisible(True)
    series.setPointLabelsVisible(True)
    series.setPointLabelsFormat("@yPoint")
    series.setColor(QColor(BAR_COLOR))
    chart.addSeries(series)
    # A category axis over x positions 0…n-1 (QCategoryAxis needs ranges: use bar categories).
    cats = QBarCategoryAxis()
    cats.append(list(labels))
    vals = QValueAxis()
    vals.setRange(0, max(5.0, max(values, default=0) * 1.12))
    vals.applyNiceNumbers()
    vals.setLabelFormat("%d")
    chart.addAxis(cats, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(vals, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(vals)
    hidden = QValueAxis()  # maps x 0…n-1 under the category labels
    hidden.setRange(-0.5, len(values) - 0.5)
    hidden.setVisible(False)
    chart.addAxis(hidden, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(hidden)
    return _view(chart)


def _view(chart: QChart) -> QChartView:
    v = QChartView(chart)
    v.setRenderHint(QPainter.RenderHint.Antialiasing)
    v.setMinimumHeight(260)
    return v


def to_png(view: QChartView, width: int = 960, height: int = 400) -> bytes:
    """The chart as a PNG picture, drawn off-screen at print size (for the Word report)."""
    old = view.size()
    view.resize(width, height)
    pix = view.grab()
    view.resize(old)
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    pix.save(buf, "PNG")
    buf.close()
    return bytes(data.data())
