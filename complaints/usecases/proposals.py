"""The fines and rewards the policy proposes (policy.md §5), kept in step with every write.

- ``after_write`` runs after every write to a case or its entries (complaints.usecases.cases
  and .tracking call it inside their transaction): it asks the pure rules
  (complaints.rules.sanctions) what they propose now and brings the stored proposals in line.
  New → 待审批; a pending one whose condition went away → withdrawn; a withdrawn one whose
  condition came back → pending again (same record, so the same rule is never proposed twice
  for the same case and person); an approved or rejected one is never touched.
  Only the site that owns the case proposes: the sanctions travel to the others in the
  ledger's 奖惩记录 sheet.
- "Withdrawn" is a tombstone (``deleted``) of a still-pending record: the ledger has no
  withdrawn state, and a deletion travels.
Every change counts the revision at the owner and is audited in the same transaction.

This module reads cases and entries through db/ and never imports the case or tracking use
cases: they call it, and complaints.usecases.sanctions (the decisions) sits above them all.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from complaints.rules import sanctions as rules
from complaints.rules.deadline_rules import all_deadlines
from complaints.rules.sanctions import Org, Proposal
from complaints.types import ApprovalStatus, State
from complaints.usecases import audit, settings
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import Context
from complaints.usecases.errors import NotFound
from db import case_rows, entry_rows, sanction_rows
from db.models import Department, Sanction, Staff, database, on_server
from db.retry import retried
from db.timeutil import date_to_db, to_db

PENDING = ApprovalStatus.PENDING.value
WITHDRAW_NOTE = "条件已不成立,建议自动撤回"
SYNC_BATCH = 500  # cases per query and transaction (under SQLite's 999 parameters)


@dataclass(frozen=True)
class SyncReport:
    created: tuple[str, ...] = ()  # uids
    revived: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    withdrawn: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.created or self.revived or self.updated or self.withdrawn)


def load_org() -> Org:
    """Department managers by name (staff holding the department's manager title)."""
    titles = {d.name: d.manager_title for d in Department.select() if d.manager_title}
    managers: dict[str, str] = {}
    for s in (
        Staff.select(Staff, Department)
        .join(Department)
        .where(Staff.active == True)  # noqa: E712 (peewee builds SQL from ==)
        .order_by(Staff._meta.fields["id"])
    ):
        d = s.department
        if d.manager_title and s.title == d.manager_title and d.name not in managers:
            managers[d.name] = s.name
    return Org(managers=managers, titles=titles)


def case_proposals(case_id: int, ctx: Context, org: Org | None = None) -> list[Proposal]:
    """What the rules propose for a case now (nothing saved)."""
    values = case_rows.case_dict(case_id)
    if values is None:
        raise NotFound(f"找不到投诉单(id {case_id})")
    entries = entry_rows.rule_entries(case_id)
    deadlines = all_deadlines(
        values, entries, policy_uc.in_force(values["received_at"]), ctx.now(), ctx.tz
    )
    return rules.proposals(
        values, entries, deadlines, policy_uc.load(), org if org is not None else load_org(), ctx.tz
    )


def after_write(ctx: Context, case_id: int) -> SyncReport:
    """Keep the case's proposed fines and rewards in step with a write just made to the case
    or its entries; call inside the write's transaction."""
    return sync_proposals(ctx, case_id)


@retried  # one transaction: run again if the office server undid it
def sync_proposals(
    ctx: Context, case_id: int, *, org: Org | None = None, today: date | None = None
) -> SyncReport:
    """Bring the stored proposals of a case in line with the rules (see the module doc).
    ``today``: the date of a proposal whose condition has no date of its own (default: the
    office's today)."""
    with database.atomic():
        if not case_rows.exists(case_id):
            raise NotFound(f"找不到投诉单(id {case_id})")
        return _sync(ctx, [case_id], org if org is not None else load_org(), today)


@retried  # one transaction: run again if the office server undid it
def sync_many(
    ctx: Context, case_ids: Iterable[int], *, progress: Callable[[int, int], None] | None = None
) -> SyncReport:
    """``sync_proposals`` over several cases (e.g. a sweep for deadlines missed since), read
    and written in batches: three queries and one write of each kind per batch, not a round
    of queries and model saves per case. A case no longer there is skipped."""
    ids = list(dict.fromkeys(case_ids))
    org = load_org()
    acc: dict[str, list[str]] = {"created": [], "revived": [], "updated": [], "withdrawn": []}
    for i in range(0, len(ids), SYNC_BATCH):
        chunk = ids[i : i + SYNC_BATCH]
        with database.atomic():
            r = _sync(ctx, chunk, org, None)
        for k, uids in acc.items():
            uids.extend(getattr(r, k))
        if progress:
            progress(i + len(chunk), len(ids))
    return SyncReport(**{k: tuple(v) for k, v in acc.items()})


def _sync(ctx: Context, case_ids: Sequence[int], org: Org, today: date | None) -> SyncReport:
    """The proposals of these cases brought in line with the rules, inside the caller's
    transaction: the cases, their entries and their stored proposals read with one query
    each, the changes written with one statement per kind and audited with one insert."""
    created: list[str] = []
    revived: list[str] = []
    updated: list[str] = []
    withdrawn: list[str] = []
    # two seats (a sweep, a save) proposing for one case at once would both insert
    case_rows.hold_for_write(case_ids)
    cases = [c for c in case_rows.case_dicts(case_ids) if c["site"] == ctx.site]
    if not cases:  # the owner proposes (ledger.md)
        return SyncReport()
    entries = entry_rows.decoded_entries_of([c["id"] for c in cases])
    stored_by_case = sanction_rows.stored_proposals(case_ids)
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
            sanction_rows.touch(s, ctx.now(), ctx.site)
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
            sanction_rows.touch(s, ctx.now(), ctx.site)
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
    sanction_rows.insert_proposals(inserts)
    sanction_rows.update_proposals(changed)
    audit.record_many(ctx, notes)
    return SyncReport(tuple(created), tuple(revived), tuple(updated), tuple(withdrawn))


def sweep(ctx: Context, *, days: int = 14) -> SyncReport:
    """Re-propose for this site's cases received in the last ``days`` days: a sheet that is
    overdue (S8) without any write to its case shows up without waiting for one. For a daily
    job (start-up) or a button; cheap for a few hundred cases. A closed case was brought in
    line when it closed."""
    since = ctx.now() - timedelta(days=days)
    return sync_many(ctx, case_rows.open_ids_since(ctx.site, since, State.CLOSED.value))


LAST_SWEEP = "sanctions.last_sweep"


def daily_sweep(ctx: Context) -> SyncReport | None:
    """``sweep`` at most once per office day (the app calls it at start); None when it
    already ran today. On the office server every seat starts it: the first one does the
    work, another starting meanwhile waits for it and finds the day done."""
    today = ctx.local(ctx.now()).date().isoformat()
    if settings.get(LAST_SWEEP) == today:
        return None
    if on_server():
        return _sweep_once(ctx, today)
    report = sweep(ctx)
    settings.set_(LAST_SWEEP, today)
    return report


@retried  # one transaction: run again if the office server undid it
def _sweep_once(ctx: Context, today: str) -> SyncReport | None:
    """The day's sweep as one transaction that holds the day's mark (an advisory lock on the
    setting, db/settings_rows.py) from reading it to writing it: a second seat waits for the
    first's commit, then reads the day done and skips; nothing is proposed or audited twice.
    On SQLite each batch is a transaction of its own (one seat: nobody to wait for)."""
    with database.atomic():
        settings.hold(LAST_SWEEP)
        if settings.get(LAST_SWEEP) == today:
            return None
        report = sweep(ctx)
        settings.set_(LAST_SWEEP, today)
        return report
