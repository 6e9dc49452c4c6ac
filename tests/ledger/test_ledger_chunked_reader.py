"""The sliced reader (ledger.calamine_chunks, used when a ledger is too big for calamine's
whole-sheet grid but its rows can be cut apart) gives the rows calamine gives for the whole
sheet, and an import through it the same data; the after-import count check (its keys
sorted in place for a big import) still says what is missing."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from complaints.usecases import ledger_export, ledger_import
from db.models import Case
from ledger import calamine_chunks, zip_check
from ledger.calamine_book import CalamineBook
from ledger.calamine_chunks import ChunkedBook
from ledger.reader import open_ledger
from ledger.refusal import LedgerRefused
from ledger.results import FileResult
from ledger.sheet_stream import StreamWorkbook
from ledger.zip_check import check_zip
from tests.ledger.helpers import add_sanction, ctx_for, new_case, rewrite_zip, snapshot


def _rows(book, name, **kw):
    rows = list(book[name].iter_rows(**kw))
    book.close()
    return rows


def _trimmed(rows):
    return [r[: max((i + 1 for i, v in enumerate(r) if v is not None), default=0)] for r in rows]


@pytest.fixture
def ledger_file(sites, tmp_path):
    ctx = sites.use("SH01")
    for n in range(7):
        cid = new_case(
            ctx,
            content=f"第{n}行\r\n第二行 _x000D_ 字面",
            mileage=12345 + n,
            purchase_date=date(2024, 3, 1),
            media=bool(n % 2),
        )
        add_sanction(ctx, cid)
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    return out


@pytest.mark.parametrize("per_slice", [1, 2, 3, 1000])
def test_slices_give_what_calamine_gives_for_the_whole_sheet(ledger_file, monkeypatch, per_slice):
    monkeypatch.setattr(calamine_chunks, "ROWS_PER_SLICE", per_slice)
    scan = check_zip(ledger_file)
    assert scan.chunks_ok
    for name in CalamineBook(ledger_file).sheetnames:
        whole = _rows(CalamineBook(ledger_file), name)
        sliced = _rows(ChunkedBook(ledger_file, scan.widest), name)
        assert _trimmed(sliced) == _trimmed(whole), name
        first = _rows(ChunkedBook(ledger_file, scan.widest), name, min_row=1, max_row=1)
        assert _trimmed(first) == _trimmed(whole[:1])
        later = _rows(ChunkedBook(ledger_file, scan.widest), name, min_row=3)
        assert _trimmed(later) == _trimmed(whole[2:])


def _gappy(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["B1"], ws["C1"] = "文字", 3, 2.5
    ws["A2"] = datetime(2026, 11, 20, 9, 30)
    ws["B2"] = date(2026, 11, 20)
    ws["C2"] = True
    ws["B5"] = "隔行"
    ws["C300"] = "远处"
    ws["A301"] = "接着"
    ws["D100000"] = "很远"
    f = tmp_path / "t.xlsx"
    wb.save(f)
    return f


@pytest.mark.parametrize("per_slice", [1, 2, 8000])
def test_gaps_types_and_columns_come_out_in_place(tmp_path, monkeypatch, per_slice):
    monkeypatch.setattr(calamine_chunks, "ROWS_PER_SLICE", per_slice)
    f = _gappy(tmp_path)
    whole = _rows(CalamineBook(f), "S")
    sliced = _rows(ChunkedBook(f, check_zip(f).widest), "S")
    assert len(sliced) == 100_000
    assert _trimmed(sliced) == _trimmed(whole)
    assert sliced[0] == ("文字", 3.0, 2.5)
    assert sliced[1] == (datetime(2026, 11, 20, 9, 30), date(2026, 11, 20), True)
    assert _trimmed(sliced[4:5]) == [(None, "隔行")]
    assert _trimmed(sliced[299:301]) == [(None, None, "远处"), ("接着",)]
    assert _trimmed(sliced[99_999:]) == [(None, None, None, "很远")]


def test_a_row_out_of_order_is_dropped_as_the_stream_drops_it(tmp_path):
    """(The readers' own behaviour: the pre-pass refuses such a file before an import
    reads it, tests/ledger/test_ledger_row_order.py.)"""
    f = _gappy(tmp_path)
    with zipfile.ZipFile(f) as z:
        xml = z.read("xl/worksheets/sheet1.xml")
    late = b'<row r="3"><c r="A3" t="inlineStr"><is><t>late</t></is></c></row>'
    f2 = rewrite_zip(
        f,
        tmp_path / "t2.xlsx",
        {"xl/worksheets/sheet1.xml": xml.replace(b"</sheetData>", late + b"</sheetData>")},
    )
    with pytest.raises(LedgerRefused, match="第 3 行排在第 100000 行之后"):
        check_zip(f2)
    sliced = _rows(ChunkedBook(f2, check_zip(f).widest), "S")
    streamed = _rows(StreamWorkbook(f2), "S")
    assert "late" not in {v for r in sliced for v in r}
    assert len(sliced) == len(streamed) == 100_000


def test_what_cannot_be_cut_apart_is_streamed(tmp_path):
    f = _gappy(tmp_path)
    assert check_zip(f).chunks_ok
    with zipfile.ZipFile(f) as z:
        xml = z.read("xl/worksheets/sheet1.xml")
    for odd in (
        xml.replace(b"</sheetData>", b'<!-- <row r="7"> --></sheetData>'),
        xml.replace(b"<t>", b"<t><![CDATA[", 1).replace(b"</t>", b"]]></t>", 1),
        xml.replace(b'<row r="301"', b"<row", 1),  # it follows row 300: it is row 301
        xml.replace(b'<c r="B5"', b"<c", 1),
    ):
        f2 = rewrite_zip(f, tmp_path / "odd.xlsx", {"xl/worksheets/sheet1.xml": odd})
        assert not check_zip(f2).chunks_ok
    # (row 5 without its number follows row 2: it is row 3, whose cell names B5)
    odd = xml.replace(b'<row r="5"', b"<row", 1)
    f2 = rewrite_zip(f, tmp_path / "odd.xlsx", {"xl/worksheets/sheet1.xml": odd})
    with pytest.raises(LedgerRefused, match=re.escape("第 3 行中的单元格标为 B5(第 5 行)")):
        check_zip(f2)


def test_import_through_slices_gives_what_calamine_gives(ledger_file, sites, monkeypatch):
    sites.use("HQ")
    report = ledger_import.apply_import(ctx_for("HQ"), [ledger_file])
    assert not report.rejected
    by_calamine = snapshot()
    sites.use("HQ2")
    monkeypatch.setattr(zip_check, "CALAMINE_BUDGET", -1)
    monkeypatch.setattr(calamine_chunks, "ROWS_PER_SLICE", 2)
    lf = open_ledger(ledger_file)
    assert isinstance(lf._wb, ChunkedBook)
    lf.close()
    report = ledger_import.apply_import(ctx_for("HQ2"), [ledger_file])
    assert not report.rejected and not report.differences
    assert snapshot() == by_calamine


def test_after_import_check_counts_each_accepted_uid_once_and_says_what_is_missing(sites, tmp_path):
    ctx = sites.use("SH01")
    uid = Case.get_by_id(new_case(ctx)).uid
    res = FileResult(tmp_path / "f.xlsx")
    res.applied = True
    res.accepted_uids["投诉台账"] = [uid, uid]
    assert ledger_import.compare_with_database([res]) == []
    res.accepted_uids["投诉台账"] = [uid, "missing-uid-0001", uid]
    assert ledger_import.compare_with_database([res]) == [
        "f.xlsx:“投诉台账”接受 2 条,数据库中只找到 1 条"
    ]
