"""The monthly review as an Excel workbook: the tables of the Word report, one sheet per
topic, with native Excel charts (openpyxl.chart) that Excel and WPS draw and let people
restyle. Reads the plain rows of ``complaints.usecases.report_files.report_data``; no Qt."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

FONT = "宋体"
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDE4EE")
_HEAD = Font(name=FONT, bold=True, size=10.5)
_BODY = Font(name=FONT, size=10.5)
_TITLE = Font(name=FONT, bold=True, size=16)


class _Sheet:
    """Writes titled tables one under the other and remembers where each one went."""

    def __init__(self, ws, widths: Sequence[float]):
        self.ws, self.row = ws, 1
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        ws.sheet_view.showGridLines = False
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True

    def title(self, text: str, size: Font = _TITLE) -> None:
        c = self.ws.cell(self.row, 1, text)
        c.font = size
        self.row += 2 if size is _TITLE else 1

    def text(self, text: str) -> None:
        self.ws.cell(self.row, 1, text).font = _BODY
        self.row += 1

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[Any]],
        number_formats: Mapping[int, str] | None = None,
    ) -> tuple[int, int]:
        """Returns (header row, last row)."""
        top = self.row
        for j, h in enumerate(headers, start=1):
            c = self.ws.cell(top, j, h)
            c.font, c.fill, c.border = _HEAD, _HEAD_FILL, _BORDER
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for i, row in enumerate(rows, start=1):
            for j, v in enumerate(row, start=1):
                c = self.ws.cell(top + i, j, v)
                c.font, c.border = _BODY, _BORDER
                if isinstance(v, (int, float)):
                    c.alignment = Alignment(horizontal="right")
                if number_formats and j in number_formats:
                    c.number_format = number_formats[j]
        self.row = top + len(rows) + 2
        return top, top + len(rows)


# A KPI's unit → (factor, number format of a value, of a change): the cells hold numbers a
# spreadsheet can sum and chart, shown with their unit.
_KPI_FORMATS = {
    "件": (1, '#,##0" 件"', '+#,##0" 件";-#,##0" 件";0" 件"'),
    "位": (1, '#,##0" 位"', '+#,##0" 位";-#,##0" 位";0" 位"'),
    "%": (1, "0.0%", '+0.0" 个百分点";-0.0" 个百分点";0.0" 个百分点"'),
    "小时": (1, '0.0" 小时"', '+0.0" 小时";-0.0" 小时";0.0" 小时"'),
    "‰": (1000, '0.00"‰"', '+0.00"‰";-0.00"‰";0.00"‰"'),
    "元": (1, '#,##0" 元"', '+#,##0" 元";-#,##0" 元";0" 元"'),
}


def _kpi_cell(c, unit: str, raw: Any, text: str, change: bool) -> None:
    """A number with its unit's format, or the text ("—", "未填业务量") when there is none."""
    fmt = _KPI_FORMATS.get(unit)
    c.font, c.border = _BODY, _BORDER
    if raw is None or fmt is None or isinstance(raw, bool):
        c.value = text
        c.alignment = Alignment(horizontal="center")
        return
    factor = fmt[0]
    if unit == "%" and change:
        factor = 100  # a change of a rate is in percentage points
    c.value = raw * factor
    c.number_format = fmt[2] if change else fmt[1]
    c.alignment = Alignment(horizontal="right")


def _or_dash(v: Any) -> Any:
    return "—" if v is None else v


def _labels(*, value: bool = False, percent: bool = False) -> DataLabelList:
    """Only the number on each bar (or the share on each slice): LibreOffice and WPS
    otherwise add the series and category names too."""
    return DataLabelList(
        showVal=value,
        showPercent=percent,
        showSerName=False,
        showCatName=False,
        showLegendKey=False,
        showLeaderLines=False,
    )


def _bar_chart(
    title: str,
    ws,
    cats_col: int,
    vals_col: int,
    top: int,
    last: int,
    *,
    horizontal: bool = False,
    y_title: str = "件数",
) -> BarChart:
    ch = BarChart()
    ch.type = "bar" if horizontal else "col"
    ch.title = title
    ch.y_axis.title = y_title
    ch.legend = None
    ch.add_data(Reference(ws, min_col=vals_col, min_row=top, max_row=last), titles_from_data=True)
    ch.set_categories(Reference(ws, min_col=cats_col, min_row=top + 1, max_row=last))
    ch.dataLabels = _labels(value=True)
    ch.height, ch.width = 7.5, 15
    return ch


def write_report(
    data: Mapping[str, Any],
    out: Path,
    *,
    extra_sheets: Sequence[Callable[[Workbook, Mapping[str, Any]], None]] = (),
) -> Path:
    """Write the workbook to ``out`` (through a temporary file, so a failure leaves no half
    file) and return the path; ``extra_sheets`` add their sheets after the others."""
    wb = Workbook()
    # 概要 -----------------------------------------------------------------------------------
    s = _Sheet(wb.active, (18, 14, 14, 16, 14, 16))
    s.ws.title = "概要"
    s.title(data["title"])
    s.text(f"统计期间:{data['period']}    站点:{data['sites']}")
    s.text(f"生成时间:{data['generated']}(时限按此时判断)")
    s.row += 1
    s.title("一、主要指标", _HEAD)
    top, _last = s.table(
        (
            "指标",
            "本期",
            f"上期({data['prev_label']})",
            "环比",
            f"去年同期({data['ly_label']})",
            "同比",
        ),
        [(k["label"],) for k in data["kpis"]],
    )
    for i, k in enumerate(data["kpis"], start=1):
        for j, (raw, text, change) in enumerate(
            (
                (k.get("raw"), k["value"], False),
                (k.get("raw_prev"), k["prev"], False),
                (k.get("raw_vs_prev"), k["vs_prev"], True),
                (k.get("raw_ly"), k["ly"], False),
                (k.get("raw_vs_ly"), k["vs_ly"], True),
            ),
            start=2,
        ):
            _kpi_cell(s.ws.cell(top + i, j), k.get("unit", ""), raw, text, change)
    if data.get("volume"):
        s.title("投诉率(按业务,每千台次)", _HEAD)
        s.table(
            ("业务", "投诉件数", "业务量", "计量", "投诉率"),
            [
                (v["name"], v["cases"], v["base"], v["base_label"], v["rate"])
                for v in data["volume"]
            ],
        )
        s.row -= 1
        s.text(data.get("volume_note", ""))
        s.row += 1
    s.title("近12个月投诉量", _HEAD)
    top, last = s.table(("月份", "投诉件数"), [(t["month"], t["count"]) for t in data["trend"]])
    line = LineChart()
    line.title = "近12个月投诉量趋势"
    line.y_axis.title = "件数"
    line.legend = None
    line.add_data(Reference(s.ws, min_col=2, min_row=top, max_row=last), titles_from_data=True)
    line.set_categories(Reference(s.ws, min_col=1, min_row=top + 1, max_row=last))
    line.height, line.width = 7.5, 15
    s.ws.add_chart(line, f"D{top}")
    # 分类统计 -------------------------------------------------------------------------------
    s = _Sheet(wb.create_sheet("分类统计"), (16, 10, 10, 4))
    s.title(f"二、分类统计({data['period']},共 {data['total']} 件)")
    for d in data["dimensions"]:
        s.title(f"按{d['title']}", _HEAD)
        top, last = s.table(
            (d["title"], "件数", "占比"), [(r["name"], r["count"], r["share"]) for r in d["rows"]]
        )
        if d["key"] in ("channel", "department", "state") and last > top:
            s.ws.add_chart(
                _bar_chart(
                    f"按{d['title']}", s.ws, 1, 2, top, last, horizontal=d["key"] == "department"
                ),
                f"E{top}",
            )
            s.row = max(s.row, top + 16)
    # 及时率 ---------------------------------------------------------------------------------
    s = _Sheet(wb.create_sheet("处理及时率"), (8, 34, 10, 10, 10, 12, 10))
    s.title("三、处理及时率(按时完成 ÷ 应完成)")
    rows = [
        (
            t["rule"],
            t["what"],
            t["due"],
            t["met"],
            t["late"],
            t["missed"],
            t["met"] / t["due"] if t["due"] else None,
        )
        for t in data["timeliness"]
    ]
    tt = data["timeliness_total"]
    rows.append(
        (
            "合计",
            "",
            tt["due"],
            tt["met"],
            tt["late"],
            tt["missed"],
            tt["met"] / tt["due"] if tt["due"] else None,
        )
    )
    top, last = s.table(
        ("时限", "应办事项", "应完成", "按时完成", "逾期完成", "逾期未完成", "及时率"),
        rows,
        {7: "0.0%"},
    )
    if last - 1 > top:
        ch = _bar_chart("各时限及时率", s.ws, 1, 7, top, last - 1, y_title="及时率")
        ch.y_axis.scaling.min, ch.y_axis.scaling.max = 0, 1
        ch.y_axis.numFmt = "0%"
        s.ws.add_chart(ch, f"A{s.row}")
        s.row += 16
    s.title("处理用时(小时)", _HEAD)
    s.table(
        ("环节", "件数", "平均(小时)", "中位数(小时)"),
        [
            (
                d["name"],
                d["n"],
                _or_dash(d.get("mean_hours", d["mean"])),
                _or_dash(d.get("median_hours", d["median"])),
            )
            for d in data["durations"]
        ],
        {3: "0.0", 4: "0.0"},
    )
    # 满意度 ---------------------------------------------------------------------------------
    s = _Sheet(wb.create_sheet("回访满意度"), (14, 10, 10))
    s.title("四、回访满意度(首次回访)")
    top, last = s.table(
        ("满意度", "件数", "占比"),
        [(r["level"], r["count"], r["share"]) for r in data["satisfaction"]],
    )
    s.text(f"满意率(满意 + 非常满意):{data['satisfied_share']}(回访 {data['rated']} 件)")
    s.text(
        f"重开:{data['reopened']} 件,重开率 {data['reopen_rate']}(回访 {data['called_back']} 件)"
    )
    pie = PieChart()
    pie.title = "回访满意度分布"
    pie.add_data(Reference(s.ws, min_col=2, min_row=top, max_row=last), titles_from_data=True)
    pie.set_categories(Reference(s.ws, min_col=1, min_row=top + 1, max_row=last))
    pie.dataLabels = _labels(percent=True)
    pie.height, pie.width = 7.5, 12
    s.ws.add_chart(pie, f"E{top}")
    # 奖惩 -----------------------------------------------------------------------------------
    s = _Sheet(wb.create_sheet("奖惩"), (16, 12, 12, 10, 12, 10))
    s.title(f"五、奖惩(已批准):罚款 {data['fines_total']} 元,奖励 {data['rewards_total']} 元")
    # 无责 (S5) is a liability decision counted in cases, never a fine
    s.text(f"无责 {data.get('not_liable', 0)} 件(不罚款,由责任部门负责处理)")
    s.row += 1
    if not data["money_by_department"]:  # a table with no rows is not printed
        s.text("本期没有已批准的罚款或奖励。")
    else:
        s.title("按部门", _HEAD)
        s.table(
            ("部门", "罚款(元)", "罚款笔数", "奖励(元)", "奖励笔数"),
            [
                (m["department"], m["fines"], m["fine_count"], m["rewards"], m["reward_count"])
                for m in data["money_by_department"]
            ],
        )
        s.title("按人员", _HEAD)
        s.table(
            ("部门", "姓名", "罚款(元)", "罚款笔数", "奖励(元)", "奖励笔数"),
            [
                (
                    m["department"],
                    m["person"],
                    m["fines"],
                    m["fine_count"],
                    m["rewards"],
                    m["reward_count"],
                )
                for m in data["money_by_person"]
            ],
        )
    # 重复投诉与结转 ----------------------------------------------------------------------------
    s = _Sheet(wb.create_sheet("重复投诉与结转"), (10, 90))
    s.title("六、重复投诉(同一电话或VIN)与结转")
    s.text(f"上期结转未结:{data['carried_over']} 件;期末仍未结:{data['open_at_end']} 件")
    s.row += 1
    if data["repeats"]:
        s.table(("件数", "投诉单编号"), [(g["count"], g["numbers"]) for g in data["repeats"]])
    else:
        s.text("本期没有重复投诉。")
    for add in extra_sheets:
        add(wb, data)
    _follow_up_and_emergencies(wb, data)
    _sheet_returns(wb, data.get("sheet_returns"))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    try:
        wb.save(tmp)
        tmp.replace(out)
    finally:  # a full disk leaves no half-written file
        tmp.unlink(missing_ok=True)
    return out


def _follow_up_and_emergencies(wb: Workbook, data: Mapping[str, Any]) -> None:
    """跟踪回访与突发事件: the follow-up rate and satisfaction (where the office makes visits)
    and the period's emergencies with their reviews; no sheet when the period has neither."""
    if not data.get("follow_up") and not data.get("emergencies"):
        return
    s = _Sheet(wb.create_sheet("跟踪回访与突发事件"), (16, 10, 17, 8, 10, 8, 30, 24, 24, 24))
    s.title("七、跟踪回访与突发事件")
    if data.get("follow_up"):
        s.title("跟踪回访(关闭后回访确认问题未再出现)", _HEAD)
        s.table(("指标", "本期"), list(data["follow_up"]))
    emergencies = data.get("emergencies") or []
    s.title(f"突发事件及复盘(共 {len(emergencies)} 件)", _HEAD)
    if emergencies:
        s.table(tuple(data["emergency_headers"]), list(emergencies))
    else:
        s.text("本期没有突发事件。")


def _sheet_returns(wb: Workbook, returns: Mapping[str, Any] | None) -> None:
    """签字单回收: per form the sheets printed in the period, returned (and within the
    limit), still out; the rates as numbers shown as percentages. A period in which no
    sheet was printed has no such sheet (an office that prints no forms sees none)."""
    if not returns or not returns.get("rows") or not returns["rows"][-1]["printed"]:
        return
    days = returns["days"]
    s = _Sheet(wb.create_sheet("签字单回收"), (16, 10, 10, 12, 10, 12, 10, 12))
    s.title(f"签字单回收(打印后 {days} 日内交回)")
    s.text(returns["note"])
    s.row += 1
    s.table(
        ("表单", "打印", "已回收", "回收率", f"{days}日内交回", "按时回收率", "未回收", "已超期"),
        [
            (
                r["title"],
                r["printed"],
                r["returned"],
                _or_dash(r["raw_rate"]),
                r["on_time"],
                _or_dash(r["raw_on_time_rate"]),
                r["missing"],
                r["overdue"],
            )
            for r in returns["rows"]
        ],
        {4: "0.0%", 6: "0.0%"},
    )
