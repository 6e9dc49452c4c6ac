"""D12, the follow-up visit after closing: its window on both clocks, what meets it, the
reopen a new problem brings, and the figures (follow-up rate and satisfaction)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from complaints.rules.deadline_rules import deadline
from complaints.rules.deadlines import CST, DeadlineStatus
from complaints.rules.followup import follow_up_deadline, too_early, visit_figures, window
from complaints.rules.officetime import CalendarData, DayMark
from complaints.rules.policy import Policy, apply_policy_key, policy_problems
from complaints.rules.workflow import check_transition, next_state

S = DeadlineStatus
# 1–7 October 2026 off, Saturday 10 October a make-up workday.
NATIONAL_DAY = CalendarData.of(
    [DayMark(date(2026, 10, d), True, "国庆节") for d in range(1, 8)]
    + [DayMark(date(2026, 10, 10), False, "国庆节")],
    {2026},
)
CLOSED = datetime(2026, 9, 30, 15, 0, tzinfo=CST)  # a Wednesday before the holiday


def at(mo, d, h=0, mi=0, s=0):
    return datetime(2026, mo, d, h, mi, s, tzinfo=CST)


def office_days():
    return Policy().with_(follow_up=True, calendar=NATIONAL_DAY)  # D12 counts working days


def calendar_days():
    return Policy().with_(follow_up=True, d12_clock="calendar")


def closed_case():
    return {"received_at": at(9, 28, 10), "state": "已关闭", "severity": "一般投诉"}


def entries(*more):
    return [
        {"at": at(9, 28, 10), "action": "登记"},
        {"at": at(9, 29, 10), "action": "处理完成"},
        {"at": at(9, 30, 11), "action": "回访", "satisfaction": "满意"},
        {"at": CLOSED, "action": "关闭"},
        *more,
    ]


def d12(policy, now, *more, case=None):
    return follow_up_deadline(case or closed_case(), entries(*more), policy, now, CST)


def test_off_by_default_no_follow_up_deadline():
    assert not Policy().follow_up
    assert d12(Policy(), at(10, 20)) is None
    assert "D12" not in Policy().office_rules()  # the calendar warning does not start either


def test_working_day_window_day_3_to_day_7_on_the_office_calendar():
    w = window(CLOSED, office_days(), CST)
    # 1–7 Oct off: day 1 is Thu 8 Oct, day 2 Fri 9, day 3 the make-up Saturday, day 7 Thu 15.
    assert w.opens == at(10, 9, 17, 30)
    assert w.due == at(10, 15, 17, 30)
    p = office_days()
    assert d12(p, at(10, 9, 12)).status is S.WAITING  # day 2: not yet
    assert d12(p, at(10, 10, 9)).status is S.PENDING  # day 3 opens the window
    assert d12(p, at(10, 15, 17, 30)).status is S.AT_RISK  # the end of day 7 is still on time
    assert d12(p, at(10, 15, 17, 31)).status is S.OVERDUE  # after day 7
    assert d12(p, at(10, 10, 9)).limit == "关闭后第3–7个工作日"


def test_calendar_day_window_day_3_to_day_7():
    p = calendar_days()
    w = window(CLOSED, p, CST)
    assert w.opens == at(10, 3)  # day 3 begins at midnight
    assert w.due == at(10, 7, 23, 59, 59)  # day 7 ends at its last second
    assert d12(p, at(10, 2, 23, 59)).status is S.WAITING
    assert d12(p, at(10, 3, 0, 1)).status is S.PENDING
    assert d12(p, at(10, 7, 23, 59, 59)).status is S.AT_RISK
    assert d12(p, at(10, 8, 0, 0)).status is S.OVERDUE
    assert d12(p, at(10, 3)).limit == "关闭后第3–7天"


def test_a_visit_before_day_3_is_too_early_on_both_clocks():
    assert too_early(CLOSED, at(10, 9, 17), office_days(), CST)
    assert not too_early(CLOSED, at(10, 10, 8, 40), office_days(), CST)
    assert too_early(CLOSED, at(10, 2, 23), calendar_days(), CST)
    assert not too_early(CLOSED, at(10, 3, 8), calendar_days(), CST)


def test_a_visit_meets_it_on_time_or_late():
    visit = {"at": at(10, 12, 10), "action": "跟踪回访", "satisfaction": "非常满意"}
    d = d12(office_days(), at(10, 20), visit)
    assert d.status is S.MET and d.met_at == at(10, 12, 10)
    late = {"at": at(10, 16, 10), "action": "跟踪回访", "satisfaction": "满意"}
    assert d12(office_days(), at(10, 20), late).status is S.MET_LATE


def test_a_reopened_case_waits_for_its_next_closing():
    visit = {"at": at(10, 12, 10), "action": "跟踪回访", "satisfaction": "不满意"}
    reopen = {"at": at(10, 12, 10), "action": "重开"}
    case = {**closed_case(), "state": "已重开"}
    assert d12(office_days(), at(10, 13), visit, reopen, case=case) is None
    # ... and its D10 (handled again within 3 days) starts at the reopening
    d10 = deadline("D10", case, entries(visit, reopen), office_days(), at(10, 13), CST)
    assert d10.start == at(10, 12, 10) and d10.status.is_open


def test_the_policy_key_and_its_checks():
    p = apply_policy_key(Policy(), "D12.on", "on")
    assert p.follow_up and "D12" in p.office_rules()
    p = apply_policy_key(p, "D12.from", "8d")
    assert any("D12" in s for s in policy_problems(p))  # day 8 is after day 7


def test_workflow_follow_up_only_on_a_closed_case_and_new_problem_reopens():
    closed = closed_case()
    es = entries()
    on = {"follow_up": True}
    assert check_transition(closed, es, "跟踪回访", {"satisfaction": "满意"}, **on) is None
    assert check_transition(closed, es, "跟踪回访", {"satisfaction": ""}, **on) is not None
    assert check_transition({**closed, "state": "已处理"}, es, "跟踪回访", **on) is not None
    # an office without follow-up visits: a closed case still takes notes and FMC only
    assert check_transition(closed, es, "跟踪回访", {"satisfaction": "满意"}) is not None
    # a closed case reopens only after a follow-up visit (a new problem found there)
    assert check_transition(closed, es, "重开") is not None
    visit = {"at": at(10, 12, 10), "action": "跟踪回访", "satisfaction": "一般"}
    assert check_transition(closed, [*es, visit], "重开") is None
    assert next_state(closed, "重开") == "已重开"


def test_emergency_close_needs_the_review():
    case = {"state": "回访", "emergency": "媒体曝光", "severity": "重大投诉"}
    es = [{"at": at(9, 30, 11), "action": "回访", "satisfaction": "满意"}]
    why = check_transition(case, es, "关闭", {"note": ""})
    assert why is not None and "复盘" in why and "改进措施" in why
    review = {"review_cause": "配件缺货", "review_actions": "调车", "review_changes": "备库存"}
    assert check_transition(case, es, "关闭", {"note": "", **review}) is None
    assert check_transition({**case, **review}, es, "关闭", {"note": ""}) is None


def test_emergency_reports_to_the_manufacturer_at_the_media_limit():
    received = at(10, 12, 9)
    case = {
        "received_at": received,
        "channel": "现场",
        "severity": "重大投诉",
        "kind": "投诉",
        "business": "售后",
        "media": False,
        "needs_oem": False,
        "state": "登记",
        "emergency": "安全事故",
    }
    d = deadline("D2", case, [{"at": received, "action": "登记"}], Policy(), received, CST)
    assert d.due == received + timedelta(hours=2) and "涉及媒体" in d.limit


def test_figures_rate_and_satisfaction():
    p = calendar_days()

    def case_with(*more):
        return (closed_case(), entries(*more), p)

    visited = {"at": at(10, 4, 10), "action": "跟踪回访", "satisfaction": "满意"}
    unhappy = {"at": at(10, 5, 10), "action": "跟踪回访", "satisfaction": "不满意"}
    reopen = {"at": at(10, 5, 10), "action": "重开"}
    f = visit_figures(
        [case_with(visited), case_with(unhappy, reopen), case_with()], at(10, 20), CST
    )
    assert (f.due, f.visited, f.on_time, f.happy, f.new_problems) == (3, 2, 2, 1, 1)
    assert f.rate == 2 / 3 and f.satisfaction == 0.5
    # still inside the window: not yet counted as due
    assert visit_figures([case_with()], at(10, 5), CST).due == 0
    assert visit_figures([(closed_case(), entries(), Policy())], at(10, 20), CST).due == 0
