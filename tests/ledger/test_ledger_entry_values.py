"""A tracking entry's structured values in the ledger: optional columns of
跟踪记录 with 说明 still carrying the tags earlier versions read; a file of an earlier
version (tags only, S5 rows as ¥0 fines) imports as the values and the decision."""

from __future__ import annotations

import uuid

from openpyxl import load_workbook

from complaints.rules.workflow import decode_note
from complaints.usecases import ledger_export, ledger_import, tracking
from complaints.usecases.cases import list_entries, update_case
from db.models import Sanction
from ledger import columns as C
from tests.ledger.helpers import T0, new_case, snapshot

NEW_HEADERS = [c.header for c in C.ENTRY_VALUE_COLUMNS]


def _history(ctx) -> int:
    cid = new_case(ctx)
    tracking.record_action(ctx, cid, "派单", department="售后服务部", note="请尽快处理")
    tracking.record_action(ctx, cid, "上报厂家", cac_number="CAC-7")
    tracking.record_action(ctx, cid, "处理完成", plan="更换刹车片")
    tracking.record_action(ctx, cid, "回访", satisfaction="非常不满意", note="客户认为未解决")
    return cid


def _sheet_rows(path, sheet):
    wb = load_workbook(path, read_only=True)
    try:
        rows = list(wb[sheet].iter_rows(values_only=True))
    finally:
        wb.close()
    head = list(rows[0])
    return head, [dict(zip(head, r, strict=False)) for r in rows[1:]]


def _as_earlier_version(src, dest, s5_case_uid: str) -> None:
    """The file an earlier version wrote: no value columns in 跟踪记录, no 版本指纹 on any
    sheet, and 无责 as an S5 ¥0 fine in 奖惩记录."""
    wb = load_workbook(src)
    ws = wb[C.SHEET_ENTRIES]
    for header in NEW_HEADERS:
        head = [c.value for c in ws[1]]
        ws.delete_cols(head.index(header) + 1)
    for sheet in (C.SHEET_CASES, C.SHEET_ENTRIES, C.SHEET_SANCTIONS):
        head = [c.value for c in wb[sheet][1]]
        wb[sheet].delete_cols(head.index(C.FINGERPRINT_HEADER) + 1)
    ss = wb[C.SHEET_SANCTIONS]
    head = [c.value for c in ss[1]]
    row = {
        "记录ID": str(uuid.uuid4()),
        "所属站点": "SH01",
        "修订号": 1,
        "已删除": "否",
        "类型": "罚款",
        "规则": "S5",
        "部门": "售后服务部",
        "姓名": "",
        "金额": 0,
        "原因": "无责,不罚款",
        "日期": "2026-11-20",
        "审批状态": "已批准",
        "投诉记录ID": s5_case_uid,
    }
    ss.append([row.get(h) for h in head])
    info = wb[C.SHEET_INFO]
    for r in info.iter_rows():
        if r[0].value == C.info_count_key(C.SHEET_SANCTIONS):
            r[1].value = ss.max_row - 1
    wb.save(dest)


def test_export_writes_the_columns_and_tags_an_older_reader_decodes(sites, tmp_path):
    ctx = sites.use("SH01")
    _history(ctx)
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    head, rows = _sheet_rows(out, C.SHEET_ENTRIES)
    assert set(NEW_HEADERS) <= set(head)
    cb = next(r for r in rows if r["动作"] == "回访")
    assert cb["满意度"] == "非常不满意"
    # what a reader of an earlier version (说明 only) makes of it: the same values
    params, free = decode_note("回访", cb["说明"])
    assert params == {"satisfaction": "非常不满意"} and free == "客户认为未解决"
    dispatch = next(r for r in rows if r["动作"] == "派单")
    assert decode_note("派单", dispatch["说明"]) == ({"department": "售后服务部"}, "请尽快处理")


def test_round_trip_keeps_the_values_as_fields(sites, tmp_path):
    ctx = sites.use("SH01")
    _history(ctx)
    before = snapshot()
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    hq = sites.use("HQ")
    report = ledger_import.apply_import(hq, [out])
    assert report.applied and not report.rejected and not report.differences, report
    assert snapshot() == before
    report = ledger_import.apply_import(hq, [out])  # idempotent
    assert snapshot() == before


def test_a_ledger_of_an_earlier_version_with_tags_and_s5_imports(sites, tmp_path):
    ctx = sites.use("SH01", now=T0)
    cid = _history(ctx)
    update_case(ctx, cid, {"liability": "无责"})
    before = [
        {
            k: e[k]
            for k in ("uid", "action", "note", "department", "satisfaction", "cac_number", "plan")
        }
        for e in list_entries(cid)
    ]
    case_uid = next(iter(snapshot()["cases"]))["uid"]
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    old = tmp_path / "sh01_v_earlier.xlsx"
    _as_earlier_version(out, old, case_uid)

    hq = sites.use("HQ")
    report = ledger_import.apply_import(hq, [old])
    assert report.applied and not report.rejected and not report.differences, report
    from db.models import Case

    hq_case = Case.get(Case.uid == case_uid)
    after = [
        {
            k: e[k]
            for k in ("uid", "action", "note", "department", "satisfaction", "cac_number", "plan")
        }
        for e in list_entries(hq_case.id)
    ]
    # the plan is not a tag: an earlier version's file carries it on the case only
    assert [dict(e, plan=None) for e in after] == [dict(e, plan=None) for e in before]
    assert all("【" not in e["note"] for e in after)
    assert hq_case.liability == "无责"
    assert Sanction.select().where(Sanction.rule == "S5").count() == 0  # a decision, no fine
    warnings = [w for f in report.files for w in f.warnings]
    assert any("S5" in w and "1 行" in w for w in warnings), warnings
