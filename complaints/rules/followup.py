"""D12, the follow-up visit after closing (跟踪回访), an office option off by default.

When ``Policy.follow_up`` is on, closing a case opens a window for one visit that confirms the
problem stayed solved: not before day ``d12_from_days`` after the closing, overdue after day
``d12_days``. Days are working days on the office calendar when D12's clock is 工作时间,
calendar days otherwise (the closing day is day 0). A 跟踪回访 entry inside the window meets
it; one recorded before the window opens is refused by the use case, so every visit after the
closing counts here. A new problem found at the visit reopens the case (the visit is followed
by a 重开): the case is open again and D12 waits for its next closing.

Pure: like the rules of complaints.rules.deadline_rules, judged as of ``now``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any

from complaints.rules.deadline_limits import calendar_of, limits_of
from complaints.rules.deadlines import CST, Deadline, DeadlineStatus
from complaints.rules.policy import CLOCK_OFFICE, Policy
from complaints.types import Action, Satisfaction, State

RULE = "D12"
WHAT = "跟踪回访(确认问题未再出现)"
_CLOSE = Action.CLOSE.value
_FOLLOW_UP = Action.FOLLOW_UP.value
_REOPEN = Action.REOPEN.value
_TICK = timedelta(microseconds=1)  # the stored times' resolution: the next moment after one


@dataclass(frozen=True)
class Window:
    """When a follow-up visit may happen: after ``opens``, at the latest at ``due``."""

    start: datetime  # the closing
    opens: datetime
    due: datetime


def limit_text(policy: Policy) -> str:
    """The window as people say it: "第3–7个工作日" / "第3–7天"."""
    unit = "个工作日" if policy.d12_clock == CLOCK_OFFICE else "天"
    return f"关闭后第{policy.d12_from_days}–{policy.d12_days}{unit}"


def _end_of_calendar_day(start: datetime, days: int, tz: tzinfo) -> datetime:
    """The first instant after the ``days``-th local calendar day after ``start``'s day."""
    day = start.astimezone(tz).date() + timedelta(days=days + 1)
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def window(closed_at: datetime, policy: Policy, tz: tzinfo = CST) -> Window:
    """The follow-up window of a case closed at ``closed_at`` under ``policy``."""
    start = closed_at.astimezone(UTC)
    before = policy.d12_from_days - 1  # the last day on which a visit is too early
    if policy.d12_clock == CLOCK_OFFICE:
        cal = calendar_of(limits_of(policy), tz)
        opens = start if before <= 0 else cal.add_workdays(start, before).astimezone(UTC)
        due = cal.add_workdays(start, policy.d12_days).astimezone(UTC)
    else:
        opens = start if before <= 0 else _end_of_calendar_day(start, before, tz)
        # the end of the last day, as D4 counts "that day": its last second
        due = _end_of_calendar_day(start, policy.d12_days, tz) - timedelta(seconds=1)
    return Window(start, opens, due)


def last_closing(entries: Sequence[Mapping[str, Any]]) -> datetime | None:
    """The latest 关闭 of the case (the one D12 follows)."""
    closes = [e["at"] for e in entries if e["action"] == _CLOSE]
    return max(closes) if closes else None


def visit_after(entries: Sequence[Mapping[str, Any]], after: datetime) -> Mapping[str, Any] | None:
    """The first 跟踪回访 at or after ``after``."""
    visits = sorted(
        (e for e in entries if e["action"] == _FOLLOW_UP and e["at"] >= after),
        key=lambda e: e["at"],
    )
    return visits[0] if visits else None


def follow_up_deadline(
    case: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    policy: Policy,
    now: datetime,
    tz: tzinfo = CST,
) -> Deadline | None:
    """D12 of a case as of ``now``; None when the office has no follow-up visits or the case
    is not closed (a case reopened by a visit waits for its next closing)."""
    if not policy.follow_up or case.get("deleted"):
        return None
    seen = [e for e in entries if e["at"] <= now]
    closed = last_closing(seen)
    if closed is None or case.get("state") != State.CLOSED.value:
        return None
    visit = visit_after(seen, closed)
    return _judged(closed, visit["at"] if visit is not None else None, policy, now, tz)[0]


def _judged(
    closed: datetime, met_at: datetime | None, policy: Policy, now: datetime, tz: tzinfo
) -> tuple[Deadline, Window]:
    """D12 after the closing at ``closed``, visited at ``met_at`` (None: not yet), as of
    ``now``, with its window."""
    w = window(closed, policy, tz)
    if met_at is not None:
        status = DeadlineStatus.MET if met_at <= w.due else DeadlineStatus.MET_LATE
    elif now > w.due:
        status = DeadlineStatus.OVERDUE
    elif now <= w.opens:
        status = DeadlineStatus.WAITING  # the window is not open yet: nothing to do today
    elif (w.due - now) < (w.due - w.opens) * policy.at_risk_fraction:
        status = DeadlineStatus.AT_RISK
    else:
        status = DeadlineStatus.PENDING
    return Deadline(RULE, WHAT, w.start, w.due, met_at, status, limit_text(policy)), w


def at_risk_from(closed_at: datetime, policy: Policy, tz: tzinfo = CST) -> datetime:
    """When D12 turns 将到期: less than ``at_risk_fraction`` of the window left."""
    w = window(closed_at, policy, tz)
    return w.due - (w.due - w.opens) * policy.at_risk_fraction


def due_follow_up(
    case: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    policy: Policy,
    now: datetime,
    tz: tzinfo = CST,
) -> tuple[tuple[Deadline, datetime] | None, datetime | None]:
    """D12 of a case as of ``now`` when it is on the to-do list (window open or overdue), with
    the moment it turns 将到期; None when it is not (off, not closed, not yet due, visited).
    Second: until when (exclusive) the clock alone keeps that answer; None: at every later
    moment. A visit already made since the closing is known without working out the window
    (most closed cases of an office with visits), so judging those costs next to nothing."""
    later = min((e["at"] for e in entries if e["at"] > now), default=None)  # counts from then
    if not policy.follow_up or case.get("deleted") or case.get("state") != State.CLOSED.value:
        return None, later
    seen = [e for e in entries if e["at"] <= now]
    closed = last_closing(seen)
    if closed is None or visit_after(seen, closed) is not None:
        return None, later  # no closing yet, or met (on time or late): no clock runs
    d, w = _judged(closed, None, policy, now, tz)
    risk = w.due - (w.due - w.opens) * policy.at_risk_fraction
    turns: datetime | None
    if d.status is DeadlineStatus.WAITING:
        turns = w.opens + _TICK  # open once now > opens
    elif d.status is DeadlineStatus.PENDING:
        turns = max(risk, now)  # 将到期 once now > risk: judged again from that moment
    elif d.status is DeadlineStatus.AT_RISK:
        turns = w.due + _TICK  # 已逾期 once now > due
    else:
        turns = None  # overdue stays overdue until the visit (a write)
    until = min((t for t in (turns, later) if t is not None), default=None)
    return ((d, risk) if d.status.is_open else None), until


def too_early(closed_at: datetime, at: datetime, policy: Policy, tz: tzinfo = CST) -> bool:
    """A visit at ``at`` is before the window of a case closed at ``closed_at`` opens."""
    return at <= window(closed_at, policy, tz).opens


@dataclass(frozen=True)
class FollowUpFigures:
    """A period's follow-up visits: of the cases whose window closed, how many were visited
    (on time or late), and the satisfaction they gave."""

    due: int  # closed cases whose D12 applies and has fallen due or been met
    visited: int
    on_time: int
    happy: int  # 满意 + 非常满意
    new_problems: int  # visits that reopened the case

    @property
    def rate(self) -> float | None:
        return self.visited / self.due if self.due else None

    @property
    def satisfaction(self) -> float | None:
        return self.happy / self.visited if self.visited else None


def visit_figures(
    cases: Sequence[tuple[Mapping[str, Any], Sequence[Mapping[str, Any]], Policy]],
    now: datetime,
    tz: tzinfo = CST,
) -> FollowUpFigures:
    """Follow-up rate and satisfaction over (case, entries, policy) triples. A visit counts
    where it happened, whether or not it reopened the case."""
    due = visited = on_time = happy = new = 0
    happy_words = {s.value for s in Satisfaction if s.is_happy}
    for _case, entries, pol in cases:
        if not pol.follow_up:
            continue
        ordered = sorted(entries, key=lambda e: e["at"])
        closes = [e for e in ordered if e["action"] == _CLOSE and e["at"] <= now]
        for i, close in enumerate(closes):
            w = window(close["at"], pol, tz)
            visit = visit_after(ordered, close["at"])
            if visit is not None and i + 1 < len(closes) and visit["at"] > closes[i + 1]["at"]:
                visit = None  # that visit follows a later closing
            if visit is None and now <= w.due:
                continue  # still inside its window: not yet due
            due += 1
            if visit is None:
                continue
            visited += 1
            on_time += visit["at"] <= w.due
            happy += visit.get("satisfaction") in happy_words
            new += any(
                e["action"] == _REOPEN and e["at"] >= visit["at"]
                for e in ordered
                if i + 1 >= len(closes) or e["at"] < closes[i + 1]["at"]
            )
    return FollowUpFigures(due, visited, on_time, happy, new)
