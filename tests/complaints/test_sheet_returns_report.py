"""签字单回收率 in the monthly figures: the review the 统计 page and the ``report`` command
share, and both report files read back with the rate."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from docx import Document
from openpyxl import load_workbook

from complaints.rules.periods import parse_period
from complaints.usecases import cases, printed_forms, report_files, stats_review
from complaints.usecases.context import CHINA_TZ
from db import printed_rows
from forms.templates import FORM_TITLES

NOV = parse_period("2026-11")


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10, tzinfo=CHINA_TZ)


@pytest.fixture
def sheets(ctx):
    """Of the case's sheets printed in November (the clock stands at 11-20, the limit is 3
    days): A back the next day, B back after 11 days, A still out since 11-10; an A of
    October (outside the month) came back."""
    v = cases.blank_case(ctx)
    v.update(customer_name="张伟", content="异响", phone="13800000001")
    case_id = cases.create_case(ctx, v).id
    for form, printed, returned in (
        ("A", at(11, 2), at(11, 3)),
        ("B", at(11, 4), at(11, 15)),
        ("A", at(11, 10), None),
        ("A", at(10, 30), at(10, 31)),
    ):
        sheet = printed_rows.add(
            uid=str(uuid.uuid4()),
            form=form,
            case=case_id,
            printed_at=printed,
            template_source="default",
            template_sha256="0" * 64,
            file_path=f"{uuid.uuid4().hex}.docx",
        )
        if returned is not None:
            printed_forms.mark_signed_returned(ctx, sheet, returned)
    return case_id


def _counts(row) -> tuple[int, ...]:
    return (row.printed, row.returned, row.on_time, row.missing, row.overdue)


def test_the_review_holds_the_return_rate(ctx, sheets):
    r = stats_review.review(ctx, NOV, compare=False).sheet_returns
    assert r is not None and r.days == 3
    assert _counts(r.total) == (3, 2, 1, 1, 1)
    by_form = {row.form: row for row in r.rows}
    assert _counts(by_form["A"]) == (2, 1, 1, 1, 1) and _counts(by_form["B"]) == (1, 1, 0, 0, 0)
    # another site's figures hold none of this office's sheets for SH01's case
    other = stats_review.review(ctx, NOV, ("BJ02",), compare=False).sheet_returns
    assert other is not None and other.total.printed == 0


def test_the_excel_report_has_the_return_rate(ctx, sheets, tmp_path):
    out = tmp_path / "r.xlsx"
    report_files.save_report(ctx, NOV, (), out, templates_dir=None)
    ws = load_workbook(out)["签字单回收"]
    rows = [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]
    assert "打印后 3 日内交回" in rows[0][0]
    assert "已回收 2 张" in rows[1][0] and "仍未回收 1 张" in rows[1][0]
    header = rows.index(
        ("表单", "打印", "已回收", "回收率", "3日内交回", "按时回收率", "未回收", "已超期")
    )
    table = {r[0]: r[1:] for r in rows[header + 1 :]}
    assert table["合计"] == (3, 2, pytest.approx(2 / 3), 1, pytest.approx(1 / 3), 1, 1)
    assert table[FORM_TITLES["B"]] == (1, 1, 1, 0, 0, 0, 0)
    assert table[FORM_TITLES["D"]] == (0, 0, "—", 0, "—", 0, 0)
    total = next(row for row in ws.iter_rows() if row[0].value == "合计")
    assert total[3].number_format == "0.0%"  # a number Excel can compute with, shown as a %


def test_the_word_report_has_the_return_rate(ctx, sheets, tmp_path):
    out = tmp_path / "r.docx"
    report_files.save_report(ctx, NOV, (), out, templates_dir=None)
    doc = Document(str(out))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "签字单回收\uff08打印后 3 日内交回\uff09" in text  # the template's own punctuation
    # the template's own words, in Chinese punctuation
    assert "本期打印签字单 3 张\uff0c已回收 2 张\uff08回收率 66.7%\uff09" in text
    table = next(t for t in doc.tables if t.rows[0].cells[-1].text == "已超期")
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[-1] == ["合计", "3", "2", "66.7%", "1", "33.3%", "1", "1"]
    assert len(cells) == 1 + 4 + 1  # header, forms A–D, total


def test_a_month_without_printed_sheets_has_no_return_sheet_but_says_so_in_word(ctx, tmp_path):
    report_files.save_report(ctx, NOV, (), tmp_path / "r.xlsx", templates_dir=None)
    assert "签字单回收" not in load_workbook(tmp_path / "r.xlsx").sheetnames
    report_files.save_report(ctx, NOV, (), tmp_path / "r.docx", templates_dir=None)
    text = "\n".join(p.text for p in Document(str(tmp_path / "r.docx")).paragraphs)
    assert "本期打印签字单 0 张\uff0c已回收 0 张\uff08回收率 —\uff09" in text
