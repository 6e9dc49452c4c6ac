"""The closed cases a follow-up visit (跟踪回访, D12) may still be due on, with their entries.

Read for the to-do list (closed since a moment) and the figures (closed in a period); the
entries are only those the follow-up rule reads, each with its satisfaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from complaints.types import Action, State
from db.case_loads import TODO_COLUMNS, Case, Entry, decode_case, rule_entries_of
from db.models import database, on_server
from db.timeutil import to_db

_CLOSED = State.CLOSED.value
_FOLLOW_UP = Action.FOLLOW_UP.value
_CLOSE = Action.CLOSE.value
_SATISFACTION_OF = (_FOLLOW_UP,)


def closed_cases(
    *,
    since: datetime,
    until: datetime | None = None,
    departments: Sequence[str] | None = None,
    person: str | None = None,
    sites: Sequence[str] = (),
    actions: Sequence[str],
    ids: Sequence[int] = (),
    visited_by: datetime | None = None,
) -> list[tuple[Case, list[Entry]]]:
    """(case, its entries of ``actions`` in time order) of the cases closed and not deleted,
    closed at or after ``since`` (and before ``until``), of these departments, this first
    responsible person, these sites and these ids (each None or empty: any; at most a few
    hundred ids, under SQLite's 999 variables).

    ``visited_by``: without the cases a 跟踪回访 up to that moment met for good, where no
    关闭 follows that visit up to then and no entry of ``actions`` is dated after it (the
    to-do list of that moment, and of any later one until a write, has nothing of them)."""
    # With ``ids``, SQLite reads those cases by id: its planner would walk every closed case
    # by the state (or closing time) index instead (~0.1 s at 1M for a handful of ids);
    # a unary + keeps a column's index out of SQLite's choice (PostgreSQL plans by its
    # statistics, and has no + for text).
    plain = "+" if ids and not on_server() else ""
    where = [f"{plain}state = ?", "deleted = 0", f"{plain}closed_at >= ?"]
    params: list[Any] = [_CLOSED, to_db(since)]
    if until is not None:
        where.append("closed_at < ?")
        params.append(to_db(until))
    if departments:
        where.append(f"department IN ({', '.join('?' * len(departments))})")
        params += list(departments)
    if person:
        where.append("responsible = ?")
        params.append(person)
    if sites:
        where.append(f"site IN ({', '.join('?' * len(sites))})")
        params += list(sites)
    if ids:
        where.append(f"id IN ({', '.join('?' * len(ids))})")
        params += list(ids)
    if visited_by is not None:
        at = to_db(visited_by)
        where.append(
            "NOT (EXISTS (SELECT 1 FROM entries f WHERE f.case_id = cases.id AND f.deleted = 0"
            " AND f.action = ? AND f.at <= ? AND NOT EXISTS (SELECT 1 FROM entries x"
            " WHERE x.case_id = f.case_id AND x.deleted = 0 AND x.action = ? AND x.at > f.at"
            " AND x.at <= ?)) AND NOT EXISTS (SELECT 1 FROM entries l"
            f" WHERE l.case_id = cases.id AND l.deleted = 0 AND l.at > ?"
            f" AND l.action IN ({', '.join('?' * len(actions))})))"
        )
        params += [_FOLLOW_UP, at, _CLOSE, at, at, *actions]
    cases: dict[int, Case] = {}
    for row in database.execute_sql(
        f"SELECT {', '.join(TODO_COLUMNS)} FROM cases WHERE {' AND '.join(where)}", params
    ):
        c = decode_case(TODO_COLUMNS, row)
        cases[c["id"]] = c
    entries = rule_entries_of(
        cases, actions=actions, note_actions=_SATISFACTION_OF, in_time_order=True
    )
    return [(c, entries.get(cid, [])) for cid, c in cases.items()]
