"""The cases table as the use cases read it: a case is a plain dict of its fields
(complaints.fields) and record keys, times timezone-aware, dates as dates."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from complaints.fields import FIELD_NAMES, KEY_NAMES
from db.models import Case, database, on_server

# the implicit primary key, which peewee's stubs do not declare on the model
case_pk = Case._meta.fields["id"]


def case_to_dict(case: Case) -> dict[str, Any]:
    """A loaded case as the use cases and the rules take it."""
    d = {name: getattr(case, name) for name in FIELD_NAMES}
    d.update({k: getattr(case, k) for k in KEY_NAMES})
    return d


def get(case_id: int) -> Case | None:
    return Case.get_or_none(case_pk == case_id)


def get_for_write(case_id: int) -> Case | None:
    """The case, held for this transaction's write: on the office server the row is locked
    until the transaction ends, so a second seat saving the same case waits, then reads the
    first seat's version and is told of it (optimistic lock on the revision; SQLite's write
    transaction already holds the whole file)."""
    if not on_server():
        return get(case_id)
    return Case.select().where(case_pk == case_id).for_update().first()


def hold_for_write(case_ids: Sequence[int]) -> None:
    """Lock these cases' rows until this transaction ends, for a write computed from what the
    cases hold (their proposed sanctions): on the office server a second seat doing the same
    to one of them waits, then reads what the first wrote. Taken in id order, so two holders
    never wait for each other in a circle. SQLite's write transaction already holds the file."""
    if not on_server() or not case_ids:
        return
    list(Case.select(case_pk).where(case_pk.in_(list(case_ids))).order_by(case_pk).for_update())


def exists(case_id: int) -> bool:
    return Case.select().where(case_pk == case_id).exists()


def case_dict(case_id: int) -> dict[str, Any] | None:
    case = get(case_id)
    return None if case is None else case_to_dict(case)


def case_dicts(case_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The cases with these ids (those still there), by id."""
    return [
        case_to_dict(c) for c in Case.select().where(case_pk.in_(list(case_ids))).order_by(case_pk)
    ]


def next_number(site: str, received_local: datetime) -> str:
    """SH01-202611-0007: per site and month, one more than the highest so far."""
    prefix = f"{site}-{received_local:%Y%m}-"
    if on_server():  # two seats numbering cases of one month take turns (until commit)
        database.execute_sql("SELECT pg_advisory_xact_lock(hashtext(?))", (prefix,))
    row = database.execute_sql(
        "SELECT max(CAST(substr(number, ?) AS INTEGER)) FROM cases "
        "WHERE site = ? AND number LIKE ? ESCAPE '\\'",
        (len(prefix) + 1, site, prefix.replace("_", "\\_") + "%"),
    ).fetchone()
    return f"{prefix}{(row[0] or 0) + 1:04d}"


def number_taken(site: str, number: str) -> bool:
    return Case.select().where((Case.site == site) & (Case.number == number)).exists()


def find_id(number: str, site: str | None = None) -> int | None:
    """The id of the case numbered ``number`` (of ``site`` if given)."""
    q = Case.select(case_pk).where(Case.number == number)
    if site:
        q = q.where(Case.site == site)
    row = q.scalar()
    return None if row is None else int(row)


def related(
    case_id: int, vin: str | None, phone: str | None, limit: int = 50
) -> list[dict[str, Any]]:
    """Other live cases of the same VIN or phone, newest first (id, number, received_at, vin,
    phone)."""
    cond = None
    for col, v in ((Case.vin, vin), (Case.phone, phone)):
        if v:
            cond = (col == v) if cond is None else (cond | (col == v))
    if cond is None:
        return []
    rows = (
        Case.select(case_pk, Case.number, Case.received_at, Case.vin, Case.phone)
        .where(cond & (case_pk != case_id) & (Case.deleted == False))  # noqa: E712
        .order_by(Case.received_at.desc())
        .limit(limit)
        .dicts()
    )
    return list(cast(Iterable[dict[str, Any]], rows))  # peewee's stubs type rows as models


def open_ids_since(site: str, since: datetime, closed_state: str) -> list[int]:
    """The ids of ``site``'s live cases received since ``since`` and not in ``closed_state``."""
    rows = (
        Case.select(case_pk)
        .where(
            (Case.site == site)
            & (Case.deleted == False)  # noqa: E712
            & (Case.state != closed_state)
            & (Case.received_at >= since)
        )
        .order_by(case_pk)
        .tuples()
    )
    return [row[0] for row in cast(Iterable[tuple[int]], rows)]  # the stubs: rows as models


def insert(**values: Any) -> Case:
    """A new case row (the columns of Case: its fields and record keys)."""
    return Case.create(**values)
