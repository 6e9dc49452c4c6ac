"""A big ledger's zip check runs in a process of its own beside the reading
(ledger.check_ahead). Here every file counts as big: the import gives the same data as
the file checked first; a file the check refuses, early or after every row was merged,
changes nothing and is refused in the check's own words; a file that needs another
reader (a formula) is read again that way, with the same outcome as before."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from complaints.usecases import ledger_export, ledger_import
from ledger import calamine_chunks, check_ahead, reader
from ledger.calamine_chunks import ChunkedBook
from ledger.refusal import LedgerRefused, ReadAgain
from ledger.zip_check import DEFAULT_LIMITS, check_zip
from tests.ledger.helpers import add_sanction, ctx_for, new_case, rewrite_zip, snapshot

ENTRIES = "xl/worksheets/sheet3.xml"  # our exporter's part of 跟踪记录 (sheet1 is 说明)


@pytest.fixture
def exported(sites, tmp_path):
    """SH01's ledger with six cases (and their entries and a sanction each)."""
    ctx = sites.use("SH01")
    for n in range(6):
        add_sanction(ctx, new_case(ctx, customer_name=f"客户{n}", mileage=1000 + n))
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    return out


@pytest.fixture
def ahead(monkeypatch):
    """Every file is checked beside its reading, in slices of two rows."""
    monkeypatch.setattr(check_ahead, "AHEAD_MIN_SHEET_BYTES", 0)
    monkeypatch.setattr(calamine_chunks, "ROWS_PER_SLICE", 2)


def _import(sites, code, f):
    sites.use(code)
    before = snapshot()
    return ledger_import.apply_import(ctx_for(code), [f]), before


def _careful(sites, f, monkeypatch):
    """The outcome of importing ``f`` checked first (into a database of its own)."""
    with monkeypatch.context() as m:
        m.setattr(check_ahead, "CHECK_AHEAD", False)
        report, _ = _import(sites, "HQ9", f)
    return report, snapshot()


def _part(f: Path, part: str) -> bytes:
    with zipfile.ZipFile(f) as z:
        return z.read(part)


def test_a_file_checked_beside_its_reading_imports_as_one_checked_first(
    exported, sites, ahead, monkeypatch
):
    lf = reader.open_ledger(exported)
    assert isinstance(lf._wb, ChunkedBook) and lf._wb.gate is not None
    lf.confirm()
    lf.close()
    careful, data = _careful(sites, exported, monkeypatch)
    report, _ = _import(sites, "HQ", exported)
    assert report.applied and not report.rejected and not report.differences
    assert [r.counts for r in report.files] == [r.counts for r in careful.files]
    assert snapshot() == data


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        # a cell outside Excel's grid in the last rows of 跟踪记录
        (
            lambda xml: xml.replace(
                b"</sheetData>",
                b'<row r="900"><c r="XFE900" t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
            ),
            "单元格“XFE900”",
        ),
        # a row after a later one: no reader would read it
        (
            lambda xml: xml.replace(
                b"</sheetData>",
                b'<row r="900"><c r="A900" t="inlineStr"><is><t>x</t></is></c></row>'
                b'<row r="3"><c r="A3" t="inlineStr"><is><t>y</t></is></c></row></sheetData>',
            ),
            "第 3 行排在第 900 行之后",
        ),
        # a DTD in the part's prolog
        (
            lambda xml: xml.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "b">]>', 1),
            "DTD",
        ),
    ],
)
def test_a_file_the_check_refuses_changes_nothing_and_says_where(
    exported, sites, ahead, tmp_path, edit, words
):
    f = rewrite_zip(exported, tmp_path / "bad.xlsx", {ENTRIES: edit(_part(exported, ENTRIES))})
    with pytest.raises(LedgerRefused) as checked:
        check_zip(f)
    report, before = _import(sites, "HQ", f)
    assert report.files[0].refused == str(checked.value)
    assert words in str(checked.value)
    assert not report.applied and snapshot() == before


def test_a_broken_part_is_refused_in_the_checks_words(exported, sites, ahead, tmp_path):
    """A part whose CRC does not hold: the reading may meet it first; the words are the
    check's all the same."""
    data = bytearray(exported.read_bytes())
    for m in re.finditer(b"PK\x01\x02", bytes(data)):  # the central directory's entries
        at = m.start()
        size = int.from_bytes(data[at + 28 : at + 30], "little")
        if bytes(data[at + 46 : at + 46 + size]) == ENTRIES.encode():
            data[at + 16] ^= 0xFF  # the part's CRC, as zipfile checks it
    f = tmp_path / "crc.xlsx"
    f.write_bytes(bytes(data))
    with pytest.raises(LedgerRefused) as checked:
        check_zip(f)
    report, before = _import(sites, "HQ", f)
    assert report.files[0].refused == str(checked.value)
    assert "校验失败" in str(checked.value)
    assert not report.applied and snapshot() == before


class _LateGate(check_ahead.Gate):
    """A check that finds its problem only after every row was read and merged."""

    late: BaseException = LedgerRefused("x.xlsx:晚到的拒绝")
    times = 1

    def confirm(self) -> None:
        super().confirm()
        if _LateGate.times > 0:
            _LateGate.times -= 1
            raise _LateGate.late


def test_a_refusal_after_every_row_was_merged_rolls_the_file_back(
    exported, sites, ahead, monkeypatch
):
    monkeypatch.setattr(reader, "Gate", _LateGate)
    monkeypatch.setattr(_LateGate, "times", 1)
    report, before = _import(sites, "HQ", exported)
    assert report.files[0].refused == "x.xlsx:晚到的拒绝"
    assert not report.applied and snapshot() == before


def test_a_file_that_needs_another_reader_late_is_read_again_from_the_start(
    exported, sites, ahead, monkeypatch
):
    careful, data = _careful(sites, exported, monkeypatch)
    monkeypatch.setattr(reader, "Gate", _LateGate)
    monkeypatch.setattr(_LateGate, "late", ReadAgain())
    monkeypatch.setattr(_LateGate, "times", 1)
    report, _ = _import(sites, "HQ", exported)
    assert report.applied and not report.rejected and not report.differences
    assert [r.counts for r in report.files] == [r.counts for r in careful.files]
    assert snapshot() == data


def test_a_formula_sends_the_file_to_the_reader_that_reads_formulas(
    exported, sites, ahead, monkeypatch, tmp_path
):
    """A formula in the last rows of 跟踪记录: read again by openpyxl (a formula is text
    there, never its cached value), as a file checked first is read."""
    xml = _part(exported, ENTRIES).replace(
        b"</sheetData>",
        b'<row r="900"><c r="A900"><f>1+1</f><v>2</v></c></row></sheetData>',
    )
    f = rewrite_zip(exported, tmp_path / "formula.xlsx", {ENTRIES: xml})
    assert check_zip(f).formula
    careful, data = _careful(sites, f, monkeypatch)
    report, _ = _import(sites, "HQ", f)
    assert [r.counts for r in report.files] == [r.counts for r in careful.files]
    assert [r.refused for r in report.files] == [r.refused for r in careful.files]
    assert [len(r.rejected) for r in report.files] == [len(r.rejected) for r in careful.files]
    assert snapshot() == data


class _RecordingGate:
    """Notes how far the reading asked the check to be before each slice was loaded."""

    def __init__(self) -> None:
        self.commons = False
        self.upto: dict[str, int] = {}

    def wait_commons(self) -> None:
        self.commons = True

    def wait_sheet(self, part: str, upto: int) -> None:
        self.upto[part] = upto

    def width(self, part: str) -> int:
        return 1

    def confirm(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_no_slice_is_loaded_before_the_check_has_passed_its_end(exported, monkeypatch):
    monkeypatch.setattr(calamine_chunks, "ROWS_PER_SLICE", 2)
    gate = _RecordingGate()
    book = ChunkedBook(exported, 1, gate)  # type: ignore[arg-type]  # the gate's interface
    assert gate.commons
    text = _part(exported, ENTRIES)
    loaded = []
    real = book.load_slice

    def load(part, name, xml):
        body = xml[: -len(calamine_chunks._END)]
        upto = gate.upto[part]
        # the slice's rows are the part's text just before where the check was asked to be
        assert text[:upto].endswith(body[-200:])
        assert text[upto:].startswith((b'<row r="', b"</sheetData>"))
        loaded.append(upto)
        return real(part, name, xml)

    monkeypatch.setattr(book, "load_slice", load)
    rows = list(book["跟踪记录"].iter_rows())
    book.close()
    assert len(loaded) > 2 and loaded == sorted(loaded)
    assert len(rows) > 6


class _AgainInEntries(check_ahead.Gate):
    """A check that finds, once, that 跟踪记录 needs another reader, as its first slice
    (the header, read when the merge reaches the sheet) waits for it."""

    times = 1

    def wait_sheet(self, part: str, upto: int) -> None:
        if part == ENTRIES and _AgainInEntries.times > 0:
            _AgainInEntries.times -= 1
            raise ReadAgain()
        super().wait_sheet(part, upto)


def test_a_sheet_found_to_need_another_reader_mid_merge_is_read_again(
    exported, sites, ahead, monkeypatch
):
    careful, data = _careful(sites, exported, monkeypatch)
    monkeypatch.setattr(reader, "Gate", _AgainInEntries)
    monkeypatch.setattr(_AgainInEntries, "times", 1)
    opened = []
    real_open = ledger_import.open_ledger

    def spy(path, limits, ahead=True):
        opened.append(ahead)
        return real_open(path, limits, ahead)

    monkeypatch.setattr(ledger_import, "open_ledger", spy)
    report, _ = _import(sites, "HQ", exported)
    assert opened == [True, False]  # read again, the careful way
    assert report.applied and not report.rejected and not report.differences
    assert [r.counts for r in report.files] == [r.counts for r in careful.files]
    assert snapshot() == data


class _Said:
    """The check's side of the pipe, in this process: what it says, in order."""

    def __init__(self) -> None:
        self.said: list[tuple] = []

    def send(self, msg: tuple) -> None:
        self.said.append(msg)

    def close(self) -> None:
        pass


def test_the_check_never_passes_a_cell_naming_another_row(exported, tmp_path):
    """A cell in row 3 that names row 1,048,000: calamine would size its grid from row 3
    to row 1,048,000. Checked first, the sheet is refused at its end; beside the reading
    the check must not say it has passed that cell (a slice holding it would be loaded),
    but stop and send the file the careful way, which refuses it in full."""
    xml = _part(exported, ENTRIES)
    bad = xml.replace(b'<c r="A3"', b'<c r="A1048000"', 1)
    f = rewrite_zip(exported, tmp_path / "far.xlsx", {ENTRIES: bad})
    with pytest.raises(LedgerRefused) as checked:
        check_zip(f)
    assert "A1048000" in str(checked.value)
    at = bad.index(b'<c r="A1048000"')
    conn = _Said()
    check_ahead._check(str(f), DEFAULT_LIMITS, conn)  # type: ignore[arg-type]  # the pipe's send
    passed = [m[2] for m in conn.said if m[0] == "sheet" and m[1] == ENTRIES]
    assert all(upto <= at for upto in passed)
    assert conn.said[-1] == ("again",)
