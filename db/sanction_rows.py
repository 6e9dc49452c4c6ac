"""The sanctions table (fines and rewards) as the use cases read and write it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from peewee import JOIN

from db import bulk
from db.case_rows import case_pk
from db.models import Case, Sanction, on_server
from db.timeutil import date_to_db, to_db

# the implicit primary key, which peewee's stubs do not declare on the model
sanction_pk = Sanction._meta.fields["id"]

# The columns of a new proposal, in the order of ``insert_proposals``' rows.
INSERT_COLUMNS = (
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
# What keeping a proposal in step with the rules may change.
_UPDATE_COLUMNS = (
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


def stored_proposals(
    case_ids: Sequence[int],
) -> dict[int, dict[tuple[str | None, str], Sanction]]:
    """The rule-proposed sanctions of these cases (any state, withdrawn ones too), by case id
    and (rule, person); the oldest wins where two share a key."""
    out: dict[int, dict[tuple[str | None, str], Sanction]] = defaultdict(dict)
    for s in (
        Sanction.select()
        .where(Sanction.case.in_(list(case_ids)) & Sanction.rule.is_null(False))
        .order_by(sanction_pk)
    ):
        if s.case_id is not None:  # always: selected by case
            out[s.case_id].setdefault((s.rule, s.person), s)
    return out


def insert(**values: Any) -> Sanction:
    """A new sanction row (the columns of Sanction)."""
    return Sanction.create(**values)


def insert_proposals(rows: Sequence[Sequence[Any]]) -> None:
    """New proposals, each row the values of ``INSERT_COLUMNS`` as stored (times and dates
    as their text), in one statement."""
    bulk.insert_rows("sanctions", INSERT_COLUMNS, rows)


def update_proposals(changed: Sequence[Sanction]) -> None:
    """Save what keeping these proposals in step changed, in one statement."""
    bulk.update_rows(
        "sanctions",
        _UPDATE_COLUMNS,
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
                s.get_id(),
            )
            for s in changed
        ],
    )


def to_dict(s: Sanction, number: str | None = None) -> dict[str, Any]:
    """A sanction as the use cases show it, with its case's number if given."""
    return {
        "id": s.get_id(),
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
        "decided_by": s.decided_by,
        "decided_at": s.decided_at,
        "decision_note": s.decision_note,
    }


def case_number(s: Sanction) -> str | None:
    """The number of the sanction's case (None for one without a case)."""
    if not s.case_id:
        return None
    case = s.case
    return case.number if case is not None else None


def get(sanction_id: int) -> Sanction | None:
    return Sanction.get_or_none(sanction_pk == sanction_id)


def get_for_write(sanction_id: int) -> Sanction | None:
    """The sanction, held for this transaction's decision: on the office server the row is
    locked until the transaction ends, so a second manager deciding the same proposal waits,
    then reads the first one's decision (SQLite's write transaction already holds the file)."""
    if not on_server():
        return get(sanction_id)
    return Sanction.select().where(sanction_pk == sanction_id).for_update().first()


def by_uid(uid: str) -> Sanction | None:
    return Sanction.get_or_none(Sanction.uid == uid)


def by_uid_prefix(prefix: str, limit: int = 2) -> list[Sanction]:
    """Up to ``limit`` sanctions whose uid starts with ``prefix``."""
    return list(Sanction.select().where(Sanction.uid.startswith(prefix)).limit(limit))


def listing(
    *,
    withdrawn: bool,
    status: str | None,
    start: date | None,
    end: date | None,
    department: str | None,
    person_contains: str | None,
    type: str | None,
    case_id: int | None,
    site: str | None,
    rule: str | None,
    manual: bool,
    limit: int,
) -> list[dict[str, Any]]:
    """Sanctions (``to_dict``, with their case's number), newest date first: the withdrawn
    ones (tombstones of proposals; an S5 row of older data is a decision, schema 10) or the
    live ones, with ``status``; dated in [start, end); ``manual``: those without a rule."""
    q = Sanction.select(Sanction, Case.number.alias("case_number")).join(
        Case, join_type=JOIN.LEFT_OUTER, on=(Sanction.case == case_pk)
    )
    if withdrawn:
        q = q.where(
            (Sanction.deleted == True)  # noqa: E712
            & (Sanction.rule.is_null() | (Sanction.rule != "S5"))
        )
    else:
        q = q.where(Sanction.deleted == False)  # noqa: E712
        if status:
            q = q.where(Sanction.status == status)
    if start is not None and end is not None:
        q = q.where((Sanction.date >= start) & (Sanction.date < end))
    if department:
        q = q.where(Sanction.department == department)
    if person_contains is not None:
        q = q.where(Sanction.person.contains(person_contains))
    if type:
        q = q.where(Sanction.type == type)
    if case_id is not None:
        q = q.where(Sanction.case == case_id)
    if site:
        q = q.where(Sanction.site == site)
    if manual:
        q = q.where(Sanction.rule.is_null())
    elif rule:
        q = q.where(Sanction.rule == rule)
    q = q.order_by(Sanction.date.desc(), sanction_pk.desc()).limit(limit)
    return [to_dict(s, getattr(s, "case_number", None)) for s in q.objects()]


def count_live(status: str) -> int:
    """How many live (not withdrawn) sanctions have ``status``."""
    return (
        Sanction.select()
        .where((Sanction.status == status) & (Sanction.deleted == False))  # noqa: E712
        .count()
    )


def live_dated(start: date, end: date, site: str | None = None) -> list[Sanction]:
    """The live sanctions dated in [start, end), of ``site`` if given."""
    q = Sanction.select().where(
        (Sanction.deleted == False)  # noqa: E712
        & (Sanction.date >= start)
        & (Sanction.date < end)
    )
    if site:
        q = q.where(Sanction.site == site)
    return list(q)


def approved_notices(
    start: date, end: date, status: str, site: str | None = None
) -> list[Sanction]:
    """The live sanctions of ``status`` (approved) with an amount, dated in [start, end), of
    ``site`` if given; by department, type, person and date. An S5 row of older data is a
    decision, never a notice."""
    q = Sanction.select().where(
        (Sanction.status == status)
        & (Sanction.deleted == False)  # noqa: E712
        & (Sanction.amount > 0)
        & (Sanction.rule.is_null() | (Sanction.rule != "S5"))
        & (Sanction.date >= start)
        & (Sanction.date < end)
    )
    if site:
        q = q.where(Sanction.site == site)
    return list(
        q.order_by(Sanction.department, Sanction.type, Sanction.person, Sanction.date, sanction_pk)
    )


def touch(s: Sanction, now: datetime, site: str) -> None:
    """Mark ``s`` changed at ``now`` by ``site``; the owner counts revisions (ledger.md)."""
    s.modified_at = now
    if s.site == site:
        s.revision += 1
