"""The monthly review as a Word report for the general manager's meeting (policy.md §6).

The template ``forms/templates/report.docx`` is a docxtpl document like the forms: an office
may put its own ``月度分析报告.docx`` in its templates folder (DataPaths.templates) to change the
wording, the letterhead or the layout; a broken one is refused with a message and the shipped
default is used. Rebuild the default with ``python -m forms.report_docx``.

Charts: every count also prints as a bar of block characters in a table column, so the report
made by the command line (which loads no Qt) is a complete paper; the GUI adds chart pictures
(QtCharts rendered off-screen to PNG) in the ``chart_*`` places. No Qt here.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from forms.build_templates import cell_text, new_document, para, table, title
from forms.fill import _ENV, _emit, render
from forms.templates import TemplateError, placeholders

TEMPLATE_FILE = "report.docx"
OFFICE_FILE = "月度分析报告.docx"  # the office's own copy in DataPaths.templates
CHARTS = (
    "chart_trend",
    "chart_channel",
    "chart_department",
    "chart_satisfaction",
    "chart_pareto",
)
CHART_WIDTH_MM = 160


@dataclass(frozen=True)
class ReportTemplate:
    data: bytes
    source: str  # "default" or "custom"
    warnings: tuple[str, ...] = ()


def default_template() -> bytes:
    return resources.files("forms").joinpath("templates", TEMPLATE_FILE).read_bytes()


def load_report_template(templates_dir: Path | None = None) -> ReportTemplate:
    """The office's report template if it has a usable one, else the shipped default."""
    if templates_dir is not None:
        path = Path(templates_dir) / OFFICE_FILE
        if path.is_file():
            data = path.read_bytes()
            try:
                placeholders(data)
                return ReportTemplate(data, "custom")
            except TemplateError as e:
                return ReportTemplate(
                    default_template(),
                    "default",
                    (f"本店报告模板 {path.name} 无法使用({e}),已改用默认模板",),
                )
    return ReportTemplate(default_template(), "default")


def write_report(
    data: Mapping[str, Any],
    out: Path | None = None,
    *,
    charts: Mapping[str, bytes] | None = None,
    templates_dir: Path | None = None,
    template: ReportTemplate | None = None,
) -> bytes | Path:
    """Fill the report; ``charts`` maps chart_* names to PNG bytes (the GUI's pictures).
    Returns the .docx bytes, or the written path when ``out`` is given."""
    template = template or load_report_template(templates_dir)
    context = dict(data)
    charts = dict(charts or {})
    if charts:
        # InlineImage needs the template object it goes into: render in two steps.
        tpl = DocxTemplate(io.BytesIO(template.data))
        for name in CHARTS:
            png = charts.get(name)
            context[name] = (
                InlineImage(tpl, io.BytesIO(png), width=Mm(CHART_WIDTH_MM)) if png else ""
            )
        context["has_charts"] = True
        tpl.render(context, jinja_env=_ENV, autoescape=True)
        buf = io.BytesIO()
        tpl.save(buf)
        return _emit(buf.getvalue(), out)
    for name in CHARTS:
        context[name] = ""
    context["has_charts"] = False
    return _emit(render(template.data, context), out)


# --- the default template ------------------------------------------------------------------


def _loop_table(
    doc,
    cols: tuple[float, ...],
    headers: tuple[str, ...],
    loop: str,
    cells: tuple[str, ...],
    total: tuple[str, ...] | None = None,
    size: float | None = None,
):
    """A table whose middle row repeats for each item (docxtpl's {%tr %} rows); ``size``:
    the font size of its cells (a wide table in a smaller one)."""
    t = table(doc, cols, 4 + (1 if total else 0))
    for i, h in enumerate(headers):
        cell_text(t.cell(0, i), h, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=size)
    _repeat_header(t.rows[0])
    cell_text(t.cell(1, 0), "{%tr for " + loop + " %}")
    for i, c in enumerate(cells):
        align = (
            WD_ALIGN_PARAGRAPH.LEFT
            if i == 0 or "bar" in c or "numbers" in c or "what" in c
            else WD_ALIGN_PARAGRAPH.CENTER
        )
        cell_text(t.cell(2, i), "{{ " + c + " }}", align=align, size=size)
    cell_text(t.cell(3, 0), "{%tr endfor %}")
    if total:
        for i, c in enumerate(total):
            cell_text(t.cell(4, i), c, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    return t


def _repeat_header(row) -> None:
    """The header row repeats on every page and never stands alone at a page's foot."""
    trpr = row._tr.get_or_add_trPr()
    for tag in ("w:tblHeader",):
        el = OxmlElement(tag)
        trpr.append(el)


def _heading(doc, text: str) -> None:
    p = para(doc, text, bold=True, size=12, space_before=10, space_after=4)
    p.paragraph_format.keep_with_next = True


def build_default_template() -> bytes:
    doc = new_document()
    title(doc, "{{ title }}")
    para(
        doc,
        "统计期间:{{ period }}\u3000\u3000站点:{{ sites }}\u3000\u3000生成时间:{{ generated }}",
        align=WD_ALIGN_PARAGRAPH.CENTER,
        space_after=6,
    )
    _heading(doc, "一、主要指标")
    _loop_table(
        doc,
        (3.3, 2.3, 2.3, 3.4, 2.3, 3.4),
        ("指标", "本期", "上期\n{{ prev_label }}", "环比", "去年同期\n{{ ly_label }}", "同比"),
        "k in kpis",
        ("k.label", "k.value", "k.prev", "k.vs_prev", "k.ly", "k.vs_ly"),
    )
    para(
        doc,
        "注:处理及时率 = 按时完成的时限 ÷ 应完成的时限(D1–D11);满意率 = (满意 + 非常满意)÷ "
        "已回访;重开率 = 重开件数 ÷ 已回访件数。各项按本期登记的投诉单统计。",
        size=9,
        space_before=3,
    )
    # a table with no rows is not printed
    para(doc, "{%p if volume %}")
    _heading(doc, "投诉率(按业务,每千台次)")
    _loop_table(
        doc,
        (2.4, 2.4, 3.6, 5.4, 3.2),
        ("业务", "投诉件数", "业务量", "计量", "投诉率"),
        "v in volume",
        ("v.name", "v.cases", "v.base", "v.base_label", "v.rate"),
    )
    para(doc, "{{ volume_note }}", size=9, space_before=3)
    para(doc, "{%p endif %}")
    _heading(doc, "近12个月投诉量")
    para(doc, "{{ chart_trend }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _loop_table(
        doc,
        (3.0, 2.0, 12.0),
        ("月份", "件数", "图示"),
        "t in trend",
        ("t.month", "t.count", "t.bar"),
    )
    _heading(doc, "二、分类统计(本期共 {{ total }} 件)")
    para(doc, "{{ chart_channel }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "{{ chart_department }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "{%p for d in dimensions %}")
    p = para(doc, "按{{ d.title }}", bold=True, space_before=6, space_after=2)
    p.paragraph_format.keep_with_next = True
    _loop_table(
        doc,
        (4.0, 2.0, 2.2, 8.8),
        ("{{ d.title }}", "件数", "占比", "图示"),
        "r in d.rows",
        ("r.name", "r.count", "r.share", "r.bar"),
    )
    para(doc, "{%p endfor %}")
    _heading(doc, "三、处理及时率")
    _loop_table(
        doc,
        (1.4, 6.0, 1.8, 2.0, 2.0, 2.0, 1.8),
        ("时限", "应办事项", "应完成", "按时完成", "逾期完成", "逾期未完成", "及时率"),
        "t in timeliness",
        ("t.rule", "t.what", "t.due", "t.met", "t.late", "t.missed", "t.rate"),
        total=(
            "合计",
            "",
            "{{ timeliness_total.due }}",
            "{{ timeliness_total.met }}",
            "{{ timeliness_total.late }}",
            "{{ timeliness_total.missed }}",
            "{{ timeliness_total.rate }}",
        ),
    )
    para(doc, "处理用时(小时):", bold=True, space_before=6, space_after=2)
    _loop_table(
        doc,
        (6.5, 3.5, 3.5, 3.5),
        ("环节(自登记起)", "件数", "平均", "中位数"),
        "d in durations",
        ("d.name", "d.n", "d.mean", "d.median"),
    )
    _heading(doc, "四、回访满意度")
    para(doc, "{{ chart_satisfaction }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _loop_table(
        doc,
        (3.0, 2.0, 2.2, 9.8),
        ("满意度", "件数", "占比", "图示"),
        "s in satisfaction",
        ("s.level", "s.count", "s.share", "s.bar"),
    )
    para(
        doc,
        "满意率(满意 + 非常满意):{{ satisfied_share }}(已回访 {{ rated }} 件);"
        "重开 {{ reopened }} 件,重开率 {{ reopen_rate }}。",
        space_before=3,
    )
    _heading(doc, "五、重复投诉(同一客户电话或车辆VIN)")
    para(
        doc,
        "本期重复投诉客户 {{ repeat_count }} 位{% if repeats %}:{% else %}。{% endif %}",
        space_after=2,
    )
    para(doc, "{%p if repeats %}")
    _loop_table(doc, (2.0, 15.0), ("件数", "投诉单编号"), "g in repeats", ("g.count", "g.numbers"))
    para(doc, "{%p endif %}")
    _heading(doc, "六、奖惩(已批准)")
    # 无责 (S5) is a liability decision, counted in cases, never a fine
    para(
        doc,
        "罚款合计 {{ fines_total }} 元,奖励合计 {{ rewards_total }} 元;"
        "无责 {{ not_liable }} 件(不罚款,由责任部门负责处理)。",
        space_after=2,
    )
    para(doc, "{%p if money_by_department %}")
    _loop_table(
        doc,
        (5.0, 3.0, 3.0, 3.0, 3.0),
        ("部门", "罚款(元)", "笔数", "奖励(元)", "笔数"),
        "m in money_by_department",
        ("m.department", "m.fines", "m.fine_count", "m.rewards", "m.reward_count"),
    )
    para(doc, "")
    _loop_table(
        doc,
        (3.4, 3.0, 2.65, 2.65, 2.65, 2.65),
        ("部门", "姓名", "罚款(元)", "笔数", "奖励(元)", "笔数"),
        "m in money_by_person",
        ("m.department", "m.person", "m.fines", "m.fine_count", "m.rewards", "m.reward_count"),
    )
    para(doc, "{%p endif %}")
    _causes_and_scorecard(doc)
    _heading(doc, "九、结转")
    para(
        doc,
        "上期结转未结 {{ carried_over }} 件;截至期末仍未结 {{ open_at_end }} 件"
        "(转入下期)。时限按 {{ as_of }} 的记录判断。",
    )
    _emergencies_section(doc)
    _sheet_returns_section(doc)
    # the meeting's lines and the signatures stay on one page (never a page of signatures)
    _heading(doc, "十、会议意见及改进措施")
    for _ in range(5):
        p = para(doc, "\u3000" * 40, underline_runs=(0,), space_after=6)
        p.paragraph_format.keep_with_next = True
    para(
        doc,
        "制表:|\u3000\u3000\u3000\u3000\u3000\u3000|\u3000\u3000审核(客服经理):|"
        "\u3000\u3000\u3000\u3000\u3000\u3000|\u3000\u3000总经理:|"
        "\u3000\u3000\u3000\u3000\u3000\u3000",
        underline_runs=(1, 3, 5),
        space_before=12,
    )
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _causes_and_scorecard(doc) -> None:
    """七、原因分析 (the Pareto: chart, table with the cumulative share, the causes of repeat
    complaints) and 八、考核 (the scorecards, ranked, with the period before)."""
    _heading(doc, "七、原因分析(原因分类排列图)")
    para(
        doc,
        "已填原因 {{ causes_classified }} 件,未填 {{ causes_unclassified }} 件;"
        "累计占比达 80% 的主要原因:{{ causes_vital or '—' }}。",
        space_after=2,
    )
    para(doc, "{{ chart_pareto }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "{%p if causes %}")
    _loop_table(
        doc,
        (4.0, 1.8, 2.0, 2.2, 7.0),
        ("原因分类", "件数", "占比", "累计占比", "图示"),
        "c in causes",
        ("c.cause", "c.count", "c.share", "c.cumulative", "c.bar"),
    )
    para(doc, "{%p endif %}")
    p = para(doc, "重复投诉的原因", bold=True, space_before=6, space_after=2)
    p.paragraph_format.keep_with_next = True
    para(doc, "{%p if repeat_causes %}")
    _loop_table(
        doc,
        (4.0, 1.8, 2.0, 2.2, 7.0),
        ("原因分类", "件数", "占比", "累计占比", "图示"),
        "c in repeat_causes",
        ("c.cause", "c.count", "c.share", "c.cumulative", "c.bar"),
    )
    para(doc, "{%p else %}")
    para(doc, "本期没有填写原因的重复投诉。")
    para(doc, "{%p endif %}")
    para(doc, "{%p if scorecard %}")
    _heading(doc, "八、考核(上期:{{ scorecard_prev_label }})")
    para(
        doc,
        "排名:及时率高者在前,其次满意率、结案率,再次件数少者在前;投诉率 = 部门件数 ÷ "
        "本业务业务量(每千台次)。",
        size=9,
        space_after=2,
    )
    _loop_table(
        doc,
        # the rates get room for "100.0%" on one line; 类别 and 名称 wrap instead
        (1.8, 0.8, 1.8, 0.9, 1.45, 1.45, 1.45, 1.45, 1.45, 1.0, 1.0, 1.0, 1.45),
        (
            "类别",
            "名次",
            "名称",
            "件数",
            "及时率",
            "满意率",
            "重开率",
            "结案率",
            "投诉率",
            "罚款",
            "奖励",
            "上期\n名次",
            "上期\n及时率",
        ),
        "s in scorecard",
        (
            "s.group",
            "s.rank",
            "s.name",
            "s.cases",
            "s.timeliness",
            "s.satisfaction",
            "s.reopen",
            "s.closure",
            "s.complaint_rate",
            "s.fines",
            "s.rewards",
            "s.prev_rank",
            "s.prev_timeliness",
        ),
        size=7.5,
    )
    para(doc, "{%p endif %}")


def _emergencies_section(doc) -> None:
    """附:突发事件及复盘: each emergency of the period with the review its closing asked
    for (cause, what was done, what changes); nothing when the period had none."""
    para(doc, "{%p if emergencies %}")
    _heading(doc, "附:突发事件及复盘")
    _loop_table(
        doc,
        (2.8, 1.6, 2.2, 1.4, 3.0, 3.0, 3.0),
        ("编号", "类型", "认定时间", "状态", "复盘:原因", "复盘:处理经过", "复盘:改进措施"),
        "e in emergencies",
        ("e[0]", "e[1]", "e[2]", "e[5]", "e[7]", "e[8]", "e[9]"),
        size=8,
    )
    para(doc, "{%p endif %}")


def _sheet_returns_section(doc) -> None:
    """签字单回收: the sheets printed in the period, returned, within the limit, still out
    (an office's own template without it prints without it)."""
    _heading(doc, "附:签字单回收(打印后 {{ sheet_returns.days }} 日内交回)")
    para(
        doc,
        "本期打印签字单 {{ sheet_returns.total.printed }} 张,"
        "已回收 {{ sheet_returns.total.returned }} 张"
        "(回收率 {{ sheet_returns.total.rate }}),"
        "其中打印后 {{ sheet_returns.days }} 日内交回 {{ sheet_returns.total.on_time }} 张;"
        "仍未回收 {{ sheet_returns.total.missing }} 张,"
        "其中已超过 {{ sheet_returns.days }} 日 {{ sheet_returns.total.overdue }} 张。",
        space_after=2,
    )
    para(doc, "{%p if sheet_returns.rows %}")
    _loop_table(
        doc,
        (4.4, 1.5, 1.6, 1.8, 1.9, 2.3, 1.7, 1.8),
        ("表单", "打印", "已回收", "回收率", "限内交回", "按时回收率", "未回收", "已超期"),
        "r in sheet_returns.rows",
        (
            "r.title",
            "r.printed",
            "r.returned",
            "r.rate",
            "r.on_time",
            "r.on_time_rate",
            "r.missing",
            "r.overdue",
        ),
    )
    para(doc, "{%p endif %}")


def main() -> None:
    path = Path(__file__).with_name("templates") / TEMPLATE_FILE
    path.write_bytes(build_default_template())
    print(path)


if __name__ == "__main__":
    main()
