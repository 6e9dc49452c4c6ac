"""The printed paper of every life of a case (issue 16), rendered by LibreOffice and read
back page by page: what is on which page, as the people who sign and file it see it.
Slow (starts LibreOffice); skipped with the reason where soffice or poppler is missing."""

from __future__ import annotations

import re
import shutil
import subprocess

import paper_cases as P
import pytest

from complaints.usecases import printing, site
from forms import pdf

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(pdf.find_soffice() is None, reason="LibreOffice (soffice) not installed"),
    pytest.mark.skipif(
        shutil.which("pdftotext") is None, reason="pdftotext (poppler) not installed"
    ),
]

SIGNATURES = ("客服经理", "处理部门经理", "总经理：")


@pytest.fixture
def paper(db_path, tmp_path):
    site.init_site("SH01", "上海浦东店", now=P.START)
    clock = P.Clock()
    return P.context(clock), clock, tmp_path / "printed"


def pages(pdf_path) -> list[str]:
    """The text of each page, white space and line breaks dropped."""
    out = subprocess.run(
        ["pdftotext", str(pdf_path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return [re.sub(r"\s+", "", p) for p in out.split("\f")[:-1]]


def print_form(ctx, case_id, form, printed):
    res = printing.print_case_form(
        ctx, case_id, form, templates_dir=None, printed_dir=printed, pdf=True
    )
    assert res.pdf is not None, res.warnings
    return res, pages(res.pdf)


def number_of(case_id):
    from complaints.usecases.cases import get_case

    return get_case(case_id)["number"]


def assert_every_page_numbered(ps, number):
    for i, p in enumerate(ps, 1):
        assert number in p, f"page {i} lacks {number}"
        assert f"第{i}页" in p and f"共{len(ps)}页" in p, p[:200]


def assert_signatures_with_closing(ps):
    """The signature labels and 关单时间 on one page (the last), never alone there."""
    last = ps[-1]
    assert "关单时间" in last and all(s in last for s in SIGNATURES)
    assert "客服回访" in last  # the box above the signatures came along
    for p in ps[:-1]:
        assert "关单时间" not in p and "处理部门经理" not in p


def test_ordinary_case_is_one_page_with_everything(paper):
    ctx, clock, printed = paper
    cid = P.ordinary(ctx, clock)
    _res, ps = print_form(ctx, cid, "A", printed)
    assert len(ps) == 1
    p = ps[0]
    assert_every_page_numbered(ps, number_of(cid))
    assert_signatures_with_closing(ps)
    assert "☑满意" in p and "免费检修并赠送保养一次" in p and "重开" not in p
    assert "None" not in p and "零元" not in p


def test_reopened_case_shows_both_plans_and_both_callbacks(paper):
    ctx, clock, printed = paper
    cid = P.reopened(ctx, clock)
    _res, ps = print_form(ctx, cid, "A", printed)
    text = "".join(ps)
    assert len(ps) == 1
    assert "首次处理" in text and "更换前减震器,赠送保养一次" in text
    assert "重开后再次处理" in text and "总经理出面致歉" in text
    first = re.search(r"首次回访（\d+月\d+日）：(.*?)二次回访", text, re.S).group(1)
    second = re.search(r"二次回访（\d+月\d+日）：(.*?非常不满意)", text, re.S).group(1)
    assert "☑非常不满意" in first and "☑" not in first.replace("☑非常不满意", "")
    assert "☑满意" in second and "☑非常不满意" not in second
    assert_signatures_with_closing(ps)


def test_case_reopened_now_prints_as_a_resent_sheet_with_d10(paper):
    ctx, clock, printed = paper
    cid = P.reopened(ctx, clock, second_callback=False)
    _res, ps = print_form(ctx, cid, "A", printed)
    text = "".join(ps)
    assert "重开再派单" in ps[0]
    assert "3日内回复" in text and "请将此单在3日内回传客服部" in text
    assert "首次回访" in text and "☑非常不满意" in text


def test_on_site_case_prints_the_same_day_limit(paper):
    ctx, clock, printed = paper
    cid = P._case(ctx, clock, channel="现场")
    _res, ps = print_form(ctx, cid, "A", printed)
    assert "当日回复" in ps[0] and "请将此单在当日内回传客服部" in ps[0]
    assert "24小时" not in ps[0]


def test_long_case_continues_on_a_page_that_repeats_title_and_number(paper):
    ctx, clock, printed = paper
    cid = P.long_case(ctx, clock)
    _res, ps = print_form(ctx, cid, "A", printed)
    assert len(ps) == 2
    assert_every_page_numbered(ps, number_of(cid))
    for p in ps:
        assert "顾客抱怨/投诉处理表（内部）" in p
    assert_signatures_with_closing(ps)


def test_manufacturer_case_with_20_entries_prints_plain_sentences(paper):
    ctx, clock, printed = paper
    cid = P.manufacturer(ctx, clock)
    res, ps = print_form(ctx, cid, "B", printed)
    text = "".join(ps)
    assert res.warnings == ()
    assert_every_page_numbered(ps, number_of(cid))
    assert "【" not in text and "】" not in text
    for internal in ("回传客服", "指定责任人", "内部:配件已到", "升级"):
        assert internal not in text, internal
    assert re.search(r"\d\d-\d\d\d\d:\d\d联系客户：电话联系客户,约次日到店", text)
    assert "上报厂家：CAC案例号CAC-88001" in text
    assert "回访：客户满意，客户认可处理结果" in text
    assert "请酌情填入状态栏" in ps[-1]
    assert text.count("状态更新：") == 5


def test_long_manufacturer_case_continues_with_title_number_and_the_note_last(paper):
    ctx, clock, printed = paper
    cid = P.manufacturer(ctx, clock, content=P.LONG_CONTENT, background="老客户," * 60)
    _res, ps = print_form(ctx, cid, "B", printed)
    assert len(ps) == 2
    assert_every_page_numbered(ps, number_of(cid))
    for p in ps:
        assert "客户投诉处理跟踪表（厂家）" in p
    assert "请酌情填入状态栏" in ps[-1] and "请酌情填入状态栏" not in ps[0]
    assert "回访：客户满意" in ps[-1]  # the last entry sits above the note


def test_form_b_of_a_case_reported_to_the_manufacturer_does_not_warn(paper):
    ctx, clock, printed = paper
    cid = P._case(ctx, clock)  # a callback-raised case, neither forwarded nor flagged
    from complaints.usecases import tracking

    clock.now = clock.now.replace(hour=10)
    tracking.record_action(ctx, cid, "上报厂家", cac_number="CAC-1")
    res = printing.print_case_form(ctx, cid, "B", templates_dir=None, printed_dir=printed)
    assert res.warnings == ()


def test_month_batch_of_notices(paper, tmp_path):
    from complaints.usecases import demo

    ctx, clock, printed = paper
    clock.now = P.START.replace(day=30, hour=18)
    demo.load_demo(ctx, 300, seed=5)
    notices = printing.approved_notices(P.NOTICE_MONTH, "SH01")
    assert notices and all(s.amount > 0 and s.rule != "S5" for s in notices)
    depts = [s.department for s in notices]
    assert depts == sorted(depts)  # grouped by department
    res = printing.print_month_notices(
        ctx, P.NOTICE_MONTH, templates_dir=None, printed_dir=printed, pdf=True
    )
    ps = pages(res.pdf)
    text = "".join(ps)
    assert "零元" not in text and "¥0" not in text.replace("¥0,", "")
    assert "依据规则" not in text and "元元" not in text
    assert len(ps) == -(-len(notices) // 3)
    for s in notices:
        if s.case_id:
            number = s.case.number
            assert text.count(f"投诉单编号：{number}") >= 1
            assert text.count(number) == text.count(f"投诉单编号：{number}")
