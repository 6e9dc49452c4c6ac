"""The streamed reader (ledger.sheet_stream, used when a ledger is too big for calamine's
whole-sheet grid) gives the values openpyxl gives, and an import through it
the same data as through calamine."""

from __future__ import annotations

import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from complaints.usecases import ledger_export, ledger_import
from ledger import zip_check
from ledger.reader import open_ledger
from ledger.sheet_stream import StreamWorkbook
from tests.ledger.helpers import add_sanction, ctx_for, new_case, rewrite_zip, snapshot


def _openpyxl_rows(path, name):
    wb = load_workbook(path, read_only=True, data_only=True)
    ws = wb[name]
    ws.reset_dimensions()
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    return rows


def _stream_rows(path, name):
    wb = StreamWorkbook(path)
    rows = list(wb[name].iter_rows(values_only=True))
    wb.close()
    return rows


def _same(a, b):
    """openpyxl pads rows to the widest, the stream ends each row at its last cell; an
    empty inline string is "" or None depending on how it is written (<t></t>, <t/>):
    both are an empty cell to the importer."""

    def norm(rows):
        rows = [tuple(None if v == "" else v for v in r) for r in rows]
        return [
            r[: max((i + 1 for i, v in enumerate(r) if v is not None), default=0)] for r in rows
        ]

    return norm(a) == norm(b)


@pytest.fixture
def ledger_file(sites, tmp_path):
    ctx = sites.use("SH01")
    cid = new_case(
        ctx,
        content="第一行\r\n第二行 _x000D_ 字面",
        plan="=1+1",
        mileage=12345,
        purchase_date=date(2024, 3, 1),
        media=True,
    )
    new_case(ctx, customer_name="  空格  ")
    add_sanction(ctx, cid)
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    return out


def test_stream_reads_what_openpyxl_reads_in_our_files_and_in_excel_style_files(
    ledger_file, tmp_path
):
    resaved = tmp_path / "resaved.xlsx"  # openpyxl's own styles and cell forms
    src = load_workbook(ledger_file)
    copy = Workbook()
    copy.remove(copy.active)
    for ws in src.worksheets:
        out = copy.create_sheet(ws.title)
        for row in ws.iter_rows(values_only=True):
            out.append(row)
    copy.save(resaved)
    for path in (ledger_file, resaved):
        for name in ("说明", "投诉台账", "跟踪记录", "奖惩记录"):
            assert _same(_openpyxl_rows(path, name), _stream_rows(path, name)), (path, name)


def test_stream_reads_types_rich_text_gaps_and_cells_without_references(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["B1"], ws["C1"] = "文字", 3, 2.5
    ws["A2"] = datetime(2026, 11, 20, 9, 30)
    ws["B2"] = date(2026, 11, 20)
    ws["C2"] = True
    ws["A5"] = "隔行"
    f = tmp_path / "t.xlsx"
    wb.save(f)
    with zipfile.ZipFile(f) as z:
        xml = z.read("xl/worksheets/sheet1.xml")
    # a rich-text inline string with a phonetic run, and a row whose cells carry no r
    extra = (
        '<row r="7"><c r="A7" t="inlineStr"><is><r><t>甲</t></r><r><rPr><b/></rPr>'
        '<t xml:space="preserve">乙 </t></r><rPh sb="0" eb="1"><t>jia</t></rPh></is></c>'
        '<c t="e"><v>#N/A</v></c><c t="b"><v>0</v></c><c><v>1E3</v></c></row>'
    )
    extra += '<row r="8"><c r="B8" t="s"><v>1</v></c><c r="C8" t="s"><v>0</v></c></row>'
    sst = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" '
        'uniqueCount="2"><si><t>共享一</t></si><si><r><t>共享</t></r><r><t>二</t></r></si>'
        "</sst>"
    )
    with zipfile.ZipFile(f) as z:
        ct = z.read("[Content_Types].xml").replace(
            b"</Types>",
            (
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
            ),
        )
        rels = z.read("xl/_rels/workbook.xml.rels").replace(
            b"</Relationships>",
            (
                b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/'
                b'2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                b"</Relationships>"
            ),
        )
    f2 = rewrite_zip(
        f,
        tmp_path / "t2.xlsx",
        replace={
            "xl/worksheets/sheet1.xml": xml.replace(
                b"</sheetData>", extra.encode() + b"</sheetData>"
            ),
            "[Content_Types].xml": ct,
            "xl/_rels/workbook.xml.rels": rels,
        },
        add={"xl/sharedStrings.xml": sst.encode()},
    )
    rows = _stream_rows(f2, "S")
    assert rows[7] == (None, "共享二", "共享一")
    assert rows[0] == ("文字", 3, 2.5)
    assert rows[1] == (datetime(2026, 11, 20, 9, 30), datetime(2026, 11, 20), True)
    assert rows[2] == () and rows[3] == () and rows[4] == ("隔行",)
    assert rows[6] == ("甲乙 ", "#N/A", False, 1000.0)
    assert _same(_openpyxl_rows(f2, "S"), rows)


def test_import_through_the_stream_gives_what_calamine_gives(ledger_file, sites, monkeypatch):
    sites.use("HQ")
    report = ledger_import.apply_import(ctx_for("HQ"), [ledger_file])
    assert not report.rejected
    by_calamine = snapshot()
    sites.use("HQ2")
    monkeypatch.setattr(zip_check, "CALAMINE_BUDGET", -1)
    monkeypatch.setattr(zip_check, "CHUNKED_READING", False)
    lf = open_ledger(ledger_file)
    assert isinstance(lf._wb, StreamWorkbook)
    lf.close()
    report = ledger_import.apply_import(ctx_for("HQ2"), [ledger_file])
    assert not report.rejected and not report.differences
    assert snapshot() == by_calamine
