"""The monthly report's part on 跟踪回访 and 突发事件: the period's follow-up rate and
satisfaction (where the office makes visits) and its emergencies with their reviews, as
plain rows for the Excel and the Word report (complaints.usecases.report_files)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from complaints.rules.followup import FollowUpFigures
from complaints.rules.periods import Period
from complaints.usecases import emergency, followup
from complaints.usecases.context import Context


def _pct(part: int, whole: int) -> str:
    return "—" if not whole else f"{part / whole * 100:.1f}%"


def _bounds(ctx: Context, period: Period) -> tuple[datetime, datetime]:
    return (
        datetime.combine(period.start, time(0), ctx.tz),
        datetime.combine(period.end, time(0), ctx.tz),
    )


def follow_up_rows(f: FollowUpFigures) -> list[tuple[str, str]]:
    """(figure, value) of the period's follow-up visits."""
    return [
        ("应跟踪回访(窗口已到期或已回访)", str(f.due)),
        ("已跟踪回访", str(f.visited)),
        ("跟踪回访率", _pct(f.visited, f.due)),
        ("按时回访(窗口内)", _pct(f.on_time, f.visited)),
        ("跟踪回访满意度(满意+非常满意)", _pct(f.happy, f.visited)),
        ("回访发现新问题并重开", str(f.new_problems)),
    ]


def report_part(ctx: Context, period: Period, sites: Sequence[str]) -> dict[str, Any]:
    """What the report says of the period's follow-up visits and emergencies."""
    start, end = _bounds(ctx, period)
    figures = followup.period_figures(start, end, ctx.now(), ctx.tz, sites)
    return {
        "follow_up": follow_up_rows(figures) if figures.due or figures.visited else [],
        "emergency_headers": emergency.REPORT_HEADERS,
        "emergencies": emergency.period_report(ctx, start, end, sites),
    }


def summary_line(ctx: Context, period: Period, sites: Sequence[str]) -> str:
    """One line for the 统计 page: the follow-up rate and satisfaction (where the office
    makes visits) and how many emergencies the period had ("" when neither)."""
    start, end = _bounds(ctx, period)
    f = followup.period_figures(start, end, ctx.now(), ctx.tz, sites)
    n = len(emergency.period_report(ctx, start, end, sites))
    parts = []
    if f.due or f.visited:
        parts.append(
            f"跟踪回访:应回访 {f.due} 件,已回访 {f.visited} 件,"
            f"回访率 {_pct(f.visited, f.due)},满意度 {_pct(f.happy, f.visited)},"
            f"发现新问题重开 {f.new_problems} 件"
        )
    if n:
        parts.append(
            f"突发事件 {n} 件(复盘见月度报告:Excel“跟踪回访与突发事件”,Word“突发事件及复盘”)"
        )
    return ";".join(parts)
