"""Sanction use cases: proposals follow the case, the GM decides, lists and month totals."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from complaints.rules.sanctions import EVENT_BANNER
from complaints.usecases import cases, proposals, sanctions, tracking
from complaints.usecases.errors import PermissionDenied, UseCaseError
from db.models import Sanction, database


def new_case(ctx, **kw):
    v = cases.blank_case(ctx)
    v.update(
        customer_name="张伟",
        content="保养后异响",
        channel="现场",
        business="售后",
        department="车间",
        responsible="张海涛",
        received_at=ctx.now() - timedelta(hours=2),
    )
    v.update(kw)
    return cases.create_case(ctx, v).id


def set_liability(ctx, cid, value):
    """Change the liability through the case use case: it proposes (and withdraws) at once."""
    cases.update_case(ctx, cid, {"liability": value})


def rows(cid, state=None):
    return sanctions.list_sanctions(sanctions.SanctionFilter(case_id=cid, state=state))


def audit_events():
    return [r[0] for r in database.execute_sql("SELECT event FROM audit_log ORDER BY id")]


def test_liability_proposes_and_withdraws_and_revives(ctx):
    cid = new_case(ctx)
    assert rows(cid) == []
    set_liability(ctx, cid, "有责")  # proposed by the write itself, no extra call
    pend = rows(cid, sanctions.PENDING)
    assert sorted(x["rule"] for x in pend) == ["S1", "S3"]
    assert all(x["case_number"] and x["case_number"] in x["reason"] for x in pend)
    assert proposals.sync_proposals(ctx, cid) == proposals.SyncReport()  # nothing twice
    set_liability(ctx, cid, "待定")
    assert rows(cid, sanctions.PENDING) == []
    withdrawn = rows(cid, sanctions.WITHDRAWN)
    assert len(withdrawn) == 2 and {x["state"] for x in withdrawn} == {sanctions.WITHDRAWN}
    assert all(x["revision"] == 2 for x in withdrawn)  # the tombstone travels
    set_liability(ctx, cid, "有责")
    assert rows(cid, sanctions.WITHDRAWN) == [] and len(rows(cid, sanctions.PENDING)) == 2
    assert Sanction.select().where(Sanction.case == cid).count() == 2
    assert "sanction.propose" in audit_events() and "sanction.withdraw" in audit_events()


def test_not_liable_withdraws_fines_proposes_none_and_decided_ones_stay(ctx):
    cid = new_case(ctx)
    set_liability(ctx, cid, "有责")
    s1 = next(x for x in rows(cid) if x["rule"] == "S1")
    sanctions.approve(ctx, s1["uid"])
    set_liability(ctx, cid, "无责")
    states = {
        (x["rule"], x["state"])
        for x in sanctions.list_sanctions(sanctions.SanctionFilter(case_id=cid))
        + rows(cid, sanctions.WITHDRAWN)
    }
    assert ("S1", sanctions.APPROVED) in states and ("S3", sanctions.WITHDRAWN) in states
    assert not any(rule == "S5" for rule, _ in states)  # 无责 is a decision, not a fine
    assert sanctions.pending_count() == 0
    set_liability(ctx, cid, "有责")  # S1 already decided: not proposed again
    assert [x["rule"] for x in rows(cid) if x["rule"] == "S1"] == ["S1"]


def test_pending_amount_follows_the_case(ctx):
    cid = new_case(ctx)
    set_liability(ctx, cid, "有责")
    assert next(x for x in rows(cid) if x["rule"] == "S3")["amount"] == 50
    cases.update_case(ctx, cid, {"severity": "重大投诉"})
    s3 = next(x for x in rows(cid) if x["rule"] == "S3")
    assert s3["amount"] == 100


def test_approve_within_range_and_reject_with_reason(ctx):
    cid = new_case(ctx, channel="售后回访")
    tracking.record_action(ctx, cid, "派单", department="车间")
    tracking.record_action(ctx, cid, "处理完成", plan="更换")
    tracking.record_action(ctx, cid, "回访", satisfaction="不满意")
    tracking.record_action(ctx, cid, "重开")
    tracking.record_action(ctx, cid, "处理完成", plan="再次更换")
    tracking.record_action(ctx, cid, "二次回访", satisfaction="非常不满意")
    proposals.sync_proposals(ctx, cid)
    s6 = [x for x in rows(cid) if x["rule"] == "S6"]
    assert len(s6) == 2
    with pytest.raises(UseCaseError, match="超出"):
        sanctions.approve(ctx, s6[0]["uid"], amount=60)
    done = sanctions.approve(ctx, s6[0]["uid"], amount=35, note="情节较重")
    assert (done["state"], done["amount"], done["decided_by"]) == (sanctions.APPROVED, 35, "测试员")
    assert done["revision"] == 2
    with pytest.raises(UseCaseError, match="原因"):
        sanctions.reject(ctx, s6[1]["uid"], " ")
    no = sanctions.reject(ctx, s6[1]["uid"][:8], "经理已尽力协调")
    assert no["state"] == sanctions.REJECTED and no["decision_note"] == "经理已尽力协调"
    with pytest.raises(UseCaseError, match="不能再次审批"):
        sanctions.approve(ctx, s6[1]["uid"])


def test_only_the_gm_approves(ctx):
    cid = new_case(ctx)
    set_liability(ctx, cid, "有责")
    uid = rows(cid)[0]["uid"]
    clerk = dataclasses.replace(ctx, roles=frozenset({"客服专员"}))
    with pytest.raises(PermissionDenied):
        sanctions.approve(clerk, uid)
    with pytest.raises(PermissionDenied):
        sanctions.reject(clerk, uid, "不同意")
    gm = dataclasses.replace(ctx, roles=frozenset({"总经理"}), actor="许振邦")
    assert sanctions.approve(gm, uid)["decided_by"] == "许振邦"


def test_manual_needs_reason_and_approval(ctx):
    with pytest.raises(UseCaseError, match="原因"):
        sanctions.add_manual(
            ctx, type="奖励", person="姜思远", department="服务前台", amount=200, reason=""
        )
    m = sanctions.add_manual(
        ctx,
        type="奖励",
        person="姜思远",
        department="服务前台",
        amount=200,
        reason="协助处理群体投诉",
    )
    assert m["state"] == sanctions.PENDING and m["rule"] is None
    assert sanctions.month_totals("2026-11").rewards == 0  # not approved yet
    sanctions.approve(ctx, m["uid"], amount=150)
    t = sanctions.month_totals("2026-11")
    assert t.rewards == 150 and t.by_person[0].name == "姜思远"


def test_event_banner_reward(ctx):
    cid = new_case(ctx)
    sanctions.record_event(ctx, cid, EVENT_BANNER, "客户送来锦旗")
    (r,) = rows(cid)
    assert (r["rule"], r["type"], r["amount"]) == ("S11", "奖励", 300)
    with pytest.raises(UseCaseError):
        sanctions.record_event(ctx, cid, "别的事")


def test_lists_filters_and_month_totals(ctx):
    a = new_case(ctx)
    b = new_case(ctx, kind="抱怨", department="配件部", responsible="金晓峰")
    set_liability(ctx, a, "有责")
    set_liability(ctx, b, "有责")
    for x in sanctions.list_sanctions(sanctions.SanctionFilter(state=sanctions.PENDING)):
        sanctions.approve(ctx, x["uid"])
    t = sanctions.month_totals("2026-11")
    # a: S1 100 + S3 50; b (抱怨): S1 50, no S3
    assert t.fines == 100 + 50 + 50 and t.rewards == 0 and t.pending == 0
    assert {d.name: d.fines for d in t.by_department} == {"车间": 150, "配件部": 50}
    assert len(sanctions.list_sanctions(sanctions.SanctionFilter(department="配件部"))) == 1
    assert len(sanctions.list_sanctions(sanctions.SanctionFilter(person="张海涛"))) == 1
    assert sanctions.list_sanctions(sanctions.SanctionFilter(month="2026-10")) == []
    assert len(sanctions.list_sanctions(sanctions.SanctionFilter(type="奖励"))) == 0
    assert sanctions.month_totals("2026-10").fines == 0
    with pytest.raises(UseCaseError, match="月份"):
        sanctions.month_totals("11/2026")
    assert sanctions.pending_count() == 0


def test_other_sites_case_is_not_proposed_here(ctx):
    cid = new_case(ctx)
    other = dataclasses.replace(ctx, site="BJ02")  # e.g. HQ editing a branch's case
    cases.update_case(other, cid, {"liability": "有责"})
    assert proposals.sync_proposals(other, cid) == proposals.SyncReport()
    assert rows(cid) == []  # the owner proposes; its sanctions come in its ledger


def test_proposal_date_today_or_given(ctx):
    cid = new_case(ctx)
    # the condition came in without a write through the use cases (e.g. an older version)
    database.execute_sql("UPDATE cases SET liability = '有责' WHERE id = ?", (cid,))
    proposals.sync_proposals(ctx, cid, today=date(2026, 10, 30))
    assert {
        x["date"] for x in sanctions.list_sanctions(sanctions.SanctionFilter(month="2026-10"))
    } == {date(2026, 10, 30)}
    c2 = new_case(ctx)
    set_liability(ctx, c2, "有责")
    assert rows(c2)[0]["date"] == date(2026, 11, 20)


def test_demo_has_every_rule_and_state(ctx):
    from complaints.usecases import demo
    from complaints.usecases.demo_sanctions import add_demo_sanctions, month_has_every_state

    demo.load_demo(ctx, 1500, seed=3)  # adds the demo sanctions itself
    rules = {r[0] for r in database.execute_sql("SELECT DISTINCT rule FROM sanctions")}
    assert rules >= {"S1", "S2", "S3", "S6", "S7", "S8", "S9", "S10", "S11"}
    assert "S5" not in rules  # 无责 is the case's liability, never a ¥0 fine
    report = add_demo_sanctions(ctx, "again", ctx.now())  # a second pass adds events only
    assert report.events_added >= 3
    assert month_has_every_state(date(2026, 11, 1), "SH01") == set(sanctions.STATES)
    t = sanctions.month_totals("2026-11")
    assert t.fines > 0 and t.by_department and t.by_person


def test_amounts_come_from_the_policy_editor(ctx):
    from complaints.usecases import policy as policy_uc

    policy_uc.save(ctx, policy_uc.load().with_(s1_complaint=120, s3_general=60))
    cid = new_case(ctx)
    set_liability(ctx, cid, "有责")
    assert {x["rule"]: x["amount"] for x in rows(cid)} == {"S1": 120, "S3": 60}


def test_sweep_proposes_s8_for_an_overdue_sheet(ctx):
    then = ctx.now() - timedelta(days=2)
    cid = new_case(dataclasses.replace(ctx, clock=lambda: then), received_at=then)
    assert rows(cid) == []  # nothing due yet when it was written; no write since
    r = proposals.sweep(ctx)
    assert len(r.created) == 1
    (s8,) = rows(cid)
    assert (s8["rule"], s8["person"], s8["amount"]) == ("S8", "车间经理", 20)
    assert proposals.sweep(ctx) == proposals.SyncReport()


def test_deleting_the_case_withdraws_its_pending_proposals(ctx):
    cid = new_case(ctx)
    set_liability(ctx, cid, "有责")
    assert sanctions.pending_count() == 2
    cases.delete_case(ctx, cid)
    assert sanctions.pending_count() == 0 and len(rows(cid, sanctions.WITHDRAWN)) == 2


def test_daily_sweep_runs_once_a_day(ctx):
    then = ctx.now() - timedelta(days=2)
    new_case(dataclasses.replace(ctx, clock=lambda: then), received_at=then)
    assert len(proposals.daily_sweep(ctx).created) == 1
    assert proposals.daily_sweep(ctx) is None  # already ran today
    tomorrow = dataclasses.replace(ctx, clock=lambda: ctx.now() + timedelta(days=1))
    assert proposals.daily_sweep(tomorrow) == proposals.SyncReport()
