"""Fines and rewards (奖惩): proposals kept in step with the rules, the GM's decisions, lists.

- ``sync_proposals`` runs after every write to a case or its entries: it asks the pure rules
  (complaints.rules.sanctions) what they propose now and brings the stored proposals in line.
  New → 待审批; a pending one whose condition went away → withdrawn; a withdrawn one whose
  condition came back → pending again (same record, so the same rule is never proposed twice
  for the same case and person); an approved or rejected one is never touched.
  Only the site that owns the case proposes: the sanctions travel to the others in the
  ledger's 奖惩记录 sheet.
- "Withdrawn" is a tombstone (``deleted``) of a still-pending record: the ledger has no
  withdrawn state, and a deletion travels. ``state_of`` names it 已撤回.
- Nothing becomes a sanction without ``approve`` (permission sanction.approve: the GM).
Every change counts the revision at the owner and is audited in the same transaction.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from peewee import JOIN

from complaints.rules import sanctions as rules
from complaints.rules.deadline_rules import all_deadlines
from complaints.rules.sanctions import FINE, REWARD, Org, Proposal, in_range
from complaints.types import ApprovalStatus, State
from complaints.usecases import audit, auth
from complaints.usecases import policy as policy_uc
from complaints.usecases.cases import case_to_dict
from complaints.usecases.context import Context
from complaints.usecases.errors import NotFound, UseCaseError
from db.models import Case, Department, Entry, Sanction, Staff, database
from db.timeutil import date_to_db, from_db, to_db

PENDING = ApprovalStatus.PENDING.value
APPROVED = ApprovalStatus.APPROVED.value
REJECTED = ApprovalStatus.REJECTED.value
WITHDRAWN = "已撤回"
STATES = (PENDING, APPROVED, REJECTED, WITHDRAWN)
TYPES = (FINE, REWARD)
MANUAL = "手工"  # how a sanction without a rule is shown

WITHDRAW_NOTE = "条件已不成立,建议自动撤回"


# --- reading --------------------------------------------------------------------------------


def state_of(s: Sanction | Mapping[str, Any]) -> str:
    """待审批 / 已批准 / 已驳回, or 已撤回 for a withdrawn (deleted) record."""
    deleted = s["deleted"] if isinstance(s, Mapping) else s.deleted
    status = s["status"] if isinstance(s, Mapping) else s.status
    return WITHDRAWN if deleted else status


def _to_dict(s: Sanction, number: str | None = None) -> dict[str, Any]:
    return {
        "id": s.id,
        "uid": s.uid,
        "site": s.site,
        "revision": s.revision,
        "modified_at": s.modified_at,
        "deleted": s.deleted,
        "case_id": s.case_id,
        "case_number": number,
        "type": s.type,
        "rule": s.rule,
        "department": s.department,
        "person": s.person,
        "amount": s.amount,
        "amount_min": s.amount_min,
        "amount_max": s.amount_max,
        "reason": s.reason,
        "date": s.date,
        "status": s.status,
        "state": state_of(s),
        "decided_by": s.decided_by,
        "decided_at": s.decided_at,
        "decision_note": s.decision_note,
    }


def get_sanction(key: str | int) -> dict[str, Any]:
    """One sanction by uid (or its first 8 characters, as printed) or numeric id."""
    row = _find(key)
    number = row.case.number if row.case_id else None
    return _to_dict(row, number)


def _find(key: str | int) -> Sanction:
    """The sanction with this numeric id or 记录ID (the ledger's UUID, or its first 8 or more
    characters as printed on a notice). A printed prefix may be all digits (2 % of them):
    it is tried as a prefix when no sanction has that numeric id."""
    k = str(key).strip().lower()
    row = Sanction.get_or_none(Sanction.id == int(k)) if k.isdigit() else None
    if row is None and not isinstance(key, int):
        row = Sanction.get_or_none(Sanction.uid == k)
        if row is None and len(k) >= 8:
            rows = list(Sanction.select().where(Sanction.uid.startswith(k)).limit(2))
            if len(rows) > 1:
                raise UseCaseError(f"记录ID “{key}” 对应多条奖惩记录,请输入完整的记录ID")
            row = rows[0] if rows else None
    if row is None:
        raise NotFound(f"找不到记录ID为 {key} 的奖惩记录")
    return row


def find_id(key: str | int) -> int:
    """The numeric id of the sanction ``key`` names (see ``_find``)."""
    return _find(key).id


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
    q = Sanction.select(Sanction, Case.number.alias("case_number")).join(
        Case, join_type=JOIN.LEFT_OUTER, on=(Sanction.case == Case.id)
    )
    if f.state == WITHDRAWN:
        # an S5 row of older data is a decision, not a withdrawn fine (schema 10)
        q = q.where(
            (Sanction.deleted == True)  # noqa: E712
            & (Sanction.rule.is_null() | (Sanction.rule != "S5"))
        )
    else:
        q = q.where(Sanction.deleted == False)  # noqa: E712
        if f.state:
            q = q.where(Sanction.status == f.state)
    if f.month:
        start, end = month_range(f.month)
        q = q.where((Sanction.date >= start) & (Sanction.date < end))
    if f.department:
        q = q.where(Sanction.department == f.department)
    if f.person:
        q = q.where(Sanction.person.contains(f.person.strip()))
    if f.type:
        q = q.where(Sanction.type == f.type)
    if f.case_id is not None:
        q = q.where(Sanction.case == f.case_id)
    if f.site:
        q = q.where(Sanction.site == f.site)
    if f.rule:
        q = q.where(Sanction.rule.is_null() if f.rule == MANUAL else Sanction.rule == f.rule)
    q = q.order_by(Sanction.date.desc(), Sanction.id.desc()).limit(limit)
    return [_to_dict(s, getattr(s, "case_number", None)) for s in q.objects()]


def pending_count() -> int:
    """Proposals waiting for the GM (the page's badge)."""
    return (
        Sanction.select()
        .where((Sanction.status == PENDING) & (Sanction.deleted == False))  # noqa: E712
        .count()
    )


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
    q = Sanction.select().where(
        (Sanction.deleted == False)  # noqa: E712
        & (Sanction.date >= start)
        & (Sanction.date < end)
    )
    if site:
        q = q.where(Sanction.site == site)
    depts: dict[str, list[int]] = {}
    people: dict[tuple[str, str], list[int]] = {}
    pending = 0
    for s in q:
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


# --- proposals ------------------------------------------------------------------------------


def load_org() -> Org:
    """Department managers by name (staff holding the department's manager title)."""
    titles = {d.name: d.manager_title for d in Department.select() if d.manager_title}
    managers: dict[str, str] = {}
    for s in (
        Staff.select(Staff, Department)
        .join(Department)
        .where(Staff.active == True)  # noqa: E712 (peewee builds SQL from ==)
        .order_by(Staff.id)
    ):
        d = s.department
        if d.manager_title and s.title == d.manager_title and d.name not in managers:
            managers[d.name] = s.name
    return Org(managers=managers, titles=titles)


@dataclass(frozen=True)
class SyncReport:
    created: tuple[str, ...] = ()  # uids
    revived: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    withdrawn: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.created or self.revived or self.updated or self.withdrawn)


_PROPOSAL_FIELDS = ("type", "department", "amount", "amount_min", "amount_max", "reason")


def case_proposals(case_id: int, ctx: Context, org: Org | None = None) -> list[Proposal]:
    """What the rules propose for a case now (nothing saved)."""
    case = Case.get_or_none(Case.id == case_id)
    if case is None:
        raise NotFound(f"找不到投诉单(id {case_id})")
    values = case_to_dict(case)
    entries = list(
        Entry.select(
            Entry.at,
            Entry.action,
            Entry.note,
            Entry.actor,
            Entry.satisfaction,
            Entry.not_contacted,
            Entry.event,
        )
        .where((Entry.case == case_id) & (Entry.deleted == False))  # noqa: E712
        .order_by(Entry.at, Entry.id)
        .dicts()
    )
    deadlines = all_deadlines(
        values, entries, policy_uc.in_force(values["received_at"]), ctx.now(), ctx.tz
    )
    return rules.proposals(
        values, entries, deadlines, policy_uc.load(), org if org is not None else load_org(), ctx.tz
    )


def _touch(ctx: Context, s: Sanction) -> None:
    s.modified_at = ctx.now()
    if s.site == ctx.site:
        s.revision += 1  # the owner counts revisions (ledger.md)


def sync_proposals(
    ctx: Context, case_id: int, *, org: Org | None = None, today: date | None = None
) -> SyncReport:
    """Bring the stored proposals of a case in line with the rules (see the module doc).
    Call after a case or one of its entries was written. ``today``: the date of a proposal
    whose condition has no date of its own (default: the office's today)."""
    with database.atomic():
        if not Case.select().where(Case.id == case_id).exists():
            raise NotFound(f"找不到投诉单(id {case_id})")
        return _sync(ctx, [case_id], org if org is not None else load_org(), today)


def sync_many(
    ctx: Context, case_ids: Iterable[int], *, progress: Callable[[int, int], None] | None = None
) -> SyncReport:
    """``sync_proposals`` over several cases (e.g. a sweep for deadlines missed since), read
    and written in batches (issue 23 §3): three queries and one write of each kind per
    batch, not a round of queries and model saves per case. A case no longer there is
    skipped."""
    ids = list(dict.fromkeys(case_ids))
    org = load_org()
    acc: dict[str, list[str]] = {"created": [], "revived": [], "updated": [], "withdrawn": []}
    for i in range(0, len(ids), _SYNC_BATCH):
        chunk = ids[i : i + _SYNC_BATCH]
        with database.atomic():
            r = _sync(ctx, chunk, org, None)
        for k in acc:
            acc[k].extend(getattr(r, k))
        if progress:
            progress(i + len(chunk), len(ids))
    return SyncReport(**{k: tuple(v) for k, v in acc.items()})


_SYNC_BATCH = 500  # cases per query and transaction (under SQLite's 999 parameters)
_SANCTION_INSERT = (
    "uid",
    "site",
    "revision",
    "modified_at",
    "deleted",
    "case_id",
    "type",
    "rule",
    "department",
    "person",
    "amount",
    "amount_min",
    "amount_max",
    "reason",
    "date",
    "status",
)
_SANCTION_UPDATE = (
    "type",
    "department",
    "amount",
    "amount_min",
    "amount_max",
    "reason",
    "deleted",
    "decision_note",
    "date",
    "modified_at",
    "revision",
)


def _sync(ctx: Context, case_ids: Sequence[int], org: Org, today: date | None) -> SyncReport:
    """The proposals of these cases brought in line with the rules, inside the caller's
    transaction: the cases, their entries and their stored proposals read with one query
    each, the changes written with one statement per kind and audited with one insert."""
    from db import bulk

    created: list[str] = []
    revived: list[str] = []
    updated: list[str] = []
    withdrawn: list[str] = []
    marks = ", ".join("?" * len(case_ids))
    cases = [
        case_to_dict(c) for c in Case.select().where(Case.id.in_(list(case_ids))).order_by(Case.id)
    ]
    cases = [c for c in cases if c["site"] == ctx.site]  # the owner proposes (ledger.md)
    if not cases:
        return SyncReport()
    from complaints.rules.workflow import ENTRY_COLUMNS, PARAM_OF_COLUMN, split_note

    entries: dict[int, list[dict[str, Any]]] = {c["id"]: [] for c in cases}
    value_columns = tuple(ENTRY_COLUMNS.values())
    # an entry as cases.list_entries gives it: 说明's free text, the structured values
    # (the event of a 备注, a callback's satisfaction…) as keys and as params
    for cid, at, action, note, actor, *values in database.execute_sql(
        f"SELECT case_id, at, action, note, actor, {', '.join(value_columns)} "
        f"FROM entries WHERE deleted = 0 AND case_id IN ({marks}) "
        "ORDER BY case_id, at, id",
        list(case_ids),
    ):
        if cid in entries:
            found, free = split_note(action, note, dict(zip(value_columns, values, strict=True)))
            entries[cid].append(
                {
                    "at": from_db(at),
                    "action": action,
                    "note": free,
                    "actor": actor,
                    **found,
                    "params": {
                        PARAM_OF_COLUMN[c]: v
                        for c, v in found.items()
                        if v not in (None, "", False)
                    },
                }
            )
    stored_by_case: dict[int, dict[tuple[str, str], Sanction]] = defaultdict(dict)
    for s in (
        Sanction.select()
        .where(Sanction.case.in_(list(case_ids)) & Sanction.rule.is_null(False))
        .order_by(Sanction.id)
    ):
        stored_by_case[s.case_id].setdefault((s.rule, s.person), s)
    book = policy_uc.book()
    current = book.current
    now = ctx.now()
    day = today or ctx.local(now).date()
    inserts: list[tuple[Any, ...]] = []
    changed: list[Sanction] = []
    notes: list[audit.AuditItem] = []
    for case in cases:
        case_id = case["id"]
        stored = stored_by_case.get(case_id, {})
        if case["deleted"]:
            wanted: list[Proposal] = []
        else:
            es = entries[case_id]
            deadlines = all_deadlines(case, es, book.at(case["received_at"]), now, ctx.tz)
            wanted = rules.proposals(case, es, deadlines, current, org, ctx.tz)
        for p in wanted:
            s = stored.get(p.key)
            values = {
                "type": p.type,
                "department": p.department,
                "amount": p.amount,
                "amount_min": p.amount_min,
                "amount_max": p.amount_max,
                "reason": p.reason,
            }
            if s is None:
                uid = str(uuid.uuid4())
                inserts.append(
                    (
                        uid,
                        ctx.site,
                        1,
                        to_db(now),
                        0,
                        case_id,
                        p.type,
                        p.rule,
                        p.department,
                        p.person,
                        p.amount,
                        p.amount_min,
                        p.amount_max,
                        p.reason,
                        date_to_db(p.on or day),
                        PENDING,
                    )
                )
                created.append(uid)
                notes.append(
                    (
                        "sanction.propose",
                        "sanctions",
                        uid,
                        {
                            k: (None, v)
                            for k, v in {"rule": p.rule, "person": p.person, **values}.items()
                        },
                        p.reason,
                    )
                )
                continue
            if s.status != PENDING:
                continue  # decided: never proposed again
            changes = {k: (getattr(s, k), v) for k, v in values.items() if getattr(s, k) != v}
            if s.deleted:
                changes["deleted"] = (True, False)
                s.deleted = False
                s.decision_note = None
                s.date = p.on or day
            if not changes:
                continue
            for k, (_old, new) in changes.items():
                setattr(s, k, new)
            _touch(ctx, s)
            changed.append(s)
            (revived if "deleted" in changes else updated).append(s.uid)
            notes.append(
                (
                    "sanction.repropose" if "deleted" in changes else "sanction.update",
                    "sanctions",
                    s.uid,
                    changes,
                    p.reason,
                )
            )
        keys = {p.key for p in wanted}
        for key, s in stored.items():
            if key in keys or s.status != PENDING or s.deleted:
                continue
            s.deleted = True
            s.decision_note = WITHDRAW_NOTE
            _touch(ctx, s)
            changed.append(s)
            withdrawn.append(s.uid)
            notes.append(
                (
                    "sanction.withdraw",
                    "sanctions",
                    s.uid,
                    {"deleted": (False, True)},
                    f"{s.reason}:{WITHDRAW_NOTE}",
                )
            )
    bulk.insert_rows("sanctions", _SANCTION_INSERT, inserts)
    bulk.update_rows(
        "sanctions",
        _SANCTION_UPDATE,
        [
            (
                s.type,
                s.department,
                s.amount,
                s.amount_min,
                s.amount_max,
                s.reason,
                int(s.deleted),
                s.decision_note,
                date_to_db(s.date),
                to_db(s.modified_at),
                s.revision,
                s.id,
            )
            for s in changed
        ],
    )
    audit.record_many(ctx, notes)
    return SyncReport(tuple(created), tuple(revived), tuple(updated), tuple(withdrawn))


def sweep(ctx: Context, *, days: int = 14) -> SyncReport:
    """Re-propose for this site's cases received in the last ``days`` days: a sheet that is
    overdue (S8) without any write to its case shows up without waiting for one. For a daily
    job (start-up) or a button; cheap for a few hundred cases."""
    since = ctx.now() - timedelta(days=days)
    ids = [
        c.id
        for c in Case.select(Case.id)
        .where(
            (Case.site == ctx.site)
            & (Case.deleted == False)  # noqa: E712
            & (Case.state != State.CLOSED.value)  # a closed case was synced when it closed
            & (Case.received_at >= since)
        )
        .order_by(Case.id)
    ]
    return sync_many(ctx, ids)


def daily_sweep(ctx: Context) -> SyncReport | None:
    """``sweep`` at most once per office day (the app calls it at start); None when it
    already ran today."""
    from complaints.usecases import settings

    today = ctx.local(ctx.now()).date().isoformat()
    if settings.get("sanctions.last_sweep") == today:
        return None
    report = sweep(ctx)
    settings.set_("sanctions.last_sweep", today)
    return report


def record_event(
    ctx: Context, case_id: int, event: str, note: str = "", **kw: Any
) -> dict[str, Any]:
    """Record a sheet lost (S9), a customer's praise (S10) or a silk banner (S11) as a 备注
    entry with that event, then propose. ``kw`` goes to tracking.record_action (at, reason)."""
    from complaints.usecases import tracking

    if event not in rules.EVENTS:
        raise UseCaseError(f"未知的事件“{event}”,应为:{'、'.join(rules.EVENTS)}")
    # record_action proposes (S9–S11) as every tracking write does
    return tracking.record_action(ctx, case_id, "备注", note=note, event=event, **kw)


# --- decisions ------------------------------------------------------------------------------


def _pending(key: str | int) -> Sanction:
    s = _find(key)
    if s.deleted:
        raise UseCaseError("该奖惩建议已撤回(条件已不成立),无需审批")
    if s.status != PENDING:
        raise UseCaseError(f"该奖惩已{s.status.removeprefix('已')},不能再次审批")
    return s


def _label(s: Sanction) -> str:
    return f"{s.rule or MANUAL} {s.person or s.department} {s.type} {s.amount} 元"


def range_text(lo: int | None, hi: int | None) -> str:
    if lo is None and hi is None:
        return "由总经理决定"
    if lo == hi:
        return f"{lo} 元"
    return f"{lo}–{hi} 元"


def approve(
    ctx: Context, key: str | int, amount: int | None = None, note: str = ""
) -> dict[str, Any]:
    """The GM approves a proposal, at ``amount`` (within the rule's range) or as proposed."""
    with database.atomic():
        s = _pending(key)
        auth.require(ctx, "sanction.approve", department=s.department or None)
        new_amount = s.amount if amount is None else int(amount)
        if not in_range(new_amount, s.amount_min, s.amount_max):
            raise UseCaseError(
                f"金额 {new_amount} 元超出 {s.rule or MANUAL} 规定的范围"
                f"({range_text(s.amount_min, s.amount_max)})"
            )
        changes = {"status": (s.status, APPROVED)}
        if new_amount != s.amount:
            changes["amount"] = (s.amount, new_amount)
        s.status, s.amount = APPROVED, new_amount
        s.decided_by, s.decided_at = ctx.actor, ctx.now()
        s.decision_note = (note or "").strip() or None
        _touch(ctx, s)
        s.save()
        audit.record(
            ctx,
            "sanction.approve",
            table="sanctions",
            uid=s.uid,
            changes=changes,
            note=_label(s) + (f";{s.decision_note}" if s.decision_note else ""),
        )
    return get_sanction(s.id)


def reject(ctx: Context, key: str | int, reason: str) -> dict[str, Any]:
    """The GM rejects a proposal; the reason is required and kept."""
    reason = (reason or "").strip()
    if not reason:
        raise UseCaseError("驳回须写明原因")
    with database.atomic():
        s = _pending(key)
        auth.require(ctx, "sanction.approve", department=s.department or None)
        s.status = REJECTED
        s.decided_by, s.decided_at, s.decision_note = ctx.actor, ctx.now(), reason
        _touch(ctx, s)
        s.save()
        audit.record(
            ctx,
            "sanction.reject",
            table="sanctions",
            uid=s.uid,
            changes={"status": (PENDING, REJECTED)},
            note=f"{_label(s)};{reason}",
        )
    return get_sanction(s.id)


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
            case = Case.get_or_none(Case.id == case_id)
            if case is None or case.deleted:
                raise NotFound(f"找不到投诉单(id {case_id})")
            number = case.number
        auth.require(ctx, "sanction.propose", department=department or None)
        s = Sanction.create(
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
    return get_sanction(s.id)


def approvable(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The pending, not withdrawn rows of a listing (what the queue shows)."""
    return [r for r in rows if r["state"] == PENDING]
