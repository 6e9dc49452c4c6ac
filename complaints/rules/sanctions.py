"""Sanction proposals S1–S11 of policy.md §5, derived from a case, never decided here.

``proposals(case, entries, deadlines, policy, org)`` returns what the rules propose for one
case *now*; the use case (complaints.usecases.sanctions) compares it with what is stored:
a new proposal is saved as 待审批, a pending one whose condition went away is withdrawn, and a
decided one (approved or rejected) is never proposed again. One proposal per (rule, person)
of a case: that pair is the proposal's key.

How the events without a case field are recorded (S9, S10, S11): a 备注 (note) entry whose
``event`` field names it (the ledger's 跟踪记录 column 事件, so HQ's copy proposes the same;
older data wrote ``【事件:锦旗】`` at the head of 说明, which ``entry_events`` still reads).
Events: 处理单遗失 (S9), 客户表扬 (S10), 锦旗 (S11).

S5 (无责) proposes nothing: "nobody is fined" is the liability decision itself (the case's
责任认定 = 无责, the department told to settle), never a ¥0 fine, a notice or a queue row.

Who is who: the first responsible person is the case's 第一责任人 (else its 销售/服务顾问);
the handler (经办人, S7/S10/S11) is the first responsible person, else whoever recorded the
last 处理完成; a department's manager comes from ``Org.managers`` (the use case fills it from
the staff list), else the department's manager title.

Pure: plain values in, plain values out; the policy gives every amount.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from complaints.rules.deadlines import Deadline, DeadlineStatus
from complaints.rules.policy import Policy
from complaints.rules.workflow import entry_params, is_unhappy
from complaints.types import Action, Business, Kind, Liability, SanctionType, Severity

FINE = SanctionType.FINE.value
REWARD = SanctionType.REWARD.value

EVENT_TAG = "事件"
EVENT_SHEET_LOST = "处理单遗失"
EVENT_PRAISE = "客户表扬"
EVENT_BANNER = "锦旗"
EVENTS = (EVENT_SHEET_LOST, EVENT_PRAISE, EVENT_BANNER)
_EVENT_RE = re.compile(r"【" + EVENT_TAG + r":([^】]*)】")

RULE_TITLES: dict[str, str] = {
    "S1": "有责抱怨/投诉",
    "S2": "服务态度有责",
    "S3": "有责投诉(部门经理)",
    "S5": "无责",
    "S6": "二次回访仍不满意",
    "S7": "二次回访称无人联系",
    "S8": "处理单未按时回传",
    "S9": "处理单遗失",
    "S10": "客户主动表扬",
    "S11": "客户赠送锦旗",
}
RULES = tuple(RULE_TITLES)

# Departments whose head answers for a lost sheet (S9), by business line.
S9_DEPARTMENTS = {Business.SALES.value: "销售部", Business.SERVICE.value: "售后服务部"}


@dataclass(frozen=True)
class Org:
    """Who manages which department; the use case builds it from the departments and staff."""

    managers: Mapping[str, str] = field(default_factory=dict)  # department → manager's name
    titles: Mapping[str, str] = field(default_factory=dict)  # department → manager's title

    def manager(self, department: str | None) -> str:
        if not department:
            return ""
        return self.managers.get(department) or self.titles.get(department) or f"{department}负责人"


@dataclass(frozen=True)
class Proposal:
    rule: str
    type: str  # 罚款 / 奖励
    person: str  # "" for S5 (nobody is fined)
    department: str
    amount: int  # the proposed amount (the default within the range)
    amount_min: int | None  # the range the GM may pick from; None: any amount
    amount_max: int | None
    reason: str
    on: date | None = None  # the day the condition arose (None: today)

    @property
    def key(self) -> tuple[str, str]:
        return (self.rule, self.person)


def event_note(event: str, text: str = "") -> str:
    """The 说明 of a 备注 entry that records an S9/S10/S11 event."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}")
    return f"【{EVENT_TAG}:{event}】{(text or '').strip()}"


def entry_events(entry: Mapping[str, Any]) -> set[str]:
    """The events a 备注 entry records (its event field; tags in an older 说明)."""
    if entry.get("action") != Action.NOTE.value:
        return set()
    found = {m.group(1).strip() for m in _EVENT_RE.finditer(entry.get("note") or "")}
    params = entry.get("params")
    for v in (entry.get("event"), params.get("event") if params else None):
        if v:
            found.add(str(v).strip())
    return found & set(EVENTS)


def in_range(amount: int, lo: int | None, hi: int | None) -> bool:
    """Whether the GM may approve ``amount`` for a proposal with this range."""
    if lo is None and hi is None:
        return amount > 0
    return (lo is None or amount >= lo) and (hi is None or amount <= hi)


def _local_date(at: datetime | None, tz: tzinfo | None) -> date | None:
    if at is None:
        return None
    return at.astimezone(tz).date() if tz is not None else at.date()


def _live(entries: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted((e for e in entries if not e.get("deleted")), key=lambda e: e["at"])


def first_responsible(case: Mapping[str, Any]) -> str:
    return (case.get("responsible") or case.get("advisor") or "").strip()


def handler(case: Mapping[str, Any], entries: Sequence[Mapping[str, Any]]) -> str:
    person = (case.get("responsible") or "").strip()
    if person:
        return person
    for e in reversed(_live(entries)):
        if e["action"] == Action.HANDLED.value and (e.get("actor") or "").strip():
            actor: str = e["actor"]
            return actor.strip()
    return (case.get("advisor") or "").strip()


def proposals(
    case: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    deadlines: Sequence[Deadline],
    policy: Policy,
    org: Org = Org(),
    tz: tzinfo | None = None,
) -> list[Proposal]:
    """Every sanction S1–S11 proposes for this case as it stands (deleted case: none)."""
    if case.get("deleted"):
        return []
    number = case.get("number") or ""
    dept = case.get("department") or ""
    entries = _live(entries)
    out: list[Proposal] = []
    liability = case.get("liability")
    person = first_responsible(case)
    manager = org.manager(dept)
    grumble = case.get("kind") == Kind.GRUMBLE.value
    major = case.get("severity") == Severity.MAJOR.value

    if liability == Liability.LIABLE.value:
        if person:  # S1: the first responsible person
            amount = policy.s1_grumble if grumble else policy.s1_complaint
            out.append(
                Proposal(
                    "S1",
                    FINE,
                    person,
                    dept,
                    amount,
                    amount,
                    amount,
                    f"{number} 有责{'抱怨' if grumble else '投诉'},第一责任人罚款",
                )
            )
        if case.get("attitude"):  # S2: staff attitude; the manager is jointly liable
            if person:
                a = policy.s2_person
                out.append(
                    Proposal(
                        "S2", FINE, person, dept, a, a, a, f"{number} 服务态度问题有责,责任人罚款"
                    )
                )
            if manager and manager != person:
                out.append(
                    Proposal(
                        "S2",
                        FINE,
                        manager,
                        dept,
                        policy.s2_manager_default,
                        None,
                        None,
                        f"{number} 服务态度问题有责,部门经理连带责任(金额由总经理决定)",
                    )
                )
        if not grumble and manager:  # S3: liable complaint, by severity
            amount = policy.s3_major if major else policy.s3_general
            out.append(
                Proposal(
                    "S3",
                    FINE,
                    manager,
                    dept,
                    amount,
                    amount,
                    amount,
                    f"{number} 有责{'重大' if major else '一般'}投诉,部门经理罚款",
                )
            )
    # S5 (无责): the decision is the case's liability; nothing to propose (module doc).

    # S6 / S7: the second callback.
    for e in entries:
        if e["action"] != Action.SECOND_CALLBACK.value:
            continue
        params = entry_params(e)
        on = _local_date(e["at"], tz)
        sat = params.get("satisfaction") or case.get("satisfaction2")
        if is_unhappy(sat):
            lo, hi, default = policy.s6_min, policy.s6_max, policy.s6_default
            for who, role in ((person, "责任人"), (manager, "部门经理连带责任")):
                if who and not any(p.key == ("S6", who) for p in out):
                    out.append(
                        Proposal(
                            "S6",
                            FINE,
                            who,
                            dept,
                            default,
                            lo,
                            hi,
                            f"{number} 二次回访客户仍{sat},{role}",
                            on,
                        )
                    )
        if params.get("not_contacted"):
            who = handler(case, entries)
            if who and not any(p.key == ("S7", who) for p in out):
                out.append(
                    Proposal(
                        "S7",
                        FINE,
                        who,
                        dept,
                        policy.s7,
                        policy.s7,
                        policy.s7,
                        f"{number} 二次回访客户称无人联系,经办人罚款(客服直接报总经理)",
                        on,
                    )
                )

    # S8: the handling sheet came back late (D4 on-site, D7 callback general).
    for d in deadlines:
        if (
            d.rule in ("D4", "D7")
            and d.status in (DeadlineStatus.OVERDUE, DeadlineStatus.MET_LATE)
            and manager
            and not any(p.rule == "S8" for p in out)
        ):
            out.append(
                Proposal(
                    "S8",
                    FINE,
                    manager,
                    dept,
                    policy.s8,
                    policy.s8,
                    policy.s8,
                    f"{number} 处理单未在时限内回传客服部({d.rule} {d.limit})",
                    _local_date(d.due, tz),
                )
            )

    # S9–S11: events recorded as tagged notes.
    seen: set[str] = set()
    for e in entries:
        for ev in entry_events(e) - seen:
            seen.add(ev)
            on = _local_date(e["at"], tz)
            if ev == EVENT_SHEET_LOST:
                head_dept = S9_DEPARTMENTS.get(case.get("business") or "", "售后服务部")
                who = org.manager(head_dept)
                out.append(
                    Proposal(
                        "S9",
                        FINE,
                        who,
                        head_dept,
                        policy.s9,
                        policy.s9,
                        policy.s9,
                        f"{number} 处理单遗失",
                        on,
                    )
                )
            else:
                who = handler(case, entries)
                if not who:
                    continue
                rule, amount, what = (
                    ("S10", policy.s10, "处理得当,客户主动表扬")
                    if ev == EVENT_PRAISE
                    else ("S11", policy.s11, "客户赠送锦旗")
                )
                out.append(
                    Proposal(
                        rule,
                        REWARD,
                        who,
                        dept,
                        amount,
                        amount,
                        amount,
                        f"{number} {what},经办人奖励",
                        on,
                    )
                )
    return out
