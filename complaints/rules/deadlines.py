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
- D3 is not applicable when the advisor settled the case on the spot (handled within the limit
  without escalating);
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
_MAJOR = Severity.MAJOR.value
_CLOSED = State.CLOSED.value
_OEM = Channel.OEM.value
_CALLBACK_CHANNELS = frozenset({Channel.SALES_CALLBACK.value, Channel.SERVICE_CALLBACK.value})


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


# --- facts about a case as of now ----------------------------------------------------------

class _Facts:
    """What the rules ask about one case as of ``now``, worked out once per case."""

    __slots__ = ("case", "entries", "policy", "now", "tz", "received", "closed_at", "channel",
                 "major", "onsite", "callback", "oem")

    def __init__(self, case: Mapping[str, Any], entries: Sequence[Mapping[str, Any]],
                 policy: Policy, now: datetime, tz: tzinfo):
        # In UTC like the stored times: aware datetimes sharing one tzinfo compare fastest.
        now = now.astimezone(UTC)
        self.case, self.policy, self.now, self.tz = case, policy, now, tz
        # entries at or before now, by time (usually already so: then no copy is sorted)
        seen = [e for e in entries if e["at"] <= now and not e.get("deleted")]
        if any(seen[i]["at"] > seen[i + 1]["at"] for i in range(len(seen) - 1)):
            seen.sort(key=lambda e: e["at"])
        self.entries = seen
        received = case.get("received_at")
        if received is not None and received > now:
            received = None  # the case did not exist yet at ``now``
        self.received = received
        closed_at = next((e["at"] for e in seen if e["action"] == _CLOSE), None)
        if closed_at is None and case.get("state") == _CLOSED:
            c = case.get("closed_at")
            if c is None or c <= now:
                closed_at = c or now  # closed without a 关闭 entry (older ledgers)
        self.closed_at = closed_at
        channel = case.get("channel") or ""
        self.channel = channel
        self.major = case.get("severity") == _MAJOR
        self.onsite = channel in policy.onsite_channels
        self.callback = channel in _CALLBACK_CHANNELS
        self.oem = channel == _OEM

    def first(self, actions: str | frozenset[str], after: datetime | None = None
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


_facts = _Facts


def _judge(f: _Facts, rule: str, limit: str, start: datetime | None, due: datetime | None,
           met_at: datetime | None) -> Deadline:
    if start is None or due is None:
        status = DeadlineStatus.NOT_APPLICABLE if f.closed_at else DeadlineStatus.WAITING
    elif met_at is not None:
        status = DeadlineStatus.MET if met_at <= due else DeadlineStatus.MET_LATE
    elif f.closed_at is not None:
        status = DeadlineStatus.OVERDUE if f.closed_at > due else DeadlineStatus.NOT_APPLICABLE
    elif f.now > due:
        status = DeadlineStatus.OVERDUE
    elif due - f.now < (due - start) * f.policy.at_risk_fraction:
        status = DeadlineStatus.AT_RISK
    else:
        status = DeadlineStatus.PENDING
    return Deadline(rule, WHAT[rule], start, due, met_at, status, limit)


@lru_cache(maxsize=256)
def _na(rule: str, limit: str = "") -> Deadline:
    # Immutable, so shared: the to-do list judges thousands of cases, most rules not applying.
    return Deadline(rule, WHAT[rule], None, None, None, DeadlineStatus.NOT_APPLICABLE, limit)


def _hours(n: int) -> str:
    return f"{n}小时"


# --- the rules ------------------------------------------------------------------------------

def _d1(f: _Facts) -> Deadline:
    limit = _hours(f.policy.d1_hours)
    if f.received is None or f.major or f.oem:
        return _na("D1", limit)
    due = f.received + timedelta(hours=f.policy.d1_hours)
    return _judge(f, "D1", limit, f.received, due, f.first(_CONTACT))


def _d2(f: _Facts) -> Deadline:
    media = bool(f.case.get("media"))
    hours = f.policy.d2_media_hours if media else f.policy.d2_hours
    limit = _hours(hours) + ("(涉及媒体)" if media else "")
    if f.received is None or not (f.major or f.case.get("needs_oem")):
        return _na("D2", limit)
    due = f.received + timedelta(hours=hours)
    return _judge(f, "D2", limit, f.received, due, f.first(_REPORT_OEM))


def _d3(f: _Facts) -> Deadline:
    limit = f"{f.policy.d3_minutes}分钟"
    if f.received is None or not f.onsite:
        return _na("D3", limit)
    due = f.received + timedelta(minutes=f.policy.d3_minutes)
    escalated = f.first(_ESCALATE)
    if escalated is None:
        handled = f.first(HANDLING)
        if handled is not None and handled <= due:
            return _na("D3", limit)  # settled on the spot: nothing to escalate
    return _judge(f, "D3", limit, f.received, due, escalated)


def d4_due(received: datetime, policy: Policy, tz: tzinfo) -> datetime:
    """End of the cutoff minute of the local day the case was received (next day's if later)."""
    h, m = policy.d4_cutoff_hm()
    local = received.astimezone(tz)
    due = local.replace(hour=h, minute=m, second=59, microsecond=0)
    if due < local:
        due = (local + timedelta(days=1)).replace(hour=h, minute=m, second=59, microsecond=0)
    return due


def _d4(f: _Facts) -> Deadline:
    limit = f"当天{f.policy.d4_cutoff}前"
    if f.received is None or not f.onsite:
        return _na("D4", limit)
    due = d4_due(f.received, f.policy, f.tz).astimezone(UTC)
    return _judge(f, "D4", limit, f.received, due, f.first(HANDLING))


def _d5(f: _Facts) -> Deadline:
    limit = _hours(f.policy.d5_hours)
    if f.received is None or not f.callback:
        return _na("D5", limit)
    due = f.received + timedelta(hours=f.policy.d5_hours)
    return _judge(f, "D5", limit, f.received, due, f.first(_DISPATCH))


def _from_dispatch(f: _Facts, rule: str, hours: int, met: Callable[[datetime], datetime | None]
                   ) -> Deadline:
    start = f.first(_DISPATCH)
    due = None if start is None else start + timedelta(hours=hours)
    return _judge(f, rule, _hours(hours), start, due, None if start is None else met(start))


def _d6(f: _Facts) -> Deadline:
    if f.received is None or not f.callback:
        return _na("D6", _hours(f.policy.d6_hours))

    def met(start: datetime) -> datetime | None:
        named = f.first(_NAME)
        contacted = f.first(_CONTACT, after=start)
        return None if named is None or contacted is None else max(named, contacted)

    return _from_dispatch(f, "D6", f.policy.d6_hours, met)


def _d7(f: _Facts) -> Deadline:
    if f.received is None or not f.callback or f.major:
        return _na("D7", _hours(f.policy.d7_hours))
    return _from_dispatch(f, "D7", f.policy.d7_hours, lambda s: f.first(HANDLING, after=s))


def _d8(f: _Facts) -> Deadline:
    if f.received is None or not f.callback or not f.major:
        return _na("D8", _hours(f.policy.d8_hours))
    return _from_dispatch(f, "D8", f.policy.d8_hours, lambda s: f.first(HANDLING, after=s))


def _d9(f: _Facts) -> Deadline:
    limit = f"{f.policy.d9_minutes}分钟"
    if f.received is None or not f.oem:
        return _na("D9", limit)
    due = f.received + timedelta(minutes=f.policy.d9_minutes)
    return _judge(f, "D9", limit, f.received, due, f.first(_CONTACT))


def reopen_start(case: Mapping[str, Any], entries: Sequence[Mapping[str, Any]]
                 ) -> datetime | None:
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
    limit = f"{f.policy.d10_days}天"
    start = None if f.received is None else reopen_start(f.case, f.entries)
    if start is None:
        return _na("D10", limit)
    due = start + timedelta(days=f.policy.d10_days)
    return _judge(f, "D10", limit, start, due, f.first(HANDLING, after=start))


def _d11(f: _Facts) -> Deadline:
    if f.onsite:
        hours, limit = f.policy.d11_onsite_hours, _hours(f.policy.d11_onsite_hours)
    else:
        hours, limit = f.policy.d11_other_days * 24, f"{f.policy.d11_other_days}天"
    if f.received is None:
        return _na("D11", limit)
    start = f.first(HANDLING)
    due = None if start is None else start + timedelta(hours=hours)
    met = None if start is None else f.first(CALLBACKS, after=start)
    return _judge(f, "D11", limit, start, due, met)


_OPEN = frozenset({DeadlineStatus.PENDING, DeadlineStatus.AT_RISK, DeadlineStatus.OVERDUE})

RULES: dict[str, Callable[[_Facts], Deadline]] = {
    "D1": _d1, "D2": _d2, "D3": _d3, "D4": _d4, "D5": _d5, "D6": _d6, "D7": _d7, "D8": _d8,
    "D9": _d9, "D10": _d10, "D11": _d11,
}


def deadline(rule: str, case: Mapping[str, Any], entries: Sequence[Mapping[str, Any]],
             policy: Policy, now: datetime, tz: tzinfo = CST) -> Deadline:
    """One rule (``"D1"``…``"D11"``) of one case as of ``now``."""
    return RULES[rule](_facts(case, entries, policy, now, tz))


def all_deadlines(case: Mapping[str, Any], entries: Sequence[Mapping[str, Any]],
                  policy: Policy, now: datetime, tz: tzinfo = CST) -> list[Deadline]:
    """Every rule D1–D11 of a case, in rule order (the not-applicable ones included)."""
    f = _facts(case, entries, policy, now, tz)
    return [fn(f) for fn in RULES.values()]


def _relevant(f: _Facts) -> tuple[Callable[[_Facts], Deadline], ...]:
    """The rules that can apply to the case's channel (the others are 不适用 by channel)."""
    rules: list[Callable[[_Facts], Deadline]] = [_d1, _d2]
    if f.onsite:
        rules += [_d3, _d4]
    if f.callback:
        rules += [_d5, _d6, _d8 if f.major else _d7]
    if f.oem:
        rules.append(_d9)
    rules += [_d10, _d11]
    return tuple(rules)


def open_deadlines_of(case: Mapping[str, Any], entries: Sequence[Mapping[str, Any]],
                      policy: Policy, now: datetime, tz: tzinfo = CST) -> list[Deadline]:
    """Only the deadlines still to be met (有余量/将到期/已逾期): the to-do list's fast path."""
    f = _facts(case, entries, policy, now, tz)
    if f.closed_at is not None or f.received is None:
        return []
    out = []
    for fn in _relevant(f):
        d = fn(f)
        if d.status in _OPEN:
            out.append(d)
    return out


def applicable_deadlines(case: Mapping[str, Any], entries: Sequence[Mapping[str, Any]],
                         policy: Policy, now: datetime, tz: tzinfo = CST) -> list[Deadline]:
    return [d for d in all_deadlines(case, entries, policy, now, tz)
            if d.status is not DeadlineStatus.NOT_APPLICABLE]


# --- escalation hints -----------------------------------------------------------------------

_LAWSUIT = ("起诉", "诉讼", "律师", "法院", "仲裁")
_HEADCOUNT_RE = re.compile(r"(\d+)\s*(?:位|名|个|户)?\s*(?:客户|车主|顾客|用户|人)")


def escalation_hints(case: Mapping[str, Any], entries: Sequence[Mapping[str, Any]],
                     policy: Policy, now: datetime,
                     related: Sequence[Mapping[str, Any]] = ()) -> list[str]:
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
        hints.append(f"涉及 {max(counts)} 位客户(≥{policy.hint_collective_customers}):"
                     "建议升级为重大投诉")
    elif case.get("collective"):
        hints.append(f"群体投诉:涉及 {policy.hint_collective_customers} 位以上客户时"
                     "应升级为重大投诉")
    received = case.get("received_at")
    if received is not None:
        window = timedelta(days=policy.hint_repeat_days)
        for other in related:
            if other.get("id") is not None and other.get("id") == case.get("id"):
                continue
            at = other.get("received_at")
            if at is None or abs(received - at) > window:
                continue
            same = [label for key, label in (("vin", "车辆"), ("phone", "客户"))
                    if case.get(key) and case.get(key) == other.get(key)]
            if same:
                hints.append(f"同一{'/'.join(same)}在 {policy.hint_repeat_days} 天内再次投诉"
                             f"({other.get('number') or ''}):建议升级为重大投诉")
                break
        closed = any(e["action"] == Action.CLOSE.value for e in entries) or \
            case.get("state") == State.CLOSED.value
        if not closed and now - received > timedelta(days=policy.hint_open_days):
            hints.append(f"已超过 {policy.hint_open_days} 天未关闭:建议升级为重大投诉")
    return hints
