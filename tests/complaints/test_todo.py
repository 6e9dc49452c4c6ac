"""The to-do list across cases, its count, and the manufacturer tracking rows."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from complaints.rules.deadlines import DeadlineStatus as S
from complaints.rules.permissions import ROLES
from complaints.usecases import cases, oem, todo, tracking
from complaints.usecases.context import CHINA_TZ, Context
from complaints.usecases.errors import UseCaseError

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ)


def at(minutes):
    return T0 + timedelta(minutes=minutes)


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock(site_db):
    return Clock(T0)


@pytest.fixture
def cx(clock):
    return Context(
        site="SH01", actor="客服小王", clock=clock, roles=frozenset(ROLES), department="客服部"
    )


def new_case(cx, minutes=0, **over):
    v = cases.blank_case(cx)
    v.update(
        customer_name="张伟",
        content="异响",
        received_at=at(minutes),
        channel="销售回访",
        business="销售",
    )
    v.update(over)
    clock = cx.clock
    if isinstance(clock, Clock) and clock.now < v["received_at"]:
        clock.now = v["received_at"]  # registered when received: never in the future
    return cases.create_case(cx, v).id


def test_overdue_first_then_soonest(cx, clock):
    a = new_case(cx, 0)  # D1 due 11:00, D5 due 10:00
    b = new_case(cx, 15)  # D5 due 10:15, D1 due 11:15
    clock.now = at(70)
    items = todo.open_deadlines(cx)
    assert [(i.case_id, i.rule, i.status) for i in items] == [
        (a, "D5", S.OVERDUE),
        (b, "D5", S.AT_RISK),
        (a, "D1", S.PENDING),
        (b, "D1", S.PENDING),
    ]
    assert items[0].remaining == timedelta(minutes=-10)
    assert todo.todo_count(cx) == 2  # overdue + at risk


def test_met_deadlines_and_closed_cases_are_not_listed(cx, clock):
    a = new_case(cx, 0)
    b = new_case(cx, 0)
    clock.now = at(30)
    tracking.record_action(cx, a, "派单", department="销售部")
    clock.now = at(90)
    tracking.record_action(cx, a, "指定责任人", person="王经理")
    rules_a = {i.rule for i in todo.open_deadlines(cx) if i.case_id == a}
    assert rules_a == {"D1", "D6", "D7"}  # D5 met; D6/D7 started at 派单
    cases.update_case(cx, b, {"state": "已关闭"})
    assert {i.case_id for i in todo.open_deadlines(cx)} == {a}
    cases.delete_case(cx, a)
    assert todo.open_deadlines(cx) == []


def test_filter_by_department_with_sub_departments_and_person(cx, clock):
    a = new_case(cx, 0, channel="现场", business="售后", area="配件")
    b = new_case(cx, 0, channel="现场")
    tracking.record_action(cx, a, "派单", department="配件部")
    tracking.record_action(cx, a, "指定责任人", person="赵六")
    tracking.record_action(cx, b, "派单", department="销售部")
    assert {i.case_id for i in todo.open_deadlines(cx, department="售后服务部")} == {a}
    assert {i.case_id for i in todo.open_deadlines(cx, department="配件部")} == {a}
    assert {i.case_id for i in todo.open_deadlines(cx, person="赵六")} == {a}
    assert {i.case_id for i in todo.open_deadlines(cx, department="车间")} == set()


def test_as_of_an_earlier_time(cx, clock):
    a = new_case(cx, 0)
    clock.now = at(120)
    tracking.record_action(cx, a, "派单", department="销售部")
    earlier = todo.open_deadlines(cx, now=at(30))
    assert [(i.rule, i.status) for i in earlier] == [("D5", S.PENDING), ("D1", S.PENDING)]


def test_many_cases_one_pass(cx, clock):
    ids = [new_case(cx, i) for i in range(60)]
    clock.now = at(600)
    for cid in ids[::2]:
        tracking.record_action(cx, cid, "派单", department="销售部", at=at(59), reason="补录")
    clock.now = at(600)
    items = todo.open_deadlines(cx)
    assert len({i.case_id for i in items}) == 60
    dues = [i.due for i in items if not i.overdue]
    assert dues == sorted(dues)
    assert all(i.overdue for i in items[: sum(1 for i in items if i.overdue)])


def test_oem_rows_and_fmc_status(cx, clock):
    fwd = new_case(cx, 0, channel="厂家转发", cac_number="CAC-1")
    major = new_case(cx, 0, channel="现场", severity="重大投诉", media=True)
    plain = new_case(cx, 0, channel="现场")
    clock.now = at(100)
    tracking.record_action(cx, major, "上报厂家")
    tracking.record_action(cx, plain, "上报厂家", cac_number="CAC-3")  # reported though general
    clock.now = at(3 * 24 * 60)
    rows = {r.case_id: r for r in oem.oem_rows(cx)}
    assert set(rows) == {fwd, major, plain}
    assert rows[major].reported_at == at(100) and rows[major].d2.status is S.MET
    assert rows[major].fmc_status == "On-going" and rows[major].days_open == 3
    assert rows[fwd].d2.status is S.NOT_APPLICABLE and rows[fwd].cac_number == "CAC-1"
    assert rows[plain].cac_number == "CAC-3"
    oem.set_fmc_status(cx, fwd, "Hold", note="客户拒绝方案")
    r = next(r for r in oem.oem_rows(cx) if r.case_id == fwd)
    assert r.fmc_status == "Hold" and r.last_action == "FMC状态" and r.last_note == "客户拒绝方案"
    assert [r.case_id for r in oem.oem_rows(cx, fmc_status="Hold")] == [fwd]
    with pytest.raises(UseCaseError):
        oem.set_fmc_status(cx, fwd, "Pending")


def test_items_know_when_they_turn_amber_and_red(cx, clock):
    new_case(cx, 0)
    clock.now = at(10)
    items = todo.open_deadlines(cx)
    d5 = next(i for i in items if i.rule == "D5")
    assert d5.start == at(0) and d5.at_risk_at == at(45)  # a quarter of 60 minutes left
    assert todo.next_change(items, at(10)) == at(45)
    assert todo.next_change(items, at(50)) == at(60) + timedelta(seconds=1)
