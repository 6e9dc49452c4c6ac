"""Demo sanctions: what the rules propose over the recent demo cases, and the GM's decisions.

Called by the demo loader after its cases are in (``add_demo_sanctions``). It adds the few
events the case generator does not make (a sheet lost, a customer's praise, a silk banner, a
second callback where the customer says nobody called), runs the real ``sync_proposals``
over the cases of the last months, then decides most older proposals the way a GM would
(approve, sometimes at another amount within the range, or reject with a reason) and takes
back the liability of a couple of recent cases so their proposals are withdrawn. Every rule
S1–S11 and every state (待审批, 已批准, 已驳回, 已撤回) appears, the current month included.
Deterministic choices for a seed and clock; record ids are fresh uuids.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from random import Random

from complaints.rules import sanctions as rules
from complaints.types import Action, Liability
from complaints.usecases import audit, proposals
from complaints.usecases import sanctions as sanctions_uc
from complaints.usecases.context import Context
from db.models import Case, Entry, Sanction, Staff, database

DAYS_BACK = 100  # cases received in this many days before now are looked at
MAX_CASES = 300
REJECT_REASONS = (
    "客户诉求不合理,经核实非员工责任",
    "已在部门内部通报批评,本次不予罚款",
    "责任人已离职,不再处罚",
    "情况特殊,经理已当面协调解决",
)
APPROVE_NOTES = ("同意", "", "按制度执行", "同意,部门内通报")


@dataclass(frozen=True)
class DemoSanctionsReport:
    by_rule: dict[str, int]
    by_state: dict[str, int]
    events_added: int


def _gm_name() -> str:
    s = Staff.get_or_none(Staff.title == "总经理")
    return s.name if s else "总经理"


def _handled_at(case_id: int) -> datetime | None:
    row = (
        Entry.select(Entry.at)
        .where((Entry.case == case_id) & (Entry.action.in_(("处理完成", "回传客服"))))
        .order_by(Entry.at.desc())
        .first()
    )
    return row.at if row else None


def _add_event(rng: Random, ctx: Context, case: Case, event: str, now: datetime) -> bool:
    base = _handled_at(case.id) or case.received_at
    at = min(base + timedelta(hours=rng.randint(2, 60)), now - timedelta(minutes=5))
    if at < case.received_at:
        return False
    text = {
        rules.EVENT_SHEET_LOST: "客服部未收到回传的处理单,部门称已遗失",
        rules.EVENT_PRAISE: "客户来电表扬处理及时、态度好",
        rules.EVENT_BANNER: "客户送来锦旗一面,上书“服务周到 诚信为本”",
    }[event]
    Entry.create(
        uid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        site=ctx.site,
        revision=1,
        modified_at=at,
        case=case.id,
        at=at,
        action=Action.NOTE.value,
        actor="沈佳琪",
        note=text,
        event=event,
        recorded_at=at,
    )
    return True


def _mark_not_contacted(case_id: int) -> bool:
    e = (
        Entry.select()
        .where((Entry.case == case_id) & (Entry.action == Action.SECOND_CALLBACK.value))
        .first()
    )
    if e is None:
        return False
    e.not_contacted = True
    e.note = e.note or "客户称处理期间无人与其联系"
    e.save()
    return True


def _decide(
    s: Sanction,
    status: str,
    *,
    by: str,
    at: datetime,
    amount: int | None = None,
    note: str | None = None,
) -> None:
    s.status = status
    if amount is not None:
        s.amount = amount
    s.decided_by, s.decided_at, s.decision_note = by, at, note or None
    s.modified_at = max(s.modified_at, at)
    s.revision += 1
    s.save()


def add_demo_sanctions(ctx: Context, rng_seed: int | str, now: datetime) -> DemoSanctionsReport:
    """Sanctions over this site's demo cases of the last ``DAYS_BACK`` days (see module doc)."""
    rng = Random(f"sanctions/{rng_seed}")
    ctx = dataclasses.replace(ctx, clock=lambda: now)
    local_today = now.astimezone(ctx.tz).date()
    month_start = local_today.replace(day=1)
    gm = _gm_name()
    org = proposals.load_org()
    events = 0
    with database.atomic():
        recent = list(
            Case.select()
            .where(
                (Case.site == ctx.site)
                & (Case.deleted == False)  # noqa: E712
                & (Case.received_at >= now - timedelta(days=DAYS_BACK))
                & (Case.received_at <= now)
            )
            .order_by(Case.received_at.desc())
            .limit(MAX_CASES)
        )
        if not recent:
            return DemoSanctionsReport({}, {}, 0)
        # Events the case generator does not make: each at least once, the newest case first
        # so the current month has them too.
        handled = [c for c in recent if c.handled_date is not None]
        for event, share in (
            (rules.EVENT_PRAISE, 0.04),
            (rules.EVENT_BANNER, 0.015),
            (rules.EVENT_SHEET_LOST, 0.015),
        ):
            picks = [c for c in handled if rng.random() < share]
            if handled and not any(c in picks for c in handled[:5]):
                picks.insert(0, handled[rng.randrange(min(5, len(handled)))])
            for c in picks:
                events += _add_event(rng, ctx, c, event, now)
        second = [c for c in recent if c.callback2_at is not None]
        for c in second[:1] + [c for c in second[1:] if rng.random() < 0.2]:
            events += _mark_not_contacted(c.id)

        for c in recent:
            day = c.handled_date or c.received_at.astimezone(ctx.tz).date()
            proposals.sync_proposals(ctx, c.id, org=org, today=min(day, local_today))

        # The GM decides what is more than three days old; the rest waits.
        decided_current: Counter[str] = Counter()
        for s in Sanction.select().where(
            (Sanction.site == ctx.site)
            & (Sanction.status == sanctions_uc.PENDING)
            & (Sanction.deleted == False)  # noqa: E712 (peewee builds SQL from ==)
        ):
            if (local_today - s.date).days <= 3:
                continue
            r = rng.random()
            at = datetime.combine(s.date + timedelta(days=rng.randint(1, 3)), time(10, 30), ctx.tz)
            at = min(at, now - timedelta(hours=1))
            if r < 0.82:
                amount = None
                if (
                    s.amount_min is not None
                    and s.amount_max is not None
                    and s.amount_max > s.amount_min
                    and rng.random() < 0.4
                ):
                    amount = rng.choice(range(s.amount_min, s.amount_max + 1, 10))
                elif s.amount_min is None and rng.random() < 0.4:
                    amount = rng.choice((30, 50, 80))
                _decide(
                    s,
                    sanctions_uc.APPROVED,
                    by=gm,
                    at=at,
                    amount=amount,
                    note=rng.choice(APPROVE_NOTES),
                )
            elif r < 0.94:
                _decide(s, sanctions_uc.REJECTED, by=gm, at=at, note=rng.choice(REJECT_REASONS))
            else:
                continue
            if s.date >= month_start:
                decided_current[s.status] += 1
        # This month shows both decisions even early in the month.
        for status in (sanctions_uc.APPROVED, sanctions_uc.REJECTED):
            if decided_current[status]:
                continue
            s = (
                Sanction.select()
                .where(
                    (Sanction.site == ctx.site)
                    & (Sanction.status == sanctions_uc.PENDING)
                    & (Sanction.deleted == False)  # noqa: E712
                    & (Sanction.date >= month_start)
                )
                .order_by(Sanction.date)
                .first()
            )
            if s is not None:
                _decide(
                    s,
                    status,
                    by=gm,
                    at=now - timedelta(hours=1),
                    note=None if status == sanctions_uc.APPROVED else REJECT_REASONS[0],
                )

        # Liability taken back on a couple of recent cases: their pending proposals withdrawn.
        taken_back = 0
        for c in recent:
            if taken_back >= 2:
                break
            if c.liability != Liability.LIABLE.value:
                continue
            pend = list(Sanction.select().where(Sanction.case == c.id))
            if not pend or any(s.status != sanctions_uc.PENDING for s in pend):
                continue
            Case.update(
                liability=Liability.PENDING.value, revision=Case.revision + 1, modified_at=now
            ).where(Case.id == c.id).execute()
            proposals.sync_proposals(ctx, c.id, org=org)
            taken_back += 1
        audit.record(
            ctx, "demo.sanctions", table="sanctions", note=f"演示奖惩数据(种子 {rng_seed})"
        )

    rows = list(
        Sanction.select(Sanction.rule, Sanction.status, Sanction.deleted).where(
            Sanction.site == ctx.site
        )
    )
    by_rule = Counter(r.rule or sanctions_uc.MANUAL for r in rows)
    by_state = Counter(sanctions_uc.state_of(r) for r in rows)
    return DemoSanctionsReport(dict(by_rule), dict(by_state), events)


def month_has_every_state(month_first: date, site: str) -> set[str]:
    """The states present among ``site``'s sanctions dated in the month (for checks)."""
    nxt = date(month_first.year + (month_first.month == 12), month_first.month % 12 + 1, 1)
    return {
        sanctions_uc.state_of(s)
        for s in Sanction.select().where(
            (Sanction.site == site) & (Sanction.date >= month_first) & (Sanction.date < nxt)
        )
    }
