"""Bad input: every refused file and every rejected row leaves the database unchanged."""

from __future__ import annotations

import zipfile
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from complaints.usecases import ledger_export, ledger_import
from ledger.reader import open_ledger
from ledger.refusal import LedgerRefused
from ledger.zip_check import ZipLimits
from tests.ledger.helpers import T0, ctx_for, new_case, rewrite_zip, snapshot


@pytest.fixture
def exported(sites, tmp_path):
    """SH01's ledger with two cases, and HQ's database holding one older case of its own."""
    ctx = sites.use("SH01")
    new_case(ctx, customer_name="甲")
    new_case(ctx, customer_name="乙")
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    hq = sites.use("HQ")
    new_case(hq, customer_name="总部客户")
    return out


def _edit(src, dest, fn):
    wb = load_workbook(src)
    fn(wb)
    wb.save(dest)
    return dest


def _refused(hq, path, needle):
    before = snapshot()
    preview = ledger_import.check_import(hq, [path])
    assert preview.files[0].refused and needle in preview.files[0].refused, preview.files[0]
    report = ledger_import.apply_import(hq, [path])
    assert report.files[0].refused and not report.applied
    assert snapshot() == before
    return preview.files[0].refused


def _set_info(wb, key, value):
    for row in wb["说明"].iter_rows(min_row=2):
        if row[0].value == key:
            row[1].value = value


def test_wrong_format_is_refused(exported, tmp_path):
    bad = _edit(exported, tmp_path / "bad.xlsx", lambda wb: _set_info(wb, "格式", "工资表"))
    msg = _refused(ctx_for("HQ"), bad, "格式")
    assert "工资表" in msg


def test_newer_format_version_imports_what_it_can_with_a_warning(exported, tmp_path):
    """A newer file is not refused whole: its readable rows import (rows it cannot read are
    refused by name: tests/ledger/test_ledger_format_versions.py)."""
    newer = _edit(exported, tmp_path / "v3.xlsx", lambda wb: _set_info(wb, "格式版本", "3"))
    preview = ledger_import.check_import(ctx_for("HQ"), [newer])
    assert not preview.files[0].refused
    assert any("格式版本 3" in w and "升级" in w for w in preview.warnings)


def test_missing_required_column_is_refused_naming_it(exported, tmp_path):
    def drop(wb):
        ws = wb["投诉台账"]
        for cell in ws[1]:
            if cell.value == "客户姓名":
                ws.delete_cols(cell.column)
                break

    bad = _edit(exported, tmp_path / "nocol.xlsx", drop)
    _refused(ctx_for("HQ"), bad, "客户姓名")


def test_not_a_zip_and_a_truncated_zip_are_refused(exported, tmp_path):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"this is not a spreadsheet" * 100)
    _refused(ctx_for("HQ"), junk, "已损坏")
    data = exported.read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    _refused(ctx_for("HQ"), cut, "已损坏")


def test_corrupt_member_is_refused(exported, tmp_path):
    data = bytearray(exported.read_bytes())
    with zipfile.ZipFile(exported) as z:
        info = z.getinfo("xl/worksheets/sheet2.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 10
    for i in range(start, start + 40):
        data[i] ^= 0xFF
    bad = tmp_path / "flipped.xlsx"
    bad.write_bytes(bytes(data))
    _refused(ctx_for("HQ"), bad, "已损坏")


def test_zip_bomb_is_refused_by_ratio_before_parsing(exported, tmp_path):
    bomb = rewrite_zip(
        exported, tmp_path / "bomb.xlsx", add={"xl/media/image1.bin": b"\0" * (30 * 1024 * 1024)}
    )
    assert bomb.stat().st_size < 1024 * 1024
    _refused(ctx_for("HQ"), bomb, "压缩比")


def test_too_many_entries_and_too_large_are_refused(exported, tmp_path):
    with pytest.raises(LedgerRefused, match="文件过多"):
        open_ledger(exported, ZipLimits(max_entries=3))
    with pytest.raises(LedgerRefused, match="解压后过大"):
        open_ledger(exported, ZipLimits(max_total_bytes=1000))


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row>'
    b"</sheetData></worksheet>"
)


@pytest.mark.parametrize(
    "part", ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/workbook.xml"]
)
def test_xml_bomb_is_refused(exported, tmp_path, part):
    bomb = rewrite_zip(exported, tmp_path / "laughs.xlsx", replace={part: BILLION_LAUGHS})
    _refused(ctx_for("HQ"), bomb, "XML")


def test_formula_cells_are_read_as_text_never_evaluated(exported, tmp_path):
    def formulas(wb):
        ws = wb["投诉台账"]
        headers = [c.value for c in ws[1]]
        ws.cell(2, headers.index("投诉内容") + 1).value = "=1+1"
        ws.cell(3, headers.index("公里数") + 1).value = "=SUM(1,2)"
        ws.delete_cols(headers.index("版本指纹") + 1)  # rows made by hand: no versions named

    f = _edit(exported, tmp_path / "f.xlsx", formulas)
    # The fast reader (calamine) would give a formula's cached value: the scan finds the
    # formulas first, and the file is read with openpyxl, formulas as their text.
    from ledger.zip_check import has_formula_or_dtd

    assert has_formula_or_dtd(f) and not has_formula_or_dtd(exported)
    hq = ctx_for("HQ")
    preview = ledger_import.check_import(hq, [f])
    res = preview.files[0]
    assert res.counts["投诉台账"].new == 1 and res.counts["投诉台账"].rejected == 1
    (rej,) = [r for r in res.rejected if r.sheet == "投诉台账"]
    assert rej.row == 3 and rej.problems[0].column == "公里数"
    ledger_import.apply_import(hq, [f])
    contents = {c["content"] for c in snapshot()["cases"]}
    assert "=1+1" in contents


def test_rejected_rows_are_listed_written_out_and_importable_after_fixing(exported, tmp_path):
    def spoil(wb):
        ws = wb["投诉台账"]
        headers = [c.value for c in ws[1]]
        ws.cell(2, headers.index("登记时间") + 1).value = "2026-02-30"
        ws.cell(3, headers.index("VIN") + 1).value = "LSVAM4187C218484"  # 16 characters
        ws.cell(1, len(headers) + 1).value = "备注(总部加的)"

    bad = _edit(exported, tmp_path / "bad.xlsx", spoil)
    hq = ctx_for("HQ")
    before = snapshot()
    preview = ledger_import.check_import(hq, [bad])
    assert snapshot() == before
    res = preview.files[0]
    assert res.counts["投诉台账"].rejected == 2
    where = {(p.sheet, p.row, p.column) for p in res.problems}
    assert ("投诉台账", 2, "登记时间") in where and ("投诉台账", 3, "VIN") in where
    reasons = " ".join(p.reason for p in res.problems)
    assert "日期不存在" in reasons and "17 位" in reasons
    assert res.unknown_columns["投诉台账"] == ["备注(总部加的)"]
    assert any("不认识的列" in w for w in preview.warnings)
    # the entries of the rejected cases are rejected too (no case to attach to)
    assert res.counts["跟踪记录"].rejected == 2
    report = ledger_import.apply_import(hq, [bad])
    assert report.applied and report.rejected == 4
    assert snapshot() == before  # nothing good was in the file: nothing changed
    rejects = ledger_import.write_rejected_rows(report, tmp_path / "rejects.xlsx")[0]
    wb = load_workbook(rejects)
    keys = [row[0] for row in wb["说明"].iter_rows(values_only=True)]
    assert keys.count("项目") == 1 and "站点代码" in keys  # its header row once
    ws = wb["投诉台账"]
    headers = [c.value for c in ws[1]]
    assert headers[-1] == "拒绝原因" and ws.max_row == 3
    reason = ws.cell(2, len(headers)).value
    assert "登记时间" in reason and "第 2 行" in reason
    # fix both rows in the rejects file, import it: cases and entries come in
    ws.cell(2, headers.index("登记时间") + 1).value = "2026-02-28 10:00"
    ws.cell(3, headers.index("VIN") + 1).value = "LSVAM4187C2184847"
    wb.save(rejects)
    report = ledger_import.apply_import(hq, [rejects])
    assert report.rejected == 0, [str(p) for f in report.files for p in f.problems]
    assert report.files[0].counts["投诉台账"].new == 2
    assert report.files[0].counts["跟踪记录"].new == 2


def test_all_or_nothing_applies_nothing_when_a_row_is_rejected(exported, tmp_path):
    def spoil(wb):
        ws = wb["投诉台账"]
        headers = [c.value for c in ws[1]]
        ws.cell(2, headers.index("渠道") + 1).value = "飞鸽传书"

    bad = _edit(exported, tmp_path / "bad.xlsx", spoil)
    hq = ctx_for("HQ")
    before = snapshot()
    report = ledger_import.apply_import(hq, [bad], all_or_nothing=True)
    assert not report.applied and report.rejected == 2
    assert snapshot() == before
    report = ledger_import.apply_import(hq, [bad])
    assert report.applied and report.files[0].counts["投诉台账"].new == 1


def test_future_export_time_is_warned(exported, tmp_path):
    future = (T0 + timedelta(hours=3)).isoformat()
    f = _edit(exported, tmp_path / "future.xlsx", lambda wb: _set_info(wb, "导出时间", future))
    preview = ledger_import.check_import(ctx_for("HQ"), [f])
    assert any("时钟" in w and "180 分钟" in w for w in preview.warnings), preview.warnings
    ok = ledger_import.check_import(ctx_for("HQ"), [exported])
    assert not any("时钟" in w for w in ok.warnings)


def test_declared_counts_that_differ_are_reported(exported, tmp_path):
    f = _edit(exported, tmp_path / "n.xlsx", lambda wb: _set_info(wb, "投诉台账行数", 5))
    preview = ledger_import.check_import(ctx_for("HQ"), [f])
    assert any("有 5 行" in w and "实际读到 2 行" in w for w in preview.warnings)


def test_cancel_leaves_the_data_as_before(exported, tmp_path, sites):
    hq = ctx_for("HQ")
    before = snapshot()
    seen = []
    report = ledger_import.apply_import(
        hq, [exported, exported], progress=lambda *a: seen.append(a), cancelled=lambda: bool(seen)
    )
    assert report.cancelled and not report.applied
    assert snapshot() == before
    # the backup restore reads, in this PC's backups (on the server too: import_backup)
    assert report.backup is not None and report.backup.exists()
    assert report.backup.parent == sites.root / "HQ" / "backups"


def test_openpyxl_itself_parses_with_defusedxml(exported, tmp_path):
    """Belt and braces: even without our DTD scan, openpyxl (with defusedxml installed)
    refuses the entity bomb instead of expanding it."""
    import openpyxl
    from defusedxml import EntitiesForbidden

    assert openpyxl.DEFUSEDXML is True
    bomb = rewrite_zip(
        exported, tmp_path / "laughs.xlsx", replace={"xl/worksheets/sheet2.xml": BILLION_LAUGHS}
    )
    with pytest.raises(Exception) as info:
        load_workbook(bomb, read_only=True)
    chain, e = [], info.value
    while e is not None:
        chain.append(type(e))
        e = e.__cause__ or e.__context__
    assert EntitiesForbidden in chain, chain


def test_a_stale_dimension_does_not_drop_rows_or_columns(exported, tmp_path):
    """openpyxl's read-only mode trusts <dimension>: a wrong one must not lose data."""
    import zipfile as zf

    with zf.ZipFile(exported) as z:
        xml = z.read("xl/worksheets/sheet2.xml")
    import re

    assert re.search(rb'<dimension ref="A1:[A-Z]+3"', xml)  # ours: exact (2 cases)
    stale = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:C2"', xml, count=1)
    f = rewrite_zip(exported, tmp_path / "stale.xlsx", replace={"xl/worksheets/sheet2.xml": stale})
    preview = ledger_import.check_import(ctx_for("HQ"), [f])
    res = preview.files[0]
    assert res.refused is None and res.counts["投诉台账"].new == 2, res.rejected


def test_ooxml_character_escapes_are_decoded_and_literal_ones_kept(sites, tmp_path):
    ctx = sites.use("SH01")
    new_case(ctx, content="字面量 _x000D_ 保留", plan="甲\r\n乙")
    out = tmp_path / "esc.xlsx"
    ledger_export.export_ledger(ctx, out)
    before = snapshot()
    hq = sites.use("HQ")
    ledger_import.apply_import(hq, [out])
    assert snapshot()["cases"] == before["cases"]
    # A cell as Excel writes a carriage return: _x000D_
    wb = load_workbook(out)
    ws = wb["投诉台账"]
    h = [c.value for c in ws[1]]
    ws.cell(2, h.index("投诉内容") + 1).value = "第一行_x000D_\n第二行"
    ws.cell(2, h.index("修订号") + 1).value = 2
    ws.cell(2, h.index("版本指纹") + 1).value = None  # a hand-made version 2
    wb.save(tmp_path / "excel.xlsx")
    ledger_import.apply_import(hq, [tmp_path / "excel.xlsx"])
    assert snapshot()["cases"][0]["content"] == "第一行\r\n第二行"


@pytest.mark.parametrize("header", ["动作", "记录ID"])
def test_later_sheet_missing_a_required_column_refuses_the_file(exported, tmp_path, sites, header):
    """The 跟踪记录 header is read when the merge reaches that sheet (it loads meanwhile):
    the file is refused all the same, its cases not applied; another file still imports."""

    def drop(wb):
        ws = wb["跟踪记录"]
        for cell in ws[1]:
            if cell.value == header:
                ws.delete_cols(cell.column)
                break

    bad = _edit(exported, tmp_path / "noentrycol.xlsx", drop)
    hq = ctx_for("HQ")
    _refused(hq, bad, header)
    ctx = sites.use("SH02")
    new_case(ctx, customer_name="丙")
    good = tmp_path / "sh02.xlsx"
    ledger_export.export_ledger(ctx, good)
    sites.use("HQ")
    report = ledger_import.apply_import(hq, [bad, good])
    bad_res, good_res = report.files
    assert bad_res.refused and header in bad_res.refused and not bad_res.applied
    assert not bad_res.counts and not bad_res.headers and not bad_res.accepted_uids
    assert good_res.applied and good_res.counts["投诉台账"].new == 1
    assert not report.differences


def test_closing_a_ledger_while_its_sheets_load_is_safe(exported):
    for _ in range(3):
        lf = open_ledger(exported)  # data sheets loading on the helper thread
        lf.close()
    lf = open_ledger(exported)
    assert len(list(lf.raw_rows("投诉台账"))) == 2
    assert len(list(lf.raw_rows("跟踪记录"))) == 2
    lf.close()


def test_an_empty_file_a_word_document_and_an_old_xls_are_said_as_what_they_are(exported, tmp_path):
    """Files sent by mistake are named for what they are, not "damaged"."""
    hq = ctx_for("HQ")
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    assert "文件是空的(0 字节)" in _refused(hq, empty, "empty.xlsx")
    word = tmp_path / "word.xlsx"
    with zipfile.ZipFile(word, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    assert "这是 Word 文档" in _refused(hq, word, "word.xlsx")
    old = tmp_path / "old.xlsx"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    assert "另存为" in _refused(hq, old, "old.xlsx")
