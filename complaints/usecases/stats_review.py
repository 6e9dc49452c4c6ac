"""统计: what the page and the reports show for a period — its figures with the period before,
the same period last year and the 12-month trend; the sites present; the cases behind a
figure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from complaints.rules import figures as fig
from complaints.rules import headline
from complaints.rules.periods import Period, months_ending, previous, same_last_year
from complaints.rules.sheet_returns import SheetReturns
from complaints.usecases import auth, hold_times, sheet_returns, stats
from complaints.usecases.cases import case_rows
from complaints.usecases.context import Context
from db import figures_queries


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
    # Hours on hold (暂停 to 恢复 or the closing) over the period's cases put on hold.
    on_hold: fig.Duration
    # 签字单回收率 of the sheets printed in the period (sheet_returns.for_period)
    sheet_returns: SheetReturns | None = None

    @property
    def vs_previous(self) -> dict[str, float | None]:
        return headline.change(self.kpis, self.previous)

    @property
    def vs_last_year(self) -> dict[str, float | None]:
        return headline.change(self.kpis, self.last_year)


def sites_present() -> list[str]:
    """The site codes that have cases (the HQ's site picker)."""
    return figures_queries.sites_present()


def monthly_counts(
    period: Period, sites: Sequence[str], tz: tzinfo, n: int = 12
) -> list[tuple[str, int]]:
    """Cases received per month over the ``n`` months ending with the period."""
    months = months_ending(period, n)
    counts = figures_queries.month_counts([m.bounds(tz) for m in months], sites)
    return [(m.code, c) for m, c in zip(months, counts, strict=True)]


def review(
    ctx: Context,
    period: Period,
    sites: Sequence[str] = (),
    *,
    as_of: datetime | None = None,
    compare: bool = True,
) -> Review:
    """The period's figures with the previous period, the same period last year and the
    12-month trend; ``sites`` empty = every site in the database."""
    auth.require(ctx, "stats.view")
    as_of = as_of or ctx.now()
    sites = tuple(sites)
    f = stats.figures_for(period, sites, as_of=as_of, tz=ctx.tz)
    prev_p, ly_p = previous(period), same_last_year(period)
    prev, ly = comparisons(ctx, period, sites, as_of=as_of) if compare else ({}, {})
    # (With compare, comparisons() has kept the new summaries; without, the page asks for
    # them next and they are kept then: the figures are not held up by the write.)
    return Review(
        f,
        headline.kpis(f),
        prev,
        ly,
        prev_p.label,
        ly_p.label,
        monthly_counts(period, sites, ctx.tz),
        as_of,
        hold_times.on_hold(period, sites, as_of=as_of, tz=ctx.tz),
        sheet_returns.for_period(period, sites, as_of=as_of, tz=ctx.tz),
    )


def comparisons(
    ctx: Context, period: Period, sites: Sequence[str] = (), *, as_of: datetime | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(KPIs of the previous period, KPIs of the same period last year): the GUI asks for
    them after showing the period itself."""
    auth.require(ctx, "stats.view")
    as_of = as_of or ctx.now()
    prev_p, ly_p = previous(period), same_last_year(period)
    prev = headline.kpis(stats.figures_for(prev_p, sites, as_of=as_of, tz=ctx.tz))
    # For a year both are the year before: computed once.
    ly = (
        dict(prev)
        if ly_p == prev_p
        else headline.kpis(stats.figures_for(ly_p, sites, as_of=as_of, tz=ctx.tz))
    )
    result = (prev, ly)
    stats.keep_summaries()  # of the three periods, now that the page shows the first
    return result


def case_list(ids: Sequence[int]) -> list[tuple]:
    """(id, number, received_at local text, state, channel, severity, customer, department,
    responsible, content) of the cases behind a figure, in the order given."""
    cols = (
        "number",
        "received_at",
        "state",
        "channel",
        "severity",
        "customer_name",
        "department",
        "responsible",
        "content",
    )
    rows = case_rows(list(ids), cols)
    return [(i, *rows[i]) for i in ids if i in rows]
