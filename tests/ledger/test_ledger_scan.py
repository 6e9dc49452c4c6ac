"""The formula scan's quick pre-filter never hides a formula from the exact pattern."""

from __future__ import annotations

import dataclasses
import re
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.cell_places import CellScan
from ledger.refusal import LedgerRefused
from ledger.zip_check import _FORMULA_HINT_RE, _FORMULA_RE, _has_formula

PIECES = st.sampled_from(
    [
        b"<",
        b">",
        b"/",
        b" ",
        b"\n",
        b"\t",
        b":",
        b"!",
        b"f",
        b"F",
        b"x",
        b"X",
        b"_",
        b"-",
        b".",
        b"1",
        b"c",
        b"v",
        b"DOCTYPE",
        b"doctype",
        b"ENTITY",
        b"Entity",
        b"<f>",
        b"<x:f ",
        b"<F/",
        b"<!DocType",
        b'<c r="A1">',
        b"<v>1</v>",
        b"&lt;f&gt;",
    ]
)


@settings(max_examples=2000, deadline=None)
@given(st.lists(PIECES, max_size=12).map(b"".join))
def test_hint_is_a_superset_and_has_formula_is_exact(buf):
    exact = _FORMULA_RE.search(buf) is not None
    if exact:
        assert _FORMULA_HINT_RE.search(buf) is not None
    assert _has_formula(buf) == exact


# --- the usual sheet's quick look (cell_places._UNUSUAL_TAG_RE) ------------------------------

SHEET_PIECES = st.sampled_from(
    [
        '<row r="{n}">',
        '<row r="{n}" spans="1:3">',
        "</row>",
        '<c r="A{n}"><v>1</v></c>',
        '<c r="B{n}" t="inlineStr"><is><t>王芳</t></is></c>',
        '<c r="C{n}" t="inlineStr"><is><t xml:space="preserve"> a:c b </t></is></c>',
        '<c r="D{n}" s="1"/>',
        '<c r="A{m}"><v>2</v></c>',
        '<!-- <c r="Z9"> -->',
        '<![CDATA[<row r="1">]]>',
        "<?pi x?>",
        '<c r="E{n}"><f>1+1</f><v>2</v></c>',
        '<x:c r="F{n}"><v>3</v></x:c>',
        "<c><v>4</v></c>",
        "<row>",
        "<F/>",
        "<!DOCTYPE x>",
        "<v>12:c 3</v>",
        "</x:row>",
    ]
)


def _sheet_part(pieces: list[str], pad: int) -> bytes:
    body = "".join(p.format(n=i // 3 + 1, m=i // 3 + 2) for i, p in enumerate(pieces))
    head = '<?xml version="1.0"?><worksheet xmlns="x">' + " " * pad + "<sheetData>"
    return (head + body + "</sheetData></worksheet>").encode()


def _part_outcome(tmp_path, xml: bytes, read: int, monkeypatch, *, quick: bool):
    from ledger import cell_places, zip_check

    if not quick:  # every chunk looked at by each search, as without the quick look
        monkeypatch.setattr(cell_places, "_UNUSUAL_TAG_RE", re.compile(rb"<"))
    monkeypatch.setattr(zip_check, "_READ", read)
    path = tmp_path / "s.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/worksheets/sheet1.xml", xml)
    scan = zip_check.ZipScan()
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
        try:
            dtd = zip_check._scan_part(z, info, scan, "s.xlsx", {})
        except LedgerRefused as e:
            return str(e)
    return dtd, dataclasses.astuple(scan)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pieces=st.lists(SHEET_PIECES, max_size=30),
    pad=st.sampled_from([0, 8200]),
    read=st.integers(5, 400),
)
def test_the_quick_look_finds_what_every_search_finds(
    tmp_path_factory, monkeypatch, pieces, pad, read
):
    """A chunk the quick look finds usual is left out of the searches for formulas,
    comments, instructions and odd tags: on any sheet, cut anywhere, the scan learns the
    same (formula, places, plainness) or refuses in the same words."""
    xml = _sheet_part(pieces, pad)
    folder = tmp_path_factory.mktemp("quick")
    with monkeypatch.context() as m:
        quick = _part_outcome(folder, xml, read, m, quick=True)
    with monkeypatch.context() as m:
        every = _part_outcome(folder, xml, read, m, quick=False)
    assert quick == every


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        (b'<v>12:c 3</v><is><t xml:space="preserve">a:row b</t></is>', True),
        (b'<x:c r="B1"><v>1</v></x:c>', False),
        (b"</x:row><row>", False),
    ],
)
def test_text_that_looks_like_a_prefix_leaves_a_sheet_plain(text, plain):
    """ ":c " in a value is text, not a tag: the sheet can still be cut at its row tags
    (ledger.calamine_chunks); a prefixed tag cannot."""
    scan = CellScan("f.xlsx", "S")
    scan.feed(b'<sheetData><row r="1"><c r="A1">' + text + b"</c></row></sheetData><")
    assert scan.plain is plain
