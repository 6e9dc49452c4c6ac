"""No ledger crashes the process or eats the machine. Cells far out, values
out of range, a million bad rows, an empty 说明, control and bidi characters: each ends in a
message naming the place, the good rows import, the database is otherwise unchanged."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from complaints.usecases import ledger_export, ledger_import
from ledger.reader import open_ledger
from ledger.rejects import RejectedRows
from ledger.validate import RowProblem
from ledger.zip_check import ZipLimits, check_zip
from tests.ledger.helpers import ctx_for, new_case, rewrite_zip, snapshot

ROOT = Path(__file__).resolve().parents[2]
CASES = "xl/worksheets/sheet2.xml"  # our exporter's part of 投诉台账 (sheet1 is 说明)


@pytest.fixture
def exported(sites, tmp_path):
    """SH01's ledger with four cases; HQ's database holding one case of its own."""
    ctx = sites.use("SH01")
    for name in ("甲", "乙", "丙", "丁"):
        new_case(ctx, customer_name=name)
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    hq = sites.use("HQ")
    new_case(hq, customer_name="总部客户")
    return out


def _sheet_xml(path: Path, part: str = CASES) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(part)


def _with_cell(src: Path, dest: Path, ref: str, row: str | None = None) -> Path:
    """``src`` with one more text cell at ``ref`` (in a row of its own) in 投诉台账."""
    row = row or re.sub(r"^[A-Z]+", "", ref)
    xml = _sheet_xml(src).replace(
        b"</sheetData>",
        (
            f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
        ).encode(),
    )
    return rewrite_zip(src, dest, replace={CASES: xml})


def _edit(src: Path, dest: Path, fn) -> Path:
    wb = load_workbook(src)
    fn(wb)
    wb.save(dest)
    return dest


def _col(path: Path, sheet: str, header: str) -> int:
    wb = load_workbook(path, read_only=True)
    try:
        return [c.value for c in next(wb[sheet].iter_rows(max_row=1))].index(header) + 1
    finally:
        wb.close()


def _set(wb, sheet: str, row: int, header: str, value) -> None:
    ws = wb[sheet]
    headers = [c.value for c in ws[1]]
    ws.cell(row, headers.index(header) + 1).value = value


# --- cells far out -------------------------------------------------------------------------


def test_stray_cell_at_xfd1048576_is_read_as_a_stream_not_a_grid(exported, tmp_path):
    """calamine would allocate the bounding box A1:XFD1048576 (549,755,813,888 bytes) and
    abort the process: the pre-pass sees the cell and the file is streamed instead."""
    f = _with_cell(exported, tmp_path / "far.xlsx", "XFD1048576")
    assert not check_zip(f).calamine_ok and check_zip(exported).calamine_ok
    hq = ctx_for("HQ")
    before = snapshot()
    report = ledger_import.apply_import(hq, [f])
    res = report.files[0]
    assert res.refused is None and res.counts["投诉台账"].new == 4
    (rej,) = res.rejected
    assert rej.row == 1048576 and "必须填写" in rej.reason
    assert len(snapshot()["cases"]) == len(before["cases"]) + 4


def test_stray_cell_far_out_in_a_subprocess_exits_normally(exported, tmp_path):
    """The same through the command line, in a process of its own: exit 1 (a row
    rejected), no traceback, no abort (exit 134 before)."""
    f = _with_cell(exported, tmp_path / "far.xlsx", "XFD1048576")
    data = tmp_path / "cli"
    code = textwrap.dedent(f"""
        import sys
        from desktop.cli import main
        assert main(["--data-dir", {str(data)!r}, "init", "--site", "HQ", "--name", "总部"]) == 0
        sys.exit(main(["--data-dir", {str(data)!r}, "ledger", "import", {str(f)!r}]))
    """)
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,  # the exit code is the point
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "“投诉台账”第 1048576 行" in proc.stdout and "投诉台账:新增 4" in proc.stdout


@pytest.mark.parametrize(
    ("ref", "row", "shown"),
    [
        ("A99999999", None, "行号“99999999”"),
        ("XFE1", "1", "单元格“XFE1”"),
        ("A5", "99999999", "行号“99999999”"),  # the row's number alone
        ("AAAA1", "1", "单元格“AAAA1”"),
        ("A0", "1", "单元格“A0”"),
    ],
)
def test_cell_outside_the_excel_grid_refuses_the_file_naming_sheet_and_cell(
    exported, tmp_path, ref, row, shown
):
    f = _with_cell(exported, tmp_path / "out.xlsx", ref, row)
    hq = ctx_for("HQ")
    before = snapshot()
    report = ledger_import.apply_import(hq, [f])
    msg = report.files[0].refused
    assert msg and "工作表“投诉台账”" in msg and shown in msg and "A1:XFD1048576" in msg
    assert not report.applied and snapshot() == before


def test_a_huge_declared_dimension_sizes_nothing(exported, tmp_path):
    xml = re.sub(
        rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', _sheet_xml(exported), count=1
    )
    f = rewrite_zip(exported, tmp_path / "dim.xlsx", replace={CASES: xml})
    assert check_zip(f).calamine_ok  # the cells are few: the dimension is not looked at
    res = ledger_import.check_import(ctx_for("HQ"), [f]).files[0]
    assert res.refused is None and res.counts["投诉台账"].new == 4


def test_shared_strings_declaring_billions_are_not_given_to_calamine(exported, tmp_path):
    """calamine reserves sharedStrings' uniqueCount before reading a string."""
    sst = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxml'
        b'formats.org/spreadsheetml/2006/main" count="4000000000" '
        b'uniqueCount="4000000000"><si><t>a</t></si></sst>'
    )
    f = rewrite_zip(exported, tmp_path / "sst.xlsx", add={"xl/sharedStrings.xml": sst})
    scan = check_zip(f)
    assert scan.strings_declared == 4_000_000_000 and scan.strings_found == 1
    assert not scan.calamine_ok
    lf = open_ledger(f)
    try:
        assert len(list(lf.raw_rows("投诉台账"))) == 4
    finally:
        lf.close()


def test_oversized_shared_strings_are_refused(exported, tmp_path):
    sst = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    f = rewrite_zip(exported, tmp_path / "sst.xlsx", add={"xl/sharedStrings.xml": sst})
    res = ledger_import.check_import(ctx_for("HQ"), [f]).files[0]
    assert res.refused is None
    from ledger.refusal import LedgerRefused

    with pytest.raises(LedgerRefused, match="共享字符串表过大"):
        open_ledger(f, ZipLimits(max_shared_strings_bytes=10))


# --- values out of range reject their row --------------------------------------------------


@pytest.mark.parametrize(
    ("sheet", "header", "value", "needle"),
    [
        ("投诉台账", "登记时间", "2026-11-20T09:30:00+24:00", "时区偏移超出范围"),
        ("投诉台账", "登记时间", "2026-11-20 09:30-24:30", "时区偏移超出范围"),
        ("投诉台账", "最后修改时间", "9999-12-31T23:59:59-12:00", "年份超出范围"),
        ("投诉台账", "登记时间", "9999-12-31T23:59:59-12:00", "年份超出范围"),
        ("投诉台账", "修订号", 1e30, "超出范围"),
        ("投诉台账", "修订号", 2**63, "超出范围"),
        ("投诉台账", "修订号", str(2**63), "超出范围"),
        ("投诉台账", "公里数", 1e30, "超出范围"),
        ("投诉台账", "公里数", 2**63, "超出范围"),
        ("投诉台账", "公里数", "9" * 5000, "不是合理的整数"),
        ("投诉台账", "投诉内容", "刹车_xD800_异响", "代理项"),
        ("投诉台账", "客户姓名", "_xDFFF_", "代理项"),
        ("投诉台账", "购车/维修时间", "9999-12-31", "年份超出范围"),
    ],
)
def test_value_out_of_range_rejects_its_row_and_the_good_rows_import(
    exported, tmp_path, sheet, header, value, needle
):
    f = _edit(exported, tmp_path / "bad.xlsx", lambda wb: _set(wb, sheet, 3, header, value))
    hq = ctx_for("HQ")
    before = snapshot()
    report = ledger_import.apply_import(hq, [f])
    res = report.files[0]
    assert res.refused is None, res.refused
    (rej,) = [r for r in res.rejected if r.sheet == sheet]
    (p,) = rej.problems
    assert (p.sheet, p.row, p.column) == (sheet, 3, header) and needle in p.reason, p
    assert res.counts["投诉台账"].new == 3
    assert len(snapshot()["cases"]) == len(before["cases"]) + 3
    str(p).encode("utf-8")  # printable: no lone surrogate in the message


def test_sanction_amount_is_bounded_to_ten_million_yuan(sites, tmp_path):
    from tests.ledger.helpers import add_sanction

    ctx = sites.use("SH01")
    cid = new_case(ctx)
    for amount in (200, 300, 10_000_000):
        add_sanction(ctx, cid, amount)
    out = tmp_path / "s.xlsx"
    ledger_export.export_ledger(ctx, out)
    # the bound itself (10,000,000) travels as the owner wrote it; the two rows above it
    # are edited in the file
    rows = {
        v: n
        for n, (v,) in enumerate(
            load_workbook(out)["奖惩记录"].iter_rows(
                min_row=2,
                min_col=_col(out, "奖惩记录", "金额"),
                max_col=_col(out, "奖惩记录", "金额"),
                values_only=True,
            ),
            start=2,
        )
    }
    f = _edit(
        out,
        tmp_path / "amounts.xlsx",
        lambda wb: (
            _set(wb, "奖惩记录", rows[200], "金额", 1e30),
            _set(wb, "奖惩记录", rows[300], "金额", 10_000_001),
        ),
    )
    hq = sites.use("HQ")
    res = ledger_import.apply_import(hq, [f]).files[0]
    assert res.counts["奖惩记录"].new == 1 and res.counts["奖惩记录"].rejected == 2
    assert {(p.row, p.column) for p in res.problems} == {(rows[200], "金额"), (rows[300], "金额")}
    assert "10000000" in " ".join(p.reason for p in res.problems)
    assert [s["amount"] for s in snapshot()["sanctions"]] == [10_000_000]


def test_rejects_file_of_a_lone_surrogate_shows_its_escape(exported, tmp_path):
    f = _edit(
        exported, tmp_path / "bad.xlsx", lambda wb: _set(wb, "投诉台账", 2, "投诉内容", "a_xD800_b")
    )
    report = ledger_import.check_import(ctx_for("HQ"), [f])
    (out,) = ledger_import.write_rejected_rows(report, tmp_path / "rejects.xlsx")
    import python_calamine

    # read as Excel shows it (calamine decodes _x005F_, the escaped underscore)
    rows = (
        python_calamine.CalamineWorkbook.from_path(str(out))
        .get_sheet_by_name("投诉台账")
        .to_python()
    )
    headers = rows[0]
    assert rows[1][headers.index("投诉内容")] == "a_xD800_b"
    assert "代理项" in rows[1][headers.index("拒绝原因")]


# --- many rejected rows: on disk, listed in order, shown in part ----------------------------


def test_rejected_rows_are_kept_on_disk_in_sheet_and_row_order():
    from ledger.results import RejectedRow

    rows = RejectedRows()
    order = [
        ("投诉台账", 5),
        ("投诉台账", 9),
        ("投诉台账", 2),
        ("投诉台账", 12),
        ("投诉台账", 7),
        ("跟踪记录", 3),
        ("跟踪记录", 2),
        ("跟踪记录", 4),
    ]
    for sheet, n in order:
        rows.append(
            RejectedRow(sheet, n, ("x", None, None), [RowProblem(sheet, n, "记录ID", "坏")])
        )
    assert len(rows) == 8 and rows
    got = [(r.sheet, r.row) for r in rows]
    assert got == [
        ("投诉台账", 2),
        ("投诉台账", 5),
        ("投诉台账", 7),
        ("投诉台账", 9),
        ("投诉台账", 12),
        ("跟踪记录", 2),
        ("跟踪记录", 3),
        ("跟踪记录", 4),
    ]
    assert next(r.raw for r in rows) == ("x",)  # trailing empty cells dropped
    assert [(r.sheet, r.row) for r in rows.head(3)] == got[:3]
    rows.append(RejectedRow("跟踪记录", 1, (), []))  # appending after reading still sorts
    assert [(r.sheet, r.row) for r in rows][5] == ("跟踪记录", 1)
    rows.clear()
    assert not rows and list(rows) == []


def test_console_shows_the_first_50_rejected_rows_and_the_count(sites, tmp_path, capsys):
    from desktop.commands.ledger import print_result
    from ledger.results import FileResult, RejectedRow, SheetCounts

    res = FileResult(tmp_path / "x.xlsx", site="SH01")
    res.counts["投诉台账"] = SheetCounts(rejected=120)
    for n in range(2, 122):
        res.rejected.append(
            RejectedRow("投诉台账", n, (), [RowProblem("投诉台账", n, "渠道", "不对")])
        )
    print_result(ledger_import.ImportPreview([res]))
    out = capsys.readouterr().out
    assert out.count("拒绝:") == 50 and "第 51 行" in out and "第 52 行" not in out
    assert "共 120 行被拒绝" in out


# --- empty 说明, controls and bidi marks -----------------------------------------------------


def test_empty_info_sheet_is_refused_with_a_message(exported, tmp_path):
    empty = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
        b'openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
    )
    f = rewrite_zip(exported, tmp_path / "noinfo.xlsx", replace={"xl/worksheets/sheet1.xml": empty})
    before = snapshot()
    report = ledger_import.apply_import(ctx_for("HQ"), [f])
    assert "“说明”工作表是空的" in report.files[0].refused
    assert snapshot() == before


def test_control_and_bidi_characters_are_stripped_and_said(exported, tmp_path):
    xml = _sheet_xml(exported)
    xml = xml.replace("甲".encode(), "甲_x0000_\x07".encode(), 1)  # NUL (escaped), BEL
    # the marks go, and what is left is the owner's version as its 版本指纹 names it
    xml = xml.replace("乙".encode(), "\u202e乙\u2066".encode(), 1)
    f = rewrite_zip(exported, tmp_path / "ctl.xlsx", replace={CASES: xml.replace(b"\x07", b"&#7;")})
    hq = ctx_for("HQ")
    report = ledger_import.apply_import(hq, [f])
    res = report.files[0]
    assert res.counts["投诉台账"].new == 4 and not res.rejected
    names = {c["customer_name"] for c in snapshot()["cases"]}
    assert {"甲", "乙"} <= names
    (note,) = [w for w in report.warnings if "控制字符" in w]
    assert "“投诉台账”“客户姓名”列有 2 个单元格" in note and "已删除" in note
    assert "第 2 行" in note  # the first row where it was found


def test_tab_newline_and_carriage_return_are_kept(sites, tmp_path):
    ctx = sites.use("SH01")
    new_case(ctx, content="第一行\r\n\t第二行")
    out = tmp_path / "t.xlsx"
    ledger_export.export_ledger(ctx, out)
    hq = sites.use("HQ")
    report = ledger_import.apply_import(hq, [out])
    assert not [w for w in report.warnings if "控制字符" in w]
    assert snapshot()["cases"][0]["content"] == "第一行\r\n\t第二行"


@pytest.mark.parametrize(
    ("xml", "cells", "box"),
    [
        (
            b'<row r="1"><c r="A1"/><c r="C1"/></row><row r="7"><c r="B7"/><c r="AB7"/></row>',
            4,
            (1, 7, 1, 28),
        ),
        (b'<row r="1"><c r="A1"/><c/></row><row><c r="B2"/><c/><c/></row>', 5, (1, 2, 1, 4)),
        (b'<x:row r="1"><x:c r="A1"/></x:row><x:row r="3"><x:c r="D3"/></x:row>', 2, (1, 3, 1, 4)),
        (b'<row r="2"><c t="s" r="E2"/></row>', 1, (2, 2, 5, 5)),
    ],
)
def test_cell_scan_finds_the_bounding_box_with_or_without_references(xml, cells, box):
    """The usual form is checked by its distinct references, any other tag by tag (a cell
    without a reference takes the next place, as readers count it)."""
    from ledger.cell_places import CellScan

    scan = CellScan("f.xlsx", "工作表“投诉台账”")
    scan.feed(scan.feed(b"<sheetData>" + xml + b"</sheetData>") + b"<")
    assert (scan.min_row, scan.max_row, scan.min_col, scan.max_col) == box
    assert scan.cells == cells


def test_info_sheet_of_thousands_of_keys_is_refused(exported, tmp_path):
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>键{n}</t></is></c></row>'
        for n in range(20, 1100)
    )
    xml = _sheet_xml(exported, "xl/worksheets/sheet1.xml").replace(
        b"</sheetData>", rows.encode() + b"</sheetData>"
    )
    f = rewrite_zip(exported, tmp_path / "info.xlsx", replace={"xl/worksheets/sheet1.xml": xml})
    res = ledger_import.check_import(ctx_for("HQ"), [f]).files[0]
    assert res.refused and "“说明”有 1000 项以上" in res.refused
