"""统计's cause Pareto and scorecards on screen, and in the Word report made from the page
(the Pareto as a picture, its table and the scorecard table)."""

from __future__ import annotations

import zipfile
from datetime import datetime

import pytest
from docx import Document
from PySide6.QtCharts import QBarSeries, QLineSeries

from complaints.usecases import cases, tracking
from complaints.usecases.context import CHINA_TZ
from ui.stats import StatsPage


def _handled(ctx, day: int, cause: str | None, phone: str) -> int:
    v = cases.blank_case(ctx)
    v.update(
        customer_name="张伟",
        content="保养后发动机异响",
        business="售后",
        received_at=datetime(2026, 11, day, 9, tzinfo=CHINA_TZ),
        phone=phone,
    )
    cid = cases.create_case(ctx, v).id
    tracking.record_action(ctx, cid, "派单", department="车间")
    extra = {"cause": cause, "cause_note": "说明"} if cause else {}
    tracking.record_action(ctx, cid, "处理完成", plan="已处理", **extra)
    return cid


@pytest.fixture
def handled(ctx):
    return [
        _handled(ctx, 2, "维修质量", "13800000001"),
        _handled(ctx, 3, "维修质量", "13800000001"),  # a repeat complaint
        _handled(ctx, 4, "服务态度", "13800000002"),
        _handled(ctx, 5, "维修质量", "13800000003"),
        _handled(ctx, 6, None, "13800000004"),
    ]


def test_pareto_and_scorecard_on_the_page_and_in_the_word_report(qtbot, session, handled, tmp_path):
    page = StatsPage(session)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    panel = page.causes_panel
    with qtbot.waitSignal(panel.loaded, timeout=20_000):
        qtbot.waitUntil(lambda: page.review is not None, timeout=10_000)
    c = panel.causes
    assert [(r["cause"], r["count"], r["cumulative"]) for r in c["causes"]] == [
        ("维修质量", 3, "75.0%"),
        ("服务态度", 1, "100.0%"),
    ]
    assert c["causes_unclassified"] == 1
    assert [(r["cause"], r["count"]) for r in c["repeat_causes"]] == [("维修质量", 2)]
    series = panel.chart.chart().series()
    assert {type(s) for s in series} == {QBarSeries, QLineSeries}
    assert panel.repeat_table.rowCount() == 1
    # 部门 first: one row, 车间, with its five cases
    assert panel.score_table.rowCount() == 1
    assert panel.score_table.item(0, 1).text() == "车间"
    assert panel.score_table.item(0, 2).text() == "5"
    panel.group.setCurrentIndex(2)  # 客服: the clerk who registered them
    assert panel.score_table.item(0, 1).text() == "测试员"

    with qtbot.waitSignal(page.report_saved, timeout=20_000):
        page.save_report("docx", tmp_path / "r.docx")
    with zipfile.ZipFile(tmp_path / "r.docx") as z:
        pictures = [n for n in z.namelist() if n.startswith("word/media/")]
    assert len(pictures) == 5  # the page's four charts and the Pareto
    doc = Document(str(tmp_path / "r.docx"))
    texts = [[cell.text for cell in row.cells] for t in doc.tables for row in t.rows]
    head = texts.index(["原因分类", "件数", "占比", "累计占比", "图示"])
    assert texts[head + 1][:4] == ["维修质量", "3", "75.0%", "75.0%"]
    assert any(row[:4] == ["部门", "1", "车间", "5"] for row in texts)
