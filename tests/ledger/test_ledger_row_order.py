"""A sheet whose rows are out of order or numbered twice (<row r="5"> after <row r="7">, two
<row r="3">) loses no row silently: every reader would drop or merge such a row, so the
file is refused before any reader opens it, naming the sheet and the rows, and the
database is unchanged. The check is the pre-pass's (ledger.cell_places.CellScan), so it
holds whichever reader the file would have gone to."""

from __future__ import annotations

import re
import zipfile
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.usecases import ledger_export, ledger_import
from desktop.cli import main
from ledger import zip_check
from ledger.calamine_book import CalamineBook
from ledger.calamine_chunks import ChunkedBook
from ledger.cell_places import CellScan
from ledger.reader import open_ledger
from ledger.refusal import LedgerRefused
from ledger.sheet_stream import StreamWorkbook
from tests.ledger.helpers import ctx_for, new_case, rewrite_zip, snapshot

INFO = "xl/worksheets/sheet1.xml"  # our exporter's part of 说明
CASES = "xl/worksheets/sheet2.xml"  # and of 投诉台账
_ROW_RE = re.compile(rb'<row r="([0-9]+)".*?</row>', re.DOTALL)

# Each reader the import may choose: the whole-sheet calamine grid, calamine in slices,
# the expat stream, openpyxl (a file holding a formula).
READERS = {
    "calamine": CalamineBook,
    "slices": ChunkedBook,
    "stream": StreamWorkbook,
    "openpyxl": None,
}


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
    """``src`` copied so that the import reads it with ``reader``."""
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


def _rows(xml: bytes) -> tuple[bytes, list[tuple[int, bytes]], bytes]:
    """A sheet's XML cut into what comes before its rows, its rows, what comes after."""
    found = list(_ROW_RE.finditer(xml))
    rows = [(int(m.group(1)), m.group(0)) for m in found]
    return xml[: found[0].start()], rows, xml[found[-1].end() :]


def _renumbered(row: bytes, old: int, new: int) -> bytes:
    return re.sub(
        rb'( r="[A-Z]*)' + str(old).encode() + b'"', rb"\g<1>" + str(new).encode() + b'"', row
    )


def _disordered(src: Path, dest: Path, how: str, part: str = CASES) -> Path:
    """``src`` with the rows of ``part`` disordered: "late" moves row 3 after row 5,
    "twice" numbers row 4 (its tag and cells) 3 as well, "backwards" reverses the rows
    after the header."""
    with zipfile.ZipFile(src) as z:
        head, rows, tail = _rows(z.read(part))
    if how == "late":
        rows = [r for r in rows if r[0] != 3] + [r for r in rows if r[0] == 3]
    elif how == "twice":
        rows = [(3, _renumbered(x, 4, 3)) if n == 4 else (n, x) for n, x in rows]
    else:
        rows = rows[:1] + rows[:0:-1]
    xml = head + b"".join(x for _, x in rows) + tail
    return rewrite_zip(src, dest, replace={part: xml})


@pytest.mark.parametrize("reader", list(READERS))
def test_each_reader_is_the_one_the_import_chooses(exported, tmp_path, monkeypatch, reader):
    """(So that the tests below run each reader's path.) An intact file imports whole."""
    f = _reader(monkeypatch, exported, tmp_path / "intact.xlsx", reader)
    with open_ledger(f) as lf:
        kind = READERS[reader]
        if kind is None:
            assert not isinstance(lf._wb, (CalamineBook, ChunkedBook, StreamWorkbook))
        else:
            assert type(lf._wb) is kind
    res = ledger_import.apply_import(ctx_for("HQ"), [f]).files[0]
    assert res.refused is None and res.counts["投诉台账"].new == 4


@pytest.mark.parametrize(
    ("how", "said"),
    [
        ("late", "第 3 行排在第 5 行之后"),
        ("twice", "第 3 行出现了两次"),
        ("backwards", "第 4 行排在第 5 行之后、第 3 行排在第 5 行之后、第 2 行排在第 5 行之后"),
    ],
)
@pytest.mark.parametrize("reader", list(READERS))
def test_rows_out_of_order_or_twice_refuse_the_file_and_change_nothing(
    exported, tmp_path, monkeypatch, reader, how, said
):
    f = _reader(monkeypatch, exported, tmp_path / "base.xlsx", reader)
    f = _disordered(f, tmp_path / f"{how}.xlsx", how)
    hq = ctx_for("HQ")
    before = snapshot()
    report = ledger_import.apply_import(hq, [f])
    res = report.files[0]
    msg = res.refused
    assert msg is not None, (res.counts, [(r.row, r.reason) for r in res.rejected])
    assert msg.startswith(f"{how}.xlsx:工作表“投诉台账”中行的次序不对") and said in msg
    assert "已拒绝" in msg
    assert not report.applied and snapshot() == before
    preview = ledger_import.check_import(hq, [f])
    assert preview.files[0].refused == msg


def test_the_info_sheet_out_of_order_is_refused_too(exported, tmp_path):
    f = _disordered(exported, tmp_path / "info.xlsx", "late", part=INFO)
    with pytest.raises(LedgerRefused, match=r"工作表“说明”中行的次序不对:第 3 行排在第 \d+ 行之后"):
        open_ledger(f)


def test_many_disordered_rows_are_counted_and_the_first_named(exported, tmp_path):
    with zipfile.ZipFile(exported) as z:
        xml = z.read(CASES)
    late = "".join(f'<row r="{n}"><c r="A{n}"><v>1</v></c></row>' for n in range(25, 5, -1))
    xml = xml.replace(b"</sheetData>", late.encode() + b"</sheetData>")
    f = rewrite_zip(exported, tmp_path / "many.xlsx", replace={CASES: xml})
    with pytest.raises(LedgerRefused) as e:
        open_ledger(f)
    msg = str(e.value)
    assert "第 24 行排在第 25 行之后、第 23 行排在第 25 行之后" in msg
    assert "第 20 行排在第 25 行之后等,共 19 处" in msg and "第 19 行" not in msg


def test_the_command_line_refuses_such_a_file_with_exit_1(exported, tmp_path, capsys, sites):
    f = _disordered(exported, tmp_path / "late.xlsx", "late")
    sites.close()
    data = tmp_path / "cli"
    assert main(["--data-dir", str(data), "init", "--site", "HQ", "--name", "总部"]) == 0
    capsys.readouterr()
    code = main(["--data-dir", str(data), "ledger", "import", str(f)])
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert "已拒绝整个文件:late.xlsx:工作表“投诉台账”中行的次序不对:第 3 行排在第 5 行之后" in out
    assert "未导入任何数据" in out and "Traceback" not in out + err


def test_rows_without_a_number_follow_the_one_before_and_are_in_order():
    scan = CellScan("f.xlsx", "工作表“S”")
    scan.feed(b'<sheetData><row r="2"><c r="A2"/></row><row><c/></row><row r="4"><c/></row><')
    scan.check_order()
    scan = CellScan("f.xlsx", "工作表“S”")
    scan.feed(b'<sheetData><row r="2"><c r="A2"/></row><row><c/></row><row r="3"><c/></row><')
    with pytest.raises(LedgerRefused, match="第 3 行出现了两次"):
        scan.check_order()


_numbers = st.lists(st.integers(1, 60), max_size=12)


def _scanned(numbers: list[int], walk: bool, step: int) -> list[tuple[int, int]] | str:
    xml = "".join(f'<row r="{n}"><c r="B{n}"><v>1</v></c></row>' for n in numbers)
    if walk:  # the same rows in a form the fast path leaves to the walk
        xml = xml.replace('<c r="B', '<c  r="B')
    data = f"<sheetData>{xml}</sheetData>".encode()
    scan = CellScan("f.xlsx", "S")
    carry = b""
    for i in range(0, len(data), step):  # fed in pieces, as the pre-pass reads a part
        carry = scan.feed(carry + data[i : i + step])
    scan.feed(carry + b"<")
    try:
        scan.check_order()
    except LedgerRefused as e:
        return str(e)
    return []


@settings(max_examples=200, deadline=None)
@given(numbers=_numbers, step=st.integers(7, 200))
def test_fast_scan_and_walk_find_the_same_disorder(numbers, step):
    fast, walked = _scanned(numbers, False, step), _scanned(numbers, True, step)
    assert fast == walked
    in_order = all(a < b for a, b in pairwise(numbers))
    assert (fast == []) == in_order


@pytest.mark.parametrize(
    "markup",
    [
        b'<!-- <row r="1"><c r="A1"/></row> -->',
        b'<![CDATA[<row r="1">]]>',
        b'<?note <row r="1"> ?>',
        b'<!-- a < b --><!-- <row r="2"> -->',
    ],
)
@pytest.mark.parametrize("step", [3, 11, 1000])
def test_rows_inside_comments_cdata_or_instructions_are_no_rows(markup, step):
    """They are not rows to any reader, even when the pre-pass reads them in pieces."""

    def scanned(xml: bytes) -> CellScan:
        scan = CellScan("f.xlsx", "工作表“S”")
        carry = b""
        for i in range(0, len(xml), step):
            carry = scan.feed(carry + xml[i : i + step])
        scan.feed(carry + b"<")
        return scan

    rows = b'<row r="2"><c r="A2"/></row><row r="3"><c r="A3"/></row>'
    head = b'<?xml version="1.0"?><worksheet><sheetData>'
    scanned(head + rows + markup + b'<row r="4"><c r="A4"/></row></sheetData>').check_order()
    late = scanned(head + rows + markup + b'<row r="3"><c r="A3"/></row></sheetData>')
    with pytest.raises(LedgerRefused, match="第 3 行出现了两次。"):
        late.check_order()
