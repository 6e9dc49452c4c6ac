"""Paused clocks: 暂停/恢复 stop a case's running deadlines and resume them with the time they
had left, on the rule's own clock (calendar or office time)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from complaints.rules.deadline_rules import at_risk_from, deadline
from complaints.rules.deadlines import CST, DeadlineStatus
from complaints.rules.officetime import CalendarData, DayMark, OfficeCalendar
from complaints.rules.pauses import (
    CALENDAR_CLOCK,
    apply_holds,
    hold_reason,
    holds_of,
    on_hold,
    time_on_hold,
)
from complaints.rules.policy import Policy
from complaints.rules.workflow import check_transition

S = DeadlineStatus
H = timedelta(hours=1)
M = timedelta(minutes=1)
NATIONAL_DAY = CalendarData.of(
    [DayMark(date(2026, 10, d), True, "国庆节") for d in range(1, 8)]
    + [DayMark(date(2026, 10, 10), False, "国庆节")],
    {2026},
)
OFFICE = OfficeCalendar.of("mon-fri 08:30-17:30", CST, NATIONAL_DAY)


def at(y, mo, d, h=0, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=CST)


def case(received, **over):
    c = dict(
        received_at=received,
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


def ent(action, t, note=""):
    return {"at": t, "action": action, "note": note}


def dl(rule, c, entries, policy, now):
    return deadline(rule, c, [ent("登记", c["received_at"]), *entries], policy, now, CST)


def office(*rules):
    p = Policy().with_(**{f"{r.lower()}_clock": "office" for r in rules})
    return p.with_(calendar=NATIONAL_DAY)


# --- the arithmetic, on both clocks ---------------------------------------------------------


@st.composite
def run_with_holds(draw, clock_is_office: bool):
    """A deadline's run (start, due) and holds inside it, in order."""
    start = at(2026, 9, 1, 9) + draw(st.integers(0, 60 * 24 * 60)) * M
    limit = draw(st.integers(1, 60 * 24 * 5)) * M
    clock = OFFICE if clock_is_office else CALENDAR_CLOCK
    start = clock.add(start, timedelta(0))
    due = clock.add(start, limit)
    n = draw(st.integers(0, 4))
    holds = []
    t, left = start, limit
    for _ in range(n):
        if left <= M:
            break
        run = draw(st.integers(0, int(left / M) - 1)) * M  # the clock runs a while
        began = clock.add(t, run)
        left -= run
        length = draw(st.integers(1, 60 * 24 * 20)) * M  # then stands, in wall time
        ended = began + length
        holds.append((began, ended))
        t = ended
    return clock, start, due, holds


@given(st.booleans().flatmap(run_with_holds))
def test_holds_of_total_p_move_the_due_time_by_p_of_the_same_clock(drawn):
    clock, start, due, holds = drawn
    moved = apply_holds(clock, start, due, holds, None, holds[-1][1] if holds else start)
    p = sum((clock.elapsed(b, e) for b, e in holds), timedelta(0))
    assert moved.held == p
    assert clock.elapsed(due, moved.due) == p
    if clock is CALENDAR_CLOCK:
        assert moved.due == due + p
    assert moved.left is None


@given(st.booleans().flatmap(run_with_holds))
def test_time_left_is_what_it_was_when_the_hold_began(drawn):
    clock, start, due, holds = drawn
    if not holds:
        return
    began, _ended = holds[-1]
    earlier = apply_holds(clock, start, due, holds[:-1], None, began)
    on = apply_holds(clock, start, due, [*holds[:-1], (began, None)], None, began + 3 * H)
    assert on.left == clock.elapsed(began, earlier.due)


def test_a_deadline_met_or_missed_before_the_hold_does_not_move():
    start, due = at(2026, 9, 1, 9), at(2026, 9, 1, 11)
    holds = [(at(2026, 9, 1, 12), at(2026, 9, 2, 12))]
    assert apply_holds(CALENDAR_CLOCK, start, due, holds, None, at(2026, 9, 3)).due == due
    met = at(2026, 9, 1, 10)
    holds = [(at(2026, 9, 1, 10, 30), at(2026, 9, 2, 12))]
    assert apply_holds(CALENDAR_CLOCK, start, due, holds, met, at(2026, 9, 3)).due == due


def test_a_hold_before_the_clock_started_gives_the_whole_limit_after_it():
    start, due = at(2026, 9, 1, 9), at(2026, 9, 1, 11)
    holds = [(at(2026, 9, 1, 8), at(2026, 9, 1, 15))]
    moved = apply_holds(CALENDAR_CLOCK, start, due, holds, None, at(2026, 9, 2))
    assert moved.due == at(2026, 9, 1, 17) and moved.held == 6 * H
    # A hold wholly before the start changes nothing.
    holds = [(at(2026, 9, 1, 7), at(2026, 9, 1, 8))]
    assert apply_holds(CALENDAR_CLOCK, start, due, holds, None, at(2026, 9, 2)).due == due


def test_holds_of_reads_pairs_and_ignores_repeats():
    es = [
        ent("暂停", at(2026, 9, 1, 10), "等待配件"),
        ent("暂停", at(2026, 9, 1, 11), "again"),
        ent("恢复", at(2026, 9, 1, 12)),
        ent("恢复", at(2026, 9, 1, 13)),
        ent("暂停", at(2026, 9, 2, 9), "等待客户"),
    ]
    assert holds_of(es) == [(at(2026, 9, 1, 10), at(2026, 9, 1, 12)), (at(2026, 9, 2, 9), None)]
    assert on_hold(es) and not on_hold(es[:3])
    assert hold_reason(es) == "等待客户" and hold_reason(es[:3]) == ""
    assert time_on_hold(holds_of(es), at(2026, 9, 1), at(2026, 9, 2, 10)) == 3 * H


# --- the rules ------------------------------------------------------------------------------


def test_d1_on_hold_is_paused_without_a_countdown_and_resumes_with_its_time_left():
    c = case(at(2026, 9, 1, 9), channel="电话热线")  # D1: contact within 2 h, calendar time
    hold = [ent("暂停", at(2026, 9, 1, 9, 30), "等待客户")]
    d = dl("D1", c, hold, Policy(), at(2026, 9, 1, 20))
    assert d.status is S.PAUSED and d.left == 90 * M
    assert d.remaining(at(2026, 9, 2, 8)) == 90 * M  # it does not run down
    assert at_risk_from(d, Policy()) is None
    resumed = [*hold, ent("恢复", at(2026, 9, 2, 9))]
    d = dl("D1", c, resumed, Policy(), at(2026, 9, 2, 9, 1))
    assert d.status is S.PENDING and d.due == at(2026, 9, 2, 10, 30)
    assert d.held == timedelta(hours=23, minutes=30)
    # 将到期 from a quarter of its 2 hours left: at 10:00, not counting the hold.
    assert at_risk_from(d, Policy()) == at(2026, 9, 2, 10)
    assert dl("D1", c, resumed, Policy(), at(2026, 9, 2, 10, 1)).status is S.AT_RISK
    assert dl("D1", c, resumed, Policy(), at(2026, 9, 2, 10, 31)).status is S.OVERDUE
    met = [*resumed, ent("联系客户", at(2026, 9, 2, 10, 30))]
    assert dl("D1", c, met, Policy(), at(2026, 9, 3)).status is S.MET


def test_a_pause_spanning_a_holiday_on_the_office_clock():
    # Received Wed 30 Sep 15:00; D1 (2 office hours) due 17:00. On hold at 16:00 (1 h left)
    # over the National Day holiday; resumed Thu 8 Oct 10:00 → due 11:00 that day.
    c = case(at(2026, 9, 30, 15), channel="电话热线")
    es = [ent("暂停", at(2026, 9, 30, 16), "厂家处理中"), ent("恢复", at(2026, 10, 8, 10))]
    d = dl("D1", c, es, office("D1"), at(2026, 10, 8, 10, 5))
    assert d.due.astimezone(CST) == at(2026, 10, 8, 11)
    # Held: 16:00–17:30 on the 30th and 08:30–10:00 on the 8th, three office hours.
    assert d.held == 3 * H
    # The same hold on the calendar clock moves the due time by the whole 8 days 18 hours.
    d = dl("D1", c, es, Policy(), at(2026, 10, 8, 10, 5))
    assert d.due == at(2026, 9, 30, 17) + timedelta(days=7, hours=18)


def test_a_hold_does_not_rescue_an_overdue_deadline():
    c = case(at(2026, 9, 1, 9), channel="电话热线")
    es = [ent("暂停", at(2026, 9, 1, 12), "等待客户")]
    d = dl("D1", c, es, Policy(), at(2026, 9, 1, 13))
    assert d.status is S.OVERDUE and d.due == at(2026, 9, 1, 11)


def test_closing_while_on_hold_leaves_nothing_open():
    c = case(at(2026, 9, 1, 9), channel="电话热线", state="已关闭")
    es = [ent("暂停", at(2026, 9, 1, 10), "等待客户"), ent("关闭", at(2026, 9, 2, 10))]
    assert dl("D1", c, es, Policy(), at(2026, 9, 3)).status is S.NOT_APPLICABLE


def test_d4_that_day_moves_by_the_hold():
    c = case(at(2026, 9, 1, 20))  # on site: D4 back to CS by 23:59:59 that day
    es = [ent("暂停", at(2026, 9, 1, 21), "等待配件"), ent("恢复", at(2026, 9, 2, 9))]
    d = dl("D4", c, es, Policy(), at(2026, 9, 2, 9, 30))
    assert d.due.astimezone(UTC) == (at(2026, 9, 1, 23, 59) + timedelta(seconds=59) + 12 * H)


def test_pause_and_resume_transitions():
    c = case(at(2026, 9, 1, 9))
    base = [ent("登记", at(2026, 9, 1, 9))]
    assert check_transition(c, base, "暂停", {"note": "等待客户"}) is None
    assert "原因" in check_transition(c, base, "暂停", {"note": " "})
    assert "没有暂停" in check_transition(c, base, "恢复", {})
    held = [*base, ent("暂停", at(2026, 9, 1, 10), "等待客户")]
    assert "已暂停" in check_transition(c, held, "暂停", {"note": "x"})
    assert check_transition(c, held, "恢复", {}) is None
    closed = dict(c, state="已关闭")
    assert check_transition(closed, held, "恢复", {}) is not None
