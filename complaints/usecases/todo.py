"""待办: every deadline not yet met across the open cases, overdue first, then soonest due.

Built for thousands of open cases: one query reads the open cases, one reads all their
entries, then the pure rules judge each case in memory (no query per case). A case's
deadlines use the policy in force when it was received.
Open = not closed and not deleted *now*; ``now`` may be set to judge the deadlines as of
another moment (the CLI's --at), but which cases are open is always today's answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from complaints.rules.deadlines import (
    NOTE_ACTIONS,
    RULE_ACTIONS,
    DeadlineStatus,
    at_risk_from,
    open_deadlines_of,
)
from complaints.types import State
from complaints.usecases import policy as policy_uc
from complaints.usecases import sheets_due
from complaints.usecases.context import Context
from db.models import database

_CASE_COLUMNS = (
    "id",
    "number",
    "site",
    "received_at",
    "channel",
    "severity",
    "kind",
    "business",
    "area",
    "media",
    "needs_oem",
    "settled_on_site",
    "state",
    "closed_at",
    "department",
    "responsible",
    "customer_name",
    "satisfaction",
    "satisfaction2",
)
OPEN_STATES = tuple(s.value for s in State if s is not State.CLOSED)


@dataclass(slots=True)
class TodoItem:
    """One row of the to-do list (a plain record; built by the thousand, so not frozen)."""

    case_id: int
    number: str
    site: str
    rule: str
    what: str
    limit: str
    due: datetime
    status: DeadlineStatus  # 有余量 / 将到期 / 已逾期
    remaining: timedelta  # negative once overdue
    state: str
    department: str | None
    responsible: str | None
    customer_name: str
    start: datetime  # when its clock started
    at_risk_at: datetime  # from here on it is 将到期 (Policy.at_risk_fraction of time left)

    @property
    def overdue(self) -> bool:
        return self.status is DeadlineStatus.OVERDUE


def department_and_below(name: str) -> list[str]:
    """A department with the ones under it (售后服务部 → 车间, 配件部, 服务前台)."""
    rows = database.execute_sql(
        "SELECT d.name, p.name FROM departments d LEFT JOIN departments p ON p.id = d.parent_id"
    ).fetchall()
    children: dict[str | None, list[str]] = defaultdict(list)
    for child, parent in rows:
        children[parent].append(child)
    out, todo = [name], [name]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.append(c)
                todo.append(c)
    return out


def _site_codes(site: str | None, sites: Iterable[str] | None) -> tuple[str, ...]:
    """``site`` (one office, the CLI's --site) and ``sites`` (the HQ filter) together."""
    codes = {sites} if isinstance(sites, str) else set(sites or ())
    if site:
        codes.add(site)
    return tuple(sorted(codes))


def _where(
    department: str | None, person: str | None, sites: tuple[str, ...], alias: str = ""
) -> tuple[str, list[Any]]:
    a = f"{alias}." if alias else ""
    # IN over the open states (not "!= 已关闭") so SQLite uses the (state, received_at) index.
    sql = [f"{a}state IN ({', '.join('?' * len(OPEN_STATES))})", f"{a}deleted = 0"]
    params: list[Any] = list(OPEN_STATES)
    if department:
        names = department_and_below(department)
        sql.append(f"{a}department IN ({', '.join('?' * len(names))})")
        params += names
    if person:
        sql.append(f"{a}responsible = ?")
        params.append(person)
    if sites:
        sql.append(f"{a}site IN ({', '.join('?' * len(sites))})")
        params += sites
    return " AND ".join(sql), params


def load_open_cases(
    *,
    department: str | None = None,
    person: str | None = None,
    site: str | None = None,
    sites: Iterable[str] | None = None,
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(case values, its entries) of every open case matching, in two queries."""
    return _load(department, person, site, sites, every_entry=True)


# For the deadlines only the entries the rules read, with the satisfaction only where they
# read it: a fifth fewer rows (the same deadlines, see RULE_ACTIONS).
_RULE_ACTIONS = tuple(sorted(RULE_ACTIONS))
_NOTE_ACTIONS = tuple(sorted(NOTE_ACTIONS))


def _load(
    department: str | None,
    person: str | None,
    site: str | None,
    sites: Iterable[str] | None,
    *,
    every_entry: bool,
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    codes = _site_codes(site, sites)
    where, params = _where(department, person, codes)
    parse = datetime.fromisoformat
    cases: dict[int, dict[str, Any]] = {}
    entries: dict[int, list[dict[str, Any]]] = {}
    for row in database.execute_sql(
        f"SELECT {', '.join(_CASE_COLUMNS)} FROM cases WHERE {where}", params
    ):
        c = dict(zip(_CASE_COLUMNS, row, strict=True))
        received, closed = c["received_at"], c["closed_at"]
        c["received_at"] = parse(received) if received else None
        c["closed_at"] = parse(closed) if closed else None
        c["media"] = bool(c["media"])
        c["needs_oem"] = bool(c["needs_oem"])
        cases[c["id"]] = c
        entries[c["id"]] = []
    where_c, params_c = _where(department, person, codes, alias="c")
    if every_entry:
        columns, only = "e.note, e.satisfaction", ""
    else:
        marks = ", ".join("?" * len(_NOTE_ACTIONS))
        columns = f"NULL, CASE WHEN e.action IN ({marks}) THEN e.satisfaction END"
        only = f"e.action IN ({', '.join('?' * len(_RULE_ACTIONS))}) AND "
        params_c = [*_NOTE_ACTIONS, *_RULE_ACTIONS, *params_c]
    # CROSS JOIN keeps the open cases as the outer loop (via the state index) instead of a
    # scan of every entry; the rules sort each case's entries by time themselves.
    for case_id, at, action, note, sat in database.execute_sql(
        f"SELECT e.case_id, e.at, e.action, {columns} FROM cases c "
        f"CROSS JOIN entries e ON e.case_id = c.id WHERE e.deleted = 0 AND {only}{where_c}",
        params_c,
    ):
        es = entries.get(case_id)
        if es is None:  # a case that turned open between the two queries
            continue
        es.append(
            {"at": parse(at) if at else None, "action": action, "note": note, "satisfaction": sat}
        )
    return [(c, entries[cid]) for cid, c in cases.items()]


def _items(
    ctx: Context, loaded: Iterable[tuple[dict[str, Any], list[dict[str, Any]]]], now: datetime
) -> list[TodoItem]:
    book = policy_uc.book()
    out: list[TodoItem] = []
    for case, entries in loaded:
        pol = book.at(case["received_at"])
        for d in open_deadlines_of(case, entries, pol, now, ctx.tz):
            out.append(
                TodoItem(
                    case["id"],
                    case["number"],
                    case["site"],
                    d.rule,
                    d.what,
                    d.limit,
                    d.due,
                    d.status,
                    d.due - now,
                    case["state"],
                    case["department"],
                    case["responsible"],
                    case["customer_name"],
                    d.start,
                    at_risk_from(d, pol, ctx.tz),
                )
            )
    overdue = DeadlineStatus.OVERDUE
    out.sort(key=lambda i: (i.status is not overdue, i.due.timestamp(), i.number, int(i.rule[1:])))
    return out


def open_deadlines(
    ctx: Context,
    *,
    department: str | None = None,
    person: str | None = None,
    site: str | None = None,
    sites: Iterable[str] | None = None,
    now: datetime | None = None,
) -> list[TodoItem]:
    """Every deadline not yet met of the open cases: overdue first (longest overdue on top),
    then soonest due. ``department`` includes the departments under it; ``person`` is the
    case's first responsible person; ``site`` / ``sites`` narrow to those offices' cases
    (none given: every office)."""
    now = now or ctx.now()
    items = _items(ctx, _load(department, person, site, sites, every_entry=False), now)
    codes = _site_codes(site, sites)
    sheets = _sheet_items(ctx, now, department, person) if not codes or ctx.site in codes else []
    if sheets:  # printed sheets are this office's own; in the list's order with the rest
        overdue = DeadlineStatus.OVERDUE
        items = sorted(
            items + sheets,
            key=lambda i: (i.status is not overdue, i.due.timestamp(), i.number, int(i.rule[1:])),
        )
    return items


def _sheet_items(
    ctx: Context, now: datetime, department: str | None, person: str | None
) -> list[TodoItem]:
    """签字单未回收: a sheet not back after the set days, one row each, who must sign as
    the responsible person."""
    departments = department_and_below(department) if department else None
    return [
        TodoItem(
            d.case_id,
            d.number,
            ctx.site,
            sheets_due.RULE,
            d.what,
            d.limit,
            d.due,
            DeadlineStatus.OVERDUE,
            d.due - now,
            "",
            d.department or None,
            d.signer or None,
            "",
            d.printed_at,
            d.due,
        )
        for d in sheets_due.overdue_sheets(ctx, now, departments=departments, person=person)
    ]


def todo_count(
    ctx: Context,
    *,
    department: str | None = None,
    person: str | None = None,
    now: datetime | None = None,
) -> int:
    """The navigation badge: deadlines overdue or at risk (the ones needing attention now)."""
    return sum(
        1
        for i in open_deadlines(ctx, department=department, person=person, now=now)
        if i.status in (DeadlineStatus.OVERDUE, DeadlineStatus.AT_RISK)
    )


def next_change(items: Iterable[TodoItem], now: datetime) -> datetime | None:
    """The next moment an item turns 将到期 or 已逾期, so a window can schedule one timer for
    its notification instead of polling; None when nothing will change by itself."""
    times = [t for i in items for t in (i.at_risk_at, i.due + timedelta(seconds=1)) if t > now]
    return min(times, default=None)
