"""跟踪回访 (D12) and 突发事件 through a real database: the visit's window, the reopen a new
problem brings, the to-do rows, the emergency's escalation and the review its closing needs."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from case_clock import T0, Clock, new_case
from docx import Document
from openpyxl import load_workbook

from complaints.rules import periods
from complaints.rules.deadlines import DeadlineStatus as S
from complaints.rules.permissions import ROLES
from complaints.rules.policy import Policy
from complaints.types import Action
from complaints.usecases import cases, emergency, followup, report_files, todo, tracking
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import CHINA_TZ, Context
from complaints.usecases.errors import UseCaseError
from complaints.usecases.tracking import TransitionRefused

DAY = timedelta(days=1)


@pytest.fixture
def clock(site_db):
    return Clock(T0)


@pytest.fixture
def cx(clock):
    return Context(
        site="SH01", actor="客服小王", clock=clock, roles=frozenset(ROLES), department="客服部"
    )


def handled_and_closed(cx, clock, cid, closed_at):
    clock.now = T0 + timedelta(hours=2)
    tracking.record_action(cx, cid, "处理完成", plan="更换正时皮带")
    clock.now = closed_at
    tracking.record_action(cx, cid, "回访", satisfaction="满意")
    tracking.record_action(cx, cid, "关闭")


def d12_rows(cx, now):
    return [i for i in todo.open_deadlines(cx, now=now) if i.rule == "D12"]


def test_follow_up_off_by_default(cx, clock):
    cid = new_case(cx)
    handled_and_closed(cx, clock, cid, T0 + timedelta(hours=5))
    clock.now = T0 + 4 * DAY
    assert Action.FOLLOW_UP not in tracking.available_actions(cx, cid)
    with pytest.raises(TransitionRefused):
        tracking.record_action(cx, cid, Action.FOLLOW_UP, satisfaction="满意")
    assert d12_rows(cx, clock.now) == []
    assert "D12" not in {d.rule for d in tracking.case_deadlines(cx, cid)}


def test_calendar_day_window_in_the_to_do_list_and_the_visit(cx, clock):
    policy_uc.save(cx, Policy().with_(follow_up=True, d12_clock="calendar"))
    cid = new_case(cx)
    closed = T0 + timedelta(hours=5)  # Friday 14:00
    handled_and_closed(cx, clock, cid, closed)
    assert d12_rows(cx, T0 + 2 * DAY) == []  # day 2: the window is not open yet
    clock.now = T0 + 2 * DAY
    assert Action.FOLLOW_UP in tracking.available_actions(cx, cid)
    with pytest.raises(TransitionRefused, match="第3天起"):
        tracking.record_action(cx, cid, Action.FOLLOW_UP, satisfaction="满意")
    (row,) = d12_rows(cx, T0 + 3 * DAY)
    assert row.status is S.PENDING and row.limit == "关闭后第3–7天"
    assert row.due == datetime(2026, 11, 27, 23, 59, 59, tzinfo=CHINA_TZ)  # end of day 7
    (late,) = d12_rows(cx, datetime(2026, 11, 28, 0, 0, tzinfo=CHINA_TZ))
    assert late.status is S.OVERDUE
    clock.now = T0 + 4 * DAY
    tracking.record_action(cx, cid, Action.FOLLOW_UP, satisfaction="非常满意", note="无复发")
    assert d12_rows(cx, clock.now) == []
    ds = {d.rule: d for d in tracking.case_deadlines(cx, cid)}
    assert ds["D12"].status is S.MET
    assert cases.get_case(cid)["state"] == "已关闭"
    with pytest.raises(TransitionRefused, match="已跟踪回访过"):
        tracking.record_action(cx, cid, Action.FOLLOW_UP, satisfaction="满意")


def test_working_day_window_skips_the_weekend(cx, clock):
    policy_uc.save(cx, Policy().with_(follow_up=True))  # D12 counts working days by default
    cid = new_case(cx)
    handled_and_closed(cx, clock, cid, T0 + timedelta(hours=5))  # Friday 14:00
    # Mon 23 is working day 1, Tue 24 day 2, Wed 25 day 3 ... Tue 1 Dec day 7 (to 17:30)
    assert d12_rows(cx, datetime(2026, 11, 24, 12, tzinfo=CHINA_TZ)) == []
    (row,) = d12_rows(cx, datetime(2026, 11, 25, 9, tzinfo=CHINA_TZ))
    assert row.due == datetime(2026, 12, 1, 17, 30, tzinfo=CHINA_TZ)
    assert row.limit == "关闭后第3–7个工作日"


def test_new_problem_at_the_visit_reopens_the_case(cx, clock):
    policy_uc.save(cx, Policy().with_(follow_up=True, d12_clock="calendar"))
    cid = new_case(cx)
    handled_and_closed(cx, clock, cid, T0 + timedelta(hours=5))
    clock.now = T0 + 5 * DAY
    tracking.record_action(
        cx, cid, Action.FOLLOW_UP, satisfaction="不满意", new_problem=True, note="异响又出现"
    )
    c = cases.get_case(cid)
    assert c["state"] == "已重开" and c["closed_at"] is None
    actions = [e["action"] for e in tracking.timeline(cid)]
    assert actions[-2:] == ["跟踪回访", "重开"]
    # handled again within D10 (3 days from the reopening): on the to-do list now
    rules = {i.rule for i in todo.open_deadlines(cx, now=clock.now) if i.case_id == cid}
    assert "D10" in rules and "D12" not in rules
    clock.now += DAY
    tracking.record_action(cx, cid, "处理完成", plan="更换发动机支架")
    tracking.record_action(cx, cid, "二次回访", satisfaction="满意")
    tracking.record_action(cx, cid, "关闭")
    closed_again = clock.now
    (row,) = d12_rows(cx, closed_again + 3 * DAY)
    assert row.start == closed_again  # the next window follows the last closing


def test_emergency_raises_notifies_and_needs_its_review(cx, clock, tmp_path):
    cid = new_case(cx)
    other = new_case(cx, customer_name="李娜")
    clock.now = T0 + timedelta(minutes=30)
    emergency.declare(cx, cid, "媒体曝光", note="抖音视频")
    c = cases.get_case(cid)
    assert c["severity"] == "重大投诉" and c["emergency"] == "媒体曝光"
    assert c["emergency_at"] == clock.now
    assert "已通知总经理" in tracking.timeline(cid)[-1]["note"]
    with pytest.raises(UseCaseError):
        emergency.declare(cx, cid, "安全事故")
    items = todo.open_deadlines(cx, now=clock.now)
    assert items[0].rule == "E1" and items[0].case_id == cid  # on top, for the GM
    assert items[0].status is S.AT_RISK and items[0].due == clock.now + timedelta(hours=72)
    assert other in {i.case_id for i in items}
    ds = {d.rule: d for d in tracking.case_deadlines(cx, cid)}
    assert ds["D2"].due == T0 + timedelta(hours=2)  # the media limit from receipt
    clock.now = T0 + timedelta(hours=3)
    tracking.record_action(cx, cid, "上报厂家", cac_number="CAC-1")
    tracking.record_action(cx, cid, "处理完成", plan="召回检查")
    tracking.record_action(cx, cid, "回访", satisfaction="满意")
    with pytest.raises(TransitionRefused, match="复盘"):
        tracking.record_action(cx, cid, "关闭")
    tracking.record_action(
        cx,
        cid,
        "关闭",
        review_cause="配件批次缺陷",
        review_actions="当天上报厂家,更换配件",
        review_changes="到货抽检",
    )
    c = cases.get_case(cid)
    assert c["state"] == "已关闭" and c["review_changes"] == "到货抽检"
    assert all(i.rule != "E1" for i in todo.open_deadlines(cx, now=clock.now))
    (row,) = emergency.period_report(cx, T0 - DAY, T0 + DAY)
    assert row[:2] == (c["number"], "媒体曝光")
    assert row[-3:] == ("配件批次缺陷", "当天上报厂家,更换配件", "到货抽检")
    # the monthly report lists it with its review
    out = tmp_path / "月报.xlsx"
    report_files.save_report(cx, periods.month(2026, 11), [], out, templates_dir=None)
    ws = load_workbook(out)["跟踪回访与突发事件"]
    cells = [v for row in ws.iter_rows(values_only=True) for v in row if v]
    assert c["number"] in cells and "到货抽检" in cells and "突发事件及复盘(共 1 件)" in cells
    # and so does the Word report the meeting reads
    doc = tmp_path / "月报.docx"
    report_files.save_report(cx, periods.month(2026, 11), [], doc, templates_dir=None)
    text = [p.text for p in Document(str(doc)).paragraphs]
    rows = [[cell.text for cell in r.cells] for t in Document(str(doc)).tables for r in t.rows]
    assert any(t.endswith("突发事件及复盘") for t in text)
    assert [c["number"], "媒体曝光"] == next(r for r in rows if r[0] == c["number"])[:2]
    assert any("配件批次缺陷" in r and "到货抽检" in r for r in rows)


def test_the_demo_office_makes_visits_and_had_emergencies(ctx, load_demo_copy):
    load_demo_copy(300, 5)
    now = ctx.now()
    assert policy_uc.in_force(now).follow_up
    figures = followup.period_figures(now - 200 * DAY, now, now, ctx.tz)
    assert figures.visited > 10 and 0.5 < (figures.satisfaction or 0) <= 1
    assert figures.due > figures.visited  # a few forgotten or late ones show in the rate
    rows = emergency.period_report(ctx, now - 400 * DAY, now)
    reviewed = [r for r in rows if r[-3] != "(尚未复盘)"]
    assert len(reviewed) >= 1 and all(r[-1] for r in reviewed)
    top = todo.open_deadlines(ctx, now=now)[0]
    assert top.rule == "E1"  # the open emergency, on top for the general manager
