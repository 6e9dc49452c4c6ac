"""Filling forms A–D: every box holds its value, ☑/☐, capital money, no "None"."""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from datetime import date, datetime

import pytest
from conftest_forms import CASE_VALUES, VIN, document_xml, plain_text
from docx import Document

from complaints.rules.policy import Policy
from complaints.usecases.context import CHINA_TZ
from forms import fill, qr
from forms.templates import PLACEHOLDERS, default_bytes, placeholders

ENTRIES = [
    {
        "at": datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ),
        "action": "登记",
        "actor": "测试员",
        "note": "",
    },
    {
        "at": datetime(2026, 11, 20, 10, 0, tzinfo=CHINA_TZ),
        "action": "联系客户",
        "actor": "赵六",
        "note": "已电话安抚 <客户>",
    },
]
CASE = dict(CASE_VALUES, number="SH01-202611-0007", closed_at=None)
SANCTION = {
    "uid": "4f0c2d1e-aaaa-bbbb-cccc-000000000001",
    "type": "罚款",
    "rule": "S1",
    "department": "售后服务部",
    "person": "赵六",
    "amount": 100,
    "reason": "有责投诉 <A&B>",
    "date": date(2026, 11, 20),
}


def boxes_by_label(data: bytes) -> dict[str, str]:
    """label cell text → the text of the cell right of it, for every table row."""
    doc = Document(io.BytesIO(data))
    out: dict[str, str] = {}
    for t in doc.tables:
        for row in t.rows:
            cells = []
            for c in row.cells:  # merged cells repeat; keep each once
                if not cells or c._tc is not cells[-1]._tc:
                    cells.append(c)
            for a, b in itertools.pairwise(cells):
                out.setdefault(a.text.strip(), b.text)
    return out


def form_a(**kw) -> bytes:
    return fill.fill_case_form(
        dict(CASE, **kw), ENTRIES, "A", Policy(), tz=CHINA_TZ, today=date(2026, 11, 22)
    )


def form_b(**kw) -> bytes:
    return fill.fill_case_form(
        dict(CASE, **kw), ENTRIES, "B", Policy(), tz=CHINA_TZ, today=date(2026, 11, 22)
    )


def test_form_a_every_box_holds_its_value():
    data = form_a()
    boxes = boxes_by_label(data)
    assert boxes["车型"] == "帕萨特 330TSI"
    assert boxes["VIN"] == VIN
    assert boxes["派工单号"] == "WO-2026-1120"
    assert boxes["车牌号"] == "沪A12345"
    assert boxes["购车/维修时间"] == "2025年3月1日"  # the forms' default date style
    assert boxes["接单时间"] == "2026年11月20日 09:30"
    assert boxes["用户姓名"] == "张三"
    assert boxes["性别"] == "男"
    assert boxes["联系电话"] == "13812345678"
    assert boxes["销售/服务顾问"] == "李四"
    assert boxes["维修内容"] == "更换前减震器"
    assert boxes["维修班组"] == "机电二组"
    assert boxes["意见类型"] == "☐一般投诉\u3000☑重大投诉"
    assert boxes["处理部门"] == "售后服务部"
    assert boxes["处理时限"] == "3日内回复"  # major: D8 72 h
    assert boxes["总经理批示"] == "同意处理方案"
    assert boxes["客服回访"] == "☐非常满意\u3000☑满意\u3000☐一般\u3000☐不满意\u3000☐非常不满意"
    text = plain_text(data)
    assert "编号：SH01-202611-0007" in text
    assert '车辆异响 <严重> & "多次" 返修\n第二次到店仍未解决' in text
    assert "☐主动投诉\u3000☑被动投诉" in text
    assert "免费检修并赠送保养一次" in text
    assert "处理日期：2026年11月21日" in text
    assert "烦请在3小时内与客户取得联系" in text
    assert "请将此单在24小时内回传客服部" in text
    assert "关单时间：\n" in text  # not closed yet: an empty box
    assert text.count("☑") == 3


def test_form_a_boxes_are_in_the_order_of_forms_md():
    text = plain_text(form_a())
    order = [
        "顾客抱怨/投诉处理表（内部）",
        "编号",
        "车辆信息",
        "车型",
        "VIN",
        "派工单号",
        "车牌号",
        "购车/维修时间",
        "接单时间",
        "用户信息",
        "用户姓名",
        "性别",
        "联系电话",
        "销售/服务顾问",
        "维修内容",
        "维修班组",
        "意见类型",
        "内容",
        "处理部门",
        "处理时限",
        "接获此单后",
        "调查结果",
        "处理日期",
        "总经理批示",
        "客服回访",
        "客服经理",
        "处理部门经理",
        "总经理：",
        "关单时间",
    ]
    at = 0
    for w in order:  # each label after the one before it
        at = text.index(w, at) + len(w)


def test_signature_boxes_stay_blank():
    text = plain_text(form_a(responsible="赵六"))
    line = next(ln for ln in text.splitlines() if ln.startswith("客服经理"))
    assert re.fullmatch(r"客服经理：\u3000+\u3000*处理部门经理：\u3000+总经理：\u3000+", line), line
    c = fill.fill_sanction_notice(SANCTION)
    boxes = boxes_by_label(c)
    assert boxes["总经理签字"] == ""
    assert boxes["部门经理签字"] == ""


def test_form_a_deadline_wording_comes_from_the_policy():
    policy = Policy().with_(sheet_contact_hours=2, sheet_return_hours=12, d7_hours=48)
    data = fill.fill_case_form(dict(CASE, severity="一般投诉"), ENTRIES, "A", policy)
    text = plain_text(data)
    assert "烦请在2小时内与客户取得联系" in text
    assert "请将此单在12小时内回传客服部" in text
    assert "2日内回复" in text


def test_form_a_says_office_time_for_rules_counted_in_it():
    policy = Policy().with_(d1_clock="office", d7_clock="office", d7_hours=16)
    text = plain_text(fill.fill_case_form(dict(CASE, severity="一般投诉"), ENTRIES, "A", policy))
    assert "烦请在3小时(工作时间)内与客户取得联系" in text
    assert "请将此单在24小时(工作时间)内回传客服部" in text
    assert "16个工作小时内回复" in text
    major = plain_text(fill.fill_case_form(CASE, ENTRIES, "A", policy))  # D8 stays calendar
    assert "3日内回复" in major


def test_form_b_every_box_and_the_footer_note():
    data = form_b()
    boxes = boxes_by_label(data)
    assert boxes["车辆识别号"] == VIN
    assert boxes["公里数"] == "12345 km"
    assert boxes["车型"] == "帕萨特 330TSI"
    assert boxes["CAC案例号"] == "CAC-88001"
    assert boxes["车主电话"] == "13812345678"
    assert boxes["维修站名称"] == "上海浦东店"
    assert boxes["FMC状态"] == "☐On-going\u3000☑In process\u3000☐Hold\u3000☐Closed"
    text = plain_text(data)
    assert "表编号：SH01-202611-0007" in text and "填表日期：2026年11月22日" in text
    assert "车辆故障或投诉内容：\n车辆异响 <严重>" in text
    assert "（潜在媒体曝光、消协等机构投诉还是一般投诉）\n潜在媒体曝光" in text
    assert "车辆的背景）\n老客户,车队用车" in text
    assert "顾客需求或倾向：\n要求免费更换" in text
    # customer-facing events in plain sentences, no staff names (issue 16 §3)
    assert "11-20 09:30 受理投诉\n11-20 10:00 联系客户：已电话安抚 <客户>" in text
    assert (
        "注：状态有On-going（处理中无结论），In process（已有结论在走程序），"
        "Hold（冷处理或僵持状态），Closed（关闭）四种，请酌情填入状态栏。"
    ) in text


def test_empty_values_print_as_empty_boxes_never_none():
    bare = {
        "number": "SH01-202611-0001",
        "received_at": CASE["received_at"],
        "channel": "现场",
        "kind": "抱怨",
        "severity": "一般投诉",
        "business": "销售",
        "customer_name": "王",
        "content": "x",
    }
    bare.update({k: None for k in CASE_VALUES if k not in bare})
    for form in ("A", "B"):
        data = fill.fill_case_form(bare, [], form)
        xml = document_xml(data)
        assert "None" not in xml and "null" not in xml
        assert "{{" not in xml and "}}" not in xml
    boxes = boxes_by_label(fill.fill_case_form(bare, [], "A"))
    assert boxes["VIN"] == "" and boxes["性别"] == ""
    assert "☑" not in boxes["客服回访"] and boxes["客服回访"].count("☐") == 5


@pytest.mark.parametrize("form", ["A", "B", "C", "D"])
def test_every_placeholder_is_filled(form):
    names = placeholders(default_bytes(form))
    assert names <= set(PLACEHOLDERS[form])
    code = qr.SheetCode(form, "SH01-202611-0007", 3, "7F3K")
    if form in "AB":
        ctx = fill.case_context(
            CASE, ENTRIES, Policy(), tz=CHINA_TZ, today=date(2026, 11, 22), code=code
        )
        data = fill.fill_case_form(
            CASE, ENTRIES, form, tz=CHINA_TZ, today=date(2026, 11, 22), code=code
        )
    else:
        sanction = dict(SANCTION, type="罚款" if form == "C" else "奖励")
        ctx = fill.sanction_context(sanction, code=code)
        data = fill.fill_sanction_notice(sanction, code=code)
    assert set(ctx) == set(PLACEHOLDERS[form])
    assert isinstance(ctx["sheet_qr"], qr.QrImage)
    for n in names - {"sheet_qr"}:
        # empty by design here: not closed yet; not a reopened case
        assert str(ctx[n]).strip() or n in ("closed_at", "reissue"), f"{n} is empty"
    xml = document_xml(data)
    assert "{{" not in xml and "{%" not in xml and "None" not in xml
    assert "<w:drawing>" in xml or form in "AB"  # A and B carry the code in the page header
    assert f"{form} · SH01-202611-0007 · r3 · 7F3K" in plain_text(data)


def test_fine_and_reward_notices():
    c = fill.fill_sanction_notice(SANCTION, case_number="SH01-202611-0007")
    boxes = boxes_by_label(c)
    assert boxes["部门"] == "售后服务部"
    assert boxes["姓名"] == "赵六"
    assert boxes["罚款金额"] == "人民币（大写）壹佰元整\u3000\u3000¥100"  # ¥ or 元, not both
    # the reason in words, the case number once on a line of its own (issue 16 §6)
    assert boxes["罚款原因"] == "有责投诉 <A&B>\n投诉单编号：SH01-202611-0007"
    assert "罚款通知单" in plain_text(c) and "年\u3000\u3000月\u3000\u3000日" in plain_text(c)
    d = fill.fill_sanction_notice(
        dict(SANCTION, type="奖励", amount=300, rule="S11", reason="客户赠送锦旗")
    )
    boxes = boxes_by_label(d)
    assert boxes["奖励金额"] == "人民币（大写）叁佰元整\u3000\u3000¥300"
    assert boxes["奖励原因"] == "客户赠送锦旗"
    assert "奖励通知单" in plain_text(d)


@pytest.mark.parametrize(
    "amount,capital",
    [(0, "零元整"), (20, "贰拾元整"), (50, "伍拾元整"), (1250, "壹仟贰佰伍拾元整")],
)
def test_money_capital(amount, capital):
    assert fill.money_capital(amount) == capital


def test_money_is_integer_yuan():
    with pytest.raises(TypeError):
        fill.money_capital(100.0)


def test_batch_of_notices_several_to_a_page_with_cut_lines():
    notices = [dict(SANCTION, uid=f"{i:08d}-x", person=f"员工{i}") for i in range(5)]
    notices[1] = dict(notices[1], type="奖励", amount=300)
    data = fill.fill_notice_batch(notices, per_page=2)
    xml = document_xml(data)
    assert xml.count('w:type="page"') == 2  # pages of 2, 2, 1
    assert plain_text(data).count("沿此线剪开") == 2
    text = plain_text(data)
    assert text.count("罚款通知单") == 4 and text.count("奖励通知单") == 1
    assert all(f"员工{i}" in text for i in range(5))
    one = fill.fill_notice_batch(notices, per_page=1)
    assert document_xml(one).count('w:type="page"') == 4
    assert "沿此线剪开" not in plain_text(one)


def test_batch_notices_read_the_same_as_single_ones():
    notices = [dict(SANCTION, uid=f"{i:08d}-y", person=f"员工{i}") for i in range(3)]
    notices[2] = dict(notices[2], type="奖励", amount=300, reason="锦旗 <&>")
    batch = plain_text(fill.fill_notice_batch(notices, per_page=3))
    for n in notices:
        single = plain_text(fill.fill_sanction_notice(n)).strip()
        assert single in batch


def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_batch_keeps_an_office_logo(tmp_path):
    from docx.shared import Cm

    doc = Document(io.BytesIO(default_bytes("C")))
    logo = tmp_path / "logo.png"
    logo.write_bytes(_png())
    doc.paragraphs[0].insert_paragraph_before().add_run().add_picture(str(logo), width=Cm(1))
    doc.save(tmp_path / "C_罚款通知单.docx")
    data = fill.fill_notice_batch(
        [SANCTION, dict(SANCTION, person="甲"), dict(SANCTION, type="奖励")], templates_dir=tmp_path
    )
    out = Document(io.BytesIO(data))
    xml = document_xml(data)
    embeds = re.findall(r'r:embed="([^"]+)"', xml)
    assert len(embeds) == 2  # two fines with the logo; the reward uses the default D
    assert all(out.part.related_parts[r].content_type == "image/png" for r in embeds)
    ids = re.findall(r'<wp:docPr id="(\d+)"', xml)
    assert len(ids) == len(set(ids)) == 2
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
    assert len(names) == len(set(names))


def test_control_characters_from_pasted_text_do_not_break_the_document():
    data = form_a(content="第一行\r\n第二行\x0b\x07\x0c\x01末尾", customer_name="张\x00三")
    text = plain_text(data)
    assert "第一行\n第二行末尾" in text
    assert boxes_by_label(data)["用户姓名"] == "张三"
    Document(io.BytesIO(data))  # still a readable .docx


def test_date_style_and_document_properties():
    """Dates in the office's style (a setting; forms default to 2026年11月22日), and the
    printed file's properties are its own: title, the site as author, no template text."""
    data = fill.fill_case_form(
        CASE, ENTRIES, "A", tz=CHINA_TZ, site_name="上海浦东店", dates=fill.DATE_NUMERIC
    )
    text = plain_text(data)
    assert "处理日期：2026-11-21" in text and "年11月" not in text
    core = Document(io.BytesIO(data)).core_properties
    assert core.title == "顾客抱怨/投诉处理表(内部) SH01-202611-0007"
    assert core.author == "上海浦东店" and core.last_modified_by == "上海浦东店"
    assert core.comments == "" and "{{" not in core.comments
    notice = fill.fill_sanction_notice(SANCTION, site_name="上海浦东店")
    core = Document(io.BytesIO(notice)).core_properties
    assert core.title.startswith("罚款通知单") and core.author == "上海浦东店"


def test_form_b_tracking_shows_holds_with_their_reason():
    held = [
        *ENTRIES,
        {
            "at": datetime(2026, 11, 20, 11, 0, tzinfo=CHINA_TZ),
            "action": "暂停",
            "actor": "赵六",
            "note": "等待配件",
        },
        {
            "at": datetime(2026, 11, 24, 9, 0, tzinfo=CHINA_TZ),
            "action": "恢复",
            "actor": "赵六",
            "note": "配件已到",
        },
    ]
    data = fill.fill_case_form(CASE, held, "B", Policy(), tz=CHINA_TZ, today=date(2026, 11, 24))
    text = plain_text(data)
    assert "11-20 11:00 暂停计时：等待配件\n11-24 09:00 恢复计时：配件已到" in text
