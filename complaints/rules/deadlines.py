"""Deadlines D1–D11 and the escalation hints of policy.md §4, derived, never stored.

Each rule is a pure function of (case values, tracking entries, Policy, now, tz) and returns a
``Deadline``. Nothing here is saved: a case that arrives in another site's ledger gets its
deadlines from its row and its entries like any local one. Entries timed after ``now`` are
ignored, so a deadline can be judged "as of" any moment.

Conventions (deliberate, tested):
- a deadline is met when its action is recorded at or before ``due`` (exactly on the limit is met);
- D4's due is the end of the cutoff minute (23:59:59 local) of the day the case was received,
  in the office's time zone; a case received after the cutoff is due at the next day's cutoff;
- 处理完成 and 回传客服 both mean the sheet is back at CS with a handling plan (state 已处理);
- D3 is not applicable when the advisor settled the case on the spot: answered 当场已解决
  at registration (settled_on_site; not answered = not settled), or handled within the limit
  without escalating;
- once a case is closed, a deadline it had not met is 已逾期 (missed) if it was due before the
  closing, else 不适用 (the case ended before it could fall due); one whose clock never
  started is 不适用;
- 进行中 = the rule applies but its clock has not started yet (e.g. D7 before 派单): no due time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from enum import StrEnum
from functools import lru_cache
from typing import Any

from complaints.rules.officetime import OfficeCalendar
from complaints.rules.policy import Policy
from complaints.rules.workflow import CALLBACKS, HANDLING, callback_satisfaction, is_unhappy
from complaints.types import Action, Channel, Severity, State

CST = timezone(timedelta(hours=8), "CST")

# Plain strings for the hot paths (an Enum's .value costs a descriptor call each time).
_CONTACT = Action.CONTACT.value
_DISPATCH = Action.DISPATCH.value
_NAME = Action.NAME_RESPONSIBLE.value
_ESCALATE = Action.ESCALATE.value
_REPORT_OEM = Action.REPORT_OEM.value
_REOPEN = Action.REOPEN.value
_CLOSE = Action.CLOSE.value
_HANDLED = Action.HANDLED.value
_RETURN = Action.RETURN_TO_CS.value
_CALLBACK = Action.CALLBACK.value
_SECOND_CALLBACK = Action.SECOND_CALLBACK.value
_MAJOR = Severity.MAJOR.value
_CLOSED = State.CLOSED.value
_OEM = Channel.OEM.value
_CALLBACK_CHANNELS = frozenset({Channel.SALES_CALLBACK.value, Channel.SERVICE_CALLBACK.value})

# The only actions the rules look at, and the only entries whose 说明 they read (a callback's
# satisfaction): a caller judging thousands of cases may leave the other entries, and the
# other notes, out and get the same deadlines. Keep these in step with the rules below.
RULE_ACTIONS = frozenset(
    {_CONTACT, _DISPATCH, _NAME, _ESCALATE, _REPORT_OEM, _REOPEN, _CLOSE, *HANDLING, *CALLBACKS}
)
NOTE_ACTIONS = CALLBACKS


class DeadlineStatus(StrEnum):
    NOT_APPLICABLE = "不适用"
    WAITING = "进行中"  # applies, but the event that starts its clock is not recorded yet
    PENDING = "有余量"
    AT_RISK = "将到期"  # less than Policy.at_risk_fraction of its time left
    MET = "按时完成"
    MET_LATE = "逾期完成"
    OVERDUE = "已逾期"  # due passed and not met (still open, or missed before closing)

    @property
    def is_open(self) -> bool:
        """On the to-do list: something still has to be done against a due time."""
        return self in (DeadlineStatus.PENDING, DeadlineStatus.AT_RISK, DeadlineStatus.OVERDUE)

    @property
    def counts(self) -> bool:
        """Counts in the timeliness rate (met ÷ due)."""
        return self in (DeadlineStatus.MET, DeadlineStatus.MET_LATE, DeadlineStatus.OVERDUE)


@dataclass(frozen=True)
class Deadline:
    rule: str  # D1…D11
    what: str  # what must happen, in Chinese
    start: datetime | None
    due: datetime | None
    met_at: datetime | None
    status: DeadlineStatus
    limit: str = ""  # the limit as people say it: "2小时", "当天23:59前"

    def remaining(self, now: datetime) -> timedelta | None:
        """Time left until due (negative once overdue); None without a due time."""
        return None if self.due is None else self.due - now


WHAT = {
    "D1": "填写处理单并联系客户",
    "D2": "上报厂家",
    "D3": "顾问无法当场解决时升级至部门负责人",
    "D4": "处理单当天回传客服部",
    "D5": "将处理单交责任部门经理(派单)",
    "D6": "指定第一责任人、填写处理意见并联系客户",
    "D7": "处理完毕并将处理单回传客服部",
    "D8": "处理完毕(回访重大投诉)",
    "D9": "部门经理联系客户(厂家转发)",
    "D10": "重开后再次处理完毕",
    "D11": "客服回访",
}


# --- a policy's limits, worked out once per policy ------------------------------------------

_new = object.__new__
_set = object.__setattr__


def _hours(n: int) -> str:
    return f"{n}小时"


@lru_cache(maxsize=256)
def _na(rule: str, limit: str = "") -> Deadline:
    # Immutable, so shared: the to-do list judges thousands of cases, most rules not applying.
    return Deadline(rule, WHAT[rule], None, None, None, DeadlineStatus.NOT_APPLICABLE, limit)


class _Limits:
    """A policy's limits as timedeltas and as people say them, with its 不适用 deadlines:
    the rules run for every case of a month or of the to-do list, the policy changes rarely."""

    __slots__ = (
        "cal",
        "cal_tz",
        "d1",
        "d1_text",
        "d2",
        "d2_text",
        "d2m",
        "d2m_text",
        "d3",
        "d3_text",
        "d4_hm",
        "d4_text",
        "d5",
        "d5_text",
        "d6",
        "d6_text",
        "d7",
        "d7_text",
        "d8",
        "d8_text",
        "d9",
        "d9_text",
        "d10",
        "d10_text",
        "d11_onsite",
        "d11_onsite_text",
        "d11_other",
        "d11_other_text",
        "na",
        "office",
        "onsite",
        "policy",
    )

    def __init__(self, p: Policy):
        self.policy = p
        self.d1, self.d1_text = timedelta(hours=p.d1_hours), _hours(p.d1_hours)
        self.d2, self.d2_text = timedelta(hours=p.d2_hours), _hours(p.d2_hours)
        self.d2m = timedelta(hours=p.d2_media_hours)
        self.d2m_text = _hours(p.d2_media_hours) + "(涉及媒体)"
        self.d3, self.d3_text = timedelta(minutes=p.d3_minutes), f"{p.d3_minutes}分钟"
        self.d4_hm: tuple[int, int] | None = None  # parsed when D4 first needs it
        self.d4_text = f"当天{p.d4_cutoff}前"
        self.d5, self.d5_text = timedelta(hours=p.d5_hours), _hours(p.d5_hours)
        self.d6, self.d6_text = timedelta(hours=p.d6_hours), _hours(p.d6_hours)
        self.d7, self.d7_text = timedelta(hours=p.d7_hours), _hours(p.d7_hours)
        self.d8, self.d8_text = timedelta(hours=p.d8_hours), _hours(p.d8_hours)
        self.d9, self.d9_text = timedelta(minutes=p.d9_minutes), f"{p.d9_minutes}分钟"
        self.d10, self.d10_text = timedelta(days=p.d10_days), f"{p.d10_days}天"
        self.d11_onsite = timedelta(hours=p.d11_onsite_hours)
        self.d11_onsite_text = _hours(p.d11_onsite_hours)
        self.d11_other = timedelta(hours=p.d11_other_days * 24)
        self.d11_other_text = f"{p.d11_other_days}天"
        self.onsite = p.onsite_channels
        # Rules counted in office time (issue 20 §2) and their calendar, built on first use.
        self.office = p.office_rules()
        self.cal: OfficeCalendar | None = None
        self.cal_tz: tzinfo | None = None
        if self.office:
            self._office_texts(p)
        texts = {
            "D1": self.d1_text,
            "D3": self.d3_text,
            "D4": self.d4_text,
            "D5": self.d5_text,
            "D6": self.d6_text,
            "D7": self.d7_text,
            "D8": self.d8_text,
            "D9": self.d9_text,
            "D10": self.d10_text,
        }
        self.na = {rule: _na(rule, text) for rule, text in texts.items()}
        self.na["D2"] = _na("D2", self.d2_text)
        self.na["D2m"] = _na("D2", self.d2m_text)
        self.na["D11o"] = _na("D11", self.d11_onsite_text)
        self.na["D11"] = _na("D11", self.d11_other_text)

    def _office_texts(self, p: Policy) -> None:
        o = self.office
        for rule, attrs in (
            ("D1", ("d1_text",)),
            ("D2", ("d2_text", "d2m_text")),
            ("D3", ("d3_text",)),
            ("D5", ("d5_text",)),
            ("D6", ("d6_text",)),
            ("D7", ("d7_text",)),
            ("D8", ("d8_text",)),
            ("D9", ("d9_text",)),
        ):
            if rule in o:
                for a in attrs:
                    setattr(self, a, getattr(self, a) + "(工作时间)")
        if "D4" in o:
            self.d4_text = "当天下班前(工作时间)"
        if "D10" in o:
            self.d10_text = f"{p.d10_days}个工作日"
        if "D11" in o:
            self.d11_onsite_text += "(工作时间)"
            self.d11_other_text = f"{p.d11_other_days}个工作日"


_LIMITS: dict[int, _Limits] = {}


def _limits(policy: Policy) -> _Limits:
    lim = _LIMITS.get(id(policy))
    if lim is None or lim.policy is not policy:
        if len(_LIMITS) > 64:
            _LIMITS.clear()
        lim = _LIMITS[id(policy)] = _Limits(policy)
    return lim


# --- facts about a case as of now ----------------------------------------------------------


class _Facts:
    """What the rules ask about one case as of ``now``, worked out once per case: its entries
    up to now in time order, and the first time of each action among them."""

    __slots__ = (
        "at",
        "callback",
        "case",
        "channel",
        "closed_at",
        "entries",
        "handling",
        "lim",
        "major",
        "now",
        "oem",
        "only_open",
        "onsite",
        "policy",
        "received",
        "tz",
    )

    def __init__(
        self,
        case: Mapping[str, Any],
        entries: Sequence[Mapping[str, Any]],
        policy: Policy,
        now: datetime,
        tz: tzinfo,
    ):
        # In UTC like the stored times: aware datetimes sharing one tzinfo compare fastest.
        # (The same ``now`` comes for every case of a list or a month: converted once.)
        last_now = _LAST_NOW
        if now is last_now[0]:
            now = last_now[1]
        else:
            _set_last_now(now)
            now = now.astimezone(UTC)
        self.case, self.policy, self.now, self.tz = case, policy, now, tz
        self.only_open = False
        # Entries at or before now, by time (usually already so: then no copy is sorted), and
        # the first time of each action in that order.
        seen: list[Mapping[str, Any]] = []
        first: dict[str, datetime] = {}
        last = None
        ordered = True
        for e in entries:
            at = e["at"]
            if at <= now and not e.get("deleted"):
                if last is not None and last > at:
                    ordered = False
                last = at
                seen.append(e)
                a = e["action"]
                if a not in first:
                    first[a] = at
        if not ordered:
            seen.sort(key=_at)
            first = {}
            for e in seen:
                if e["action"] not in first:
                    first[e["action"]] = e["at"]
        self.entries = seen
        self.at = first
        h1, h2 = first.get(_HANDLED), first.get(_RETURN)
        if h2 is None:
            self.handling = h1
        elif h1 is None or h2 < h1:
            self.handling = h2
        elif h1 < h2:
            self.handling = h1
        else:  # both at the same moment: the earlier entry's own value
            self.handling = self.first(HANDLING)
        received = case.get("received_at")
        if received is not None and received > now:
            received = None  # the case did not exist yet at ``now``
        self.received = received
        closed_at = first.get(_CLOSE)
        if closed_at is None and case.get("state") == _CLOSED:
            c = case.get("closed_at")
            if c is None or c <= now:
                closed_at = c or now  # closed without a 关闭 entry (older ledgers)
        self.closed_at = closed_at
        channel = case.get("channel") or ""
        self.channel = channel
        self.major = case.get("severity") == _MAJOR
        lim = _LIMITS.get(id(policy))
        if lim is None or lim.policy is not policy:
            lim = _limits(policy)
        self.lim = lim
        self.onsite = channel in lim.onsite
        self.callback = channel in _CALLBACK_CHANNELS
        self.oem = channel == _OEM

    def first(
        self, actions: str | frozenset[str], after: datetime | None = None
    ) -> datetime | None:
        if isinstance(actions, str):
            for e in self.entries:
                if e["action"] == actions and (after is None or e["at"] >= after):
                    return e["at"]
            return None
        for e in self.entries:
            if e["action"] in actions and (after is None or e["at"] >= after):
                return e["at"]
        return None

    def contact_after(self, after: datetime) -> datetime | None:
        """first(联系客户, after): the first contact when it is not earlier (the usual case)."""
        at = self.at.get(_CONTACT)
        if at is None or at >= after:
            return at
        return self.first(_CONTACT, after)

    def handling_after(self, after: datetime) -> datetime | None:
        at = self.handling
        if at is None or at >= after:
            return at
        return self.first(HANDLING, after)

    def callback_after(self, after: datetime) -> datetime | None:
        c1, c2 = self.at.get(_CALLBACK), self.at.get(_SECOND_CALLBACK)
        if c2 is None:
            at = c1
        elif c1 is None or c2 < c1:
            at = c2
        elif c1 < c2:
            at = c1
        else:  # both at the same moment: the scan picks the earlier entry
            return self.first(CALLBACKS, after)
        if at is None or at >= after:
            return at
        return self.first(CALLBACKS, after)


_facts = _Facts
_LAST_NOW: tuple[datetime | None, datetime | None] = (None, None)


def _set_last_now(now: datetime) -> None:
    global _LAST_NOW
    _LAST_NOW = (now, now.astimezone(UTC))


def _at(e: Mapping[str, Any]) -> datetime:
    return e["at"]


_NOT_APPLICABLE = DeadlineStatus.NOT_APPLICABLE
_WAITING = DeadlineStatus.WAITING
_PENDING = DeadlineStatus.PENDING
_AT_RISK = DeadlineStatus.AT_RISK
_MET = DeadlineStatus.MET
_MET_LATE = DeadlineStatus.MET_LATE
_OVERDUE = DeadlineStatus.OVERDUE


def _calendar(lim: _Limits, tz: tzinfo) -> OfficeCalendar:
    cal = lim.cal
    if cal is None or lim.cal_tz is not tz:
        p = lim.policy
        cal = lim.cal = OfficeCalendar.of(p.office_hours, tz, p.calendar)
        lim.cal_tz = tz
    return cal


def _office_cal(f: _Facts) -> OfficeCalendar:
    return _calendar(f.lim, f.tz)


def at_risk_from(d: Deadline, policy: Policy, tz: tzinfo = CST) -> datetime | None:
    """When deadline ``d`` turns 将到期 (less than ``at_risk_fraction`` of its time left),
    counted on the rule's clock; None without a due time."""
    if d.due is None or d.start is None:
        return None
    lim = _limits(policy)
    if d.rule not in lim.office:
        return d.due - (d.due - d.start) * policy.at_risk_fraction
    cal = _calendar(lim, tz)
    left = cal.elapsed(d.start, d.due) * policy.at_risk_fraction
    return cal.subtract(d.due, left).astimezone(UTC)


def _due(f: _Facts, rule: str, start: datetime, td: timedelta) -> datetime:
    """``start`` + ``td`` on the rule's clock: office time when the office chose it."""
    if rule in f.lim.office:
        return _office_cal(f).add(start, td).astimezone(UTC)
    return start + td


def _due_days(f: _Facts, rule: str, start: datetime, days: int, td: timedelta) -> datetime:
    """A day limit: ``days`` working days (to closing time) in office time, else ``td``."""
    if rule in f.lim.office:
        return _office_cal(f).add_workdays(start, days).astimezone(UTC)
    return start + td


def _judge(
    f: _Facts,
    rule: str,
    limit: str,
    start: datetime | None,
    due: datetime | None,
    met_at: datetime | None,
) -> Deadline:
    if start is None or due is None:
        status = _NOT_APPLICABLE if f.closed_at else _WAITING
    elif met_at is not None:
        status = _MET if met_at <= due else _MET_LATE
    elif f.closed_at is not None:
        status = _OVERDUE if f.closed_at > due else _NOT_APPLICABLE
    elif f.now > due:
        status = _OVERDUE
    elif rule in f.lim.office:  # the share of office time left
        cal = _office_cal(f)
        status = (
            _AT_RISK
            if cal.elapsed(f.now, due) < cal.elapsed(start, due) * f.policy.at_risk_fraction
            else _PENDING
        )
    elif due - f.now < (due - start) * f.policy.at_risk_fraction:
        status = _AT_RISK
    else:
        status = _PENDING
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
        },
    )
    return d


# --- the rules ------------------------------------------------------------------------------


def _d1(f: _Facts) -> Deadline:
    lim = f.lim
    received = f.received
    if received is None or f.major or f.oem:
        return lim.na["D1"]
    return _judge(
        f, "D1", lim.d1_text, received, _due(f, "D1", received, lim.d1), f.at.get(_CONTACT)
    )


def _d2(f: _Facts) -> Deadline:
    lim = f.lim
    case = f.case
    if case.get("media"):
        td, limit, na = lim.d2m, lim.d2m_text, "D2m"
    else:
        td, limit, na = lim.d2, lim.d2_text, "D2"
    received = f.received
    if received is None or not (f.major or case.get("needs_oem")):
        return lim.na[na]
    return _judge(f, "D2", limit, received, _due(f, "D2", received, td), f.at.get(_REPORT_OEM))


def _d3(f: _Facts) -> Deadline:
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


def _d4(f: _Facts) -> Deadline:
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


def _d5(f: _Facts) -> Deadline:
    lim = f.lim
    received = f.received
    if received is None or not f.callback:
        return lim.na["D5"]
    return _judge(
        f, "D5", lim.d5_text, received, _due(f, "D5", received, lim.d5), f.at.get(_DISPATCH)
    )


def _d6(f: _Facts) -> Deadline:
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


def _d7(f: _Facts) -> Deadline:
    lim = f.lim
    if f.received is None or not f.callback or f.major:
        return lim.na["D7"]
    start = f.at.get(_DISPATCH)
    if start is None:
        return _judge(f, "D7", lim.d7_text, None, None, None)
    return _judge(
        f, "D7", lim.d7_text, start, _due(f, "D7", start, lim.d7), f.handling_after(start)
    )


def _d8(f: _Facts) -> Deadline:
    lim = f.lim
    if f.received is None or not f.callback or not f.major:
        return lim.na["D8"]
    start = f.at.get(_DISPATCH)
    if start is None:
        return _judge(f, "D8", lim.d8_text, None, None, None)
    return _judge(
        f, "D8", lim.d8_text, start, _due(f, "D8", start, lim.d8), f.handling_after(start)
    )


def _d9(f: _Facts) -> Deadline:
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


def _d10(f: _Facts) -> Deadline:
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


def _d11(f: _Facts) -> Deadline:
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


_OPEN = frozenset({DeadlineStatus.PENDING, DeadlineStatus.AT_RISK, DeadlineStatus.OVERDUE})
# What _judge gives instead of a deadline that is not open when only the open ones are wanted.
_SKIPPED = Deadline("", "", None, None, None, DeadlineStatus.NOT_APPLICABLE)

RULES: dict[str, Callable[[_Facts], Deadline]] = {
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
_ALL = tuple(RULES.values())


def deadline(
    rule: str,
    case: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    policy: Policy,
    now: datetime,
    tz: tzinfo = CST,
) -> Deadline:
    """One rule (``"D1"``…``"D11"``) of one case as of ``now``."""
    return RULES[rule](_facts(case, entries, policy, now, tz))


def all_deadlines(
    case: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    policy: Policy,
    now: datetime,
    tz: tzinfo = CST,
) -> list[Deadline]:
    """Every rule D1–D11 of a case, in rule order (the not-applicable ones included)."""
    f = _facts(case, entries, policy, now, tz)
    na = f.lim.na
    # The rules that cannot apply to the case's channel are 不适用 without being asked.
    return [na[r] if r.__class__ is str else r(f) for r in _plan(f)]


_RELEVANT: dict[tuple[bool, bool, bool, bool], tuple[Callable[[_Facts], Deadline], ...]] = {}


def _relevant(f: _Facts) -> tuple[Callable[[_Facts], Deadline], ...]:
    """The rules that can apply to the case's channel (the others are 不适用 by channel)."""
    key = (f.onsite, f.callback, f.major, f.oem)
    rules = _RELEVANT.get(key)
    if rules is None:
        out: list[Callable[[_Facts], Deadline]] = [_d1, _d2]
        if f.onsite:
            out += [_d3, _d4]
        if f.callback:
            out += [_d5, _d6, _d8 if f.major else _d7]
        if f.oem:
            out.append(_d9)
        out += [_d10, _d11]
        rules = _RELEVANT[key] = tuple(out)
    return rules


_PLANS: dict[tuple[bool, bool, bool, bool], tuple[Callable[[_Facts], Deadline] | str, ...]] = {}


def _plan(f: _Facts) -> tuple[Callable[[_Facts], Deadline] | str, ...]:
    """Rule order D1–D11: the rule where it can apply (``_relevant``), else its 不适用 key."""
    key = (f.onsite, f.callback, f.major, f.oem)
    plan = _PLANS.get(key)
    if plan is None:
        relevant = _relevant(f)
        plan = _PLANS[key] = tuple(fn if fn in relevant else rule for rule, fn in RULES.items())
    return plan


def open_deadlines_of(
    case: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    policy: Policy,
    now: datetime,
    tz: tzinfo = CST,
) -> list[Deadline]:
    """Only the deadlines still to be met (有余量/将到期/已逾期): the to-do list's fast path."""
    f = _facts(case, entries, policy, now, tz)
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


# --- escalation hints -----------------------------------------------------------------------

_LAWSUIT = ("起诉", "诉讼", "律师", "法院", "仲裁")
_HEADCOUNT_RE = re.compile(r"(\d+)\s*(?:位|名|个|户)?\s*(?:客户|车主|顾客|用户|人)")


def escalation_hints(
    case: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    policy: Policy,
    now: datetime,
    related: Sequence[Mapping[str, Any]] = (),
) -> list[str]:
    """Suggestions to raise a general case to 重大 (policy.md §4); a person decides.
    ``related``: other cases (received_at, phone, vin, number) of the same customer or car."""
    if case.get("severity") == Severity.MAJOR.value:
        return []
    hints: list[str] = []
    if case.get("media"):
        hints.append("涉及媒体:建议升级为重大投诉")
    text = " ".join(str(case.get(k) or "") for k in ("content", "demand", "background"))
    if any(w in text for w in _LAWSUIT):
        hints.append("内容提到诉讼/律师/法院:建议升级为重大投诉")
    counts = [int(m.group(1)) for m in _HEADCOUNT_RE.finditer(text)]
    if counts and max(counts) >= policy.hint_collective_customers:
        hints.append(
            f"涉及 {max(counts)} 位客户(≥{policy.hint_collective_customers}):建议升级为重大投诉"
        )
    elif case.get("collective"):
        hints.append(
            f"群体投诉:涉及 {policy.hint_collective_customers} 位以上客户时应升级为重大投诉"
        )
    received = case.get("received_at")
    if received is not None:
        window = timedelta(days=policy.hint_repeat_days)
        for other in related:
            if other.get("id") is not None and other.get("id") == case.get("id"):
                continue
            at = other.get("received_at")
            if at is None or abs(received - at) > window:
                continue
            same = [
                label
                for key, label in (("vin", "车辆"), ("phone", "客户"))
                if case.get(key) and case.get(key) == other.get(key)
            ]
            if same:
                hints.append(
                    f"同一{'/'.join(same)}在 {policy.hint_repeat_days} 天内再次投诉"
                    f"({other.get('number') or ''}):建议升级为重大投诉"
                )
                break
        closed = (
            any(e["action"] == Action.CLOSE.value for e in entries)
            or case.get("state") == State.CLOSED.value
        )
        if not closed and now - received > timedelta(days=policy.hint_open_days):
            hints.append(f"已超过 {policy.hint_open_days} 天未关闭:建议升级为重大投诉")
    return hints
