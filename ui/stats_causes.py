"""统计's cause analysis and scorecards: the cause Pareto (bars of counts, the cumulative share
as a line on a 0–100 % axis, the causes of repeat complaints beside it) and the scorecard
table (部门 / 第一责任人 / 客服, ranked, the period before beside each row).

Computed on the worker after the page's figures are on screen (the scorecard judges every
case of the period and of the one before): the page is readable first."""

from __future__ import annotations

from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QCoreApplication, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from complaints.rules.scorecard import Group
from complaints.usecases import report_causes, scorecards, stats_review
from ui import stats_charts
from ui.tables import read_only

CUMULATIVE_COLOR = "#c62828"


def tr(text: str) -> str:
    return QCoreApplication.translate("StatsPage", text)


def tick_step(total: int) -> int:
    """A round step (1, 2, 5, 10, 20…) giving at most five ticks up to ``total``."""
    for base in (1, 10, 100, 1000, 10_000, 100_000):
        for m in (1, 2, 5):
            if total <= 5 * m * base:
                return m * base
    return 1_000_000


def pareto_chart(title: str, rows: list[dict[str, Any]]) -> QChartView:
    """Counts as bars, the cumulative share as a line with its own 0–100 % axis on the right."""
    chart = QChart()
    chart.setTitle(title)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setBackgroundRoundness(0)
    chart.legend().setVisible(True)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    bars = QBarSeries()
    counts = QBarSet(tr("件数"))
    counts.append([float(r["count"]) for r in rows])
    counts.setColor(QColor(stats_charts.BAR_COLOR))
    bars.append(counts)
    bars.setLabelsVisible(True)
    bars.setLabelsPosition(QBarSeries.LabelsPosition.LabelsOutsideEnd)
    bars.setLabelsFormat("@value")
    chart.addSeries(bars)
    line = QLineSeries()
    line.setName(tr("累计占比"))
    for i, r in enumerate(rows):
        line.append(QPointF(i, round(r["cumulative_value"] * 100, 1)))
    line.setColor(QColor(CUMULATIVE_COLOR))
    line.setPointsVisible(True)
    line.setPointLabelsVisible(True)
    line.setPointLabelsFormat("@yPoint%")
    line.setPointLabelsColor(QColor(CUMULATIVE_COLOR))
    line.setPointLabelsClipping(False)  # the last point (100 %) sits on the plot's top edge
    chart.addSeries(line)
    cats = QBarCategoryAxis()
    cats.append([r["cause"] for r in rows] or [""])
    # As a Pareto chart is drawn on paper, the count axis ends at the total: the cumulative
    # line then starts on the first bar's top and no bar rises above it, so its labels are
    # never printed over a bar.
    total = sum(r["count"] for r in rows)
    counts_axis = QValueAxis()
    counts_axis.setRange(0, max(total, 1))
    counts_axis.setTickType(QValueAxis.TickType.TicksDynamic)
    counts_axis.setTickAnchor(0)
    counts_axis.setTickInterval(tick_step(total))
    counts_axis.setLabelFormat("%d")
    share_axis = QValueAxis()
    share_axis.setRange(0, 100)
    share_axis.setTickCount(6)
    share_axis.setLabelFormat("%d%%")
    share_axis.setGridLineVisible(False)  # one grid, the counts'
    hidden = QValueAxis()  # x positions 0…n-1 under the category labels
    hidden.setRange(-0.5, max(len(rows), 1) - 0.5)
    hidden.setVisible(False)
    chart.addAxis(cats, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(hidden, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(counts_axis, Qt.AlignmentFlag.AlignLeft)
    chart.addAxis(share_axis, Qt.AlignmentFlag.AlignRight)
    bars.attachAxis(cats)
    bars.attachAxis(counts_axis)
    stats_charts.fit_labels(chart, cats, [r["cause"] for r in rows] or [""])
    line.attachAxis(hidden)
    line.attachAxis(share_axis)
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(300)
    return view


class CausesPanel(QWidget):
    """Below the page's charts: the cause Pareto, the causes of repeat complaints and the
    scorecards of the period on screen."""

    loaded = Signal()  # the Pareto and the scorecard on screen are fresh (tests wait for it)

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.causes: dict[str, Any] = {}
        self.scores: scorecards.Scorecards | None = None
        self.chart: QChartView | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        head = QLabel(tr("原因分析"))
        head.setStyleSheet("font-weight: bold; font-size: 14px;")
        lay.addWidget(head)
        # the chart over the whole width (the office's causes are long words), the summary
        # and the causes of repeat complaints under it
        self.grid = QGridLayout()
        self.grid.setColumnStretch(0, 1)
        self.grid.setColumnStretch(1, 1)
        lay.addLayout(self.grid)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.repeat_table = self._table((tr("重复投诉的原因"), tr("件数"), tr("累计占比")))
        self.repeat_table.setMaximumHeight(170)
        self.grid.addWidget(self.summary, 1, 0)
        self.grid.addWidget(self.repeat_table, 1, 1)

        row = QHBoxLayout()
        title = QLabel(tr("考核"))
        title.setStyleSheet("font-weight: bold; font-size: 14px;")
        row.addWidget(title)
        self.group = QComboBox()
        for g in Group:
            self.group.addItem(tr(g.value), g.value)
        self.group.currentIndexChanged.connect(lambda _i: self._fill_scorecard())
        row.addWidget(self.group)
        self.score_note = QLabel()
        self.score_note.setStyleSheet("color: #666;")
        row.addWidget(self.score_note, 1)
        lay.addLayout(row)
        self.score_table = self._table(tuple(tr(h) for _k, h in scorecards.COLUMNS[1:]))
        self.score_table.setMinimumHeight(260)
        lay.addWidget(self.score_table)

    def _table(self, headers: tuple[str, ...]) -> QTableWidget:
        t = QTableWidget(0, len(headers))
        t.setHorizontalHeaderLabels(list(headers))
        read_only(t)
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        t.horizontalHeader().setStretchLastSection(True)
        return t

    def show_review(self, review: stats_review.Review, sites: tuple[str, ...]) -> None:
        """Compute and show the causes and the scorecards of ``review``'s period."""
        ctx, f = self.session.ctx(), review.figures
        period, as_of = f.period, review.as_of

        def work() -> tuple[dict[str, Any], scorecards.Scorecards]:
            return (
                report_causes.cause_data(f),
                scorecards.scorecards(ctx, period, sites, as_of=as_of),
            )

        self.score_note.setText(tr("正在计算…"))
        self.session.taskman.run(work, self._show, parent=self)

    def _show(self, result: tuple[dict[str, Any], scorecards.Scorecards]) -> None:
        self.causes, self.scores = result
        c = self.causes
        if self.chart is not None:
            self.grid.removeWidget(self.chart)
            self.chart.deleteLater()
        self.chart = pareto_chart(tr("投诉原因排列图"), c["causes"])
        self.grid.addWidget(self.chart, 0, 0, 1, 2)
        rows = c["repeat_causes"]
        self.summary.setText(
            tr("已填原因 {0} 件,未填 {1} 件。\n累计占比达 80% 的主要原因:{2}").format(
                c["causes_classified"], c["causes_unclassified"], c["causes_vital"] or "—"
            )
            + ("" if rows else "\n" + tr("本期没有填写原因的重复投诉。"))
        )
        self.repeat_table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for j, v in enumerate((r["cause"], r["count"], r["cumulative"])):
                self.repeat_table.setItem(i, j, QTableWidgetItem(str(v)))
        self._fill_scorecard()
        self.loaded.emit()

    def _fill_scorecard(self) -> None:
        if self.scores is None:
            return
        group = self.group.currentData()
        rows = [r for r in scorecards.rows_data(self.scores) if r["group"] == group]
        keys = [k for k, _h in scorecards.COLUMNS[1:]]
        self.score_table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for j, k in enumerate(keys):
                item = QTableWidgetItem(str(r[k]))
                if k not in {"name", "per_rule"}:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                else:  # a long cell elided on screen: whole in its tip
                    item.setToolTip(str(r[k]))
                self.score_table.setItem(i, j, item)
        self.score_note.setText(
            tr("{0},上期 {1}。排名:及时率、满意率、结案率高者在前,件数少者在前。").format(
                self.scores.period.label, self.scores.previous_period.label
            )
        )

    def chart_pngs(self) -> dict[str, bytes]:
        """The Pareto as a picture for the Word report's chart_pareto place (none while no
        case of the period has a cause: the report says so in words)."""
        if self.chart is None or not self.causes.get("causes"):
            return {}
        return {"chart_pareto": stats_charts.to_png(self.chart)}
