"""Clocks per rule (issue 20 §2): D1–D11 counted in calendar time (default) or office time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from complaints.rules.deadline_rules import all_deadlines, at_risk_from, deadline
from complaints.rules.deadlines import CST, DeadlineStatus
from complaints.rules.officetime import CalendarData, DayMark
from complaints.rules.policy import Policy

S = DeadlineStatus
H = timedelta(hours=1)
NATIONAL_DAY = CalendarData.of(
    [DayMark(date(2026, 10, d), True, "国庆节") for d in range(1, 8)]
    + [DayMark(date(2026, 10, 10), False, "国庆节")],
    {2026},
)


def at(y, mo, d, h=0, mi=0, s=0):
    return datetime(y, mo, d, h, mi, s, tzinfo=CST)


def office(*rules, **over):
    p = Policy().with_(**{f"{r.lower()}_clock": "office" for r in rules}, **over)
    return p.with_(calendar=NATIONAL_DAY)


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


def test_default_is_calendar_time_and_nothing_changes():
    c = case(at(2026, 12, 7, 21))  # a Monday, 21:00
    d = dl("D1", c, [], Policy(), at(2026, 12, 7, 22))
    assert d.due == at(2026, 12, 7, 23) and d.limit == "2小时"
    assert Policy().office_rules() == frozenset()


def test_d1_received_at_night_is_due_two_hours_after_opening():
    c = case(at(2026, 12, 7, 21))
    p = office("D1")
    d = dl("D1", c, [], p, at(2026, 12, 8, 8))
    assert d.due.astimezone(CST) == at(2026, 12, 8, 10, 30)
    assert d.status is S.PENDING and d.limit == "2小时(工作时间)"
    # At 10:10 next morning: 20 min of 2 office hours left (< 25 %) → 将到期, not overdue.
    assert dl("D1", c, [], p, at(2026, 12, 8, 10, 10)).status is S.AT_RISK
    assert dl("D1", c, [], p, at(2026, 12, 8, 10, 31)).status is S.OVERDUE
    # Contact at opening + 2 h exactly is on time.
    met = dl("D1", c, [ent("联系客户", at(2026, 12, 8, 10, 30))], p, at(2026, 12, 8, 12))
    assert met.status is S.MET
    # Only D1 moved: D3 (calendar) is still 5 minutes after 21:00.
    assert dl("D3", c, [], p, at(2026, 12, 7, 21, 1)).due == at(2026, 12, 7, 21, 5)


def test_received_on_a_holiday_starts_after_it():
    c = case(at(2026, 10, 2, 10))
    d = dl("D1", c, [], office("D1"), at(2026, 10, 2, 11))
    assert d.due.astimezone(CST) == at(2026, 10, 8, 10, 30)
    assert d.due.tzinfo is UTC


def test_d4_that_day_ends_at_closing():
    p = office("D4")
    d = dl("D4", case(at(2026, 12, 7, 10)), [], p, at(2026, 12, 7, 11))
    assert d.due.astimezone(CST) == at(2026, 12, 7, 17, 30) and d.limit == "当天下班前(工作时间)"
    # After closing: the next working day's closing (Friday evening → Monday).
    d = dl("D4", case(at(2026, 12, 11, 19)), [], p, at(2026, 12, 11, 20))
    assert d.due.astimezone(CST) == at(2026, 12, 14, 17, 30)


def test_day_limits_count_working_days():
    # D10: an unhappy callback on Tuesday 09-29 → 3 working days over National Day.
    p = office("D10", "D11")
    c = case(at(2026, 9, 20, 10), channel="销售回访", state="处理中")
    es = [
        ent("派单", at(2026, 9, 20, 11)),
        ent("处理完成", at(2026, 9, 21, 10)),
        ent("回访", at(2026, 9, 29, 10), "不满意"),
        ent("重开", at(2026, 9, 29, 10, 5)),
    ]
    d10 = dl("D10", c, es, p, at(2026, 9, 30, 10))
    assert d10.due.astimezone(CST) == at(2026, 10, 9, 17, 30) and d10.limit == "3个工作日"
    # D11 other channels: 3 working days after handling (Mon 09-21 → Thu 09-24 closing).
    d11 = dl(
        "D11",
        case(at(2026, 9, 20, 10), channel="销售回访"),
        [ent("派单", at(2026, 9, 20, 11)), ent("处理完成", at(2026, 9, 21, 10))],
        p,
        at(2026, 9, 22, 10),
    )
    assert d11.due.astimezone(CST) == at(2026, 9, 24, 17, 30)


def test_every_rule_obeys_its_own_clock():
    c = case(at(2026, 12, 7, 21), severity="重大投诉", needs_oem=True)
    now = at(2026, 12, 7, 21, 30)
    cal = {
        d.rule: d.due
        for d in all_deadlines(c, [ent("登记", c["received_at"])], Policy(), now, CST)
        if d.due
    }
    off = {
        d.rule: d.due
        for d in all_deadlines(c, [ent("登记", c["received_at"])], office("D2"), now, CST)
        if d.due
    }
    assert off["D2"].astimezone(CST) == at(2026, 12, 8, 12, 30)  # 4 office hours
    assert {k: v for k, v in off.items() if k != "D2"} == {
        k: v for k, v in cal.items() if k != "D2"
    }


def test_year_without_data_counts_weekdays():
    # No 2027 data: Friday 2027-01-01 is counted as a working day.
    c = case(at(2026, 12, 31, 16, 30))
    d = dl("D1", c, [], office("D1"), at(2026, 12, 31, 17))
    assert d.due.astimezone(CST) == at(2027, 1, 1, 9, 30)
    with_2027 = office("D1").with_(
        calendar=CalendarData.of([DayMark(date(2027, 1, 1), True, "元旦")], {2026, 2027})
    )
    d = dl("D1", c, [], with_2027, at(2026, 12, 31, 17))
    assert d.due.astimezone(CST) == at(2027, 1, 4, 9, 30)


def test_at_risk_from_counts_on_the_rules_clock():

    c = case(at(2026, 12, 7, 21))
    p = office("D1")
    d = dl("D1", c, [], p, at(2026, 12, 7, 22))
    # 25 % of 2 office hours before Tuesday 10:30 → 10:00.
    assert at_risk_from(d, p, CST).astimezone(CST) == at(2026, 12, 8, 10)
    assert dl("D1", c, [], p, at(2026, 12, 8, 9, 59)).status is S.PENDING
    assert dl("D1", c, [], p, at(2026, 12, 8, 10, 0, 1)).status is S.AT_RISK
    d3 = dl("D3", c, [], p, at(2026, 12, 7, 21, 1))
    assert at_risk_from(d3, p, CST) == at(2026, 12, 7, 21, 3, 45)
