"""D1–D11: not applicable, pending, met on time, met late, missed and open, the edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from complaints.rules.deadline_rules import all_deadlines, deadline, open_deadlines_of
from complaints.rules.deadlines import CST, DeadlineStatus
from complaints.rules.escalation import escalation_hints
from complaints.rules.policy import Policy

S = DeadlineStatus
P = Policy()
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=CST)
H = timedelta(hours=1)
M = timedelta(minutes=1)


def case(**over):
    c = dict(
        received_at=T0,
        channel="现场",
        severity="一般投诉",
        kind="投诉",
        business="售后",
        media=False,
        needs_oem=False,
        state="登记",
    )
    c.update(over)
    return c


def ent(action, at, note=""):
    return {"at": at, "action": action, "note": note}


def status(rule, c, entries, now, policy=P):
    return deadline(rule, c, [ent("登记", c["received_at"]), *entries], policy, now, CST).status


# --- D1 --------------------------------------------------------------------------------------


def test_d1_each_outcome():
    c = case()
    assert status("D1", c, [], T0 + 30 * M) is S.PENDING
    assert status("D1", c, [], T0 + 100 * M) is S.AT_RISK  # 20 min of 120 left (< 25 %)
    assert status("D1", c, [], T0 + 2 * H + timedelta(seconds=1)) is S.OVERDUE
    assert status("D1", c, [ent("联系客户", T0 + H)], T0 + 5 * H) is S.MET
    assert status("D1", c, [ent("联系客户", T0 + 3 * H)], T0 + 5 * H) is S.MET_LATE
    assert status("D1", case(severity="重大投诉"), [], T0 + H) is S.NOT_APPLICABLE
    assert status("D1", case(channel="厂家转发"), [], T0 + H) is S.NOT_APPLICABLE


def test_exactly_on_the_limit_is_met():
    c = case()
    d = deadline("D1", c, [ent("联系客户", T0 + 2 * H)], P, T0 + 3 * H)
    assert d.status is S.MET and d.due == T0 + 2 * H and d.met_at == T0 + 2 * H
    late = deadline("D1", c, [ent("联系客户", T0 + 2 * H + timedelta(seconds=1))], P, T0 + 3 * H)
    assert late.status is S.MET_LATE
    # not yet met, at the very limit: still at risk, not overdue
    assert status("D1", c, [], T0 + 2 * H) is S.AT_RISK


def test_entry_after_now_is_ignored():
    c = case()
    assert status("D1", c, [ent("联系客户", T0 + H)], T0 + 30 * M) is S.PENDING


# --- D2 --------------------------------------------------------------------------------------


def test_d2_four_hours_without_media_two_with():
    major = case(severity="重大投诉")
    d = deadline("D2", major, [], P, T0)
    assert d.due == T0 + 4 * H and d.limit == "4小时"
    dm = deadline("D2", case(severity="重大投诉", media=True), [], P, T0)
    assert dm.due == T0 + 2 * H and "媒体" in dm.limit
    at3 = [ent("上报厂家", T0 + 3 * H)]
    assert status("D2", major, at3, T0 + 5 * H) is S.MET
    assert status("D2", case(severity="重大投诉", media=True), at3, T0 + 5 * H) is S.MET_LATE
    assert status("D2", case(needs_oem=True), [], T0 + 5 * H) is S.OVERDUE
    assert status("D2", case(), [], T0 + 5 * H) is S.NOT_APPLICABLE
    assert status("D2", major, [], T0 + H) is S.PENDING


# --- D3 --------------------------------------------------------------------------------------


def test_d3_escalation_within_five_minutes():
    c = case()
    assert status("D3", c, [ent("升级", T0 + 5 * M)], T0 + H) is S.MET
    assert status("D3", c, [ent("升级", T0 + 6 * M)], T0 + H) is S.MET_LATE
    assert status("D3", c, [], T0 + 2 * M) is S.PENDING
    assert status("D3", c, [], T0 + 4 * M + 30 * timedelta(seconds=1)) is S.AT_RISK
    assert status("D3", c, [], T0 + 6 * M) is S.OVERDUE
    assert status("D3", case(channel="销售回访"), [], T0 + H) is S.NOT_APPLICABLE
    # settled on the spot by the advisor: nothing to escalate
    assert status("D3", c, [ent("处理完成", T0 + 4 * M)], T0 + H) is S.NOT_APPLICABLE
    # hotline follows the on-site rules unless the office changes the channel list
    assert status("D3", case(channel="电话热线"), [], T0 + H) is S.OVERDUE
    only_site = P.with_(onsite_channels=("现场",))
    assert status("D3", case(channel="电话热线"), [], T0 + H, only_site) is S.NOT_APPLICABLE


# --- D4 --------------------------------------------------------------------------------------


def test_d4_end_of_the_local_day():
    c = case()
    d = deadline("D4", c, [], P, T0)
    assert d.due == datetime(2026, 11, 20, 23, 59, 59, tzinfo=CST)
    assert (
        status(
            "D4", c, [ent("回传客服", datetime(2026, 11, 20, 23, 59, 59, tzinfo=CST))], T0 + 24 * H
        )
        is S.MET
    )
    assert (
        status("D4", c, [ent("回传客服", datetime(2026, 11, 21, 0, 0, tzinfo=CST))], T0 + 24 * H)
        is S.MET_LATE
    )
    assert status("D4", c, [], datetime(2026, 11, 21, 0, 0, tzinfo=CST)) is S.OVERDUE
    assert status("D4", c, [], T0 + H) is S.PENDING
    assert status("D4", case(channel="厂家转发"), [], T0 + H) is S.NOT_APPLICABLE


def test_d4_day_is_the_offices_local_day():
    # received 2026-11-20 23:30 +08:00 = 15:30 UTC: due that same local evening, not UTC's
    late = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    d = deadline("D4", case(received_at=late), [], P, late, CST)
    assert d.due == datetime(2026, 11, 20, 23, 59, 59, tzinfo=CST)
    # an office in another zone gets its own end of day
    berlin = timezone(timedelta(hours=1))
    d2 = deadline("D4", case(received_at=late), [], P, late, berlin)
    assert d2.due == datetime(2026, 11, 20, 23, 59, 59, tzinfo=berlin)


def test_d4_after_an_early_cutoff_is_due_next_day():
    p = P.with_(d4_cutoff="18:00")
    r = datetime(2026, 11, 20, 19, 0, tzinfo=CST)
    d = deadline("D4", case(received_at=r), [], p, r)
    assert d.due == datetime(2026, 11, 21, 18, 0, 59, tzinfo=CST)


# --- D5–D8 (callback-raised) -----------------------------------------------------------------


def test_d5_dispatch_within_an_hour():
    c = case(channel="售后回访")
    assert status("D5", c, [ent("派单", T0 + H)], T0 + 2 * H) is S.MET
    assert status("D5", c, [ent("派单", T0 + 61 * M)], T0 + 2 * H) is S.MET_LATE
    assert status("D5", c, [], T0 + 2 * H) is S.OVERDUE
    assert status("D5", c, [], T0 + 10 * M) is S.PENDING
    assert status("D5", case(), [], T0) is S.NOT_APPLICABLE


def test_d6_needs_person_and_contact_after_dispatch():
    c = case(channel="销售回访")
    disp = ent("派单", T0 + 30 * M)
    assert status("D6", c, [], T0 + 10 * M) is S.WAITING  # clock starts at 派单
    assert status("D6", c, [disp], T0 + H) is S.PENDING
    named = ent("指定责任人", T0 + H)
    assert status("D6", c, [disp, named], T0 + 3 * H) is S.OVERDUE
    both = [disp, named, ent("联系客户", T0 + 150 * M)]
    d = deadline("D6", c, both, P, T0 + 3 * H)
    assert d.status is S.MET and d.met_at == T0 + 150 * M and d.due == T0 + 150 * M
    late = [disp, named, ent("联系客户", T0 + 151 * M)]
    assert status("D6", c, late, T0 + 3 * H) is S.MET_LATE


def test_major_callback_case_uses_d8_not_d7():
    general, major = case(channel="售后回访"), case(channel="售后回访", severity="重大投诉")
    disp = ent("派单", T0)
    handled = ent("处理完成", T0 + 48 * H)
    assert status("D7", general, [disp, handled], T0 + 50 * H) is S.MET_LATE
    assert status("D8", general, [disp, handled], T0 + 50 * H) is S.NOT_APPLICABLE
    assert status("D7", major, [disp, handled], T0 + 50 * H) is S.NOT_APPLICABLE
    assert status("D8", major, [disp, handled], T0 + 50 * H) is S.MET
    assert status("D8", major, [disp], T0 + 72 * H + M) is S.OVERDUE
    assert status("D7", general, [disp, ent("回传客服", T0 + 24 * H)], T0 + 30 * H) is S.MET
    assert status("D7", general, [disp], T0 + 20 * H) is S.AT_RISK


# --- D9 --------------------------------------------------------------------------------------


def test_d9_oem_contact_in_thirty_minutes():
    c = case(channel="厂家转发")
    assert status("D9", c, [ent("联系客户", T0 + 30 * M)], T0 + H) is S.MET
    assert status("D9", c, [ent("联系客户", T0 + 31 * M)], T0 + H) is S.MET_LATE
    assert status("D9", c, [], T0 + 31 * M) is S.OVERDUE
    assert status("D9", c, [], T0 + 10 * M) is S.PENDING
    assert status("D9", case(), [], T0) is S.NOT_APPLICABLE


# --- D10, D11 --------------------------------------------------------------------------------


def unhappy_round(at):
    return [ent("处理完成", T0 + H), ent("回访", at, "【满意度:不满意】"), ent("重开", at + M)]


def test_d10_three_days_after_unhappy_callback():
    c = case(channel="售后回访")
    cb = T0 + 10 * H
    assert (
        status("D10", c, [ent("处理完成", T0 + H), ent("回访", cb, "【满意度:满意】")], cb + H)
        is S.NOT_APPLICABLE
    )
    r = unhappy_round(cb)
    d = deadline("D10", c, r, P, cb + H)
    assert d.status is S.PENDING and d.start == cb and d.due == cb + timedelta(days=3)
    assert status("D10", c, [*r, ent("处理完成", cb + timedelta(days=3))], cb + 4 * 24 * H) is S.MET
    assert (
        status("D10", c, [*r, ent("处理完成", cb + timedelta(days=4))], cb + 5 * 24 * H)
        is S.MET_LATE
    )
    assert status("D10", c, r, cb + timedelta(days=3, seconds=1)) is S.OVERDUE
    # the clock starts with the unhappy callback, before 重开 is even recorded
    only_cb = [ent("处理完成", T0 + H), ent("回访", cb, "【满意度:非常不满意】")]
    assert deadline("D10", c, only_cb, P, cb + H).start == cb


def test_d11_callback_36h_on_site_3_days_otherwise():
    h = T0 + H
    onsite = case()
    assert status("D11", onsite, [], T0 + H) is S.WAITING
    assert deadline("D11", onsite, [ent("处理完成", h)], P, h).due == h + 36 * H
    assert status("D11", onsite, [ent("处理完成", h), ent("回访", h + 36 * H)], h + 40 * H) is S.MET
    assert (
        status("D11", onsite, [ent("处理完成", h), ent("回访", h + 37 * H)], h + 40 * H)
        is S.MET_LATE
    )
    assert status("D11", onsite, [ent("处理完成", h)], h + 37 * H) is S.OVERDUE
    other = case(channel="售后回访")
    assert deadline("D11", other, [ent("处理完成", h)], P, h).due == h + timedelta(days=3)
    assert status("D11", other, [ent("处理完成", h)], h + 37 * H) is S.PENDING


def test_closed_case_unmet_deadline_is_missed_or_moot():
    c = case(state="已关闭")
    es = [ent("处理完成", T0 + 3 * H), ent("关闭", T0 + 4 * H, "客户无法联系")]
    ds = {d.rule: d.status for d in all_deadlines(c, [ent("登记", T0), *es], P, T0 + 10 * H)}
    assert ds["D1"] is S.OVERDUE  # due 11:00, closed 13:00 without a contact
    assert ds["D11"] is S.NOT_APPLICABLE  # closed before the callback fell due
    assert ds["D6"] is S.NOT_APPLICABLE


def test_case_received_after_now_has_no_deadlines():
    ds = all_deadlines(case(), [], P, T0 - H)
    assert {d.status for d in ds} == {S.NOT_APPLICABLE}


def test_limits_come_from_the_policy():
    p = P.with_(d1_hours=3, at_risk_fraction=0.5)
    assert deadline("D1", case(), [], p, T0).due == T0 + 3 * H
    assert status("D1", case(), [], T0 + 100 * M, p) is S.AT_RISK
    assert status("D1", case(), [], T0 + 80 * M, p) is S.PENDING


# --- properties ------------------------------------------------------------------------------

RANK = {S.PENDING: 0, S.AT_RISK: 1, S.OVERDUE: 2}
RULES_BY_CHANNEL = [
    ("现场", "D1"),
    ("现场", "D3"),
    ("现场", "D4"),
    ("售后回访", "D5"),
    ("厂家转发", "D9"),
]


@given(
    st.sampled_from(RULES_BY_CHANNEL), st.integers(0, 3 * 24 * 3600), st.integers(0, 3 * 24 * 3600)
)
def test_open_status_never_goes_back_in_time(rule_channel, a, b):
    channel, rule = rule_channel
    c = case(channel=channel)
    s1 = status(rule, c, [], T0 + timedelta(seconds=min(a, b)))
    s2 = status(rule, c, [], T0 + timedelta(seconds=max(a, b)))
    assert RANK[s1] <= RANK[s2]


@given(st.integers(0, 6 * 3600), st.integers(0, 12 * 3600))
def test_once_met_stays_met(done_after, later):
    c = case()
    done = T0 + timedelta(seconds=done_after)
    s = status("D1", c, [ent("联系客户", done)], done + timedelta(seconds=later))
    assert s is (S.MET if done_after <= 2 * 3600 else S.MET_LATE)


# --- escalation hints ------------------------------------------------------------------------


def test_escalation_hints():
    assert escalation_hints(case(media=True), [], P, T0)[0].startswith("涉及媒体")
    assert any("诉讼" in h for h in escalation_hints(case(content="客户称要去法院起诉"), [], P, T0))
    assert any("12 位" in h for h in escalation_hints(case(content="共12位车主联名"), [], P, T0))
    assert escalation_hints(case(content="2位客户"), [], P, T0) == []
    rel = [
        {
            "id": 9,
            "number": "SH01-202611-0001",
            "received_at": T0 - timedelta(days=20),
            "vin": "LSVAU2180N2183294",
            "phone": None,
        }
    ]
    hints = escalation_hints(case(vin="LSVAU2180N2183294"), [], P, T0, rel)
    assert any("SH01-202611-0001" in h for h in hints)
    far = [{**rel[0], "received_at": T0 - timedelta(days=31)}]
    assert escalation_hints(case(vin="LSVAU2180N2183294"), [], P, T0, far) == []
    assert any("30 天未关闭" in h for h in escalation_hints(case(), [], P, T0 + timedelta(days=31)))
    assert escalation_hints(case(severity="重大投诉", media=True), [], P, T0) == []


@pytest.mark.parametrize("rule", [f"D{i}" for i in range(1, 12)])
def test_every_rule_says_what_and_is_not_applicable_when_nothing_matches(rule):
    d = deadline(rule, case(channel="其他渠道"), [], P, T0 + H)
    assert d.what and d.rule == rule


def test_callback_rules_wait_for_dispatch_and_skip_other_channels():
    c = case(channel="销售回访")
    for rule in ("D6", "D7"):
        d = deadline(rule, c, [], P, T0 + H)
        assert d.status is S.WAITING and d.due is None
    for rule in ("D5", "D6", "D7", "D8"):
        assert status(rule, case(), [], T0 + H) is S.NOT_APPLICABLE
    assert status("D8", c, [], T0 + H) is S.NOT_APPLICABLE  # general case: D7's


def test_d7_d8_missed_and_late_edges():
    general, major = case(channel="售后回访"), case(channel="售后回访", severity="重大投诉")
    disp = ent("派单", T0)
    assert status("D7", general, [disp], T0 + 24 * H + timedelta(seconds=1)) is S.OVERDUE
    assert status("D7", general, [disp, ent("处理完成", T0 + 24 * H)], T0 + 30 * H) is S.MET
    assert status("D8", major, [disp, ent("回传客服", T0 + 72 * H)], T0 + 80 * H) is S.MET
    assert status("D8", major, [disp, ent("处理完成", T0 + 73 * H)], T0 + 80 * H) is S.MET_LATE
    assert status("D8", major, [disp], T0 + 10 * H) is S.PENDING


ENTRY_ACTIONS = [
    "派单",
    "指定责任人",
    "联系客户",
    "升级",
    "上报厂家",
    "处理完成",
    "回传客服",
    "回访",
    "重开",
    "备注",
]


@given(
    st.sampled_from(["现场", "销售回访", "售后回访", "厂家转发", "电话热线"]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.lists(
        st.tuples(
            st.sampled_from(ENTRY_ACTIONS),
            st.integers(0, 5 * 24 * 60),
            st.sampled_from(["【满意度:满意】", "【满意度:不满意】"]),
        ),
        max_size=8,
    ),
    st.integers(0, 6 * 24 * 60),
)
def test_todo_fast_path_matches_the_full_rules(channel, major, media, needs_oem, raw, now_min):
    c = case(
        channel=channel,
        severity="重大投诉" if major else "一般投诉",
        media=media,
        needs_oem=needs_oem,
    )
    entries = [ent("登记", T0)] + [ent(a, T0 + m * M, n) for a, m, n in raw]
    now = T0 + now_min * M
    fast = open_deadlines_of(c, entries, P, now)
    full = [d for d in all_deadlines(c, entries, P, now) if d.status.is_open]
    assert fast == full


def test_d3_follows_the_answer_settled_on_the_spot():
    """issue 17 §4: D3 is for on-site cases the advisor could not settle on the spot; the
    clerk's answer 当场已解决 takes it away, not answering (the default) keeps it."""
    assert status("D3", case(settled_on_site=True), [], T0 + H) is S.NOT_APPLICABLE
    assert status("D3", case(settled_on_site=False), [], T0 + H) is S.OVERDUE
    assert status("D3", case(), [], T0 + 6 * M) is S.OVERDUE  # a case from before the question
