"""The entries table (a case's tracking entries) as the use cases and the rules read it.

An entry's structured values (a callback's satisfaction, the event of a 备注…) are columns
of their own; an older entry may still carry them as tags at the head of its 说明.
``decode`` is the one reading of both: the values by column, the free 说明, and the values
by params key (complaints.rules.workflow)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from complaints.rules.workflow import ENTRY_COLUMNS, PARAM_OF_COLUMN, split_note, summary
from db.models import Entry, database
from db.timeutil import from_db

# the implicit primary key, which peewee's stubs do not declare on the model
entry_pk = Entry._meta.fields["id"]
VALUE_COLUMNS: tuple[str, ...] = tuple(ENTRY_COLUMNS.values())


def decode(
    action: str, note: str | None, columns: dict[str, Any]
) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """(values by column, free 说明, values by params key) of one entry; a value already in
    its column wins over a tag of its 说明."""
    values, free = split_note(action, note, columns)
    params = {PARAM_OF_COLUMN[c]: v for c, v in values.items() if v not in (None, "", False)}
    return values, free, params


def entry_to_dict(e: Entry) -> dict[str, Any]:
    """An entry with its structured values as ``params`` (by params key) and as columns;
    ``note`` and ``text`` are the free 说明 (a tag an older 说明 still carries is decoded,
    not shown)."""
    values, free, params = decode(e.action, e.note, {c: getattr(e, c) for c in VALUE_COLUMNS})
    return {
        "id": e.get_id(),
        "uid": e.uid,
        "case_id": e.case_id,
        "site": e.site,
        "at": e.at,
        "action": e.action,
        "actor": e.actor,
        "note": free,
        "params": params,
        "text": free,
        "reason": params.get("reason"),
        "recorded_at": e.recorded_at,
        "revision": e.revision,
        "summary": summary(params, free),
        **values,
    }


def insert(**values: Any) -> Entry:
    """A new entry row (the columns of Entry; the structured values in their columns)."""
    return Entry.create(**values)


def _live(case_id: int) -> Any:
    return (Entry.case == case_id) & (Entry.deleted == False)  # noqa: E712


def case_entries(case_id: int) -> list[dict[str, Any]]:
    """A case's live entries, oldest first, decoded (``entry_to_dict``)."""
    return [
        entry_to_dict(e) for e in Entry.select().where(_live(case_id)).order_by(Entry.at, entry_pk)
    ]


# What the rules read of an entry, as stored (workflow.entry_params decodes the tags).
RULE_COLUMNS = (
    Entry.at,
    Entry.action,
    Entry.note,
    Entry.actor,
    Entry.satisfaction,
    Entry.not_contacted,
    Entry.event,
)


def rule_entries(case_id: int) -> list[dict[str, Any]]:
    """A case's live entries, oldest first, as the rules take them (``RULE_COLUMNS``)."""
    rows = Entry.select(*RULE_COLUMNS).where(_live(case_id)).order_by(Entry.at, entry_pk).dicts()
    return list(cast(Iterable[dict[str, Any]], rows))  # peewee's stubs type rows as models


def decoded_entries_of(case_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The live entries of several cases at once (one query), by case id, oldest first; each
    decoded: ``note`` the free 说明, the structured values as keys and as ``params``."""
    out: dict[int, list[dict[str, Any]]] = {cid: [] for cid in case_ids}
    if not out:
        return out
    marks = ", ".join("?" * len(out))
    for cid, at, action, note, actor, *stored in database.execute_sql(
        f"SELECT case_id, at, action, note, actor, {', '.join(VALUE_COLUMNS)} "
        f"FROM entries WHERE deleted = 0 AND case_id IN ({marks}) "
        "ORDER BY case_id, at, id",
        list(out),
    ):
        values, free, params = decode(action, note, dict(zip(VALUE_COLUMNS, stored, strict=True)))
        out[cid].append(
            {
                "at": from_db(at),
                "action": action,
                "note": free,
                "actor": actor,
                **values,
                "params": params,
            }
        )
    return out
