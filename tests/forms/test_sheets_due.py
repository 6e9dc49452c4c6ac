"""签字单未回收 in the to-do list after the set days, and the return rates of a period."""

from __future__ import annotations

from datetime import datetime, timedelta

from conftest_forms import make_sanction

from complaints.usecases import printed_forms, printing, settings, sheets_due, todo
from complaints.usecases.context import CHINA_TZ

PRINTED = datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ)  # the ctx fixture's clock


def _sheet_rows(ctx, now, **kw):
    return [i for i in todo.open_deadlines(ctx, now=now, **kw) if i.rule == sheets_due.RULE]


def test_a_sheet_not_back_after_three_days_is_a_todo_row_with_who_signs(ctx, case_id, tmp_path):
    dirs = {"templates_dir": None, "printed_dir": tmp_path / "p"}
    printing.print_case_form(ctx, case_id, "A", **dirs)
    s = make_sanction(ctx, case_id, person="钱七")
    printing.print_sanction_notice(ctx, s.id, **dirs)
    assert _sheet_rows(ctx, PRINTED + timedelta(days=2, hours=23)) == []
    rows = _sheet_rows(ctx, PRINTED + timedelta(days=3, hours=1))
    assert len(rows) == 2 and all(r.overdue and r.case_id == case_id for r in rows)
    assert {r.responsible for r in rows} == {"售后服务部经理", "钱七"}
    assert all("签字单未回收" in r.what and "识别码" in r.what for r in rows)
    assert rows[0].due == PRINTED + timedelta(days=3)
    # filters: who must sign, the department; another office's list has none of ours
    later = PRINTED + timedelta(days=4)
    assert [r.responsible for r in _sheet_rows(ctx, later, person="钱七")] == ["钱七"]
    assert len(_sheet_rows(ctx, later, department="售后服务部")) == 2
    assert _sheet_rows(ctx, later, site="BJ02") == []
    # the setting: 5 days
    settings.set_("forms.return_days", 5)
    assert _sheet_rows(ctx, later) == []
    # returned: gone from the list
    settings.set_("forms.return_days", 3)
    for row in printed_forms.history(case_id=case_id):
        printed_forms.mark_signed_returned(ctx, row["id"], later)
    assert _sheet_rows(ctx, later) == []


def test_return_rates_of_a_month(ctx, case_id, tmp_path):
    dirs = {"templates_dir": None, "printed_dir": tmp_path / "p"}
    for _ in range(3):
        printing.print_case_form(ctx, case_id, "A", **dirs)
    printing.print_case_form(ctx, case_id, "B", **dirs)
    first = printed_forms.history(case_id=case_id)[-1]
    printed_forms.mark_signed_returned(ctx, first["id"], PRINTED + timedelta(days=1))
    start = datetime(2026, 11, 1, tzinfo=CHINA_TZ)
    rates = {r.form: r for r in sheets_due.return_rates(start, start + timedelta(days=30))}
    assert (rates["A"].printed, rates["A"].returned) == (3, 1)
    assert rates["A"].rate == 1 / 3 and rates["B"].rate == 0 and rates["C"].rate is None
    empty = sheets_due.return_rates(start - timedelta(days=30), start)
    assert all(r.printed == 0 for r in empty)
