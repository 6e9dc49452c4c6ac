"""Suggestions to raise a general case to 重大 (policy.md §4): a person decides."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from complaints.rules.policy import Policy
from complaints.types import Action, Severity, State

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
