"""The office calendar in force (issue 20 §1): shipped years, loaded years, one date edited,
and the case page's deadlines reading it."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

from complaints.rules.policy import Policy
from complaints.usecases import cases, stats, tracking, workcalendar
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import CHINA_TZ

MONDAY = datetime(2026, 11, 23, 16, 30, tzinfo=CHINA_TZ)


def test_shipped_years_and_names():
    years, marks = workcalendar.shipped()
    assert min(years) == 2004 and max(years) == 2026
    names = {m.name for m in marks if m.day.year == 2026}
    assert {"元旦", "春节", "国庆节", "劳动节"} <= names


def test_a_loaded_year_replaces_the_shipped_one_and_an_edit_keeps_the_rest(ctx, tmp_path):
    assert date(2026, 10, 1) in workcalendar.data().marks
    f = tmp_path / "2026.csv"
    f.write_text("日期,类型,名称\n2026-11-24,休息日,公司庆典\n", encoding="utf-8")
    r = workcalendar.import_file(ctx, f)
    assert r.years == (2026,) and r.replaced == (2026,)
    cal = workcalendar.data()
    assert date(2026, 10, 1) not in cal.marks and cal.marks[date(2026, 11, 24)].off
    v = workcalendar.edit_day(ctx, date(2026, 11, 25), True, "补休")
    assert [m.day.day for m in v.marks] == [24, 25] and v.source.startswith("导入自 手工编辑")
    v = workcalendar.edit_day(ctx, date(2026, 11, 24), None)
    assert [m.day.day for m in v.marks] == [25]


def test_case_page_deadlines_skip_a_loaded_holiday(ctx, tmp_path):
    earlier = dataclasses.replace(ctx, clock=lambda: datetime(2026, 11, 1, tzinfo=CHINA_TZ))
    policy_uc.save(earlier, Policy().with_(d1_clock="office"))
    f = tmp_path / "h.json"
    f.write_text(
        '{"year": 2026, "days": [{"name": "公司庆典", "date": "2026-11-24", "isOffDay": true}]}',
        encoding="utf-8",
    )
    v = cases.blank_case(ctx)
    v.update(
        customer_name="张伟", content="异响", channel="现场", business="售后", received_at=MONDAY
    )
    cid = cases.create_case(dataclasses.replace(ctx, clock=lambda: MONDAY), v).id
    fp = stats.policy_fingerprints(policy_uc.book(), CHINA_TZ)(MONDAY)
    d1 = next(d for d in tracking.case_deadlines(ctx, cid, now=MONDAY) if d.rule == "D1")
    # One office hour on Monday, the second on Tuesday morning.
    assert d1.due.astimezone(CHINA_TZ) == datetime(2026, 11, 24, 9, 30, tzinfo=CHINA_TZ)
    workcalendar.import_file(ctx, f)
    d1 = next(d for d in tracking.case_deadlines(ctx, cid, now=MONDAY) if d.rule == "D1")
    assert d1.due.astimezone(CHINA_TZ) == datetime(2026, 11, 25, 9, 30, tzinfo=CHINA_TZ)
    assert d1.limit == "2小时(工作时间)"
    # The kept monthly summaries of office-time cases are stale once the calendar changes.
    assert stats.policy_fingerprints(policy_uc.book(), CHINA_TZ)(MONDAY) != fp
