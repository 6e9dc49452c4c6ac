"""record_action, the case's deadlines and the stored policy, through a real database."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from case_clock import T0, Clock, new_case

from complaints.rules.deadlines import DeadlineStatus as S
from complaints.rules.permissions import ROLES
from complaints.rules.policy import Policy
from complaints.types import Action
from complaints.usecases import cases, tracking
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import Context
from complaints.usecases.errors import NotFound, StaleRecord, ValidationFailed
from complaints.usecases.tracking import BadEntryTime, TransitionRefused


@pytest.fixture
def clock(site_db):
    return Clock(T0)


@pytest.fixture
def cx(clock):
    return Context(
        site="SH01", actor="客服小王", clock=clock, roles=frozenset(ROLES), department="客服部"
    )


def at(minutes):
    return T0 + timedelta(minutes=minutes)


def test_full_life_of_an_on_site_case(cx, clock):
    cid = new_case(cx)
    clock.now = at(3)
    tracking.record_action(cx, cid, "升级", to="售后站长")
    clock.now = at(20)
    e = tracking.record_action(cx, cid, Action.DISPATCH, department="车间")
    assert e["action"] == "派单" and e["params"] == {"department": "车间"}
    tracking.record_action(cx, cid, "指定责任人", person="李师傅")
    clock.now = at(60)
    tracking.record_action(cx, cid, "联系客户", note="已电话联系,约明天到店")
    clock.now = at(300)
    tracking.record_action(cx, cid, "处理完成", plan="更换正时皮带,免工时费")
    c = cases.get_case(cid)
    assert (c["state"], c["department"], c["responsible"]) == ("已处理", "车间", "李师傅")
    assert c["plan"] == "更换正时皮带,免工时费" and c["handled_date"].isoformat() == "2026-11-20"
    clock.now = at(24 * 60)
    tracking.record_action(cx, cid, "回访", satisfaction="满意")
    tracking.record_action(cx, cid, "关闭")
    c = cases.get_case(cid)
    assert c["state"] == "已关闭" and c["satisfaction"] == "满意" and c["closed_at"] == at(24 * 60)
    assert c["revision"] == 1 + 6  # each action that changed the case (not 升级) counts
    ds = {d.rule: d.status for d in tracking.case_deadlines(cx, cid)}
    assert ds == {"D1": S.MET, "D3": S.MET, "D4": S.MET, "D11": S.MET}
    actions = [e["action"] for e in tracking.timeline(cid)]
    assert actions == ["登记", "升级", "派单", "指定责任人", "联系客户", "处理完成", "回访", "关闭"]


def test_unhappy_callback_reopen_second_callback(cx, clock):
    cid = new_case(cx, channel="售后回访")
    clock.now = at(30)
    tracking.record_action(cx, cid, "派单", department="车间")
    tracking.record_action(cx, cid, "处理完成")
    clock.now = at(600)
    tracking.record_action(cx, cid, "回访", satisfaction="不满意", note="异响仍在")
    with pytest.raises(TransitionRefused, match="重开"):
        tracking.record_action(cx, cid, "关闭")
    tracking.record_action(cx, cid, "重开")
    assert cases.get_case(cid)["state"] == "已重开"
    d10 = next(d for d in tracking.case_deadlines(cx, cid) if d.rule == "D10")
    assert d10.start == at(600) and d10.status is S.PENDING
    with pytest.raises(TransitionRefused):
        tracking.record_action(cx, cid, "二次回访", satisfaction="满意")
    clock.now = at(2000)
    tracking.record_action(cx, cid, "处理完成")
    tracking.record_action(cx, cid, "二次回访", satisfaction="满意")
    tracking.record_action(cx, cid, "关闭")
    c = cases.get_case(cid)
    assert (c["satisfaction"], c["satisfaction2"], c["state"]) == ("不满意", "满意", "已关闭")
    d10 = next(d for d in tracking.case_deadlines(cx, cid) if d.rule == "D10")
    assert d10.status is S.MET


def test_refused_transition_says_why_and_changes_nothing(cx):
    cid = new_case(cx)
    before = cases.get_case(cid)
    with pytest.raises(TransitionRefused, match="不能“回访”:只有处理完毕"):
        tracking.record_action(cx, cid, "回访", satisfaction="满意")
    with pytest.raises(TransitionRefused, match="部门"):
        tracking.record_action(cx, cid, "派单")
    assert cases.get_case(cid) == before
    assert len(tracking.timeline(cid)) == 1
    with pytest.raises(NotFound):
        tracking.record_action(cx, 999, "备注", note="x")
    with pytest.raises(TypeError):
        tracking.record_action(cx, cid, "联系客户", department="车间")


def test_times_future_refused_backdated_needs_reason(cx, clock):
    cid = new_case(cx)
    clock.now = at(180)
    with pytest.raises(BadEntryTime, match="将来"):
        tracking.record_action(cx, cid, "联系客户", at=at(181))
    with pytest.raises(BadEntryTime, match="原因"):
        tracking.record_action(cx, cid, "联系客户", at=at(100))
    with pytest.raises(BadEntryTime, match="早于接单"):
        tracking.record_action(cx, cid, "联系客户", at=at(-10), reason="x")
    e = tracking.record_action(cx, cid, "联系客户", at=at(100), reason="在客户家中处理,回店补录")
    assert e["at"] == at(100) and e["reason"] == "在客户家中处理,回店补录"
    assert e["recorded_at"] == at(180)
    naive = tracking.record_action(
        cx, cid, "备注", note="补", at=datetime(2026, 11, 20, 11, 0), reason="补录"
    )
    assert naive["at"] == at(120)  # a time without offset is the office's local time
    d1 = next(d for d in tracking.case_deadlines(cx, cid) if d.rule == "D1")
    assert d1.status is S.MET and d1.met_at == at(100)


def test_report_oem_and_fmc_status(cx, clock):
    cid = new_case(cx, severity="重大投诉", media=True)
    clock.now = at(150)
    tracking.record_action(cx, cid, "上报厂家", cac_number="CAC-2026-001")
    c = cases.get_case(cid)
    assert (c["fmc_status"], c["cac_number"]) == ("On-going", "CAC-2026-001")
    d2 = next(d for d in tracking.case_deadlines(cx, cid) if d.rule == "D2")
    assert d2.status is S.MET_LATE and d2.due == at(120)
    e = tracking.record_action(cx, cid, "FMC状态", status="In process", note="厂家同意换件")
    assert (e["fmc_status"], e["note"]) == ("In process", "厂家同意换件")
    assert cases.get_case(cid)["fmc_status"] == "In process"
    with pytest.raises(TransitionRefused, match="FMC"):
        tracking.record_action(cx, cid, "FMC状态", status="Open")


def test_close_without_callback_needs_a_note(cx):
    cid = new_case(cx)
    tracking.record_action(cx, cid, "处理完成")
    with pytest.raises(TransitionRefused, match="原因"):
        tracking.record_action(cx, cid, "关闭")
    tracking.record_action(cx, cid, "关闭", note="客户电话停机")
    assert cases.get_case(cid)["state"] == "已关闭"
    assert tracking.available_actions(cx, cid) == {Action.NOTE, Action.FMC_STATUS}
    tracking.record_action(cx, cid, "备注", note="客户来电致谢")


def test_other_sites_case_gets_deadlines_and_no_revision_bump(cx, clock):
    cid = new_case(cx)
    from db.models import Case

    Case.update(site="BJ02").where(Case.id == cid).execute()  # as if imported from a ledger
    clock.now = at(30)
    tracking.record_action(cx, cid, "联系客户")
    c = cases.get_case(cid)
    assert c["revision"] == 1 and c["state"] == "已联系"
    assert tracking.timeline(cid)[-1]["site"] == "SH01"
    assert [d.rule for d in tracking.case_deadlines(cx, cid)][:2] == ["D1", "D3"]


def test_policy_versions_apply_to_cases_received_after_the_change(cx, clock):
    assert policy_uc.load() == Policy()
    old = new_case(cx)
    clock.now = at(60)
    policy_uc.save(cx, Policy().with_(d1_hours=3))
    clock.now = at(61)
    new = new_case(cx, received_at=at(61))
    d1_old = next(d for d in tracking.case_deadlines(cx, old) if d.rule == "D1")
    d1_new = next(d for d in tracking.case_deadlines(cx, new) if d.rule == "D1")
    assert d1_old.due == at(120) and d1_new.due == at(61 + 180)
    assert policy_uc.load().d1_hours == 3 and len(policy_uc.history()) == 1
    with pytest.raises(ValidationFailed, match="D1"):
        policy_uc.save(cx, Policy().with_(d1_hours=0))
    assert policy_uc.load().d1_hours == 3
    clock.now = at(90)
    assert policy_uc.restore_defaults(cx) == Policy() and policy_uc.load() == Policy()
    assert policy_uc.in_force(at(70)).d1_hours == 3


def test_proposed_department_and_hints(cx):
    cid = new_case(cx, area="配件", content="客户称要找律师起诉")
    assert tracking.proposed_department(cid) == "配件部"
    assert any("律师" in h for h in tracking.case_hints(cx, cid))


def test_permission_checked_and_action_audited(cx, clock):
    from complaints.usecases import audit
    from complaints.usecases.errors import PermissionDenied

    cid = new_case(cx)
    tracking.record_action(cx, cid, "派单", department="车间")
    other = Context(
        site="SH01",
        actor="配件经理",
        clock=clock,
        roles=frozenset({"部门经理"}),
        department="配件部",
    )
    with pytest.raises(PermissionDenied):
        tracking.record_action(other, cid, "处理完成")
    assert cases.get_case(cid)["state"] == "已派单"
    rows = audit.entries(event="case.track")
    assert rows and rows[0].changes["state"] == ["登记", "已派单"]
    clerk = Context(site="SH01", actor="客服小李", clock=clock, roles=frozenset({"客服专员"}))
    with pytest.raises(PermissionDenied):
        policy_uc.save(clerk, Policy().with_(d1_hours=3))
    policy_uc.save(cx, Policy().with_(d1_hours=3))
    assert audit.entries(event="settings.policy")[0].changes["d1_hours"] == [2, 3]


def test_second_callback_records_nobody_contacted_and_roles_limit_actions(cx, clock):
    cid = new_case(cx)
    tracking.record_action(cx, cid, "处理完成")
    tracking.record_action(cx, cid, "回访", satisfaction="非常不满意")
    tracking.record_action(cx, cid, "重开")
    tracking.record_action(cx, cid, "处理完成")
    e = tracking.record_action(cx, cid, "二次回访", satisfaction="不满意", not_contacted=True)
    assert e["params"]["not_contacted"] is True and e["not_contacted"] is True
    assert "【" not in e["note"] and e["satisfaction"] == "不满意"
    assert e["summary"] == "满意度:不满意;客户称无人联系"  # the case page's line, in words
    clerk = Context(site="SH01", actor="客服小李", clock=clock, roles=frozenset({"客服专员"}))
    assert Action.CLOSE in tracking.available_actions(clerk, cid)
    nobody = Context(site="SH01", actor="访客", clock=clock)
    assert tracking.available_actions(nobody, cid) == set()
    assert Action.CLOSE in tracking.available_actions(nobody, cid, check_roles=False)


def test_two_seats_dispatching_one_case_at_once_the_second_is_told_first(cx, clock):
    """Each seat's 派单 dialog was opened on the case as it stood; the one that records
    second is refused (the case moved on under it) instead of overriding the first without
    either knowing, and records once it has been shown the case as it is now."""
    cid = new_case(cx)
    clock.now = at(10)
    seen = cases.version_of(cases.get_case(cid))  # both dialogs open on this
    other = Context(
        site="SH01", actor="客服小李", clock=clock, roles=frozenset(ROLES), department="客服部"
    )
    tracking.record_action(other, cid, Action.DISPATCH, department="销售部", expected_version=seen)
    with pytest.raises(StaleRecord) as refused:
        tracking.record_action(cx, cid, Action.DISPATCH, department="车间", expected_version=seen)
    assert "已被他人改动" in str(refused.value) and "未记录“派单”" in str(refused.value)
    now = cases.get_case(cid)
    assert now["department"] == "销售部"
    assert [e["action"] for e in tracking.timeline(cid)].count("派单") == 1
    assert refused.value.current_version == cases.version_of(now)
    # shown the case as it is, the person may still send it elsewhere
    tracking.record_action(
        cx, cid, Action.DISPATCH, department="车间", expected_version=refused.value.current_version
    )
    assert cases.get_case(cid)["department"] == "车间"
    # without a version (the command line, the rules' own actions) nothing is compared
    tracking.record_action(cx, cid, Action.DISPATCH, department="服务前台")
    assert cases.get_case(cid)["department"] == "服务前台"


def test_an_action_no_longer_allowed_says_why_not_that_the_case_moved(cx, clock):
    cid = new_case(cx)
    tracking.record_action(cx, cid, "处理完成", plan="更换刹车片")
    seen = cases.version_of(cases.get_case(cid))
    tracking.record_action(cx, cid, "回访", satisfaction="满意")
    with pytest.raises(TransitionRefused, match="只有处理完毕"):
        tracking.record_action(cx, cid, "回访", satisfaction="满意", expected_version=seen)
