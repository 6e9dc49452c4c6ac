"""What the monthly figures need from one case's entries (first contact, handling, the first
callback's level, reopened, the deadline outcomes), and when that summary is final."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from complaints.rules.deadline_rules import all_deadlines
from complaints.rules.deadlines import DeadlineStatus
from complaints.rules.policy import Policy
from complaints.rules.workflow import HANDLING, callback_satisfaction
from complaints.types import Action, State

_CONTACT = Action.CONTACT.value
_CALLBACK = Action.CALLBACK.value
_REOPEN = Action.REOPEN.value
_COUNTED = frozenset({DeadlineStatus.MET, DeadlineStatus.MET_LATE, DeadlineStatus.OVERDUE})


def hours_between(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 3600


# A closed case's summary key: (id, revision, modified_at, summary_fp).
SummaryKey = tuple[int, Any, Any, Any]


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """What the figures need from one case's entries. Final once the case is closed, so the
    use case may keep it between runs (``summary_key``) and skip reading those entries."""

    contact_hours: float | None
    handling_hours: float | None
    called_back: bool
    level: str | None  # satisfaction of the first callback
    reopened: bool
    outcomes: tuple[tuple[str, DeadlineStatus], ...]  # (rule, status) counted in timeliness


def summary_key(case: Mapping[str, Any], as_of: datetime) -> SummaryKey | None:
    """The cache key of a case whose summary can no longer change (closed by ``as_of``), or
    None. Keyed on the case's revision and modified time, which every change of it moves, and
    on ``summary_fp`` when the caller gives one (its entries' count and latest time, the policy
    book: what could change the summary without touching the case row)."""
    closed = case.get("closed_at")
    if closed is None or closed > as_of or case.get("state") != _CLOSED_STATE:
        return None
    return (case["id"], case.get("revision"), case.get("modified_at"), case.get("summary_fp"))


_CLOSED_STATE = State.CLOSED.value  # read once: an enum's value is a slow attribute


def summarise(
    case: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    policy: Policy,
    as_of: datetime,
    tz: tzinfo,
) -> CaseSummary:
    received = case["received_at"]
    es = sorted(entries, key=_at)
    first_contact = first_handled = first_cb = None
    reopen = False
    for e in es:
        a = e["action"]
        if a == _CONTACT:
            if first_contact is None:
                first_contact = e["at"]
        elif a in HANDLING:
            if first_handled is None:
                first_handled = e["at"]
        elif a == _CALLBACK:
            if first_cb is None:
                first_cb = e
        elif a == _REOPEN:
            reopen = True
    level = None if first_cb is None else callback_satisfaction(first_cb, case)
    outcomes = tuple(
        (d.rule, d.status)
        for d in all_deadlines(case, es, policy, as_of, tz)
        if d.status in _COUNTED
    )
    return CaseSummary(
        None if first_contact is None else hours_between(received, first_contact),
        None if first_handled is None else hours_between(received, first_handled),
        first_cb is not None,
        level,
        reopen,
        outcomes,
    )


def _at(e: Mapping[str, Any]) -> datetime:
    at: datetime = e["at"]
    return at
