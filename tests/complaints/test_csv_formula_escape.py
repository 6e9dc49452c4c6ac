"""No CSV cell hands a spreadsheet a formula (issue 15 §8): OWASP's leading apostrophe."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from complaints.csvsafe import FORMULA_PREFIXES, csv_text, escape_cell

ROOT = Path(__file__).resolve().parents[2]
DDE = "=cmd|' /C calc'!A0"


def test_csv_escapes_every_formula_prefix():
    for p in FORMULA_PREFIXES:
        assert escape_cell(p + "x") == "'" + p + "x"
    assert escape_cell("张伟") == "张伟" and escape_cell("") == ""
    assert escape_cell(-5) == -5  # a number is no formula
    text = csv_text(["a", "b"], [[DDE, "+1"], ["@SUM(A1)", "ok"]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["a", "b"], ["'" + DDE, "'+1"], ["'@SUM(A1)", "ok"]]


def test_every_csv_writer_goes_through_the_shared_escape():
    """A new csv.writer anywhere in the program (outside complaints/csvsafe.py) would write
    formulas unescaped: it must use complaints.csvsafe instead."""
    offenders = []
    for folder in ("complaints", "db", "desktop", "forms", "ledger", "ui"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "csvsafe.py":
                continue
            if re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
