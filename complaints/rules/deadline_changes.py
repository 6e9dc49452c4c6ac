"""When the clock alone changes how a case's open deadlines are judged.

``open_deadlines_of(case, entries, policy, now, tz)`` depends on ``now`` only through a few
moments: an open deadline turns 将到期 after ``at_risk_from`` and 已逾期 after its due time; an
entry or the case's reception dated after ``now`` is taken into account once the clock reaches
it; a deadline on hold (暂停) moves its due time with every moment. ``judged_until`` says the
first of those moments, so that a list of the open deadlines can be kept and judged again only
when its time comes (or when the case is written). Pure: no I/O, the clock passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from complaints.rules.deadline_rules import at_risk_from
from complaints.rules.deadlines import CST, Deadline, DeadlineStatus
from complaints.rules.policy import Policy
from complaints.types import State

_TICK = timedelta(microseconds=1)  # the stored times' resolution: the next moment after one
_CLOSED = State.CLOSED.value


def status_changes_at(
    d: Deadline, policy: Policy, now: datetime, tz: tzinfo = CST
) -> datetime | None:
    """The first moment (not before ``now``) at which deadline ``d``, judged as of ``now``,
    may be judged otherwise by the clock alone; None when the clock never changes it
    (overdue stays overdue until met, a write). On hold its due time moves with the clock:
    ``now`` (judge it again at any later moment)."""
    status = d.status
    if status is DeadlineStatus.PAUSED:
        return now
    if d.due is None or status is DeadlineStatus.OVERDUE or not status.is_open:
        return None
    overdue_at = d.due + _TICK  # 已逾期 once now > due
    if status is DeadlineStatus.AT_RISK:
        return max(overdue_at, now)
    # 有余量 up to and including at_risk_from(d): judged again from that moment.
    risk = at_risk_from(d, policy, tz)
    if risk is None:
        return max(overdue_at, now)
    return max(min(risk, overdue_at), now)


def judged_until(
    case: Mapping[str, Any],
    entries: Iterable[Mapping[str, Any]],
    deadlines: Sequence[Deadline],
    policy: Policy,
    now: datetime,
    tz: tzinfo = CST,
) -> datetime | None:
    """Until when (exclusive) ``open_deadlines_of(case, entries, policy, t, tz)`` gives the
    same ``deadlines`` it gave at ``now``, for every ``t`` from ``now`` on; None: at every
    later moment. Equal to ``now``: it must be judged again at any other moment."""
    times: list[datetime] = []
    for d in deadlines:
        t = status_changes_at(d, policy, now, tz)
        if t is not None:
            times.append(t)
    received = case.get("received_at")
    if received is not None and received > now:
        times.append(received)  # the case exists for the rules from then on
    closed = case.get("closed_at")
    if case.get("state") == _CLOSED and closed is not None and closed > now:
        times.append(closed)  # closed without a 关闭 entry: closed from then on
    later = [e["at"] for e in entries if e["at"] is not None and e["at"] > now]
    if later:
        times.append(min(later))  # an entry counts once the clock reaches it
    return min(times, default=None)
