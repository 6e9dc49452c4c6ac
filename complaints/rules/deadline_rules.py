"""The deadline rules D1–D11 of policy.md §4, judged for one case as of ``now``.

See complaints.rules.deadlines for the conventions every rule follows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from complaints.rules.case_facts import CaseFacts
from complaints.rules.deadline_limits import calendar_of, limits_of
from complaints.rules.deadlines import CST, WHAT, Deadline, DeadlineStatus
from complaints.rules.officetime import OfficeCalendar
from complaints.rules.pauses import CALENDAR_CLOCK, Clock, apply_holds
from complaints.rules.policy import Policy
from complaints.rules.workflow import CALLBACKS, callback_satisfaction, is_unhappy
from complaints.types import Action

_CONTACT = Action.CONTACT.value
_DISPATCH = Action.DISPATCH.value
_NAME = Action.NAME_RESPONSIBLE.value
_ESCALATE = Action.ESCALATE.value
_REPORT_OEM = Action.REPORT_OEM.value
_REOPEN = Action.REOPEN.value
_CLOSE = Action.CLOSE.value
_CALLBACK = Action.CALLBACK.value
_SECOND_CALLBACK = Action.SECOND_CALLBACK.value

_new = object.__new__
_set = object.__setattr__

_NOT_APPLICABLE = DeadlineStatus.NOT_APPLICABLE
_WAITING = DeadlineStatus.WAITING
_PENDING = DeadlineStatus.PENDING
_AT_RISK = DeadlineStatus.AT_RISK
_MET = DeadlineStatus.MET
_MET_LATE = DeadlineStatus.MET_LATE
_OVERDUE = DeadlineStatus.OVERDUE
_PAUSED = DeadlineStatus.PAUSED
_NO_HOLD = timedelta(0)


def _office_cal(f: CaseFacts) -> OfficeCalendar:
    return calendar_of(f.lim, f.tz)


def _clock(f: CaseFacts, rule: str) -> Clock:
    """The rule's clock: office time when the office chose it, else calendar time."""
    return _office_cal(f) if rule in f.lim.office else CALENDAR_CLOCK


def at_risk_from(d: Deadline, policy: Policy, tz: tzinfo = CST) -> datetime | None:
    """When deadline ``d`` turns 将到期 (less than ``at_risk_fraction`` of its time left),
    counted on the rule's clock; None without a due time."""
    if d.due is None or d.start is None:
        return None
    if d.left is not None:
        return None  # on hold: it turns 将到期 only after it is resumed
    lim = limits_of(policy)
    if d.rule not in lim.office:
        return d.due - (d.due - d.start - d.held) * policy.at_risk_fraction
    cal = calendar_of(lim, tz)
    left = (cal.elapsed(d.start, d.due) - d.held) * policy.at_risk_fraction
    return cal.subtract(d.due, left).astimezone(UTC)


def _due(f: CaseFacts, rule: str, start: datetime, td: timedelta) -> datetime:
    """``start`` + ``td`` on the rule's clock: office time when the office chose it."""
    if rule in f.lim.office:
        return _office_cal(f).add(start, td).astimezone(UTC)
    return start + td


def _due_days(f: CaseFacts, rule: str, start: datetime, days: int, td: timedelta) -> datetime:
    """A day limit: ``days`` working days (to closing time) in office time, else ``td``."""
    if rule in f.lim.office:
        return _office_cal(f).add_workdays(start, days).astimezone(UTC)
    return start + td


def _judge(
    f: CaseFacts,
    rule: str,
    limit: str,
    start: datetime | None,
    due: datetime | None,
    met_at: datetime | None,
) -> Deadline:
    left: timedelta | None = None
    held = _NO_HOLD
    if f.holds and start is not None and due is not None:
        moved = apply_holds(_clock(f, rule), start, due, f.holds, met_at, f.now)
        due, left, held = moved.due, moved.left, moved.held
    if start is None or due is None:
        status = _NOT_APPLICABLE if f.closed_at else _WAITING
    elif met_at is not None:
        status = _MET if met_at <= due else _MET_LATE
    elif f.closed_at is not None:
        status = _OVERDUE if f.closed_at > due else _NOT_APPLICABLE
    elif left is not None:
        status = _PAUSED
    elif f.now > due:
        status = _OVERDUE
    elif rule in f.lim.office:  # the share of office time left (hold time not counted)
        cal = _office_cal(f)
        status = (
            _AT_RISK
            if cal.elapsed(f.now, due)
            < (cal.elapsed(start, due) - held) * f.policy.at_risk_fraction
            else _PENDING
        )
    elif due - f.now < (due - start - held) * f.policy.at_risk_fraction:
        status = _AT_RISK
    else:
        status = _PENDING
    if status is not _PAUSED:
        left = None
    if f.only_open and status not in _OPEN:
        return _SKIPPED
    # Built without the frozen dataclass's __init__ (one setattr per field): the same value.
    d = _new(Deadline)
    _set(
        d,
        "__dict__",
        {
            "rule": rule,
            "what": WHAT[rule],
            "start": start,
            "due": due,
            "met_at": met_at,
            "status": status,
            "limit": limit,
            "left": left,
            "held": held,
        },
    )
    return d


# --- the rules ------------------------------------------------------------------------------


def _d1(f: CaseFacts) -> Deadline:
    lim = f.lim
    received = f.received
    if received is None or f.major or f.oem:
        return lim.na["D1"]
    return _judge(
        f, "D1", lim.d1_text, received, _due(f, "D1", received, lim.d1), f.at.get(_CONTACT)
    )


def _d2(f: CaseFacts) -> Deadline:
    lim = f.lim
    case = f.case
    if case.get("media") or case.get("emergency"):  # an emergency reports as fast as media
        td, limit, na = lim.d2m, lim.d2m_text, "D2m"
    else:
        td, limit, na = lim.d2, lim.d2_text, "D2"
    received = f.received
    if received is None or not (f.major or case.get("needs_oem")):
        return lim.na[na]
    return _judge(f, "D2", limit, received, _due(f, "D2", received, td), f.at.get(_REPORT_OEM))


def _d3(f: CaseFacts) -> Deadline:
    lim = f.lim
    received = f.received
    if received is None or not f.onsite:
        return lim.na["D3"]
    if f.case.get("settled_on_site"):
        return lim.na["D3"]  # the clerk answered 当场已解决 at registration
    due = _due(f, "D3", received, lim.d3)
    escalated = f.at.get(_ESCALATE)
    if escalated is None:
        handled = f.handling
        if handled is not None and handled <= due:
            return lim.na["D3"]  # settled on the spot: nothing to escalate
    return _judge(f, "D3", lim.d3_text, received, due, escalated)


def _d4_due(received: datetime, h: int, m: int, tz: tzinfo) -> datetime:
    local = received.astimezone(tz)
    due = local.replace(hour=h, minute=m, second=59, microsecond=0)
    if due < local:
        due = (local + timedelta(days=1)).replace(hour=h, minute=m, second=59, microsecond=0)
    return due


def d4_due(received: datetime, policy: Policy, tz: tzinfo) -> datetime:
    """End of the cutoff minute of the local day the case was received (next day's if later)."""
    h, m = policy.d4_cutoff_hm()
    return _d4_due(received, h, m, tz)


def _d4(f: CaseFacts) -> Deadline:
    lim = f.lim
    received = f.received
    if received is None or not f.onsite:
        return lim.na["D4"]
    hm = lim.d4_hm
    if hm is None:
        hm = lim.d4_hm = f.policy.d4_cutoff_hm()
    if "D4" in lim.office:  # "that day" ends at the office's closing time
        due = _office_cal(f).day_close(received).astimezone(UTC)
    else:
        due = _d4_due(received, hm[0], hm[1], f.tz).astimezone(UTC)
    return _judge(f, "D4", lim.d4_text, received, due, f.handling)


def _d5(f: CaseFacts) -> Deadline:
    lim = f.lim
    received = f.received
    if received is None or not f.callback:
        return lim.na["D5"]
    return _judge(
        f, "D5", lim.d5_text, received, _due(f, "D5", received, lim.d5), f.at.get(_DISPATCH)
    )


def _d6(f: CaseFacts) -> Deadline:
    lim = f.lim
    if f.received is None or not f.callback:
        return lim.na["D6"]
    start = f.at.get(_DISPATCH)
    if start is None:
        return _judge(f, "D6", lim.d6_text, None, None, None)
    named = f.at.get(_NAME)
    contacted = f.contact_after(start)
    met = None if named is None or contacted is None else max(named, contacted)
    return _judge(f, "D6", lim.d6_text, start, _due(f, "D6", start, lim.d6), met)


def _d7(f: CaseFacts) -> Deadline:
    lim = f.lim
    if f.received is None or not f.callback or f.major:
        return lim.na["D7"]
    start = f.at.get(_DISPATCH)
    if start is None:
        return _judge(f, "D7", lim.d7_text, None, None, None)
    return _judge(
        f, "D7", lim.d7_text, start, _due(f, "D7", start, lim.d7), f.handling_after(start)
    )


def _d8(f: CaseFacts) -> Deadline:
    lim = f.lim
    if f.received is None or not f.callback or not f.major:
        return lim.na["D8"]
    start = f.at.get(_DISPATCH)
    if start is None:
        return _judge(f, "D8", lim.d8_text, None, None, None)
    return _judge(
        f, "D8", lim.d8_text, start, _due(f, "D8", start, lim.d8), f.handling_after(start)
    )


def _d9(f: CaseFacts) -> Deadline:
    lim = f.lim
    received = f.received
    if received is None or not f.oem:
        return lim.na["D9"]
    return _judge(
        f, "D9", lim.d9_text, received, _due(f, "D9", received, lim.d9), f.at.get(_CONTACT)
    )


def reopen_start(case: Mapping[str, Any], entries: Sequence[Mapping[str, Any]]) -> datetime | None:
    """When the current reopen round's clock (D10) started: the unhappy callback that led to
    the latest 重开 (or the 重开 itself), or an unhappy callback not yet followed by a close."""
    start: datetime | None = None
    pending: datetime | None = None  # unhappy callback awaiting 重开
    for e in entries:
        a = e["action"]
        if a in CALLBACKS:
            pending = e["at"] if is_unhappy(callback_satisfaction(e, case)) else None
        elif a == _REOPEN:
            start = pending or e["at"]
            pending = None
        elif a == _CLOSE:
            pending = None
    return pending or start


def _d10(f: CaseFacts) -> Deadline:
    lim = f.lim
    at = f.at
    # Only a callback or a 重开 can start the clock: without either there is nothing to read.
    if f.received is None or (
        _CALLBACK not in at and _SECOND_CALLBACK not in at and _REOPEN not in at
    ):
        return lim.na["D10"]
    start = reopen_start(f.case, f.entries)
    if start is None:
        return lim.na["D10"]
    return _judge(
        f,
        "D10",
        lim.d10_text,
        start,
        _due_days(f, "D10", start, f.policy.d10_days, lim.d10),
        f.handling_after(start),
    )


def _d11(f: CaseFacts) -> Deadline:
    lim = f.lim
    if f.onsite:
        td, limit, na = lim.d11_onsite, lim.d11_onsite_text, "D11o"
    else:
        td, limit, na = lim.d11_other, lim.d11_other_text, "D11"
    if f.received is None:
        return lim.na[na]
    start = f.handling
    if start is None:
        return _judge(f, "D11", limit, None, None, None)
    if f.onsite:
        due = _due(f, "D11", start, td)
    else:
        due = _due_days(f, "D11", start, f.policy.d11_other_days, td)
    return _judge(f, "D11", limit, start, due, f.callback_after(start))


_OPEN = frozenset(
    {DeadlineStatus.PENDING, DeadlineStatus.AT_RISK, DeadlineStatus.OVERDUE, DeadlineStatus.PAUSED}
)
# What _judge gives instead of a deadline that is not open when only the open ones are wanted.
_SKIPPED = Deadline("", "", None, None, None, DeadlineStatus.NOT_APPLICABLE)

RULES: dict[str, Callable[[CaseFacts], Deadline]] = {
    "D1": _d1,
    "D2": _d2,
    "D3": _d3,
    "D4": _d4,
    "D5": _d5,
    "D6": _d6,
    "D7": _d7,
    "D8": _d8,
    "D9": _d9,
    "D10": _d10,
    "D11": _d11,
}


def deadline(
    rule: str,
    case: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    policy: Policy,
    now: datetime,
    tz: tzinfo = CST,
) -> Deadline:
    """One rule (``"D1"``…``"D11"``) of one case as of ``now``."""
    return RULES[rule](CaseFacts(case, entries, policy, now, tz))


def all_deadlines(
    case: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    policy: Policy,
    now: datetime,
    tz: tzinfo = CST,
) -> list[Deadline]:
    """Every rule D1–D11 of a case, in rule order (the not-applicable ones included)."""
    f = CaseFacts(case, entries, policy, now, tz)
    na = f.lim.na
    # The rules that cannot apply to the case's channel are 不适用 without being asked.
    plan = _PLANS[f.onsite, f.callback, f.major, f.oem]
    return [na[r] if isinstance(r, str) else r(f) for r in plan]


_Rule = Callable[[CaseFacts], Deadline]
# A case's kind as the rules' applicability sees it: (onsite, callback, major, oem).
_Kind = tuple[bool, bool, bool, bool]


def _rules_for(kind: _Kind) -> tuple[_Rule, ...]:
    """The rules that can apply to a case of this kind (the others are 不适用 by channel)."""
    onsite, callback, major, oem = kind
    out: list[_Rule] = [_d1, _d2]
    if onsite:
        out += [_d3, _d4]
    if callback:
        out += [_d5, _d6, _d8 if major else _d7]
    if oem:
        out.append(_d9)
    out += [_d10, _d11]
    return tuple(out)


_KINDS: tuple[_Kind, ...] = tuple(
    (a, b, c, d)
    for a in (False, True)
    for b in (False, True)
    for c in (False, True)
    for d in (False, True)
)
_RELEVANT: dict[_Kind, tuple[_Rule, ...]] = {kind: _rules_for(kind) for kind in _KINDS}
# Rule order D1–D11: the rule where it can apply, else the key of its 不适用 deadline.
_PLANS: dict[_Kind, tuple[_Rule | str, ...]] = {
    kind: tuple(fn if fn in _RELEVANT[kind] else rule for rule, fn in RULES.items())
    for kind in _KINDS
}


def _relevant(f: CaseFacts) -> tuple[_Rule, ...]:
    return _RELEVANT[f.onsite, f.callback, f.major, f.oem]


def open_deadlines_of(
    case: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    policy: Policy,
    now: datetime,
    tz: tzinfo = CST,
) -> list[Deadline]:
    """Only the deadlines still to be met (有余量/将到期/已逾期): the to-do list's fast path."""
    f = CaseFacts(case, entries, policy, now, tz)
    if f.closed_at is not None or f.received is None:
        return []
    f.only_open = True  # the others are not built
    out = []
    for fn in _relevant(f):
        d = fn(f)
        if d.status in _OPEN:
            out.append(d)
    return out


def applicable_deadlines(
    case: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    policy: Policy,
    now: datetime,
    tz: tzinfo = CST,
) -> list[Deadline]:
    return [
        d
        for d in all_deadlines(case, entries, policy, now, tz)
        if d.status is not DeadlineStatus.NOT_APPLICABLE
    ]
