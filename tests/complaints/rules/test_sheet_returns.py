"""签字单回收率 against hand counts: returned, within the limit, still out, overdue."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from complaints.rules.sheet_returns import TOTAL, sheet_returns

TZ = timezone(timedelta(hours=8))
TITLES = {"A": "A表", "B": "B表", "C": "罚款通知单", "D": "奖励通知单"}


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=TZ)


def test_return_figures_by_hand():
    sheets = [
        ("A", at(1), at(2)),  # back the next day: on time
        ("A", at(1), at(10)),  # back, late
        ("A", at(2), None),  # out for 18 days: overdue
        ("B", at(19), None),  # out for a day: not yet overdue
        ("B", at(5), at(25)),  # back only after as_of: still out then, overdue
        ("C", at(3), at(6)),  # back exactly 3 days after printing: on time
    ]
    r = sheet_returns(sheets, titles=TITLES, days=3, as_of=at(20, 12))
    by_form = {row.form: row for row in r.rows}
    assert [row.form for row in r.rows] == ["A", "B", "C", "D", TOTAL]
    fields = ("printed", "returned", "on_time", "missing", "overdue")

    def counts(form):
        return tuple(getattr(by_form[form], f) for f in fields)

    assert counts("A") == (3, 2, 1, 1, 1)
    assert counts("B") == (2, 0, 0, 2, 1)
    assert counts("C") == (1, 1, 1, 0, 0)
    assert counts("D") == (0, 0, 0, 0, 0) and by_form["D"].rate is None
    assert counts(TOTAL) == (6, 3, 2, 3, 2) and r.total is by_form[TOTAL]
    assert r.total.rate == 0.5 and r.total.on_time_rate == 2 / 6
    assert by_form["A"].title == "A表" and r.days == 3


def test_the_limit_moves_the_on_time_and_overdue_counts():
    sheets = [("A", at(1), at(10)), ("A", at(1), None)]
    r = sheet_returns(sheets, titles=TITLES, days=10, as_of=at(10, 12))
    assert (r.total.on_time, r.total.overdue) == (1, 0)


def test_no_sheet_and_an_unknown_form():
    r = sheet_returns([], titles={}, days=3, as_of=at(20))
    assert [row.form for row in r.rows] == [TOTAL] and r.total.rate is None
    r = sheet_returns([("X", at(1), None)], titles=TITLES, days=3, as_of=at(20))
    assert r.rows[-2].form == "X" and r.rows[-2].title == "X" and r.total.printed == 1
