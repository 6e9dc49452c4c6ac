"""The fast scan of cell places (ledger.cell_places, checked on every sheet of every
import) finds what the tag-by-tag walk finds: the same cells and bounding box, and the
same refusals."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.cell_places import CellScan, _column_letters
from ledger.refusal import LedgerRefused

_rows = st.lists(
    st.tuples(
        st.integers(1, 1_048_580),
        st.lists(st.tuples(st.integers(1, 16_390), st.integers(1, 1_048_580)), max_size=4),
    ),
    max_size=6,
)


def _xml(rows) -> bytes:
    out = []
    for r, cells in rows:
        cs = "".join(f'<c r="{_column_letters(c)}{n}"><v>1</v></c>' for c, n in cells)
        out.append(f'<row r="{r}">{cs}</row>')
    return ("<sheetData>" + "".join(out) + "</sheetData>").encode()


def _outcome(xml: bytes, walk: bool):
    scan = CellScan("f.xlsx", "S")
    try:
        if walk:
            scan._walk(xml)
        else:
            scan.feed(xml + b"<")
    except LedgerRefused as e:
        return str(e)
    return scan.cells, scan.min_row, scan.max_row, scan.min_col, scan.max_col, scan.plain


@settings(max_examples=300, deadline=None)
@given(rows=_rows)
def test_fast_scan_finds_what_the_walk_finds(rows):
    xml = _xml(rows)
    fast, walked = _outcome(xml, walk=False), _outcome(xml, walk=True)
    if isinstance(walked, str):  # (with several places out, each may name another first)
        assert isinstance(fast, str) and "超出 Excel 的范围" in fast
    else:
        assert fast[:5] == walked[:5] and fast[5] and not walked[5]


@pytest.mark.parametrize(
    "odd",
    [b"<c>", b"<c/>", b'<x:c r="A1">', b'<row\tr="1">', b"<!-- x -->", b"<![CDATA[x]]>"],
)
def test_odd_forms_are_walked_and_not_cut_apart(odd):
    scan = CellScan("f.xlsx", "S")
    scan.feed(b'<sheetData><row r="1"><c r="A1"><v>1</v></c>' + odd + b"</row></sheetData><")
    assert not scan.plain
