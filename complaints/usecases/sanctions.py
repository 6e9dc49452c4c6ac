"""Fines and rewards (奖惩): the register, the GM's decisions, the events that earn them.

- The rules' proposals are kept in step with every write to a case by
  complaints.usecases.proposals; here they are listed, summed and decided.
- "Withdrawn" is a tombstone (``deleted``) of a still-pending record: the ledger has no
  withdrawn state, and a deletion travels. ``state_of`` names it 已撤回.
- Nothing becomes a sanction without ``approve`` (permission sanction.approve: the GM);
  ``add_manual`` adds one no rule proposes, still pending.
Every change counts the revision at the owner and is audited in the same transaction.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from complaints.rules import sanctions as rules
from complaints.rules.sanctions import FINE, REWARD, in_range
from complaints.types import ApprovalStatus
from complaints.usecases import audit, auth, tracking
from complaints.usecases.context import Context
from complaints.usecases.errors import NotFound, StaleRecord, UseCaseError
from db import case_rows, sanction_rows
from db.models import Sanction, database
from db.retry import retried

PENDING = ApprovalStatus.PENDING.value
APPROVED = ApprovalStatus.APPROVED.value
REJECTED = ApprovalStatus.REJECTED.value
WITHDRAWN = "已撤回"
STATES = (PENDING, APPROVED, REJECTED, WITHDRAWN)
TYPES = (FINE, REWARD)
MANUAL = "手工"  # how a sanction without a rule is shown


# --- reading --------------------------------------------------------------------------------


def state_of(s: Sanction | Mapping[str, Any]) -> str:
    """待审批 / 已批准 / 已驳回, or 已撤回 for a withdrawn (deleted) record."""
    deleted = s["deleted"] if isinstance(s, Mapping) else s.deleted
    status = s["status"] if isinstance(s, Mapping) else s.status
    return WITHDRAWN if deleted else status


def _to_dict(s: Sanction, number: str | None = None) -> dict[str, Any]:
    return {**sanction_rows.to_dict(s, number), "state": state_of(s)}


def get_sanction(key: str | int) -> dict[str, Any]:
    """One sanction by uid (or its first 8 characters, as printed) or numeric id."""
    row = _find(key)
    return _to_dict(row, sanction_rows.case_number(row))


def _find(key: str | int) -> Sanction:
    """The sanction with this numeric id or 记录ID (the ledger's UUID, or its first 8 or more
    characters as printed on a notice). A printed prefix may be all digits (2 % of them):
    it is tried as a prefix when no sanction has that numeric id."""
    k = str(key).strip().lower()
    row = sanction_rows.get(int(k)) if k.isdigit() else None
    if row is None and not isinstance(key, int):
        row = sanction_rows.by_uid(k)
        if row is None and len(k) >= 8:
            rows = sanction_rows.by_uid_prefix(k, limit=2)
            if len(rows) > 1:
                raise UseCaseError(f"记录ID “{key}” 对应多条奖惩记录,请输入完整的记录ID")
            row = rows[0] if rows else None
    if row is None:
        raise NotFound(f"找不到记录ID为 {key} 的奖惩记录")
    return row


def find_id(key: str | int) -> int:
    """The numeric id of the sanction ``key`` names (see ``_find``)."""
    return int(_find(key).get_id())


def month_range(month: str) -> tuple[date, date]:
    """'2026-11' → (first day, first day of the next month)."""
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", month or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise UseCaseError(f"月份格式应为 2026-11,而不是“{month}”")
    y, mo = int(m.group(1)), int(m.group(2))
    return date(y, mo, 1), date(y + (mo == 12), mo % 12 + 1, 1)


@dataclass(frozen=True)
class SanctionFilter:
    month: str | None = None  # YYYY-MM, by the sanction's date
    department: str | None = None
    person: str | None = None
    type: str | None = None  # 罚款 / 奖励
    state: str | None = None  # 待审批 / 已批准 / 已驳回 / 已撤回; None: all but 已撤回
    case_id: int | None = None
    site: str | None = None
    rule: str | None = None  # "S1"…, or 手工


def list_sanctions(f: SanctionFilter = SanctionFilter(), limit: int = 5000) -> list[dict[str, Any]]:
    """Sanctions matching ``f``, newest date first; each with its case's number."""
    start, end = month_range(f.month) if f.month else (None, None)
    rows = sanction_rows.listing(
        withdrawn=f.state == WITHDRAWN,
        status=f.state,
        start=start,
        end=end,
        department=f.department,
        person_contains=f.person.strip() if f.person else None,
        type=f.type,
        case_id=f.case_id,
        site=f.site,
        rule=f.rule,
        manual=f.rule == MANUAL,
        limit=limit,
    )
    return [{**r, "state": state_of(r)} for r in rows]


def pending_count() -> int:
    """Proposals waiting for the GM (the page's badge)."""
    return sanction_rows.count_live(PENDING)


@dataclass(frozen=True)
class Total:
    name: str
    department: str
    fines: int = 0
    rewards: int = 0
    count: int = 0


@dataclass(frozen=True)
class MonthTotals:
    month: str
    by_department: tuple[Total, ...]
    by_person: tuple[Total, ...]
    fines: int
    rewards: int
    pending: int  # proposals of the month still waiting for a decision


def month_totals(month: str, site: str | None = None) -> MonthTotals:
    """Approved fines and rewards of ``month`` summed by department and by person."""
    start, end = month_range(month)
    depts: dict[str, list[int]] = {}
    people: dict[tuple[str, str], list[int]] = {}
    pending = 0
    for s in sanction_rows.live_dated(start, end, site):
        if s.status == PENDING:
            pending += 1
        if s.status != APPROVED or not s.amount:
            continue
        i = 0 if s.type == FINE else 1
        for v in (
            depts.setdefault(s.department or "", [0, 0, 0]),
            people.setdefault((s.person or "", s.department or ""), [0, 0, 0]),
        ):
            v[i] += s.amount
            v[2] += 1
    by_dept = tuple(
        sorted(
            (Total(k, k, *v) for k, v in depts.items()),
            key=lambda t: (-t.fines - t.rewards, t.name),
        )
    )
    by_person = tuple(
        sorted(
            (Total(k[0], k[1], *v) for k, v in people.items()),
            key=lambda t: (-t.fines - t.rewards, t.name),
        )
    )
    return MonthTotals(
        month.strip(),
        by_dept,
        by_person,
        sum(t.fines for t in by_dept),
        sum(t.rewards for t in by_dept),
        pending,
    )


# --- events and decisions -----------------------------------------------------------------


def record_event(
    ctx: Context, case_id: int, event: str, note: str = "", **kw: Any
) -> dict[str, Any]:
    """Record a sheet lost (S9), a customer's praise (S10) or a silk banner (S11) as a 备注
    entry with that event, then propose. ``kw`` goes to tracking.record_action (at, reason)."""
    if event not in rules.EVENTS:
        raise UseCaseError(f"未知的事件“{event}”,应为:{'、'.join(rules.EVENTS)}")
    # record_action proposes (S9–S11) as every tracking write does
    return tracking.record_action(ctx, case_id, "备注", note=note, event=event, **kw)


def _pending(ctx: Context, key: str | int) -> Sanction:
    """The proposal to decide, held until the decision commits: a second manager deciding it
    at another seat meanwhile waits, then is told who decided it and when."""
    found = _find(key)
    s = sanction_rows.get_for_write(int(found.get_id())) or found
    if s.deleted:
        raise UseCaseError("该奖惩建议已撤回(条件已不成立),无需审批")
    if s.status != PENDING:
        done = s.status.removeprefix("已")
        if s.decided_by and s.decided_at:
            when = ctx.local(s.decided_at).strftime("%Y-%m-%d %H:%M")
            raise StaleRecord(f"该奖惩已由 {s.decided_by} 于 {when} {done},不能再次审批")
        raise UseCaseError(f"该奖惩已{done},不能再次审批")
    return s


def _label(s: Sanction) -> str:
    return f"{s.rule or MANUAL} {s.person or s.department} {s.type} {s.amount} 元"


def range_text(lo: int | None, hi: int | None) -> str:
    if lo is None and hi is None:
        return "由总经理决定"
    if lo == hi:
        return f"{lo} 元"
    return f"{lo}–{hi} 元"


@retried  # one transaction: run again if the office server undid it
def approve(
    ctx: Context, key: str | int, amount: int | None = None, note: str = ""
) -> dict[str, Any]:
    """The GM approves a proposal, at ``amount`` (within the rule's range) or as proposed."""
    with database.atomic():
        s = _pending(ctx, key)
        auth.require(ctx, "sanction.approve", department=s.department or None)
        new_amount = s.amount if amount is None else int(amount)
        if not in_range(new_amount, s.amount_min, s.amount_max):
            raise UseCaseError(
                f"金额 {new_amount} 元超出 {s.rule or MANUAL} 规定的范围"
                f"({range_text(s.amount_min, s.amount_max)})"
            )
        changes: dict[str, tuple[Any, Any]] = {"status": (s.status, APPROVED)}
        if new_amount != s.amount:
            changes["amount"] = (s.amount, new_amount)
        s.status, s.amount = APPROVED, new_amount
        s.decided_by, s.decided_at = ctx.actor, ctx.now()
        s.decision_note = (note or "").strip() or None
        sanction_rows.touch(s, ctx.now(), ctx.site)
        s.save()
        audit.record(
            ctx,
            "sanction.approve",
            table="sanctions",
            uid=s.uid,
            changes=changes,
            note=_label(s) + (f";{s.decision_note}" if s.decision_note else ""),
        )
    return get_sanction(s.get_id())


@retried  # one transaction: run again if the office server undid it
def reject(ctx: Context, key: str | int, reason: str) -> dict[str, Any]:
    """The GM rejects a proposal; the reason is required and kept."""
    reason = (reason or "").strip()
    if not reason:
        raise UseCaseError("驳回须写明原因")
    with database.atomic():
        s = _pending(ctx, key)
        auth.require(ctx, "sanction.approve", department=s.department or None)
        s.status = REJECTED
        s.decided_by, s.decided_at, s.decision_note = ctx.actor, ctx.now(), reason
        sanction_rows.touch(s, ctx.now(), ctx.site)
        s.save()
        audit.record(
            ctx,
            "sanction.reject",
            table="sanctions",
            uid=s.uid,
            changes={"status": (PENDING, REJECTED)},
            note=f"{_label(s)};{reason}",
        )
    return get_sanction(s.get_id())


@retried  # one transaction: run again if the office server undid it
def add_manual(
    ctx: Context,
    *,
    type: str,
    person: str,
    department: str,
    amount: int,
    reason: str,
    case_id: int | None = None,
    on: date | None = None,
) -> dict[str, Any]:
    """A fine or reward no rule proposes (still 待审批: the GM approves it like the others)."""
    problems = []
    if type not in TYPES:
        problems.append(f"类型应为 罚款 或 奖励,而不是“{type}”")
    person, department, reason = (
        (person or "").strip(),
        (department or "").strip(),
        (reason or "").strip(),
    )
    if not person:
        problems.append("须填写姓名")
    if not reason:
        problems.append("须写明奖惩原因")
    if not isinstance(amount, int) or amount <= 0:
        problems.append("金额须为大于 0 的整数(元)")
    if len(person) > 40 or len(department) > 40 or len(reason) > 2000:
        problems.append("姓名、部门不超过 40 字,原因不超过 2000 字")
    if problems:
        raise UseCaseError(";".join(problems))
    with database.atomic():
        number = None
        if case_id is not None:
            case = case_rows.get(case_id)
            if case is None or case.deleted:
                raise NotFound(f"找不到投诉单(id {case_id})")
            number = case.number
        auth.require(ctx, "sanction.propose", department=department or None)
        s = sanction_rows.insert(
            uid=str(uuid.uuid4()),
            site=ctx.site,
            revision=1,
            modified_at=ctx.now(),
            case=case_id,
            type=type,
            rule=None,
            department=department,
            person=person,
            amount=amount,
            amount_min=None,
            amount_max=None,
            reason=(f"{number} {reason}" if number and number not in reason else reason),
            date=on or ctx.local(ctx.now()).date(),
            status=PENDING,
        )
        audit.record(
            ctx,
            "sanction.manual",
            table="sanctions",
            uid=s.uid,
            changes={
                "type": (None, type),
                "person": (None, person),
                "department": (None, department),
                "amount": (None, amount),
            },
            note=s.reason,
        )
    return get_sanction(s.get_id())


def approvable(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The pending, not withdrawn rows of a listing (what the queue shows)."""
    return [r for r in rows if r["state"] == PENDING]
