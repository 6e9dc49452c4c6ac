"""A cell as the reader hands it on: a plain value (never a formula object), Excel's
_xHHHH_ escapes decoded, and a text cleaned of control and bidi characters."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from ledger.cell_values import BadText

_OOXML_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def blank_row(raw: tuple) -> bool:
    """Every cell empty or whitespace (usually decided by the first cell)."""
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in raw)


def _decode_escape(m: re.Match) -> str:
    code = int(m.group(1), 16)
    # A lone surrogate is no character (it cannot be stored): the escape stays as written,
    # and clean_cell rejects its row, as with calamine, which leaves it too.
    return m.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)


def plain_value(v: Any, decode: bool = True) -> Any:
    if isinstance(v, str):
        # Excel writes some characters as _xHHHH_ (a CR as _x000D_); openpyxl leaves them.
        if decode and "_x" in v:
            return _OOXML_ESCAPE_RE.sub(_decode_escape, v)
        return v
    if v is None or isinstance(v, (int, float, bool, datetime, date, time, timedelta)):
        return v
    text = getattr(v, "text", None)  # ArrayFormula and the like: their text, never evaluated
    return str(text if text is not None else v)


# Removed from text cells: C0 controls but tab, LF and CR (NUL among them),
# DEL and the C1 controls, and the bidirectional embeddings, overrides and isolates
# (U+202A–U+202E, U+2066–U+2069), which make a text read differently from what it holds.
_STRIP_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A lone UTF-16 surrogate, as a character or as Excel's escape of one.
_SURROGATE_RE = re.compile("[\ud800-\udfff]|_x[dD][89a-fA-F][0-9a-fA-F]{2}_")


def clean_cell(v: str) -> str | BadText:
    """A text cell as it is stored: the characters of _STRIP_RE removed; a cell holding
    a lone surrogate becomes a BadText (its row is rejected, naming the cell). Returns
    ``v`` itself when nothing changes."""
    if v.isprintable() and "_x" not in v:
        return v
    if _SURROGATE_RE.search(v):
        return BadText(_escape_surrogates(v))
    new = _STRIP_RE.sub("", v)
    return v if new == v else new


def _escape_surrogates(v: str) -> str:
    return re.sub("[\ud800-\udfff]", lambda m: f"_x{ord(m.group(0)):04X}_", v)


def clean_text(v: str) -> str:
    """A header or 说明 value: controls removed, a lone surrogate kept as its escape."""
    return _STRIP_RE.sub("", _escape_surrogates(v))
