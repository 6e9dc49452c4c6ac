"""签字单回收率 in the monthly figures: the sheets printed in the period, returned, returned
within ``forms.return_days`` days, still missing. The 统计 page and both report files (the
page's export and the ``report`` command) read them from the one review
(stats_review.review), and the reports' rows from report_rows here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from complaints.rules.periods import Period
from complaints.rules.sheet_returns import SheetReturns, sheet_returns
from complaints.usecases.sheets_due import return_days
from db import scan_rows
from forms.templates import FORM_TITLES


def for_period(
    period: Period, sites: Sequence[str], *, as_of: datetime, tz: tzinfo
) -> SheetReturns:
    """The return figures of the sheets printed in ``period`` for cases of ``sites`` (empty:
    every sheet printed here), as they stood at ``as_of`` (the caller checked stats.view)."""
    start, end = period.bounds(tz)
    return sheet_returns(
        scan_rows.printed_between(start, end, sites),
        titles=FORM_TITLES,
        days=return_days(),
        as_of=as_of,
    )


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def report_rows(returns: SheetReturns | None) -> dict[str, Any]:
    """The reports' 签字单回收 table: per form and in total, as text and numbers."""
    if returns is None:
        return {"days": return_days(), "rows": [], "total": {}, "note": ""}
    rows = [
        {
            "form": r.form,
            "title": r.title,
            "printed": r.printed,
            "returned": r.returned,
            "on_time": r.on_time,
            "missing": r.missing,
            "overdue": r.overdue,
            "rate": _pct(r.rate),
            "on_time_rate": _pct(r.on_time_rate),
            "raw_rate": r.rate,
            "raw_on_time_rate": r.on_time_rate,
        }
        for r in returns.rows
    ]
    t = returns.total
    note = (
        f"本期打印签字单 {t.printed} 张,已回收 {t.returned} 张(回收率 {_pct(t.rate)}),"
        f"其中打印后 {returns.days} 日内交回 {t.on_time} 张;仍未回收 {t.missing} 张,"
        f"其中已超过 {returns.days} 日 {t.overdue} 张。"
    )
    return {"days": returns.days, "rows": rows, "total": rows[-1], "note": note}
