from datetime import date, datetime, timedelta, timezone

import pytest

from complaints.rules.periods import (
    PeriodError,
    PeriodKind,
    current,
    months_ending,
    parse_period,
    previous,
    same_last_year,
)

CST = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    "text, kind, start, end, label",
    [
        ("2026-10", PeriodKind.MONTH, date(2026, 10, 1), date(2026, 11, 1), "2026年10月"),
        ("2026-12", PeriodKind.MONTH, date(2026, 12, 1), date(2027, 1, 1), "2026年12月"),
        ("2026-10a", PeriodKind.HALF, date(2026, 10, 1), date(2026, 10, 16), "2026年10月上半月"),
        ("2026-02b", PeriodKind.HALF, date(2026, 2, 16), date(2026, 3, 1), "2026年2月下半月"),
        ("2026Q4", PeriodKind.QUARTER, date(2026, 10, 1), date(2027, 1, 1), "2026年第4季度"),
        ("2026q1", PeriodKind.QUARTER, date(2026, 1, 1), date(2026, 4, 1), "2026年第1季度"),
        ("2026", PeriodKind.YEAR, date(2026, 1, 1), date(2027, 1, 1), "2026年"),
        (
            "2026-10-05..2026-10-20",
            PeriodKind.CUSTOM,
            date(2026, 10, 5),
            date(2026, 10, 21),
            "2026年10月5日至2026年10月20日",
        ),
    ],
)
def test_parse(text, kind, start, end, label):
    p = parse_period(text)
    assert (p.kind, p.start, p.end, p.label) == (kind, start, end, label)
    assert parse_period(p.code) == p


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2026-13",
        "2026Q5",
        "26-10",
        "2026-10c",
        "2026-02-30..2026-03-01",
        "2026-10-20..2026-10-05",
        "十月",
    ],
)
def test_bad_text_is_refused_with_a_message(text):
    with pytest.raises(PeriodError) as e:
        parse_period(text)
    assert str(e.value)


@pytest.mark.parametrize(
    "text, prev, last_year",
    [
        ("2026-10", "2026-09", "2025-10"),
        ("2026-01", "2025-12", "2025-01"),
        ("2026-10a", "2026-09b", "2025-10a"),
        ("2026-10b", "2026-10a", "2025-10b"),
        ("2026Q1", "2025Q4", "2025Q1"),
        ("2026Q3", "2026Q2", "2025Q3"),
        ("2026", "2025", "2025"),
        ("2026-10-05..2026-10-20", "2026-09-19..2026-10-04", "2025-10-05..2025-10-20"),
    ],
)
def test_previous_and_same_period_last_year(text, prev, last_year):
    p = parse_period(text)
    assert previous(p).code == prev
    assert same_last_year(p).code == last_year


def test_leap_day_custom_range_last_year():
    p = parse_period("2028-02-01..2028-02-29")
    assert same_last_year(p).code == "2027-02-01..2027-02-28"


def test_bounds_are_local_midnights():
    start, end = parse_period("2026-10").bounds(CST)
    assert start == datetime(2026, 10, 1, tzinfo=CST)
    assert end == datetime(2026, 11, 1, tzinfo=CST)


def test_months_ending_and_current():
    ms = months_ending(parse_period("2026Q4"), 12)
    assert [m.code for m in ms][:2] == ["2026-01", "2026-02"] and ms[-1].code == "2026-12"
    assert len(ms) == 12
    assert current(PeriodKind.HALF, date(2026, 11, 20)).code == "2026-11b"
    assert current(PeriodKind.QUARTER, date(2026, 11, 20)).code == "2026Q4"
    assert current(PeriodKind.CUSTOM, date(2026, 11, 20)).code == "2026-11-01..2026-11-20"


@pytest.mark.parametrize(
    "text", ["2026-12", "2026-10a", "2026-12b", "2026Q4", "2026", "2026-10-05..2026-10-20"]
)
def test_following_undoes_previous(text):
    from complaints.rules.periods import following

    p = parse_period(text)
    assert previous(following(p)) == p and following(previous(p)) == p


def test_months_touching_and_whole_months():
    from complaints.rules.periods import months_touching, whole_months

    assert [m.code for m in months_touching(parse_period("2026Q4"))] == [
        "2026-10",
        "2026-11",
        "2026-12",
    ]
    assert [m.code for m in months_touching(parse_period("2026-10b"))] == ["2026-10"]
    assert [m.code for m in months_touching(parse_period("2026-10-20..2026-11-03"))] == [
        "2026-10",
        "2026-11",
    ]
    assert whole_months(parse_period("2026-10b")) is None
    assert whole_months(parse_period("2026-10-20..2026-11-03")) is None
    assert len(whole_months(parse_period("2026"))) == 12
    assert [m.code for m in whole_months(parse_period("2026-11-01..2026-12-31"))] == [
        "2026-11",
        "2026-12",
    ]
