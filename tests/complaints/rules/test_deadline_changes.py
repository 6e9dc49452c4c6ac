"""judged_until: until that moment the clock alone does not change a case's open deadlines."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.rules.deadline_changes import judged_until, status_changes_at
from complaints.rules.deadline_rules import at_risk_from, open_deadlines_of
from complaints.rules.deadlines import CST, Deadline, DeadlineStatus
from complaints.rules.officetime import CalendarData, DayMark
from complaints.rules.policy import Policy
from complaints.types import Action, Channel, Severity

S = DeadlineStatus
M = timedelta(minutes=1)
T0 = datetime(2026, 9, 28, 8, 0, tzinfo=CST)  # the week before the National Day holiday
NATIONAL_DAY = CalendarData.of(
    [DayMark(date(2026, 10, d), True, "国庆节") for d in range(1, 8)]
    + [DayMark(date(2026, 10, 10), False, "国庆节")],
    {2026},
)
RULES = [f"D{i}" for i in range(1, 12)]
ACTIONS = [
    a.value
    for a in (
        Action.DISPATCH,
        Action.NAME_RESPONSIBLE,
        Action.CONTACT,
        Action.ESCALATE,
        Action.REPORT_OEM,
        Action.HANDLED,
        Action.RETURN_TO_CS,
        Action.CALLBACK,
        Action.SECOND_CALLBACK,
        Action.REOPEN,
        Action.CLOSE,
        Action.PAUSE,
        Action.RESUME,
    )
]


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    office = draw(st.sets(st.sampled_from(RULES)))
    return Policy().with_(
        **{f"{r.lower()}_clock": "office" for r in office},
        at_risk_fraction=draw(st.sampled_from([0.1, 0.25, 0.5, 0.9])),
        calendar=NATIONAL_DAY,
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, object], list[dict[str, object]]]:
    received = T0 + draw(st.integers(0, 60 * 24 * 6)) * M
    case: dict[str, object] = {
        "received_at": received,
        "channel": draw(st.sampled_from([c.value for c in Channel])),
        "severity": draw(st.sampled_from([s.value for s in Severity])),
        "media": draw(st.booleans()),
        "needs_oem": draw(st.booleans()),
        "emergency": draw(st.sampled_from([None, "媒体曝光"])),
        "settled_on_site": draw(st.booleans()),
        "state": "处理中",
        "satisfaction": draw(st.sampled_from([None, "满意", "不满意"])),
    }
    entries = [{"at": received, "action": Action.RECEIVED.value, "satisfaction": None}]
    for _ in range(draw(st.integers(0, 8))):
        entries.append(
            {
                "at": received + draw(st.integers(0, 60 * 24 * 8)) * M,
                "action": draw(st.sampled_from(ACTIONS)),
                "satisfaction": draw(st.sampled_from([None, "满意", "不满意"])),
            }
        )
    return case, entries


@settings(max_examples=400, deadline=None)
@given(
    policies(),
    cases(),
    st.integers(0, 60 * 24 * 14),
    st.lists(st.integers(0, 60 * 24 * 14 * 60), min_size=1, max_size=6),
)
def test_the_open_deadlines_stay_as_judged_until_then(policy, drawn, start, steps):
    case, entries = drawn
    now = T0 + start * M
    judged = open_deadlines_of(case, entries, policy, now, CST)
    until = judged_until(case, entries, judged, policy, now, CST)
    assert until is None or until >= now
    for step in steps:  # seconds after now, and the moments just before the bound
        moments = [now + timedelta(seconds=step)]
        if until is not None:
            moments.append(until - timedelta(microseconds=1))
        for t in moments:
            if t < now or (until is not None and t >= until):
                continue
            assert open_deadlines_of(case, entries, policy, t, CST) == judged, t


@settings(max_examples=300, deadline=None)
@given(st.booleans(), policies(), cases(), st.integers(0, 60 * 24 * 14))
def test_the_bound_is_the_moment_a_status_turns(calendar_time, policy, drawn, start):
    """Not merely cautious: unless a deadline is on hold (its due time moves with the clock),
    the judgement holds past ``now``, and on calendar time a running deadline's bound is the
    moment its status turns (to 将到期, or to 已逾期)."""
    case, entries = drawn
    if calendar_time:
        policy = Policy().with_(at_risk_fraction=policy.at_risk_fraction)
    now = T0 + start * M
    judged = open_deadlines_of(case, entries, policy, now, CST)
    until = judged_until(case, entries, judged, policy, now, CST)
    if not any(d.status is S.PAUSED for d in judged):
        assert (
            until is None or until > now or any(at_risk_from(d, policy, CST) == now for d in judged)
        )
    if not calendar_time:
        return
    for d in judged:
        t = status_changes_at(d, policy, now, CST)
        if t is None or d.status is S.PAUSED or t == now:
            continue
        turned = t if d.status is S.AT_RISK else t + timedelta(microseconds=1)
        if any(now < e["at"] <= turned for e in entries):
            continue  # an entry comes first: it may meet the deadline
        after = {x.rule: x.status for x in open_deadlines_of(case, entries, policy, turned, CST)}
        assert after[d.rule] is not d.status, (d, turned)


def _deadline(status: DeadlineStatus, **over: object) -> Deadline:
    values: dict[str, object] = {
        "rule": "D1",
        "what": "",
        "start": T0,
        "due": T0 + 120 * M,
        "met_at": None,
        "status": status,
    }
    values.update(over)
    return Deadline(**values)


def test_each_status_changes_at_its_own_moment():
    p = Policy().with_(at_risk_fraction=0.25)
    pending = _deadline(S.PENDING)
    assert at_risk_from(pending, p, CST) == T0 + 90 * M
    assert status_changes_at(pending, p, T0, CST) == T0 + 90 * M
    risky = _deadline(S.AT_RISK)
    assert status_changes_at(risky, p, T0 + 95 * M, CST) == T0 + 120 * M + timedelta(microseconds=1)
    assert status_changes_at(_deadline(S.OVERDUE), p, T0 + 200 * M, CST) is None
    paused = _deadline(S.PAUSED, left=30 * M)
    assert status_changes_at(paused, p, T0 + 10 * M, CST) == T0 + 10 * M


def test_a_later_entry_or_reception_bounds_the_judgement():
    p = Policy()
    case = {"received_at": T0 + 60 * M, "channel": "现场", "severity": "一般投诉", "state": "登记"}
    assert judged_until(case, [], [], p, T0, CST) == T0 + 60 * M
    entries = [{"at": T0 + 30 * M, "action": Action.CONTACT.value}]
    assert judged_until(case, entries, [], p, T0, CST) == T0 + 30 * M
    assert judged_until(case, entries, [], p, T0 + 61 * M, CST) is None
