"""What the deadline rules ask about one case as of ``now``, worked out once per case: its
entries up to now in time order, the first time of each action among them, and its channel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from complaints.rules.deadline_limits import DeadlineLimits, limits_of
from complaints.rules.pauses import Hold, holds_of
from complaints.rules.policy import Policy
from complaints.rules.workflow import CALLBACKS, HANDLING
from complaints.types import Action, Channel, Severity, State

# Plain strings for the hot paths (an Enum's .value costs a descriptor call each time).
_CONTACT = Action.CONTACT.value
_CLOSE = Action.CLOSE.value
_PAUSE = Action.PAUSE.value
_REOPEN = Action.REOPEN.value
_HANDLED = Action.HANDLED.value
_RETURN = Action.RETURN_TO_CS.value
_CALLBACK = Action.CALLBACK.value
_SECOND_CALLBACK = Action.SECOND_CALLBACK.value
_MAJOR = Severity.MAJOR.value
_CLOSED = State.CLOSED.value
_OEM = Channel.OEM.value
_CALLBACK_CHANNELS = frozenset({Channel.SALES_CALLBACK.value, Channel.SERVICE_CALLBACK.value})


class CaseFacts:
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
        "holds",
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
        if now.tzinfo is not UTC:
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
        self.holds: list[Hold] = holds_of(seen) if _PAUSE in first else []
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
        if closed_at is not None and _REOPEN in first:
            closed_at = _last_closing(seen)  # a follow-up visit may reopen a closed case
        if closed_at is None and case.get("state") == _CLOSED:
            c = case.get("closed_at")
            if c is None or c <= now:
                closed_at = c or now  # closed without a 关闭 entry (older ledgers)
        self.closed_at = closed_at
        channel = case.get("channel") or ""
        self.channel = channel
        self.major = case.get("severity") == _MAJOR
        lim = limits_of(policy)
        self.lim: DeadlineLimits = lim
        self.onsite = channel in lim.onsite
        self.callback = channel in _CALLBACK_CHANNELS
        self.oem = channel == _OEM

    def first(
        self, actions: str | frozenset[str], after: datetime | None = None
    ) -> datetime | None:
        at: datetime
        if isinstance(actions, str):
            for e in self.entries:
                if e["action"] == actions and (after is None or e["at"] >= after):
                    at = e["at"]
                    return at
            return None
        for e in self.entries:
            if e["action"] in actions and (after is None or e["at"] >= after):
                at = e["at"]
                return at
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


def _at(e: Mapping[str, Any]) -> datetime:
    at: datetime = e["at"]
    return at


def _last_closing(entries: Sequence[Mapping[str, Any]]) -> datetime | None:
    """The latest 关闭 when no 重开 came after it (entries in time order), else None."""
    for e in reversed(entries):
        a = e["action"]
        if a == _CLOSE:
            at: datetime = e["at"]
            return at
        if a == _REOPEN:
            return None
    return None
