"""Build the shipped default templates (forms/templates/*.docx) with python-docx.

The committed .docx files are this script's output, so the defaults are reproducible:

    .venv/bin/python -m forms.build_templates

The placeholders are docxtpl/Jinja ``{{ name }}`` fields typed into ordinary cells, so an
office admin sees them in Word or WPS and can move them, reword the labels or add a logo.
Every table has a fixed layout with explicit column widths (A4, 2 cm margins: 17 cm of
text width): Word and LibreOffice then keep the widths, and a 17-character VIN fits one line.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from forms.templates import TEMPLATE_FILES

LATIN_FONT = "Times New Roman"
EAST_ASIA_FONT = "SimSun"  # 宋体; under this name LibreOffice on Linux falls back to a serif CJK
BODY_PT = 10.5  # 五号
TITLE_PT = 16  # 三号
TEXT_WIDTH_CM = 17.0

# Column widths (cm) per form; tests read them back from the .docx.
A_COLS = (2.4, 2.8, 3.7, 2.8, 5.3)  # section | label | value | label | value (VIN)
B_COLS = (2.6, 5.3, 2.0, 3.0, 2.3, 1.8)  # label | VIN | label | value | label | value
NOTICE_COLS = (2.9, 5.6, 2.9, 5.6)

SIGN_LINE = "\u3000" * 6  # the blank a hand fills in, underlined


def _set_fonts(run_or_style_rpr_owner, size_pt: float | None = None, bold: bool = False) -> None:
    font = run_or_style_rpr_owner.font
    font.name = LATIN_FONT
    if size_pt:
        font.size = Pt(size_pt)
    if bold:
        font.bold = True
    rpr = run_or_style_rpr_owner.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(attr), LATIN_FONT)
    rfonts.set(qn("w:eastAsia"), EAST_ASIA_FONT)
    rfonts.set(qn("w:hint"), "eastAsia")


def new_document():
    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2.0)
    sec.top_margin, sec.bottom_margin = Cm(1.8), Cm(1.6)
    normal = doc.styles["Normal"]
    _set_fonts(normal, BODY_PT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.line_spacing = 1.15
    # The east Asian language on the document defaults too, so Word picks Chinese punctuation.
    rpr_default = doc.styles.element.find(qn("w:docDefaults"))
    if rpr_default is not None:
        rpr = rpr_default.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr is not None:
            lang = rpr.find(qn("w:lang"))
            if lang is None:
                lang = OxmlElement("w:lang")
                rpr.append(lang)
            lang.set(qn("w:eastAsia"), "zh-CN")
            rf = rpr.find(qn("w:rFonts"))
            if rf is None:
                rf = OxmlElement("w:rFonts")
                rpr.insert(0, rf)
            # Theme font attributes win over named fonts in Word: drop them, name the fonts.
            for attr in list(rf.attrib):
                if attr.endswith("Theme") or attr.endswith("theme"):
                    del rf.attrib[attr]
            for attr in ("w:ascii", "w:hAnsi", "w:cs"):
                rf.set(qn(attr), LATIN_FONT)
            rf.set(qn("w:eastAsia"), EAST_ASIA_FONT)
    # The python-docx default document says its East Asian theme language is Japanese.
    theme_lang = doc.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")
    return doc


_ZH = str.maketrans(
    {
        ",": "\uff0c",
        ":": "\uff1a",
        ";": "\uff1b",
        "(": "\uff08",
        ")": "\uff09",
        "!": "\uff01",
        "?": "\uff1f",
    }
)
_CODE = re.compile(r"(\{\{.*?\}\}|\{%.*?%\})")


def zh(text: str) -> str:
    """Chinese punctuation in a template's own words (，：；（）！？), the placeholders and
    template tags left as they are."""
    return "".join(
        part if _CODE.fullmatch(part) else part.translate(_ZH) for part in _CODE.split(text)
    )


def para(
    container,
    text: str = "",
    *,
    align=None,
    size: float | None = None,
    bold: bool = False,
    space_before: float = 0,
    space_after: float = 0,
    underline_runs: tuple[int, ...] = (),
):
    """A paragraph of one run per text piece ('|' separates pieces; underline by index)."""
    p = container.add_paragraph() if hasattr(container, "add_paragraph") else container
    pieces = text.split("|") if text else []
    for i, piece in enumerate(pieces):
        r = p.add_run(zh(piece))
        _set_fonts(r, size, bold)
        if i in underline_runs:
            r.font.underline = True
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_before = Pt(space_before)
    p.paragraph_format.space_after = Pt(space_after)
    return p


def title(doc, text: str) -> None:
    para(doc, text, align=WD_ALIGN_PARAGRAPH.CENTER, size=TITLE_PT, bold=True, space_after=6)


def _field(paragraph, instr: str) -> None:
    """A PAGE / NUMPAGES field (Word and LibreOffice compute it when laying out)."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), f" {instr} ")
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "1"
    r.append(t)
    fld.append(r)
    paragraph._p.append(fld)


# sheet code | title and number | blank, so the title centres; a notice's human line is short
# enough for one line in the wider corner, a page header's number line needs the room
CODE_COLS = (2.6, 11.8, 2.6)
NOTICE_CODE_COLS = (3.8, 9.4, 3.8)
CODE_PT = 6  # the human line under the QR


def code_row(
    container,
    title_text: str,
    line: str,
    *,
    page_numbers: bool = False,
    cols: tuple[float, ...] = CODE_COLS,
):
    """A borderless row at the top of a sheet: the sheet's QR code and its human line in the
    top-left corner (where a scan or a photo keeps it, away from the signatures at the
    foot), the title and the number line beside it."""
    t = (
        container.add_table(rows=2, cols=3, width=Cm(TEXT_WIDTH_CM))
        if hasattr(container, "is_linked_to_previous")  # a header's add_table takes a width
        else container.add_table(rows=2, cols=3)
    )
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    for i, gc in enumerate(t._tbl.tblGrid.findall(qn("w:gridCol"))):
        gc.set(qn("w:w"), str(round(cols[i] / 2.54 * 1440)))
    for row in t.rows:
        for i, cell in enumerate(row.cells):
            cell.width = Cm(cols[i])
    code = t.cell(0, 0).merge(t.cell(1, 0))
    cell_text(code, "{{ sheet_qr }}", vcenter=False)
    para(code, "{{ sheet_line }}", size=CODE_PT)
    cell_text(t.cell(0, 1), title_text, align=WD_ALIGN_PARAGRAPH.CENTER, size=TITLE_PT, bold=True)
    # the number line under the title, over the blank column too: a long one stays on a line
    numbers = t.cell(1, 1).merge(t.cell(1, 2))
    p = para(numbers.paragraphs[0], line + ("\u3000第 " if page_numbers else ""))
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if page_numbers:
        _field(p, "PAGE")
        para(p, " 页\u3000共 ")
        _field(p, "NUMPAGES")
        para(p, " 页")
    return t


def page_header(doc, title_text: str, line: str) -> None:
    """The code row (QR, title, the number line and "第 n 页 共 m 页") in the page header:
    a case that runs onto a second page repeats them there, its code too."""
    sec = doc.sections[0]
    sec.top_margin = Cm(3.4)
    sec.header_distance = Cm(0.8)
    header = sec.header
    code_row(header, title_text, line, page_numbers=True)
    # a header ends with a paragraph: the empty one python-docx made goes under the row,
    # at 1 pt so it takes no room
    last = header.paragraphs[0]
    header._element.append(last._p)
    last.paragraph_format.line_spacing = Pt(1)
    _set_fonts(last.add_run(""), 1)


def keep_together(t, first: int, last: int) -> None:
    """Rows first..last never split and stay with the next row, so the signature block
    stays with the box above it and 关单时间 with the signatures."""
    for i in range(first, last + 1):
        trpr = t.rows[i]._tr.get_or_add_trPr()
        trpr.insert(0, OxmlElement("w:cantSplit"))
        if i == last:
            continue
        for cell in t.rows[i].cells:
            for p in cell.paragraphs:
                p.paragraph_format.keep_with_next = True


def table(doc, cols_cm: tuple[float, ...], rows: int):
    assert abs(sum(cols_cm) - TEXT_WIDTH_CM) < 0.01, cols_cm
    t = doc.add_table(rows=rows, cols=len(cols_cm))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    tblpr = t._tbl.tblPr  # autofit=False wrote <w:tblLayout w:type="fixed"/>
    width = tblpr.find(qn("w:tblW"))
    if width is None:
        width = OxmlElement("w:tblW")
        tblpr.append(width)
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(round(TEXT_WIDTH_CM / 2.54 * 1440)))
    for i, gc in enumerate(t._tbl.tblGrid.findall(qn("w:gridCol"))):
        gc.set(qn("w:w"), str(round(cols_cm[i] / 2.54 * 1440)))
    for row in t.rows:
        for i, cell in enumerate(row.cells):
            cell.width = Cm(cols_cm[i])
    return t


def row_height(row, cm: float, exact: bool = False) -> None:
    row.height = Cm(cm)
    row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY if exact else WD_ROW_HEIGHT_RULE.AT_LEAST


def cell_text(
    cell,
    text: str,
    *,
    align=None,
    bold: bool = False,
    size: float | None = None,
    vcenter: bool = True,
    underline_runs: tuple[int, ...] = (),
):
    """Write into a cell's first paragraph; '\\n' starts a new paragraph."""
    lines = text.split("\n")
    first = cell.paragraphs[0]
    para(first, lines[0], align=align, bold=bold, size=size, underline_runs=underline_runs)
    for line in lines[1:]:
        para(cell, line, align=align, bold=bold, size=size)
    if vcenter:
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    return cell


def label(cell, text: str):
    return cell_text(cell, text, align=WD_ALIGN_PARAGRAPH.CENTER)


def merge(t, r0: int, c0: int, r1: int, c1: int):
    return t.cell(r0, c0).merge(t.cell(r1, c1))


# --- A ----------------------------------------------------------------------------------------


def no_border(cell, *sides: str) -> None:
    """Hide borders inside one printed box that spans two table rows."""
    tcpr = cell._tc.get_or_add_tcPr()
    borders = tcpr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        # schema order: tcBorders comes before these (Word refuses elements out of order)
        later = ("shd", "noWrap", "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark")
        nxt = next((el for el in tcpr if el.tag in {qn(f"w:{n}") for n in later}), None)
        if nxt is not None:
            nxt.addprevious(borders)
        else:
            tcpr.append(borders)
    for side in sides:
        b = OxmlElement(f"w:{side}")
        b.set(qn("w:val"), "nil")
        borders.append(b)


def build_a():
    doc = new_document()
    page_header(doc, "顾客抱怨/投诉处理表(内部)", "{{ reissue }}编号:{{ number }}")
    t = table(doc, A_COLS, 17)
    r = 0
    for section, pairs in (
        (
            "车辆信息",
            [
                ("车型", "{{ car_model }}", "VIN", "{{ vin }}"),
                ("派工单号", "{{ work_order }}", "车牌号", "{{ plate }}"),
                ("购车/维修时间", "{{ purchase_date }}", "接单时间", "{{ received_at }}"),
            ],
        ),
        (
            "用户信息",
            [
                ("用户姓名", "{{ customer_name }}", "性别", "{{ gender }}"),
                ("联系电话", "{{ phone }}", "销售/服务顾问", "{{ advisor }}"),
                ("维修内容", "{{ repair_content }}", "维修班组", "{{ repair_team }}"),
            ],
        ),
    ):
        merge(t, r, 0, r + 2, 0)
        label(t.cell(r, 0), section)
        for l1, v1, l2, v2 in pairs:
            label(t.cell(r, 1), l1)
            cell_text(t.cell(r, 2), v1)
            label(t.cell(r, 3), l2)
            cell_text(t.cell(r, 4), v2)
            row_height(t.rows[r], 0.8)
            r += 1
    # 意见类型
    label(t.cell(r, 0), "意见类型")
    cell_text(merge(t, r, 1, r, 4), "{{ severity_boxes }}")
    row_height(t.rows[r], 0.8)
    r += 1
    # 内容, with 主动/被动 at the foot of the same box
    merge(t, r, 0, r + 1, 0)
    label(t.cell(r, 0), "内容")
    top = merge(t, r, 1, r, 4)
    cell_text(top, "{{ content }}", vcenter=False)
    no_border(top, "bottom")
    row_height(t.rows[r], 3.4)
    foot = merge(t, r + 1, 1, r + 1, 4)
    cell_text(foot, "{{ initiative_boxes }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    no_border(foot, "top")
    r += 2
    # 处理部门 · 处理时限
    label(t.cell(r, 0), "处理部门")
    cell_text(merge(t, r, 1, r, 2), "{{ department }}")
    label(t.cell(r, 3), "处理时限")
    cell_text(t.cell(r, 4), "{{ reply_limit }}")
    row_height(t.rows[r], 0.8)
    r += 1
    # instruction, limits from the policy
    cell_text(
        merge(t, r, 0, r, 4),
        "接获此单后,烦请在{{ contact_limit }}内与客户取得联系,回复随时保持与客服部相关"
        "人员沟通问题处理进展。最终处理完成后,请将此单在{{ return_limit }}内回传客服部,"
        "以备后续追踪并结案及建档,感谢您的协助!",
    )
    row_height(t.rows[r], 1.2)
    r += 1
    # 调查结果及处理意见, with 处理日期 at the foot of the box
    merge(t, r, 0, r + 1, 0)
    label(t.cell(r, 0), "调查结果\n及处理意见")
    top = merge(t, r, 1, r, 4)
    cell_text(top, "{{ plan }}", vcenter=False)
    no_border(top, "bottom")
    row_height(t.rows[r], 4.6)
    foot = merge(t, r + 1, 1, r + 1, 4)
    cell_text(foot, "处理日期:{{ handled_date }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    no_border(foot, "top")
    r += 2
    # 总经理批示
    label(t.cell(r, 0), "总经理批示")
    cell_text(merge(t, r, 1, r, 4), "{{ gm_instruction }}", vcenter=False)
    row_height(t.rows[r], 3.4)
    r += 1
    # 客服回访: every callback with its day (a reopened case: first and second callback)
    tail = r
    label(t.cell(r, 0), "客服回访")
    cell_text(merge(t, r, 1, r, 4), "{{ callbacks }}")
    row_height(t.rows[r], 0.8)
    r += 1
    # signatures: blank lines only, a hand signs here
    cell_text(
        merge(t, r, 0, r, 4),
        f"客服经理:|{SIGN_LINE}|\u3000\u3000处理部门经理:|{SIGN_LINE}|"
        f"\u3000\u3000总经理:|{SIGN_LINE}",
        underline_runs=(1, 3, 5),
    )
    row_height(t.rows[r], 1.2)
    r += 1
    # 关单时间 under the box, in the table so that it never goes to a page alone
    foot = merge(t, r, 0, r, 4)
    cell_text(foot, "关单时间:{{ closed_at }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    no_border(foot, "left", "right", "bottom")
    row_height(t.rows[r], 0.8)
    assert r == len(t.rows) - 1
    keep_together(t, tail, r)
    return doc


# --- B ----------------------------------------------------------------------------------------

B_NOTE = (
    "注:状态有On-going(处理中无结论),In process(已有结论在走程序),Hold(冷处理或僵持状态),"
    "Closed(关闭)四种,请酌情填入状态栏。"
)


def build_b():
    doc = new_document()
    page_header(
        doc, "客户投诉处理跟踪表(厂家)", "表编号:{{ number }}\u3000填表日期:{{ fill_date }}"
    )
    t = table(doc, B_COLS, 9)
    rows = [
        ("车辆识别号", "{{ vin }}", "公里数", "{{ mileage }}", "车型", "{{ car_model }}"),
        (
            "CAC案例号",
            "{{ cac_number }}",
            "车主电话",
            "{{ phone }}",
            "维修站名称",
            "{{ station_name }}",
        ),
    ]
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            (label if c % 2 == 0 else cell_text)(t.cell(r, c), text)
        row_height(t.rows[r], 0.9)
    label(t.cell(2, 0), "FMC状态")
    cell_text(merge(t, 2, 1, 2, 5), "{{ fmc_status_boxes }}")
    row_height(t.rows[2], 0.9)
    boxes = [
        ("车辆故障或投诉内容:", "{{ content }}", 4.0),
        ("投诉性质:(潜在媒体曝光、消协等机构投诉还是一般投诉)", "{{ complaint_nature }}", 1.6),
        ("顾客背景:(填写客户的基本情况,有无特殊背景,或车辆的背景)", "{{ background }}", 2.2),
        ("顾客需求或倾向:", "{{ demand }}", 2.2),
        ("情况跟踪和目前维修状态:", "{{ tracking }}", 9.0),
    ]
    for i, (lab, value, h) in enumerate(boxes):
        r = 3 + i
        c = merge(t, r, 0, r, 5)
        cell_text(c, lab, bold=True, vcenter=False)
        para(c, value)
        row_height(t.rows[r], h)
    # the status note under the last box, in the table: never alone on a page
    note = merge(t, 8, 0, 8, 5)
    cell_text(note, B_NOTE, size=9)
    no_border(note, "left", "right", "bottom")
    keep_together(t, 8, 8)
    return doc


# --- C / D ------------------------------------------------------------------------------------


def build_notice(kind: str):
    """罚款通知单 / 奖励通知单: small, several fit an A4 sheet."""
    doc = new_document()
    code_row(doc, f"{kind}通知单", "编号:{{ notice_number }}", cols=NOTICE_CODE_COLS)
    para(doc, "", size=2).paragraph_format.line_spacing = Pt(4)  # tables never touch
    t = table(doc, NOTICE_COLS, 4)
    label(t.cell(0, 0), "部门")
    cell_text(t.cell(0, 1), "{{ department }}")
    label(t.cell(0, 2), "姓名")
    cell_text(t.cell(0, 3), "{{ person }}")
    row_height(t.rows[0], 0.9)
    label(t.cell(1, 0), f"{kind}金额")
    cell_text(merge(t, 1, 1, 1, 3), "人民币(大写){{ amount_capital }}\u3000\u3000¥{{ amount }}")
    row_height(t.rows[1], 0.9)
    label(t.cell(2, 0), f"{kind}原因")
    cell_text(merge(t, 2, 1, 2, 3), "{{ reason }}")
    row_height(t.rows[2], 1.7)
    label(t.cell(3, 0), "总经理签字")
    cell_text(t.cell(3, 1), "")
    label(t.cell(3, 2), "部门经理签字")
    cell_text(t.cell(3, 3), "")
    row_height(t.rows[3], 1.1)
    para(
        doc,
        "\u3000\u3000\u3000\u3000年\u3000\u3000月\u3000\u3000日",
        align=WD_ALIGN_PARAGRAPH.RIGHT,
        space_before=4,
    )
    return doc


BUILDERS = {
    "A": build_a,
    "B": build_b,
    "C": lambda: build_notice("罚款"),
    "D": lambda: build_notice("奖励"),
}


def build_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for form, build in BUILDERS.items():
        doc = build()
        core = doc.core_properties
        core.author = "ComplaintDesk"
        core.title = TEMPLATE_FILES[form]
        core.comments = "ComplaintDesk 默认模板;占位符 {{ 名称 }} 可移动,勿改名。"
        fixed = datetime(2026, 11, 1)  # a fixed date keeps the output byte-stable
        core.created = core.modified = fixed
        core.revision = 1
        core.last_modified_by = "ComplaintDesk"
        path = folder / TEMPLATE_FILES[form]
        doc.save(path)
        out.append(path)
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "templates"
    for p in build_all(target):
        print(p)
