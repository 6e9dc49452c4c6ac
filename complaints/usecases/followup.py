"""跟踪回访, the follow-up visit after closing (D12), where the office makes them.

``tracking.record_action`` records the visit (its window checked here) and, when a new
problem was found, the 重开 that follows it. ``due_items`` gives the to-do list the visits
whose window is open, and ``period_figures`` the follow-up rate and satisfaction of a period.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from complaints.rules.deadlines import Deadline
from complaints.rules.followup import (
    FollowUpFigures,
    due_follow_up,
    last_closing,
    too_early,
    visit_figures,
    window,
)
from complaints.types import Action, State
from complaints.usecases import policy as policy_uc
from db import followup_rows

REOPEN_NOTE = "跟踪回访发现新问题"
_ACTIONS = (Action.CLOSE.value, Action.FOLLOW_UP.value, Action.REOPEN.value)
# How far back the to-do list looks for closings: the longest window (calendar days) with
# the holidays a working-day window can stretch over.
LOOK_BACK = timedelta(days=60)


def makes_visits(received_at: datetime | None) -> bool:
    """The policy in force for a case received then makes follow-up visits after closing."""
    return policy_uc.in_force(received_at).follow_up


def visit_refusal(
    received_at: datetime,
    state: str,
    entries: Sequence[Mapping[str, Any]],
    at: datetime,
    tz: tzinfo,
) -> str | None:
    """Why a 跟踪回访 at ``at`` cannot be recorded (None when it can): the office makes no
    visits, or the window after the closing is not open yet."""
    pol = policy_uc.in_force(received_at)
    closed = last_closing(entries)
    if closed is None or state != State.CLOSED.value:
        return "只有已关闭的投诉单才能跟踪回访"
    if any(e["action"] == Action.FOLLOW_UP.value and e["at"] >= closed for e in entries):
        return "本次关闭后已跟踪回访过"
    if too_early(closed, at, pol, tz):
        opens = window(closed, pol, tz).opens.astimezone(tz)
        return (
            f"跟踪回访须在关闭后第{pol.d12_from_days}"
            f"{'个工作日' if pol.d12_clock == 'office' else '天'}起进行"
            f"({opens:%Y-%m-%d %H:%M} 之后)"
        )
    return None


def due_visits(
    now: datetime,
    tz: tzinfo,
    *,
    departments: Sequence[str] | None = None,
    person: str | None = None,
    sites: Sequence[str] = (),
) -> list[tuple[dict[str, Any], Deadline, datetime]]:
    """The closed cases whose follow-up visit is due now (window open or overdue), with D12
    and when it turns 将到期."""
    book = policy_uc.book()
    if not book.any_follow_up():
        return []
    out = []
    loaded = followup_rows.closed_cases(
        since=now - LOOK_BACK,
        departments=departments,
        person=person,
        sites=sites,
        actions=_ACTIONS,
    )
    for case, entries in loaded:
        judged, _ = due_follow_up(case, entries, book.at(case["received_at"]), now, tz)
        if judged is not None:
            out.append((case, *judged))
    return out


def closed_since(
    since: datetime, ids: Sequence[int] = (), *, now: datetime | None = None
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """The cases of every office closed at or after ``since`` (or those of ``ids`` among them)
    with the entries D12 reads: what due_visits judges when nothing narrows it. With ``now``
    without those a visit met for good by then (nothing the clock alone brings back to the
    to-do list: most closed cases of an office that makes visits)."""
    return followup_rows.closed_cases(since=since, actions=_ACTIONS, ids=ids, visited_by=now)


def period_figures(
    start: datetime, end: datetime, now: datetime, tz: tzinfo, sites: Sequence[str] = ()
) -> FollowUpFigures:
    """Follow-up visits of the cases closed in [start, end) (of these sites; none given:
    every site): rate and satisfaction."""
    book = policy_uc.book()
    loaded = followup_rows.closed_cases(since=start, until=end, sites=sites, actions=_ACTIONS)
    return visit_figures(
        [(case, entries, book.at(case["received_at"])) for case, entries in loaded], now, tz
    )
