"""The formula scan's quick pre-filter never hides a formula from the exact pattern."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

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
