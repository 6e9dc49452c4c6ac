"""Office-time arithmetic (issue 20 §1–2): office hours, holidays, make-up workdays."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.rules.officetime import (
    DayMark,
    OfficeCalendar,
    OfficeTimeError,
    format_office_hours,
    next_year_warning,
    parse_office_hours,
)

CST = timezone(timedelta(hours=8), "CST")


def at(y, mo, d, h=0, mi=0, s=0):
    return datetime(y, mo, d, h, mi, s, tzinfo=CST)


# 2026: 10-01..10-07 National Day off, Sat 10-10 a make-up workday (the official schedule);
# 2026-01-01..03 New Year off, Sun 2026-01-04 a make-up workday.
MARKS_2026 = [DayMark(date(2026, 10, d), True, "国庆节") for d in range(1, 8)] + [
    DayMark(date(2026, 10, 10), False, "国庆节"),
    DayMark(date(2026, 1, 1), True, "元旦"),
    DayMark(date(2026, 1, 2), True, "元旦"),
    DayMark(date(2026, 1, 3), True, "元旦"),
    DayMark(date(2026, 1, 4), False, "元旦"),
]


def cal(hours="mon-fri 08:30-17:30", marks=MARKS_2026, years=None, **kw):
    return OfficeCalendar.build(hours, CST, marks, years, **kw)


H = timedelta(hours=1)


# --- parsing ---------------------------------------------------------------------------------


def test_parse_office_hours_per_weekday():
    hours = parse_office_hours("mon-fri 08:30-17:30; sat,sun 09:00-17:00")
    assert hours[0] == (time(8, 30), time(17, 30)) and hours[4] == hours[0]
    assert hours[5] == (time(9), time(17)) == hours[6]
    assert format_office_hours(hours) == "mon-fri 08:30-17:30; sat-sun 09:00-17:00"
    assert parse_office_hours("mon-fri 08:30-17:30; wed 08:30-12:00")[2] == (time(8, 30), time(12))


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "为空"),
        ("monday 08:30-17:30", "monday"),
        ("mon-fri 17:30-08:30", "晚于"),
        ("fri-mon 08:30-17:30", "从前往后"),
        ("mon-fri 8:30", "无法识别"),
        ("mon-fri 08:30-25:00", "无法识别"),
    ],
)
def test_bad_office_hours_are_refused_naming_the_part(text, words):
    with pytest.raises(OfficeTimeError, match=words):
        parse_office_hours(text)


def test_makeup_hours_must_exist():
    with pytest.raises(OfficeTimeError, match="周一"):
        OfficeCalendar.build("tue-fri 08:30-17:30", CST)


# --- hour limits ------------------------------------------------------------------------------


def test_inside_hours_counts_plainly():
    assert cal().add(at(2026, 12, 7, 9), 2 * H) == at(2026, 12, 7, 11)  # a Monday


def test_received_out_of_hours_starts_at_next_opening():
    c = cal()
    # Monday 21:00: the 2-hour contact is due Tuesday 10:30, not before the office opens.
    assert c.add(at(2026, 12, 7, 21), 2 * H) == at(2026, 12, 8, 10, 30)
    # Before opening, the same day's opening.
    assert c.add(at(2026, 12, 8, 7), 2 * H) == at(2026, 12, 8, 10, 30)
    # Friday evening → Monday.
    assert c.add(at(2026, 12, 11, 18), 2 * H) == at(2026, 12, 14, 10, 30)
    # Exactly at closing is out of hours.
    assert c.add(at(2026, 12, 7, 17, 30), 2 * H) == at(2026, 12, 8, 10, 30)


def test_limit_ending_exactly_at_closing_is_due_at_closing():
    c = cal()
    assert c.add(at(2026, 12, 7, 15, 30), 2 * H) == at(2026, 12, 7, 17, 30)
    assert c.add(at(2026, 12, 7, 15, 30), 2 * H + timedelta(seconds=1)) == at(2026, 12, 8, 8, 30, 1)


def test_limit_spans_the_night():
    assert cal().add(at(2026, 12, 7, 17), 2 * H) == at(2026, 12, 8, 10)


def test_received_on_a_holiday():
    # 2026-10-01 (Thursday) to 10-07 off: starts on Thursday 10-08.
    assert cal().add(at(2026, 10, 1, 10), 2 * H) == at(2026, 10, 8, 10, 30)


def test_makeup_sunday_is_a_working_day_with_mondays_hours():
    c = cal(hours="mon 09:00-18:00; tue-fri 08:30-17:30")
    # Sunday 2026-01-04 is a make-up workday: Monday's hours 09:00–18:00.
    assert c.is_workday(date(2026, 1, 4))
    assert c.add(at(2026, 1, 4, 8), 2 * H) == at(2026, 1, 4, 11)
    assert c.add(at(2026, 1, 4, 17), 2 * H) == at(2026, 1, 5, 10)
    # The New Year days before it are off: received on the 1st → the 4th.
    assert c.add(at(2026, 1, 1, 12), H) == at(2026, 1, 4, 10)
    # Another make-up weekday's hours when the office says so.
    c2 = cal(hours="mon 09:00-18:00; tue-fri 08:30-17:30", makeup_weekday=1)
    assert c2.add(at(2026, 1, 4, 8), 2 * H) == at(2026, 1, 4, 10, 30)


def test_year_boundary_with_next_years_data():
    marks = MARKS_2026 + [DayMark(date(2027, 1, d), True, "元旦") for d in (1, 2, 3)]
    # Thursday 2026-12-31 16:30, 2 h: one hour that day, then 2027-01-01 (Fri) is off, the
    # weekend too: due Monday 2027-01-04 09:30.
    c = cal(marks=marks)
    assert c.add(at(2026, 12, 31, 16, 30), 2 * H) == at(2027, 1, 4, 9, 30)


def test_year_boundary_without_next_years_data_treats_weekdays_as_workdays():
    c = cal()  # no 2027 data
    assert not c.has_year(2027)
    # 2027-01-01 is a Friday: counted as a working day, nothing known about the holiday.
    assert c.add(at(2026, 12, 31, 16, 30), 2 * H) == at(2027, 1, 1, 9, 30)
    # Marks given for a year the calendar does not cover are not used either.
    c2 = cal(marks=[DayMark(date(2027, 1, 1), True, "元旦")], years={2026})
    assert c2.is_workday(date(2027, 1, 1))


def test_next_year_warning_from_first_december():
    c = cal()
    assert next_year_warning(c, date(2026, 11, 30)) == ""
    w = next_year_warning(c, date(2026, 12, 1))
    assert "2027" in w and "工作日" in w
    assert next_year_warning(cal(years={2026, 2027}), date(2026, 12, 1)) == ""


# --- day limits and D4 ----------------------------------------------------------------------


def test_working_days_skip_holidays_and_count_makeup_days():
    c = cal()
    # Monday 10:00 + 3 working days → Thursday's closing.
    assert c.add_workdays(at(2026, 12, 7, 10), 3) == at(2026, 12, 10, 17, 30)
    # Friday → Wednesday.
    assert c.add_workdays(at(2026, 12, 11, 10), 3) == at(2026, 12, 16, 17, 30)
    # Tue 09-29: Wed 09-30 (1), Thu 10-08 (2), Fri 10-09 (3) — National Day skipped.
    assert c.add_workdays(at(2026, 9, 29, 10), 3) == at(2026, 10, 9, 17, 30)
    # Thu 10-08: Fri 10-09 (1), Sat 10-10 make-up (2), Mon 10-12 (3).
    assert c.add_workdays(at(2026, 10, 8, 10), 3) == at(2026, 10, 12, 17, 30)


def test_d4_that_day_ends_at_closing():
    c = cal()
    assert c.day_close(at(2026, 12, 7, 10)) == at(2026, 12, 7, 17, 30)
    assert c.day_close(at(2026, 12, 7, 7)) == at(2026, 12, 7, 17, 30)
    assert c.day_close(at(2026, 12, 7, 17, 30)) == at(2026, 12, 8, 17, 30)
    assert c.day_close(at(2026, 12, 12, 10)) == at(2026, 12, 14, 17, 30)  # a Saturday
    assert c.day_close(at(2026, 10, 3, 10)) == at(2026, 10, 8, 17, 30)  # a holiday


def test_elapsed_counts_office_time_only():
    c = cal()
    assert c.elapsed(at(2026, 12, 7, 17), at(2026, 12, 8, 9)) == H
    assert c.elapsed(at(2026, 12, 8, 9), at(2026, 12, 7, 17)) == -H
    assert c.elapsed(at(2026, 12, 11, 12), at(2026, 12, 14, 12)) == 9 * H  # over a weekend


def test_a_calendar_without_working_days_is_refused_not_looped():
    marks = [DayMark(date(2026, 1, 1) + timedelta(days=i), True, "x") for i in range(800)]
    c = cal(marks=marks, years={2026, 2027, 2028})
    with pytest.raises(OfficeTimeError, match="没有任何工作日"):
        c.add(at(2026, 1, 1, 10), H)


# --- properties -----------------------------------------------------------------------------

HOURS_TEXTS = [
    "mon-fri 08:30-17:30",
    "mon-fri 08:30-17:30; sat,sun 09:00-17:00",
    "mon-sat 08:00-12:00; mon-fri 08:00-18:00",
    "mon-sun 00:00-23:59",
]
instants = st.datetimes(min_value=datetime(2025, 11, 1), max_value=datetime(2027, 2, 1)).map(
    lambda d: d.replace(microsecond=0, tzinfo=CST)
)
limits = st.integers(min_value=1, max_value=200 * 3600).map(lambda s: timedelta(seconds=s))
hours_texts = st.sampled_from(HOURS_TEXTS)


@settings(max_examples=300, deadline=None)
@given(hours_texts, instants, limits)
def test_add_then_subtract_returns_the_start(text, start, limit):
    c = cal(hours=text)
    due = c.add(start, limit)
    assert c.subtract(due, limit) == c.start_of(start)
    assert c.elapsed(start, due) == limit


@settings(max_examples=300, deadline=None)
@given(hours_texts, instants, limits)
def test_a_due_time_never_lands_outside_office_hours(text, start, limit):
    c = cal(hours=text)
    due = c.add(start, limit)
    h = c.hours_on(due.date())
    assert h is not None and h[0] <= due.timetz().replace(tzinfo=None) <= h[1]
    assert due > start


@settings(max_examples=300, deadline=None)
@given(hours_texts, instants, limits, limits)
def test_extra_time_p_moves_a_due_time_by_p_of_the_same_clock(text, start, limit, p):
    # What a pause of P office time will do (issue 20 §3): the due moves by exactly P.
    c = cal(hours=text)
    assert c.elapsed(c.add(start, limit), c.add(start, limit + p)) == p


@settings(max_examples=200, deadline=None)
@given(hours_texts, instants, st.integers(min_value=1, max_value=30))
def test_working_days_end_at_a_closing(text, start, n):
    c = cal(hours=text)
    due = c.add_workdays(start, n)
    h = c.hours_on(due.date())
    assert h is not None and due.timetz().replace(tzinfo=None) == h[1]
    workdays = sum(
        1
        for i in range(1, (due.date() - start.date()).days + 1)
        if c.is_workday(start.date() + timedelta(days=i))
    )
    assert workdays == n
