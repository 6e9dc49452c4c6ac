"""The 统计 page's charts (QtCharts): bars that say which bar was clicked, a trend line, and
off-screen PNG pictures of the same charts for the Word report."""

from __future__ import annotations

import html
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
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMargins, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter

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
    fit_labels(chart, cats, categories)
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
    fit_labels(chart, cats, labels)
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


def two_lines(label: str) -> str:
    """The label on two lines (rich text): before a bracket, after a slash, or in the
    middle."""
    if len(label) < 2:
        return html.escape(label)
    middle = len(label) // 2
    while middle < len(label) - 1 and label[middle - 1 : middle + 1].isdigit():
        middle += 1  # "10月" breaks as 10 / 月, never inside a number
    cut = next(
        (i for i, ch in enumerate(label) if 0 < i < len(label) - 1 and ch in "(（"),
        next((i + 1 for i, ch in enumerate(label[:-1]) if ch == "/"), middle),
    )
    return html.escape(label[:cut]) + "<br>" + html.escape(label[cut:])


def fit_labels(chart: QChart, axis: QBarCategoryAxis, labels: Sequence[str]) -> None:
    """Category labels are never cut to "…": a label wider than its category's share of
    the plot goes on two lines, and the axis follows the plot's width as it changes."""
    axis.setTruncateLabels(False)
    plain = list(labels)

    def refit(plot: QRectF) -> None:
        if not plain:
            return
        room = plot.width() / len(plain) - 6
        metrics = QFontMetrics(axis.labelsFont())
        shown = [two_lines(t) if metrics.horizontalAdvance(t) > room else t for t in plain]
        if shown != axis.categories():
            axis.setCategories(shown)

    chart.plotAreaChanged.connect(refit)


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
