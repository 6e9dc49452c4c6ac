"""The cause of a case (原因分类, 原因说明) in the ledger: optional columns of 投诉台账,
carried to headquarters; a file of an earlier version without them still imports."""

from __future__ import annotations

from openpyxl import load_workbook

from complaints.usecases import ledger_export, ledger_import, tracking
from db.models import Case
from ledger import columns as C
from tests.ledger.helpers import new_case

CAUSE_HEADERS = ("原因分类", "原因说明")


def _handled(ctx) -> str:
    cid = new_case(ctx)
    tracking.record_action(ctx, cid, "派单", department="车间")
    tracking.record_action(
        ctx, cid, "处理完成", plan="重新紧固", cause="维修质量", cause_note="紧固不到位"
    )
    return Case.get_by_id(cid).uid


def test_the_cause_travels_to_headquarters(sites, tmp_path):
    ctx = sites.use("SH01")
    uid = _handled(ctx)
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    wb = load_workbook(out, read_only=True)
    head = [c.value for c in next(wb[C.SHEET_CASES].iter_rows(max_row=1))]
    wb.close()
    assert set(CAUSE_HEADERS) <= set(head)
    hq = sites.use("HQ")
    report = ledger_import.apply_import(hq, [out])
    assert report.applied and not report.rejected, report
    case = Case.get(Case.uid == uid)
    assert (case.cause, case.cause_note) == ("维修质量", "紧固不到位")


def test_a_ledger_of_an_earlier_version_without_the_cause_columns_imports(sites, tmp_path):
    ctx = sites.use("SH01")
    cid = new_case(ctx)
    tracking.record_action(ctx, cid, "派单", department="车间")
    tracking.record_action(ctx, cid, "处理完成", plan="重新紧固")  # no cause, as before
    uid = Case.get_by_id(cid).uid
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    wb = load_workbook(out)
    ws = wb[C.SHEET_CASES]
    for header in CAUSE_HEADERS:
        head = [c.value for c in ws[1]]
        ws.delete_cols(head.index(header) + 1)
    old = tmp_path / "sh01_earlier.xlsx"
    wb.save(old)
    hq = sites.use("HQ")
    report = ledger_import.apply_import(hq, [old])
    assert report.applied and not report.rejected and not report.differences, report
    case = Case.get(Case.uid == uid)
    assert case.plan == "重新紧固" and case.cause is None
    # the same rows again from the current version's file: the same version, nothing new
    again = ledger_import.apply_import(hq, [out])
    assert not again.rejected and not again.differences, again
