"""A sheet whose cell is written twice in a row (two <c r="U3">), names another row than
the one it sits in (<row r="3"><c r="U4">), sits in no row, or comes after a cell further
right in its row loses no value silently: the readers keep one of two values, put a cell
in different rows, or drop it (shown below on hand-made workbooks), so the file is refused
before any reader opens it, naming the sheet, the row, the cell and the problem, and the
database is unchanged. The check is the pre-pass's (ledger.cell_places.CellScan), so it
holds whichever reader the file's size chooses. Cells and rows without a reference take
the next place, as every reader counts it, and import as before."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from complaints.usecases import ledger_export, ledger_import
from desktop.cli import main
from ledger import zip_check
from ledger.calamine_book import CalamineBook
from ledger.calamine_chunks import ChunkedBook
from ledger.cell_places import CellScan, _column_letters
from ledger.reader import open_ledger
from ledger.refusal import LedgerRefused
from ledger.sheet_stream import StreamWorkbook
from tests.ledger.helpers import ctx_for, new_case, rewrite_zip, snapshot

INFO = "xl/worksheets/sheet1.xml"  # our exporter's part of 说明
CASES = "xl/worksheets/sheet2.xml"  # and of 投诉台账: rows 2 to 5 hold 甲, 乙, 丙, 丁 in U
READERS = ("calamine", "slices", "stream", "openpyxl")

# --- what each reader does with such a sheet, unchecked -------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
    'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
    '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
    'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.'
    'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/>'
    "</sheets></workbook>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
    'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def _book(path: Path, rows: str) -> Path:
    """A one-sheet workbook ("S") whose <sheetData> is ``rows``, written by hand."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
        'openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + rows + "</sheetData>"
        "</worksheet>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def _c(ref: str, value: int) -> str:
    return f'<c r="{ref}"><v>{value}</v></c>' if ref else f"<c><v>{value}</v></c>"


def _read(reader: str, path: Path) -> dict[tuple[int, int], int]:
    """(row, column) → value of every cell as ``reader`` gives it (no pre-pass)."""
    if reader == "openpyxl":
        wb = load_workbook(path, read_only=True)
        ws = wb["S"]
        ws.reset_dimensions()
        rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
    else:
        book = {"calamine": CalamineBook, "stream": StreamWorkbook}.get(reader)
        wb = book(path) if book else ChunkedBook(path, 8)
        rows = [tuple(r) for r in wb["S"].iter_rows(values_only=True)]
        wb.close()
    return {
        (n, c): int(v)
        for n, row in enumerate(rows, start=1)
        for c, v in enumerate(row, start=1)
        if v is not None
    }


# Each sheet holds the values 1, 2, 3, 4 (and 9 where a cell is written twice).
TWO_ROWS = _c("A1", 1) + _c("B1", 2) + "</row>" + '<row r="2">' + _c("A2", 3) + _c("B2", 4)
LOSING = {
    "twice": '<row r="1">' + _c("A1", 1) + _c("B1", 2) + _c("B1", 9) + "</row>"
    '<row r="2">' + _c("A2", 3) + _c("B2", 4) + "</row>",
    "another row": '<row r="1">' + _c("A1", 1) + _c("B2", 2) + "</row>"
    '<row r="2">' + _c("A2", 3) + _c("B2", 4) + "</row>",
    "a later row": '<row r="1">' + _c("A1", 1) + _c("B3", 2) + "</row>"
    '<row r="2">' + _c("A2", 3) + _c("B2", 4) + "</row>",
    "an earlier row": '<row r="1">' + _c("A1", 1) + _c("B1", 2) + "</row>"
    '<row r="2">' + _c("A2", 3) + _c("B1", 4) + "</row>",
    "column order": '<row r="1">' + _c("A1", 1) + _c("B1", 2) + "</row>"
    '<row r="2">' + _c("B2", 4) + _c("A2", 3) + "</row>",
    "numberless row": "<row>" + _c("A5", 1) + _c("B5", 2) + "</row>"
    '<row r="6">' + _c("A6", 3) + _c("B6", 4) + "</row>",
    "no row": _c("A1", 1) + _c("B1", 2) + '<row r="2">' + _c("A2", 3) + _c("B2", 4) + "</row>",
    "a numberless cell twice": '<row r="1">' + _c("A1", 1) + _c("", 2) + _c("B1", 9) + "</row>"
    '<row r="2">' + _c("A2", 3) + _c("B2", 4) + "</row>",
}
HARMLESS = {
    "usual": '<row r="1">' + TWO_ROWS + "</row>",
    "numberless cells": '<row r="1">' + _c("", 1) + _c("", 2) + "</row>"
    '<row r="2">' + _c("", 3) + _c("", 4) + "</row>",
    "numberless rows": "<row>" + TWO_ROWS + "</row>",
    "nothing numbered": "<row>" + _c("", 1) + _c("", 2) + "</row>"
    "<row>" + _c("", 3) + _c("", 4) + "</row>",
    "numberless after numbered": '<row r="1">' + _c("B1", 1) + _c("", 2) + "</row>"
    '<row r="3">' + _c("A3", 3) + _c("", 4) + "</row>",
}


@pytest.mark.parametrize("case", list(LOSING))
def test_unchecked_the_readers_lose_a_value_or_disagree(tmp_path, case):
    """Why such a sheet is refused: read without the pre-pass, a value is missing from
    what some reader gives, or two readers put the values in different places."""
    f = _book(tmp_path / "s.xlsx", LOSING[case])
    read = {r: _read(r, f) for r in READERS}
    values = {1, 2, 3, 4} | ({9} if "twice" in case else set())
    lost = [r for r, cells in read.items() if set(cells.values()) != values]
    places = {tuple(sorted(cells.items())) for cells in read.values()}
    assert lost or len(places) > 1, read
    with pytest.raises(LedgerRefused, match="中单元格的位置不对"):
        zip_check.check_zip(f)


@pytest.mark.parametrize("case", list(HARMLESS))
def test_cells_and_rows_without_a_number_are_placed_alike_and_pass(tmp_path, case):
    f = _book(tmp_path / "s.xlsx", HARMLESS[case])
    assert zip_check.check_zip(f).chunks_ok == (case == "usual")
    readers = READERS if case == "usual" else ("calamine", "stream", "openpyxl")
    read = {r: _read(r, f) for r in readers}
    assert all(cells == read["calamine"] for cells in read.values()), read
    assert sorted(read["calamine"].values()) == [1, 2, 3, 4]


# --- a ledger with such a sheet, through each reader the import may choose -------------------


@pytest.fixture
def exported(sites, tmp_path):
    """SH01's ledger with four cases (rows 2 to 5 of 投诉台账); HQ's database, empty."""
    ctx = sites.use("SH01")
    for name in ("甲", "乙", "丙", "丁"):
        new_case(ctx, customer_name=name)
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    sites.use("HQ")
    return out


def _reader(monkeypatch, src: Path, dest: Path, reader: str) -> Path:
    """``src`` copied so that the import reads it with ``reader`` (as far as its form
    allows: a sheet with a tag in another form is never cut into slices)."""
    if reader in ("slices", "stream"):
        monkeypatch.setattr(zip_check, "CALAMINE_BUDGET", -1)
    if reader == "stream":
        monkeypatch.setattr(zip_check, "CHUNKED_READING", False)
    if reader != "openpyxl":
        return rewrite_zip(src, dest)
    with zipfile.ZipFile(src) as z:  # a formula beside 说明's first row: read by openpyxl
        info = z.read(INFO)
    cut = info.index(b"</row>")
    info = info[:cut] + b'<c r="C1"><f>1+1</f><v>2</v></c>' + info[cut:]
    return rewrite_zip(src, dest, replace={INFO: info})


def _name_cell(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def _cell(xml: bytes, ref: str) -> bytes:
    m = re.search(rb'<c r="' + ref.encode() + rb'"[^>]*(?:/>|>.*?</c>)', xml)
    assert m is not None, ref
    return m.group(0)


def _odd(xml: bytes, case: str) -> bytes:
    """投诉台账's XML with one cell out of place."""
    if case == "twice":  # 乙's name written again: every reader keeps one of the two
        u3 = _cell(xml, "U3")
        return xml.replace(u3, u3 + _name_cell("U3", "冒名"))
    if case == "another row":  # 乙's name says row 4, where 丙's is
        return xml.replace(b'<c r="U3"', b'<c r="U4"')
    if case == "column order":  # 乙's content before its registration number
        a3, n3 = _cell(xml, "A3"), _cell(xml, "N3")
        return xml.replace(a3, b"").replace(n3, n3 + a3)
    if case == "no row":  # a name before the first row
        return xml.replace(b"<sheetData>", b"<sheetData>" + _name_cell("U2", "冒名"))
    assert case == "numberless row"  # row 3 gone, row 4 without its number: it is row 3
    row3 = re.search(rb'<row r="3".*?</row>', xml, re.DOTALL)
    assert row3 is not None
    return xml.replace(row3.group(0), b"").replace(b'<row r="4"', b"<row")


CASES_SAID = {
    "twice": "第 3 行的单元格 U3 出现了两次",
    "another row": "第 3 行中的单元格标为 U4(第 4 行)",
    "column order": "第 3 行的单元格 A3 排在 N3 之后",
    "no row": "单元格 U2 不在任何行内",
    "numberless row": "第 3 行中的单元格标为 A4(第 4 行)",
}


@pytest.mark.parametrize(("case", "said"), list(CASES_SAID.items()))
@pytest.mark.parametrize("reader", READERS)
def test_a_cell_out_of_place_refuses_the_file_and_changes_nothing(
    exported, tmp_path, monkeypatch, reader, case, said
):
    f = _reader(monkeypatch, exported, tmp_path / "base.xlsx", reader)
    with zipfile.ZipFile(f) as z:
        xml = z.read(CASES)
    f = rewrite_zip(f, tmp_path / "odd.xlsx", replace={CASES: _odd(xml, case)})
    hq = ctx_for("HQ")
    before = snapshot()
    report = ledger_import.apply_import(hq, [f])
    res = report.files[0]
    msg = res.refused
    assert msg is not None, (res.counts, [(r.row, r.reason) for r in res.rejected])
    assert msg.startswith("odd.xlsx:工作表“投诉台账”中单元格的位置不对:" + said), msg
    assert "已拒绝" in msg
    assert not report.applied and snapshot() == before
    assert ledger_import.check_import(hq, [f]).files[0].refused == msg


@pytest.mark.parametrize("reader", READERS)
def test_each_reader_is_the_one_the_import_chooses(exported, tmp_path, monkeypatch, reader):
    """(So that the test above runs each reader's path.)"""
    f = _reader(monkeypatch, exported, tmp_path / "intact.xlsx", reader)
    kind = {"calamine": CalamineBook, "slices": ChunkedBook, "stream": StreamWorkbook}
    with open_ledger(f) as lf:
        if reader == "openpyxl":
            assert not isinstance(lf._wb, (CalamineBook, ChunkedBook, StreamWorkbook))
        else:
            assert type(lf._wb) is kind[reader]


def _unnumbered(xml: bytes) -> bytes:
    """``xml`` without the number of each row that follows the one before, and of each
    cell that follows the one before in its row (or is in column A): where every reader
    counts it to be."""
    out = []
    at = 0
    row = col = 0
    for m in re.finditer(rb'<(row|c) r="([A-Z]*)([0-9]+)"', xml):
        kind, letters, number = m.group(1), m.group(2), int(m.group(3))
        out.append(xml[at : m.start()])
        at = m.end()
        if kind == b"row":
            same = number == row + 1
            row, col = number, 0
            out.append(b"<row" if same else m.group(0))
            continue
        named = sum((ch - 64) * 26**i for i, ch in enumerate(reversed(letters)))
        out.append(b"<c" if named == col + 1 else m.group(0))
        col = named
    out.append(xml[at:])
    return b"".join(out)


@pytest.mark.parametrize("reader", ("calamine", "stream", "openpyxl"))
def test_cells_and_rows_without_numbers_import_as_before(
    exported, sites, tmp_path, monkeypatch, reader
):
    """(Such a sheet is never cut into slices: tests/ledger/test_ledger_chunked_reader.py.)"""
    f = _reader(monkeypatch, exported, tmp_path / "base.xlsx", reader)
    assert ledger_import.apply_import(ctx_for("HQ"), [f]).files[0].refused is None
    numbered = snapshot()
    sites.use("HQ2")
    with zipfile.ZipFile(f) as z:
        parts = {p: _unnumbered(z.read(p)) for p in z.namelist() if p.startswith("xl/worksheets/")}
        cells = z.read(CASES).count(b'<c r="')
    still = parts[CASES].count(b'<c r="')  # a cell after an empty one keeps its number
    assert parts[CASES].count(b"<row>") == 5 and 0 < still < cells / 2
    f = rewrite_zip(f, tmp_path / "bare.xlsx", replace=parts)
    report = ledger_import.apply_import(ctx_for("HQ2"), [f])
    res = report.files[0]
    assert res.refused is None and not res.rejected and res.counts["投诉台账"].new == 4
    assert snapshot() == numbered


def test_the_info_sheet_with_a_cell_twice_is_refused_too(exported, tmp_path):
    with zipfile.ZipFile(exported) as z:
        xml = z.read(INFO)
    b3 = _cell(xml, "B3")  # 格式版本 1
    xml = xml.replace(b3, b3 + _name_cell("B3", "2"))
    f = rewrite_zip(exported, tmp_path / "info.xlsx", replace={INFO: xml})
    said = "工作表“说明”中单元格的位置不对:第 3 行的单元格 B3 出现了两次。"
    with pytest.raises(LedgerRefused, match=said):
        open_ledger(f)


def test_the_command_line_refuses_such_a_file_with_exit_1(exported, tmp_path, capsys, sites):
    with zipfile.ZipFile(exported) as z:
        xml = z.read(CASES)
    f = rewrite_zip(exported, tmp_path / "twice.xlsx", replace={CASES: _odd(xml, "twice")})
    sites.close()
    data = tmp_path / "cli"
    assert main(["--data-dir", str(data), "init", "--site", "HQ", "--name", "总部"]) == 0
    capsys.readouterr()
    code = main(["--data-dir", str(data), "ledger", "import", str(f)])
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert "已拒绝整个文件:twice.xlsx:工作表“投诉台账”中单元格的位置不对:第 3 行的单元格 U3" in out
    assert "未导入任何数据" in out and "Traceback" not in out + err


# --- the scan itself --------------------------------------------------------------------------


def _scan(xml: bytes, step: int = 1 << 20) -> CellScan:
    scan = CellScan("f.xlsx", "工作表“S”")
    carry = b""
    for i in range(0, len(xml), step):  # fed in pieces, as the pre-pass reads a part
        carry = scan.feed(carry + xml[i : i + step])
    scan.feed(carry + b"<")
    return scan


def _said(xml: bytes, step: int = 1 << 20) -> str:
    try:
        _scan(xml, step).check_order()
    except LedgerRefused as e:
        return str(e)
    return ""


def test_many_cells_out_of_place_are_counted_and_the_first_named():
    cells = "".join(_c(f"{_column_letters(n)}{n}", n) for n in range(1, 9))
    said = _said(f'<sheetData><row r="2">{cells}</row></sheetData>'.encode())
    assert "第 2 行中的单元格标为 A1(第 1 行)、第 2 行中的单元格标为 C3(第 3 行)" in said
    assert "第 2 行中的单元格标为 F6(第 6 行)等,共 7 处。" in said and "G7" not in said


@pytest.mark.parametrize(
    "xml",
    [
        b'<row r="5"><c r="A05"/><c r="B005"/></row>',  # the number as readers read it
        b'<row r="05"><c r="A5"/></row><row r="6"><c r="A6"/></row>',
        b'<row r="5"><c r="$A$5"/><c r="b5"/><c/><c r="E5"/></row>',
        b'<?xml version="1.0"?><worksheet><sheetData><row r="1"><c r="A1"/></row>',
    ],
)
def test_other_spellings_of_the_right_place_pass(xml):
    assert _said(b"<sheetData>" + xml + b"</sheetData>") == ""


def test_a_row_whose_cells_go_on_in_the_next_piece_is_checked_across_it():
    xml = b'<sheetData><row r="1"><c r="A1"/><c r="B1"/><c r="C1"/><c r="B1"/></row></sheetData>'
    for step in range(5, len(xml) + 1):
        assert "第 1 行的单元格 B1 排在 C1 之后" in _said(xml, step), step


_rows = st.lists(
    st.lists(st.tuples(st.integers(1, 5), st.integers(0, 2)), max_size=5),
    min_size=1,
    max_size=6,
)


def _sheet(rows: list[list[tuple[int, int]]], walked: bool) -> tuple[bytes, int]:
    """Rows 1, 2, … whose cells name (column, this row + offset): the XML, in the usual
    form or one only the walk reads, and how many cells are out of place."""
    out, faults = [], 0
    for n, cells in enumerate(rows, start=1):
        out.append(f'<row r="{n}">')
        col = 0
        for c, off in cells:
            faults += off != 0 or c <= col
            col = c
            out.append(f'<c r="{_column_letters(c)}{n + off}"><v>1</v></c>')
        out.append("</row>")
    xml = "".join(out)
    if walked:
        xml = xml.replace('<c r="', '<c  r="')
    return f"<sheetData>{xml}</sheetData>".encode(), faults


@settings(max_examples=200, deadline=None)
@given(rows=_rows, step=st.integers(7, 300))
def test_fast_scan_and_walk_find_the_same_cells_out_of_place(rows, step):
    fast_xml, faults = _sheet(rows, walked=False)
    walked_xml, _ = _sheet(rows, walked=True)
    fast, walked = _scan(fast_xml, step), _scan(walked_xml, step)
    assert fast.plain and walked.plain == (not any(rows))
    assert fast.cell_fault_count == walked.cell_fault_count == faults
    assert fast.cell_faults == walked.cell_faults
    assert (_said(fast_xml, step) == "") == (faults == 0)
