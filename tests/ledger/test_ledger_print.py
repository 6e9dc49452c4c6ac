"""The exported ledger prints: every data sheet A4 landscape, one page wide,
the header row repeated on every page, long text wrapped in its column."""

from __future__ import annotations

from openpyxl import load_workbook

from complaints.usecases import ledger_export
from ledger import columns as C
from tests.ledger.helpers import new_case


def test_every_data_sheet_prints_a4_landscape_one_page_wide(sites, tmp_path):
    ctx = sites.use("SH01")
    new_case(ctx, content="=第一行\n" + "很长的投诉内容" * 40, plan="处理意见" * 30)
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    wb = load_workbook(out)
    for sheet, cols in C.SHEET_COLUMNS.items():
        ws = wb[sheet]
        ps = ws.page_setup
        assert (ps.paperSize, ps.orientation) == (9, "landscape"), sheet
        assert (ps.fitToWidth, ps.fitToHeight) == (1, 0), sheet
        assert ws.sheet_properties.pageSetUpPr.fitToPage, sheet
        assert ws.print_title_rows.replace("$", "") == "1:1", sheet
        long_cols = [i for i, c in enumerate(cols, start=1) if c.kind is C.Kind.LONG]
        assert long_cols, sheet
    ws = wb[C.SHEET_CASES]
    head = [c.value for c in ws[1]]
    for header in ("投诉内容", "调查结果及处理意见"):
        cell = ws.cell(2, head.index(header) + 1)
        assert cell.alignment.wrap_text and cell.alignment.vertical == "top", header
    content = ws.cell(2, head.index("投诉内容") + 1)
    assert content.quotePrefix and content.value.startswith("=")  # still never a formula
