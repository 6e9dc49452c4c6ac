"""签字单回收 and 签字单未回收 in the ledger: the printing office says per case which signed
sheets came back (with the day) and how many are missing; the columns are written for the
reader at HQ and never imported, so a file of an earlier version imports the same, and a
sheet coming back changes no version of the case (no conflict at HQ)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from openpyxl import load_workbook

from complaints.usecases import ledger_export, ledger_import, printed_forms
from complaints.usecases.context import CHINA_TZ
from db import printed_rows
from tests.ledger.helpers import T0, ctx_for, new_case, snapshot


def _print(case_id: int, form: str, at: datetime) -> int:
    return printed_rows.add(
        uid=str(uuid.uuid4()),
        form=form,
        case=case_id,
        printed_at=at,
        template_source="default",
        template_sha256="0" * 64,
        file_path=f"{form}-{uuid.uuid4().hex}.docx",
    )


def _cases() -> list[dict]:
    """The cases as ledger values, but the printing office's own view of its sheets."""
    return [
        {k: v for k, v in r.items() if k not in ("signed_sheets", "sheets_missing")}
        for r in snapshot()["cases"]
    ]


def _column(path, header: str) -> list:
    ws = load_workbook(path)["投诉台账"]
    headers = [c.value for c in ws[1]]
    return [row[headers.index(header)] for row in ws.iter_rows(min_row=2, values_only=True)]


def test_the_ledger_says_which_signed_sheets_came_back(sites, tmp_path):
    ctx = sites.use("SH01")
    with_sheets = new_case(ctx, customer_name="王五")
    new_case(ctx, customer_name="赵六")  # nothing printed: both cells empty
    a = _print(with_sheets, "A", T0)
    _print(with_sheets, "B", T0 + timedelta(hours=1))
    # 07:30 in China is the day before in UTC: the cell says the office's day
    printed_forms.mark_signed_returned(ctx, a, datetime(2026, 11, 21, 7, 30, tzinfo=CHINA_TZ))
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    assert _column(out, "签字单回收") == ["A 已回收 2026-11-21;B 未回收", None]
    assert _column(out, "签字单未回收") == [1, None]
    before = _cases()

    # HQ takes the file: every record as it is at SH01, nothing rejected
    sites.use("HQ")
    report = ledger_import.apply_import(ctx_for("HQ"), [out])
    assert report.applied and not report.rejected, report
    assert not report.files[0].unknown_columns.get("投诉台账")
    assert _cases() == before

    # B comes back at SH01: the case keeps its revision, HQ's copy is unchanged, no conflict
    ctx = sites.use("SH01")
    b = next(r["id"] for r in printed_forms.history(case_id=with_sheets) if r["form"] == "B")
    printed_forms.mark_signed_returned(ctx, b, T0 + timedelta(days=2))
    assert _cases() == before
    again = tmp_path / "sh01-2.xlsx"
    ledger_export.export_ledger(ctx, again)
    assert _column(again, "签字单回收")[0] == "A 已回收 2026-11-21;B 已回收 2026-11-22"
    assert _column(again, "签字单未回收")[0] == 0
    sites.use("HQ")
    report = ledger_import.apply_import(ctx_for("HQ"), [again])
    counts = report.totals()["投诉台账"]
    assert (counts.unchanged, counts.conflict, counts.updated) == (2, 0, 0)


def test_a_file_without_the_signed_sheet_columns_imports_the_same(sites, tmp_path):
    ctx = sites.use("SH01")
    case = new_case(ctx)
    _print(case, "A", T0)
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    wb = load_workbook(out)
    ws = wb["投诉台账"]
    for header in ("签字单回收", "签字单未回收"):
        ws.delete_cols([c.value for c in ws[1]].index(header) + 1)
    old = tmp_path / "old.xlsx"
    wb.save(old)

    sites.use("HQ")
    report = ledger_import.apply_import(ctx_for("HQ"), [old])
    assert report.applied and not report.rejected, report
    from_old = snapshot()
    sites.use("BJ02")
    report = ledger_import.apply_import(ctx_for("BJ02"), [out])
    assert report.applied and not report.rejected, report
    assert snapshot() == from_old
