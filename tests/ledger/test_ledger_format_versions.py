"""Format versions (docs/ledger.md): a file says the lowest version that carries it (2 once it
holds 暂停/恢复), version-1 files import as before, and a file newer than this program imports
what it can read, refusing row by row, by name, what it cannot."""

from __future__ import annotations

from datetime import timedelta

from openpyxl import load_workbook

from complaints.usecases import ledger_export, ledger_import, tracking
from tests.ledger.helpers import T0, ctx_for, new_case, snapshot


def _info(path):
    wb = load_workbook(path, read_only=True)
    return {r[0]: r[1] for r in wb["说明"].iter_rows(min_row=2, values_only=True)}


def _actions(table):
    return sorted((r["action"], r.get("note") or "") for r in table)


def _held_case(ctx) -> int:
    cid = new_case(ctx, customer_name="甲")
    tracking.record_action(ctx_for("SH01", T0 + timedelta(hours=1)), cid, "暂停", note="等待配件")
    tracking.record_action(
        ctx_for("SH01", T0 + timedelta(days=2)), cid, "恢复", note="配件已到,继续处理"
    )
    return cid


def test_a_file_without_holds_is_version_1_and_imports_as_before(sites, tmp_path):
    ctx = sites.use("SH01")
    new_case(ctx, customer_name="甲")
    out = tmp_path / "v1.xlsx"
    ledger_export.export_ledger(ctx, out)
    assert str(_info(out)["格式版本"]) == "1"
    hq = sites.use("HQ")
    report = ledger_import.apply_import(hq, [out])
    assert report.applied and not report.files[0].refused and not report.files[0].rejected_count
    assert not any("格式版本" in w for w in report.warnings)


def test_a_version_2_file_with_holds_round_trips(sites, tmp_path):
    ctx = sites.use("SH01")
    _held_case(ctx)
    out = tmp_path / "v2.xlsx"
    ledger_export.export_ledger(ctx, out)
    assert str(_info(out)["格式版本"]) == "2"
    sent = snapshot()
    assert ("暂停", "等待配件") in _actions(sent["entries"])
    hq = sites.use("HQ")
    report = ledger_import.apply_import(hq, [out])
    assert report.applied and not report.files[0].rejected_count
    assert _actions(snapshot()["entries"]) == _actions(sent["entries"])
    # HQ sends it on: still version 2, the same entries.
    back = tmp_path / "hq.xlsx"
    ledger_export.export_ledger(hq, back, all_sites=True)
    assert str(_info(back)["格式版本"]) == "2"
    sites.use("BJ01")
    ledger_import.apply_import(ctx_for("BJ01"), [back])
    assert _actions(snapshot()["entries"]) == _actions(sent["entries"])


def test_a_newer_file_imports_what_it_can_and_refuses_unknown_actions_by_name(sites, tmp_path):
    """What this program does with a version-3 file is what a version-2 program must do with
    any newer one: the rows it reads import, a row with an action it does not know is
    refused naming that action, and the import says the file is newer."""
    ctx = sites.use("SH01")
    _held_case(ctx)
    src = tmp_path / "v2.xlsx"
    ledger_export.export_ledger(ctx, src)
    wb = load_workbook(src)
    for row in wb["说明"].iter_rows(min_row=2):
        if row[0].value == "格式版本":
            row[1].value = "3"
    ws = wb["跟踪记录"]
    col = next(c.column for c in ws[1] if c.value == "动作")
    changed = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col).value == "恢复")
    ws.cell(changed, col).value = "转交"
    newer = tmp_path / "v3.xlsx"
    wb.save(newer)
    hq = sites.use("HQ")
    report = ledger_import.apply_import(hq, [newer])
    f = report.files[0]
    assert not f.refused and report.applied
    assert f.rejected_count == 1
    (problem,) = f.problems
    assert problem.column == "动作" and "转交" in problem.reason
    assert any("格式版本 3" in w and "升级" in w for w in report.warnings)
    held = _actions(snapshot()["entries"])
    assert ("暂停", "等待配件") in held and not any(a == "转交" for a, _ in held)
