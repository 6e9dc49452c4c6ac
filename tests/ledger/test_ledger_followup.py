"""跟踪回访 and 突发事件 in the ledger: the visit travels as a 跟踪记录 row of its own action,
the emergency and its review as optional columns of 投诉台账; a file of an earlier version,
without those columns, still imports."""

from __future__ import annotations

from datetime import timedelta

from openpyxl import load_workbook

from complaints.rules.policy import Policy
from complaints.usecases import emergency, ledger_export, ledger_import, tracking
from complaints.usecases import policy as policy_uc
from tests.ledger.helpers import T0, ctx_for, new_case, snapshot

NEW_COLUMNS = ("突发事件", "突发事件认定时间", "复盘:原因", "复盘:处理经过", "复盘:改进措施")


def _closed_emergency_with_a_visit(sites):
    ctx = sites.use("SH01")
    policy_uc.save(ctx, Policy().with_(follow_up=True, d12_clock="calendar"))
    cid = new_case(ctx, received_at=T0)
    later = ctx_for("SH01", T0 + timedelta(hours=1))
    emergency.declare(later, cid, "群体客户")
    tracking.record_action(later, cid, "处理完成", plan="统一更换")
    tracking.record_action(later, cid, "回访", satisfaction="满意")
    tracking.record_action(
        later,
        cid,
        "关闭",
        review_cause="批次问题",
        review_actions="集中处理",
        review_changes="加强质检",
    )
    visit_day = ctx_for("SH01", T0 + timedelta(days=4))
    tracking.record_action(visit_day, cid, "跟踪回访", satisfaction="非常满意", note="未复发")
    return visit_day


def test_the_visit_and_the_emergency_travel(sites, tmp_path):
    ctx = _closed_emergency_with_a_visit(sites)
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    sites.use("HQ")
    report = ledger_import.apply_import(ctx_for("HQ"), [out])
    assert report.applied and not report.rejected, report
    snap = snapshot()
    (case,) = snap["cases"]
    assert (case["emergency"], case["severity"]) == ("群体客户", "重大投诉")
    assert case["review_changes"] == "加强质检"
    visits = [e for e in snap["entries"] if e["action"] == "跟踪回访"]
    assert len(visits) == 1 and visits[0]["satisfaction"] == "非常满意"


def test_a_file_of_an_earlier_version_still_imports(sites, tmp_path):
    """An earlier version wrote neither the emergency columns nor 版本指纹: its file
    imports, the cases without an emergency."""
    ctx = sites.use("SH01")
    new_case(ctx, customer_name="王五", content="等待时间太长")
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    wb = load_workbook(out)
    ws = wb["投诉台账"]
    for header in (*NEW_COLUMNS, "版本指纹"):
        headers = [c.value for c in ws[1]]
        assert header in headers
        ws.delete_cols(headers.index(header) + 1)
    for sheet in ("跟踪记录", "奖惩记录"):
        head = [c.value for c in wb[sheet][1]]
        wb[sheet].delete_cols(head.index("版本指纹") + 1)
    old = tmp_path / "old.xlsx"
    wb.save(old)
    sites.use("HQ")
    report = ledger_import.apply_import(ctx_for("HQ"), [old])
    assert report.applied and not report.rejected, report
    (case,) = snapshot()["cases"]
    assert case["customer_name"] == "王五" and case["emergency"] is None
