"""统计: load a period's cases in a few queries and hand them to the pure figures.

Queries per period: the period's cases, their entries (one join), the earlier cases still open
when the period began, the approved sanctions dated in it. The 12-month trend is one grouped
count. Nothing is cached: the figures follow the database.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from complaints.rules import figures as fig
from complaints.rules.periods import Period, months_ending, previous, same_last_year
from complaints.types import ApprovalStatus
from complaints.usecases import auth
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import Context
from db.models import database
from db.timeutil import date_from_db, from_db, to_db

_CASE_COLUMNS = ("id", "site", "received_at", "channel", "kind", "severity", "business",
                 "department", "liability", "state", "closed_at", "phone", "vin", "media",
                 "needs_oem", "satisfaction", "satisfaction2")


@dataclass
class Review:
    """What the 统计 page and the reports show for one period."""

    figures: fig.Figures
    kpis: dict[str, Any]
    previous: dict[str, Any]  # the KPIs of the period before
    last_year: dict[str, Any]  # the KPIs of the same period last year
    previous_label: str
    last_year_label: str
    trend: list[tuple[str, int]]  # (month label "2026-10", cases received), 12 months
    as_of: datetime

    @property
    def vs_previous(self) -> dict[str, float | None]:
        return fig.change(self.kpis, self.previous)

    @property
    def vs_last_year(self) -> dict[str, float | None]:
        return fig.change(self.kpis, self.last_year)


def sites_present() -> list[str]:
    """The site codes that have cases (the HQ's site picker)."""
    return [r[0] for r in database.execute_sql(
        "SELECT DISTINCT site FROM cases WHERE deleted = 0 ORDER BY site")]


def _site_sql(sites: Sequence[str], alias: str = "") -> tuple[str, list[str]]:
    if not sites:
        return "", []
    a = f"{alias}." if alias else ""
    return f" AND {a}site IN ({', '.join('?' * len(sites))})", list(sites)


def load_period(period: Period, sites: Sequence[str], tz) -> tuple[list, dict, list, list]:
    """(cases, entries by case id, earlier open cases, sanctions) of a period."""
    start, end = (to_db(t) for t in period.bounds(tz))
    site_sql, site_params = _site_sql(sites)
    cases: list[dict[str, Any]] = []
    for row in database.execute_sql(
            f"SELECT {', '.join(_CASE_COLUMNS)} FROM cases WHERE received_at >= ? "
            f"AND received_at < ? AND deleted = 0{site_sql}", [start, end, *site_params]):
        c = dict(zip(_CASE_COLUMNS, row, strict=True))
        c["received_at"] = from_db(c["received_at"])
        c["closed_at"] = from_db(c["closed_at"])
        c["media"] = bool(c["media"])
        c["needs_oem"] = bool(c["needs_oem"])
        cases.append(c)
    entries: dict[int, list[dict[str, Any]]] = defaultdict(list)
    site_c, _ = _site_sql(sites, "c")
    parse = from_db
    for case_id, at, action, note in database.execute_sql(
            "SELECT e.case_id, e.at, e.action, e.note FROM cases c CROSS JOIN entries e "
            "ON e.case_id = c.id WHERE c.received_at >= ? AND c.received_at < ? "
            f"AND c.deleted = 0 AND e.deleted = 0{site_c}", [start, end, *site_params]):
        entries[case_id].append({"at": parse(at), "action": action, "note": note})
    earlier = [{"id": i, "received_at": from_db(r), "closed_at": from_db(c)}
               for i, r, c in database.execute_sql(
                   "SELECT id, received_at, closed_at FROM cases WHERE received_at < ? "
                   f"AND deleted = 0 AND (closed_at IS NULL OR closed_at >= ?){site_sql}",
                   [start, start, *site_params])]
    site_s, _ = _site_sql(sites, "s")
    sanctions = [{"type": t, "department": d, "person": p, "amount": a,
                  "date": date_from_db(day), "status": st, "case_id": cid}
                 for t, d, p, a, day, st, cid in database.execute_sql(
                     "SELECT s.type, s.department, s.person, s.amount, s.date, s.status, "
                     "s.case_id FROM sanctions s WHERE s.date >= ? AND s.date < ? "
                     f"AND s.status = ? AND s.deleted = 0{site_s}",
                     [period.start.isoformat(), period.end.isoformat(),
                      ApprovalStatus.APPROVED.value, *site_params])]
    return cases, entries, earlier, sanctions


def figures_for(period: Period, sites: Sequence[str], *, as_of: datetime, tz) -> fig.Figures:
    """The figures of one period (no permission check: callers check stats.view)."""
    # Tens of thousands of small dicts that all live until the end: the cyclic collector
    # would walk them again and again for nothing (it doubled the time on 100k cases).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        cases, entries, earlier, sanctions = load_period(period, sites, tz)
        book = policy_uc.book()
        return fig.compute(period, sites, cases, entries, earlier, sanctions, book.at, as_of,
                           tz)
    finally:
        if was_enabled:
            gc.enable()


def monthly_counts(period: Period, sites: Sequence[str], tz, n: int = 12) -> list[tuple[str, int]]:
    """Cases received per month over the ``n`` months ending with the period (one query)."""
    months = months_ending(period, n)
    start = to_db(months[0].bounds(tz)[0])
    end = to_db(months[-1].bounds(tz)[1])
    site_sql, site_params = _site_sql(sites)
    # Local month of each case: shift the stored UTC text by the office's offset.
    offset = months[0].bounds(tz)[0].utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    counts = dict(database.execute_sql(
        f"SELECT strftime('%Y-%m', received_at, '{minutes:+d} minutes') AS m, count(*) "
        f"FROM cases WHERE received_at >= ? AND received_at < ? AND deleted = 0{site_sql} "
        "GROUP BY m", [start, end, *site_params]).fetchall())
    return [(m.code, counts.get(m.code, 0)) for m in months]


def review(ctx: Context, period: Period, sites: Sequence[str] = (), *,
           as_of: datetime | None = None, compare: bool = True) -> Review:
    """The period's figures with the previous period, the same period last year and the
    12-month trend; ``sites`` empty = every site in the database."""
    auth.require(ctx, "stats.view")
    as_of = as_of or ctx.now()
    sites = tuple(sites)
    f = figures_for(period, sites, as_of=as_of, tz=ctx.tz)
    prev_p, ly_p = previous(period), same_last_year(period)
    prev = fig.kpis(figures_for(prev_p, sites, as_of=as_of, tz=ctx.tz)) if compare else {}
    ly = fig.kpis(figures_for(ly_p, sites, as_of=as_of, tz=ctx.tz)) if compare else {}
    return Review(f, fig.kpis(f), prev, ly, prev_p.label, ly_p.label,
                  monthly_counts(period, sites, ctx.tz), as_of)


def case_list(ids: Sequence[int]) -> list[tuple]:
    """(id, number, received_at local text, state, channel, severity, customer, department,
    responsible, content) of the cases behind a figure, in the order given."""
    from complaints.usecases.cases import case_rows

    cols = ("number", "received_at", "state", "channel", "severity", "customer_name",
            "department", "responsible", "content")
    rows = case_rows(list(ids), cols)
    return [(i, *rows[i]) for i in ids if i in rows]
