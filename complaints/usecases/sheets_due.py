"""签字单未回收: printed sheets whose signed paper has not come back after N days.

The to-do list shows each such sheet with the person who must sign (a notice's person, a
case form's department manager); N is the setting ``forms.return_days`` (3). The monthly
figures report how many of a month's printed sheets came back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from complaints.rules.periods import PeriodError, parse_period
from complaints.usecases import auth, settings
from complaints.usecases.context import Context
from complaints.usecases.errors import UseCaseError
from db import scan_rows
from forms.templates import FORM_TITLES

RULE = "P1"  # the to-do's rule column: a paper sheet to come back (not a policy deadline)
DEFAULT_RETURN_DAYS = 3


@dataclass(frozen=True)
class SheetDue:
    sheet_id: int
    case_id: int
    number: str  # the case number
    what: str
    limit: str
    printed_at: datetime
    due: datetime
    signer: str
    department: str


def return_days() -> int:
    days = settings.get("forms.return_days")
    return days if isinstance(days, int) and days > 0 else DEFAULT_RETURN_DAYS


def overdue_sheets(
    ctx: Context,
    now: datetime | None = None,
    *,
    departments: list[str] | None = None,
    person: str | None = None,
) -> list[SheetDue]:
    """Sheets printed more than ``return_days`` ago and not returned, of a case (a notice
    of no case has no page to show it on), oldest first; ``departments`` / ``person``
    narrow them as the to-do list's filters do (the person being who must sign)."""
    now = now or ctx.now()
    days = return_days()
    out = []
    for s in scan_rows.unreturned(printed_before=now - timedelta(days=days)):
        if s.case_id is None or s.case_number is None:
            continue
        if departments is not None and s.department not in departments:
            continue
        if person and s.signer != person:
            continue
        title = FORM_TITLES.get(s.form, s.form)
        code = f"(识别码 {s.code})" if s.code else ""
        out.append(
            SheetDue(
                s.id,
                s.case_id,
                s.case_number,
                f"签字单未回收:{title}{code}",
                f"打印后{days}日内交回",
                s.printed_at,
                s.printed_at + timedelta(days=days),
                s.signer,
                s.department,
            )
        )
    return out


@dataclass(frozen=True)
class ReturnRate:
    form: str
    title: str
    printed: int
    returned: int

    @property
    def rate(self) -> float | None:
        return self.returned / self.printed if self.printed else None


def return_rates(start: datetime, end: datetime) -> list[ReturnRate]:
    """Per form, the sheets printed in [start, end) and how many came back signed."""
    counts: dict[str, list[int]] = {f: [0, 0] for f in FORM_TITLES}
    for form, returned in scan_rows.printed_in(start, end):
        c = counts.setdefault(form, [0, 0])
        c[0] += 1
        c[1] += returned is not None
    return [ReturnRate(f, FORM_TITLES.get(f, f), p, r) for f, (p, r) in counts.items()]


def period_return_rates(ctx: Context, period: str) -> list[ReturnRate]:
    """The return rates of the sheets printed in a period as the 统计 page names it
    (2026-11, 2026Q4, 2026…): the monthly figures' 签字单回收率."""
    auth.require(ctx, "stats.view")
    try:
        p = parse_period(period)
    except PeriodError as e:
        raise UseCaseError(str(e)) from None
    start = datetime.combine(p.start, time(), ctx.tz)
    end = datetime.combine(p.end, time(), ctx.tz)
    return return_rates(start, end)
