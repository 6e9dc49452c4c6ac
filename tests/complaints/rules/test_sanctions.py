"""S1–S11 proposals: each rule firing and not firing, amounts from the Policy."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from complaints.rules.deadline_rules import all_deadlines
from complaints.rules.policy import Policy
from complaints.rules.sanctions import (
    EVENT_BANNER,
    EVENT_PRAISE,
    EVENT_SHEET_LOST,
    FINE,
    REWARD,
    Org,
    entry_events,
    event_note,
    in_range,
    proposals,
)
from complaints.rules.workflow import encode_note
from complaints.usecases.context import CHINA_TZ

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ)
ORG = Org(
    managers={"车间": "何永刚", "售后服务部": "王建国", "销售部": "钱志伟"},
    titles={"车间": "车间经理", "配件部": "配件经理"},
)
P = Policy()


def case(**kw):
    v = {
        "number": "SH01-202611-0001",
        "received_at": T0,
        "channel": "现场",
        "kind": "投诉",
        "severity": "一般投诉",
        "business": "售后",
        "department": "车间",
        "responsible": "张海涛",
        "advisor": "姜思远",
        "liability": "待定",
        "attitude": False,
        "state": "登记",
    }
    v.update(kw)
    return v


def entry(action, hours=1.0, note="", actor="张海涛"):
    return {"at": T0 + timedelta(hours=hours), "action": action, "note": note, "actor": actor}


def run(c, entries=(), now=None, policy=P, org=ORG):
    ds = all_deadlines(c, entries, policy, now or T0 + timedelta(hours=3), CHINA_TZ)
    return proposals(c, list(entries), ds, policy, org, CHINA_TZ)


def keys(ps):
    return sorted((p.rule, p.person) for p in ps)


def by_rule(ps, rule):
    return [p for p in ps if p.rule == rule]


# --- S1 / S2 / S3 / S5: liability -----------------------------------------------------------


def test_nothing_while_liability_pending():
    assert run(case()) == []


def test_s1_liable_complaint_and_grumble():
    (p,) = by_rule(run(case(liability="有责")), "S1")
    assert (p.person, p.department, p.type, p.amount) == ("张海涛", "车间", FINE, 100)
    assert "SH01-202611-0001" in p.reason
    (g,) = by_rule(run(case(liability="有责", kind="抱怨")), "S1")
    assert g.amount == 50


def test_s1_reads_policy_amounts():
    pol = P.with_(s1_complaint=120, s1_grumble=60, s3_general=70)
    ps = run(case(liability="有责"), policy=pol)
    assert by_rule(ps, "S1")[0].amount == 120
    assert by_rule(ps, "S3")[0].amount == 70


def test_s1_falls_back_on_advisor_and_skips_without_anyone():
    (p,) = by_rule(run(case(liability="有责", responsible=None)), "S1")
    assert p.person == "姜思远"
    assert by_rule(run(case(liability="有责", responsible=None, advisor=None)), "S1") == []


def test_s2_attitude_person_and_manager():
    ps = by_rule(run(case(liability="有责", attitude=True)), "S2")
    assert keys(ps) == [("S2", "何永刚"), ("S2", "张海涛")]
    person = next(p for p in ps if p.person == "张海涛")
    manager = next(p for p in ps if p.person == "何永刚")
    assert person.amount == 100
    assert (manager.amount, manager.amount_min, manager.amount_max) == (50, None, None)


def test_s2_not_without_attitude_or_liability():
    assert by_rule(run(case(liability="有责")), "S2") == []
    assert by_rule(run(case(liability="无责", attitude=True)), "S2") == []


def test_s3_by_severity_and_not_for_grumble():
    (g,) = by_rule(run(case(liability="有责")), "S3")
    assert (g.person, g.amount) == ("何永刚", 50)
    (m,) = by_rule(run(case(liability="有责", severity="重大投诉")), "S3")
    assert m.amount == 100
    assert by_rule(run(case(liability="有责", kind="抱怨")), "S3") == []


def test_manager_title_when_no_name_known():
    (p,) = by_rule(run(case(liability="有责", department="配件部")), "S3")
    assert p.person == "配件经理"


def test_s5_not_liable_is_a_decision_not_a_fine():
    """无责 is the liability decision itself: no ¥0 fine, no notice, no queue row."""
    assert run(case(liability="无责")) == []
    assert by_rule(run(case(liability="有责")), "S5") == []


# --- S6 / S7: second callback ---------------------------------------------------------------


def second_callback(sat, not_contacted=False, hours=50):
    params = {"satisfaction": sat}
    if not_contacted:
        params["not_contacted"] = True
    return entry("二次回访", hours, encode_note("二次回访", params, ""), actor="陆婷婷")


def test_s6_still_dissatisfied_range_and_manager():
    ps = by_rule(run(case(), [second_callback("不满意")], now=T0 + timedelta(days=3)), "S6")
    assert keys(ps) == [("S6", "何永刚"), ("S6", "张海涛")]
    assert all((p.amount, p.amount_min, p.amount_max) == (20, 20, 50) for p in ps)
    assert ps[0].on == (T0 + timedelta(hours=50)).date()


def test_s6_not_when_satisfied_or_first_callback():
    now = T0 + timedelta(days=3)
    assert by_rule(run(case(), [second_callback("满意")], now=now), "S6") == []
    first = entry("回访", 50, encode_note("回访", {"satisfaction": "不满意"}))
    assert by_rule(run(case(), [first], now=now), "S6") == []


def test_s7_nobody_contacted():
    now = T0 + timedelta(days=3)
    (p,) = by_rule(run(case(), [second_callback("满意", not_contacted=True)], now=now), "S7")
    assert (p.person, p.amount) == ("张海涛", 50)
    assert by_rule(run(case(), [second_callback("不满意")], now=now), "S7") == []


def test_s7_handler_from_handled_entry():
    es = [entry("处理完成", 2, actor="吕春雷"), second_callback("一般", not_contacted=True)]
    (p,) = by_rule(run(case(responsible=None), es, now=T0 + timedelta(days=3)), "S7")
    assert p.person == "吕春雷"


# --- S8: D4 / D7 missed ---------------------------------------------------------------------


def test_s8_on_site_sheet_late():
    late = [entry("回传客服", 20)]  # 09:00 + 20 h: after 23:59 the same day
    (p,) = by_rule(run(case(), late, now=T0 + timedelta(days=1)), "S8")
    assert (p.person, p.amount) == ("何永刚", 20) and "D4" in p.reason
    on_time = [entry("回传客服", 5)]
    assert by_rule(run(case(), on_time, now=T0 + timedelta(days=1)), "S8") == []


def test_s8_overdue_open_and_not_before_due():
    assert by_rule(run(case(), [], now=T0 + timedelta(hours=5)), "S8") == []
    assert len(by_rule(run(case(), [], now=T0 + timedelta(days=1)), "S8")) == 1


def test_s8_callback_general_d7():
    c = case(channel="售后回访")
    es = [entry("派单", 0.5), entry("回传客服", 30)]
    (p,) = by_rule(run(c, es, now=T0 + timedelta(days=2)), "S8")
    assert "D7" in p.reason
    ok = [entry("派单", 0.5), entry("回传客服", 10)]
    assert by_rule(run(c, ok, now=T0 + timedelta(days=2)), "S8") == []


# --- S9 / S10 / S11: events -----------------------------------------------------------------


def test_event_note_round_trip():
    n = event_note(EVENT_BANNER, "客户送来锦旗一面")
    assert entry_events({"action": "备注", "note": n}) == {EVENT_BANNER}
    assert entry_events({"action": "联系客户", "note": n}) == set()
    assert entry_events({"action": "备注", "note": "客户说起锦旗的事"}) == set()
    with pytest.raises(ValueError):
        event_note("别的")


def test_s9_sheet_lost_head_by_business():
    es = [entry("备注", 3, event_note(EVENT_SHEET_LOST))]
    (p,) = by_rule(run(case(), es), "S9")
    assert (p.person, p.department, p.amount) == ("王建国", "售后服务部", 20)
    (s,) = by_rule(run(case(business="销售", department="销售部"), es), "S9")
    assert s.person == "钱志伟"
    assert by_rule(run(case(), [entry("备注", 3, "处理单已找到")]), "S9") == []


def test_s10_s11_rewards_once_each():
    es = [
        entry("备注", 2, event_note(EVENT_PRAISE, "电话表扬")),
        entry("备注", 2.5, event_note(EVENT_PRAISE, "又来表扬")),
        entry("备注", 3, event_note(EVENT_BANNER)),
    ]
    ps = run(case(), es)
    assert keys(ps) == [("S10", "张海涛"), ("S11", "张海涛")]
    assert {p.rule: (p.type, p.amount) for p in ps} == {"S10": (REWARD, 100), "S11": (REWARD, 300)}
    assert run(case(), [entry("备注", 2, "客户态度好")]) == []


def test_deleted_case_proposes_nothing_and_deleted_entries_ignored():
    assert run(case(liability="有责", deleted=True)) == []
    gone = dict(entry("备注", 3, event_note(EVENT_BANNER)), deleted=True)
    assert run(case(), [gone]) == []


def test_in_range():
    assert in_range(30, 20, 50) and not in_range(51, 20, 50) and not in_range(19, 20, 50)
    assert in_range(80, None, None) and not in_range(0, None, None)
    assert in_range(0, 0, 0)
