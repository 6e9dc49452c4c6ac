"""The cause Pareto and the scorecards in the Excel and Word reports, read back (openpyxl,
python-docx), and the scorecard use case against the period's figures."""

from __future__ import annotations

from datetime import datetime

import pytest
from docx import Document
from openpyxl import load_workbook

from complaints.rules.periods import parse_period
from complaints.rules.scorecard import Group
from complaints.usecases import cases, report_files, scorecards, tracking
from complaints.usecases.context import CHINA_TZ
from ledger.report_xlsx_causes import PARETO_SHEET, SCORECARD_SHEET


def _case(ctx, month: int, day: int, cause: str | None, dept: str, phone: str) -> int:
    v = cases.blank_case(ctx)
    v.update(
        customer_name="李先生",
        content="异响",
        business="售后",
        received_at=datetime(2026, month, day, 9, tzinfo=CHINA_TZ),
        phone=phone,
    )
    cid = cases.create_case(ctx, v).id
    tracking.record_action(ctx, cid, "派单", department=dept)
    tracking.record_action(ctx, cid, "指定责任人", person="王师傅" if dept == "车间" else "赵经理")
    extra = {"cause": cause} if cause else {}
    tracking.record_action(ctx, cid, "处理完成", plan="已处理", **extra)
    return cid


@pytest.fixture
def october(ctx):
    for day, cause, dept, phone in (
        (2, "维修质量", "车间", "13800000001"),
        (3, "维修质量", "车间", "13800000001"),
        (4, "价格/费用", "配件部", "13800000002"),
        (5, "服务态度", "车间", "13800000003"),
        (6, None, "配件部", "13800000004"),
    ):
        _case(ctx, 10, day, cause, dept, phone)
    _case(ctx, 9, 10, "维修质量", "车间", "13800000009")  # the month before
    return ctx


def test_scorecard_rows_and_the_period_before(october):
    s = scorecards.scorecards(october, parse_period("2026-10"))
    depts = {r.name: r for r in s.current.rows[Group.DEPARTMENT]}
    assert {n: len(r.cases) for n, r in depts.items()} == {"车间": 3, "配件部": 2}
    wang = s.current.row(Group.RESPONSIBLE, "王师傅")
    assert wang is not None and len(wang.cases) == 3 and wang.closure_rate.hits == 0
    before = s.before(depts["车间"])
    assert before is not None and len(before.cases) == 1
    assert s.before(depts["配件部"]) is None
    rows = scorecards.rows_data(s)
    assert [r["name"] for r in rows if r["group"] == "客服"] == ["测试员"]


def test_excel_report_has_the_pareto_sheet_with_its_chart_and_the_scorecard(october, tmp_path):
    out = tmp_path / "r.xlsx"
    report_files.save_report(october, parse_period("2026-10"), (), out, templates_dir=None)
    wb = load_workbook(out)
    ws = wb[PARETO_SHEET]
    rows = [r for r in ws.iter_rows(values_only=True) if r and r[0]]
    head = rows.index(("原因分类", "件数", "占比", "累计占比"))
    assert rows[head + 1 : head + 4] == [
        ("维修质量", 2, 0.5, 0.5),
        ("服务态度", 1, 0.25, 0.75),  # a tie: the office's list has 服务态度 first
        ("价格/费用", 1, 0.25, 1.0),
    ]
    assert len(ws._charts) == 1  # the Pareto: bars with the cumulative line
    # the repeat complaint (two cases, one phone): both 维修质量
    second = rows.index(("原因分类", "件数", "占比", "累计占比"), head + 1)
    assert rows[second + 1] == ("维修质量", 2, 1.0, 1.0)
    sc = [r for r in wb[SCORECARD_SHEET].iter_rows(values_only=True) if r and r[0]]
    top = next(i for i, r in enumerate(sc) if r[0] == "类别")
    body = sc[top + 1 :]
    depts = [(r[1], r[2], r[3]) for r in body if r[0] == "部门"]
    assert sorted(depts, key=lambda r: r[1]) == [(1, "车间", 3), (2, "配件部", 2)] or sorted(
        depts, key=lambda r: r[1]
    ) == [(2, "车间", 3), (1, "配件部", 2)]
    assert {r[2] for r in body if r[0] == "第一责任人"} == {"王师傅", "赵经理"}


def test_word_report_has_the_pareto_and_scorecard_tables(october, tmp_path):
    out = tmp_path / "r.docx"
    report_files.save_report(october, parse_period("2026-10"), (), out, templates_dir=None)
    doc = Document(str(out))
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    pareto = next(t for t in tables if t[0][:4] == ["原因分类", "件数", "占比", "累计占比"])
    assert [r[:4] for r in pareto[1:]] == [
        ["维修质量", "2", "50.0%", "50.0%"],
        ["服务态度", "1", "25.0%", "75.0%"],
        ["价格/费用", "1", "25.0%", "100.0%"],
    ]
    assert pareto[1][4].startswith("█")  # the bar prints without a picture
    score = next(t for t in tables if t[0][:3] == ["类别", "名次", "名称"])
    assert sorted(r[2] for r in score[1:] if r[0] == "部门") == ["车间", "配件部"]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "七、原因分析" in text and "八、考核（上期：2026年9月）" in text
    assert "未填 1 件" in text
