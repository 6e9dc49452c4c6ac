"""due_follow_up: D12 on the to-do list as follow_up_deadline judges it, and until that
moment the clock alone does not change the answer."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.rules.deadlines import CST, DeadlineStatus
from complaints.rules.followup import at_risk_from, due_follow_up, follow_up_deadline
from complaints.rules.officetime import CalendarData, DayMark
from complaints.rules.policy import Policy

M = timedelta(minutes=1)
T0 = datetime(2026, 9, 25, 8, 0, tzinfo=CST)  # the week before the National Day holiday
NATIONAL_DAY = CalendarData.of(
    [DayMark(date(2026, 10, d), True, "国庆节") for d in range(1, 8)]
    + [DayMark(date(2026, 10, 10), False, "国庆节")],
    {2026},
)
ACTIONS = ["关闭", "跟踪回访", "重开", "回访", "备注"]


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    return Policy().with_(
        follow_up=draw(st.sampled_from([True, True, True, False])),
        d12_clock=draw(st.sampled_from(["office", "calendar"])),
        d12_from_days=draw(st.sampled_from([1, 2, 3])),
        d12_days=draw(st.sampled_from([3, 5, 7])),
        at_risk_fraction=draw(st.sampled_from([0.1, 0.25, 0.5, 0.9])),
        calendar=NATIONAL_DAY,
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, object], list[dict[str, object]]]:
    received = T0 + draw(st.integers(0, 60 * 24 * 3)) * M
    case: dict[str, object] = {
        "received_at": received,
        "state": draw(st.sampled_from(["已关闭", "已关闭", "已关闭", "已重开", "回访"])),
        "deleted": draw(st.sampled_from([0, 0, 0, 1])),
        "severity": "一般投诉",
    }
    entries = [{"at": received, "action": "登记", "satisfaction": None}]
    for _ in range(draw(st.integers(0, 5))):
        entries.append(
            {
                "at": received + draw(st.integers(0, 60 * 24 * 16)) * M,
                "action": draw(st.sampled_from(ACTIONS)),
                "satisfaction": draw(st.sampled_from([None, "满意"])),
            }
        )
    return case, entries


def on_the_list(case, entries, policy, t):
    """What the to-do list showed before due_follow_up: the open D12 with its 将到期 moment."""
    d = follow_up_deadline(case, entries, policy, t, CST)
    if d is None or not d.status.is_open or d.start is None:
        return None
    return d, at_risk_from(d.start, policy, CST)


@settings(max_examples=500, deadline=None)
@given(
    policies(),
    cases(),
    st.integers(0, 60 * 24 * 20),
    st.lists(st.integers(0, 60 * 24 * 20 * 60), min_size=1, max_size=6),
)
def test_the_answer_is_the_rules_and_holds_until_then(policy, drawn, start, steps):
    case, entries = drawn
    now = T0 + start * M
    judged, until = due_follow_up(case, entries, policy, now, CST)
    assert judged == on_the_list(case, entries, policy, now)
    assert until is None or until >= now
    for step in steps:  # seconds after now, and the moments just before the bound
        moments = [now + timedelta(seconds=step)]
        if until is not None:
            moments += [until - timedelta(microseconds=1), until]
        for t in moments:
            if t < now:
                continue
            if until is None or t < until:
                assert on_the_list(case, entries, policy, t) == judged, t
            else:  # from the bound on, due_follow_up answers afresh, as the rule does
                assert due_follow_up(case, entries, policy, t, CST)[0] == on_the_list(
                    case, entries, policy, t
                )


def test_the_window_opening_turning_and_passing_are_the_bounds():
    policy = Policy().with_(follow_up=True, d12_clock="calendar", at_risk_fraction=0.5)
    closed = datetime(2026, 9, 30, 15, 0, tzinfo=CST)
    case = {"received_at": closed - 2 * M, "state": "已关闭", "severity": "一般投诉"}
    entries = [{"at": closed, "action": "关闭", "satisfaction": None}]
    tick = timedelta(microseconds=1)
    judged, until = due_follow_up(case, entries, policy, closed, CST)
    opens = datetime(2026, 10, 3, tzinfo=CST)  # day 3 begins at midnight
    assert judged is None and until == opens + tick  # waiting for the window
    judged, until = due_follow_up(case, entries, policy, opens + tick, CST)
    assert judged is not None and judged[0].status is DeadlineStatus.PENDING
    assert until == judged[1]  # 将到期 from then on
    judged, until = due_follow_up(case, entries, policy, until + tick, CST)
    assert judged is not None and judged[0].status is DeadlineStatus.AT_RISK
    assert judged[0].due is not None and until == judged[0].due + tick
    judged, until = due_follow_up(case, entries, policy, until, CST)
    assert judged is not None and judged[0].status is DeadlineStatus.OVERDUE and until is None
    visit = {"at": opens + M, "action": "跟踪回访", "satisfaction": "满意"}
    assert due_follow_up(case, [*entries, visit], policy, opens + 2 * M, CST) == (None, None)
