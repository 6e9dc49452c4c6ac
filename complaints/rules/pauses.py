"""Paused clocks: a case put on hold (暂停) and resumed (恢复).

While a case is on hold its running deadlines stop; on resumption each runs on with the time
it had left when the hold began, counted on the rule's own clock (calendar time, or office
time when the office counts that rule in office hours). Pure: entries and instants in, values
out.

Conventions (deliberate, tested in tests/complaints/rules/test_pauses.py):
- a hold runs from a 暂停 entry to the next 恢复 entry; a 暂停 while on hold and a 恢复 while
  not on hold change nothing (the rules read the first of each);
- a hold only stops a deadline whose clock is running: one met before the hold began, or
  already overdue when it began, is not moved (a hold never rescues a missed deadline);
- a hold that began before a deadline's clock started stops it from its start: the clock
  starts on resumption with its whole limit;
- holds of total length P (on the rule's clock, within the deadline's run) move its due time
  by exactly P of that clock;
- while on hold the deadline's status is 暂停: it has no countdown, only the time it had left.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from complaints.types import Action

PAUSE = Action.PAUSE.value
RESUME = Action.RESUME.value
HOLD_ACTIONS = frozenset({PAUSE, RESUME})
# The reasons the case page offers for a hold; a person may also type another.
PAUSE_REASONS = ("等待客户", "等待配件", "厂家处理中")

# A hold: from its 暂停 to its 恢复 (None while the case is still on hold).
Hold = tuple[datetime, datetime | None]


class Clock(Protocol):
    """What a deadline's clock can do: calendar time or an office calendar."""

    def add(self, start: datetime, limit: timedelta) -> datetime: ...

    def elapsed(self, a: datetime, b: datetime) -> timedelta: ...


class CalendarClock:
    """Calendar time (自然时间): every minute counts."""

    __slots__ = ()

    def add(self, start: datetime, limit: timedelta) -> datetime:
        return start + limit

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        return b - a


CALENDAR_CLOCK = CalendarClock()


def holds_of(entries: Iterable[Mapping[str, Any]]) -> list[Hold]:
    """The holds of a case from its entries in time order (deleted ones left out by the
    caller); the last one open (None) when the case is on hold at the last entry."""
    out: list[Hold] = []
    began: datetime | None = None
    for e in entries:
        a = e["action"]
        if a == PAUSE and began is None:
            began = e["at"]
        elif a == RESUME and began is not None:
            out.append((began, e["at"]))
            began = None
    if began is not None:
        out.append((began, None))
    return out


def on_hold(entries: Iterable[Mapping[str, Any]]) -> bool:
    """True when the case's last 暂停 is not followed by a 恢复 (entries in time order)."""
    holds = holds_of(entries)
    return bool(holds) and holds[-1][1] is None


def hold_reason(entries: Iterable[Mapping[str, Any]]) -> str:
    """The 说明 of the 暂停 that put the case on hold now ("" when it is not on hold)."""
    reason = ""
    held = False
    for e in entries:
        a = e["action"]
        if a == PAUSE and not held:
            held, reason = True, str(e.get("note") or "")
        elif a == RESUME and held:
            held, reason = False, ""
    return reason


def time_on_hold(holds: Iterable[Hold], since: datetime, until: datetime) -> timedelta:
    """Calendar time on hold between ``since`` and ``until`` (an open hold runs to ``until``)."""
    total = timedelta(0)
    for began, ended in holds:
        lo, hi = max(began, since), min(ended or until, until)
        if hi > lo:
            total += hi - lo
    return total


@dataclass(frozen=True)
class Held:
    """A deadline after its holds: its due time (while on hold, the due time were it resumed
    at ``now``), the time it had left when the current hold began (None when not on hold),
    and the hold time counted on its clock within its run."""

    due: datetime
    left: timedelta | None
    held: timedelta


def apply_holds(
    clock: Clock,
    start: datetime,
    due: datetime,
    holds: Iterable[Hold],
    met_at: datetime | None,
    now: datetime,
) -> Held:
    """Move ``due`` (a clock started at ``start``) past the ``holds`` that stop it."""
    held = timedelta(0)
    for began, ended in holds:
        if met_at is not None and met_at <= began:
            break  # met before this hold: nothing runs any more
        if began >= due:
            break  # already due (met or missed) when the hold began
        if ended is not None and ended <= start:
            continue  # over before the clock started
        stopped = max(began, start)
        left = clock.elapsed(stopped, due)
        if ended is None:  # on hold now
            held += clock.elapsed(stopped, now)
            return Held(clock.add(now, left), left, held)
        held += clock.elapsed(stopped, ended)
        due = clock.add(ended, left)
    return Held(due, None, held)


def hours_on_hold(entries: Iterable[Mapping[str, Any]], as_of: datetime) -> float:
    """A case's calendar hours on hold up to ``as_of``: a hold ends at its 恢复, or at the
    case's 关闭 (entries in any order; those after ``as_of`` are not yet)."""
    total = timedelta(0)
    began: datetime | None = None
    for e in sorted((e for e in entries if e["at"] <= as_of), key=_entry_time):
        a = e["action"]
        if a == PAUSE and began is None:
            began = e["at"]
        elif a in _HOLD_ENDS and began is not None:
            total += e["at"] - began
            began = None
    if began is not None:
        total += as_of - began
    return total / timedelta(hours=1)


_HOLD_ENDS = frozenset({RESUME, Action.CLOSE.value})


def _entry_time(e: Mapping[str, Any]) -> datetime:
    at: datetime = e["at"]
    return at
