"""The 统计 charts never cut a category label to "1…" or "销售…": a label that does not fit
its share of the plot goes on two lines, and back on one when the chart is wide again."""

from __future__ import annotations

from PySide6.QtCharts import QBarCategoryAxis, QValueAxis
from PySide6.QtCore import Qt

from ui import stats_charts
from ui.stats_causes import pareto_chart

CHANNELS = ["现场", "销售回访", "售后回访", "厂家转发", "电话热线", "网络/邮件", "其他"]
MONTHS = [f"{m}月" for m in range(1, 13)]
LEFT_RIGHT = (Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignRight)


def categories(view) -> list[str]:
    (axis,) = [a for a in view.chart().axes() if isinstance(a, QBarCategoryAxis)]
    assert not axis.truncateLabels()
    return axis.categories()


def test_two_lines_breaks_at_a_slash_a_bracket_or_the_middle_never_in_a_number():
    assert stats_charts.two_lines("网络/邮件") == "网络/<br>邮件"
    assert stats_charts.two_lines("车辆质量(厂家)") == "车辆质量<br>(厂家)"
    assert stats_charts.two_lines("非常不满意") == "非常<br>不满意"
    assert stats_charts.two_lines("10月") == "10<br>月"
    assert stats_charts.two_lines("A&<B") == "A&amp;<br>&lt;B"


def test_a_narrow_chart_wraps_its_labels_and_a_wide_one_shows_them_whole(qtbot):
    view = stats_charts.bar_chart("按渠道", CHANNELS, [6, 3, 6, 5, 6, 2, 0])
    qtbot.addWidget(view)
    view.resize(330, 260)
    view.show()
    qtbot.waitUntil(lambda: "销售<br>回访" in categories(view))
    assert "现场" in categories(view)  # a short label stays on one line
    view.resize(900, 260)
    qtbot.waitUntil(lambda: categories(view) == CHANNELS)


def test_the_trend_and_the_pareto_keep_every_label(qtbot):
    trend = stats_charts.line_chart("近12个月投诉量", MONTHS, list(range(12)))
    qtbot.addWidget(trend)
    trend.resize(330, 260)
    trend.show()
    qtbot.waitUntil(lambda: "10<br>月" in categories(trend))
    causes = ["维修质量", "服务流程/等待时间", "其他"]
    rows = [
        {"cause": c, "count": 3 - i, "cumulative_value": (i + 1) / 3} for i, c in enumerate(causes)
    ]
    pareto = pareto_chart("投诉原因排列图", rows)
    qtbot.addWidget(pareto)
    pareto.resize(260, 300)
    pareto.show()
    qtbot.waitUntil(lambda: "服务流程/<br>等待时间" in categories(pareto))


def test_no_pareto_bar_rises_above_the_cumulative_line_so_its_labels_stay_on_white(qtbot):
    counts = [6, 3, 3, 3, 2, 1, 1]
    total, running, rows = sum(counts), 0, []
    for i, n in enumerate(counts):
        running += n
        rows.append({"cause": f"原因{i}", "count": n, "cumulative_value": running / total})
    view = pareto_chart("投诉原因排列图", rows)
    qtbot.addWidget(view)
    counts_axis, share_axis = (
        a
        for a in view.chart().axes()
        if isinstance(a, QValueAxis) and a.isVisible() and a.alignment() in LEFT_RIGHT
    )
    assert counts_axis.max() == total  # the first bar's top is the first cumulative point
    for n, r in zip(counts, rows, strict=True):
        bar_top = n / counts_axis.max()
        line = r["cumulative_value"] * 100 / share_axis.max()
        assert bar_top <= line + 1e-9
