"""CSV that no spreadsheet takes for a formula. Pure: no Qt, no peewee.

OWASP's rule for CSV injection: a field that starts with = + - @ tab or CR is prefixed
with an apostrophe, so Excel and WPS show it as text instead of running it
(``=cmd|' /C calc'!A0`` from a ledger stays a harmless string). The xlsx writer applies
the same prefixes (ledger/export.py, with Excel's quote prefix instead of the apostrophe).
Every CSV the program writes goes through ``csv_text`` or ``writer``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Any) -> Any:
    """``value`` as a CSV field a spreadsheet reads as text: an apostrophe before a leading
    = + - @ tab or CR. Numbers are left alone (a negative number is no formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _SafeWriter:
    """csv.writer's writerow/writerows, every field escaped."""

    def __init__(self, out, **kwargs: Any):
        self._w = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._w.writerow([escape_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out, **kwargs: Any) -> _SafeWriter:
    """A csv.writer whose every field goes through ``escape_cell``."""
    return _SafeWriter(out, **kwargs)


def csv_text(headers: Iterable[Any], rows: Iterable[Iterable[Any]]) -> str:
    """Headers and rows as CSV text for Excel (CRLF line ends, as RFC 4180), every field
    escaped."""
    buf = io.StringIO()
    w = writer(buf, lineterminator="\r\n")
    w.writerow(headers)
    w.writerows(rows)
    return buf.getvalue()
