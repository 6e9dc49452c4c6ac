"""The Excel report's sheets 原因分析 (the cause Pareto: counts as bars, the cumulative
share as a line on a second axis, and the causes of repeat complaints) and 考核 (the
scorecards, ranked, with the period before beside them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.workbook import Workbook

from ledger.report_xlsx import _HEAD, _labels, _Sheet

PARETO_SHEET = "原因分析"
SCORECARD_SHEET = "考核"


def _pareto_chart(ws, top: int, last: int, title: str) -> BarChart:
    bars = BarChart()
    bars.type = "col"
    bars.title = title
    bars.y_axis.title = "件数"
    bars.add_data(Reference(ws, min_col=2, min_row=top, max_row=last), titles_from_data=True)
    bars.set_categories(Reference(ws, min_col=1, min_row=top + 1, max_row=last))
    bars.dataLabels = _labels(value=True)
    line = LineChart()
    line.add_data(Reference(ws, min_col=4, min_row=top, max_row=last), titles_from_data=True)
    line.y_axis.axId = 200
    line.y_axis.title = "累计占比"
    line.y_axis.number_format = "0%"
    line.y_axis.scaling.min = 0
    line.y_axis.scaling.max = 1
    line.y_axis.crosses = "max"
    bars += line
    bars.height, bars.width = 8.5, 17
    return bars


def add_sheets(wb: Workbook, data: Mapping[str, Any]) -> None:
    s = _Sheet(wb.create_sheet(PARETO_SHEET), (20, 10, 10, 12))
    s.title(f"七、投诉原因分析(原因分类排列图,{data['period']})")
    s.text(
        f"已填原因 {data['causes_classified']} 件,未填原因 {data['causes_unclassified']} 件;"
        f"累计占比达 80% 的主要原因:{data['causes_vital'] or '—'}"
    )
    s.row += 1
    if data["causes"]:
        top, last = s.table(
            ("原因分类", "件数", "占比", "累计占比"),
            [
                (r["cause"], r["count"], r["share_value"], r["cumulative_value"])
                for r in data["causes"]
            ],
            {3: "0.0%", 4: "0.0%"},
        )
        s.ws.add_chart(_pareto_chart(s.ws, top, last, "投诉原因排列图"), f"F{top}")
        s.row = max(s.row, top + 18)
    else:
        s.text("本期没有填写原因的投诉单。")
    s.title("重复投诉的原因", _HEAD)
    if data["repeat_causes"]:
        s.table(
            ("原因分类", "件数", "占比", "累计占比"),
            [
                (r["cause"], r["count"], r["share_value"], r["cumulative_value"])
                for r in data["repeat_causes"]
            ],
            {3: "0.0%", 4: "0.0%"},
        )
    else:
        s.text("本期没有填写原因的重复投诉。")
    cols = data.get("scorecard_columns") or []
    if not cols:
        return
    s = _Sheet(
        wb.create_sheet(SCORECARD_SHEET), [10, 6, 14, 7, 9, 9, 9, 9, 9, 9, 9, 9, 9, 11, 11, 60]
    )
    s.title(f"八、考核({data['period']},上期:{data['scorecard_prev_label']})")
    s.text("排名:及时率高者在前,其次满意率、结案率,再次件数少者在前。")
    s.row += 1
    s.table(
        [c["header"] for c in cols],
        [[r[c["key"]] for c in cols] for r in data["scorecard"]],
    )
