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
from datetime import UTC, datetime, timedelta
from typing import Any

from complaints.rules.deadlines import (
    NOTE_ACTIONS,
    RULE_ACTIONS,
    DeadlineStatus,
    open_deadlines_of,
)
from complaints.types import State
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import Context
from db.models import database

_CASE_COLUMNS = ("id", "number", "site", "received_at", "channel", "severity", "kind",
                 "business", "area", "media", "needs_oem", "state", "closed_at", "department",
                 "responsible", "customer_name", "satisfaction", "satisfaction2")
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


def _where(department: str | None, person: str | None, sites: tuple[str, ...],
           alias: str = "") -> tuple[str, list[Any]]:
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
    if sites:  # "+": not by the site index (every case of the site), by the state index
        sql.append(f"+{a}site IN ({', '.join('?' * len(sites))})")
        params += sites
    return " AND ".join(sql), params


def load_open_cases(*, department: str | None = None, person: str | None = None,
                    site: str | None = None, sites: Iterable[str] | None = None
                    ) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(case values, its entries) of every open case matching, in two queries."""
    return _load(department, person, site, sites, every_entry=True)


# For the deadlines only the entries the rules read, with the 说明 only where they read it:
# a fifth fewer rows and most notes not decoded (the same deadlines, see RULE_ACTIONS).
_RULE_ACTIONS = tuple(sorted(RULE_ACTIONS))
_NOTE_ACTIONS = tuple(sorted(NOTE_ACTIONS))


def _load(department: str | None, person: str | None, site: str | None,
          sites: Iterable[str] | None, *, every_entry: bool, only: list[int] | None = None
          ) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    codes = _site_codes(site, sites)
    where, params = _where(department, person, codes)
    where_c, params_c = _where(department, person, codes, alias="c")
    if only is not None:  # these cases only (by primary key)
        marks = ", ".join("?" * len(only))
        where, params = f"id IN ({marks}) AND {where}", [*only, *params]
        where_c, params_c = f"c.id IN ({marks}) AND {where_c}", [*only, *params_c]
    parse = datetime.fromisoformat
    cases: dict[int, dict[str, Any]] = {}
    entries: dict[int, list[dict[str, Any]]] = {}
    for row in database.execute_sql(
            f"SELECT {', '.join(_CASE_COLUMNS)} FROM cases WHERE {where}", params):
        c = dict(zip(_CASE_COLUMNS, row, strict=True))
        received, closed = c["received_at"], c["closed_at"]
        c["received_at"] = parse(received) if received else None
        c["closed_at"] = parse(closed) if closed else None
        c["media"] = bool(c["media"])
        c["needs_oem"] = bool(c["needs_oem"])
        cases[c["id"]] = c
        entries[c["id"]] = []
    if every_entry:
        columns, only = "e.note", ""
    else:
        marks = ", ".join("?" * len(_NOTE_ACTIONS))
        columns = f"CASE WHEN e.action IN ({marks}) THEN e.note END"
        only = f"e.action IN ({', '.join('?' * len(_RULE_ACTIONS))}) AND "
        params_c = [*_NOTE_ACTIONS, *_RULE_ACTIONS, *params_c]
    # CROSS JOIN keeps the open cases as the outer loop (via the state index) instead of a
    # scan of every entry; the rules sort each case's entries by time themselves.
    for case_id, at, action, note in database.execute_sql(
            f"SELECT e.case_id, e.at, e.action, {columns} FROM cases c "
            f"CROSS JOIN entries e ON e.case_id = c.id WHERE e.deleted = 0 AND {only}{where_c}",
            params_c):
        es = entries.get(case_id)
        if es is None:  # a case that turned open between the two queries
            continue
        es.append({"at": parse(at) if at else None, "action": action, "note": note})
    return [(c, entries[cid]) for cid, c in cases.items()]


# Each open case's open deadlines as last judged, for the next call (issue 23 §4: at 1M
# cases ~20,000 open cases, judged again on every refresh). case id → (fingerprint: revision,
# modified time, received time, the time and action of its entries the rules read and a
# callback's 说明; judged at;
# valid until: the first moment one of them turns 将到期 or 已逾期; the values the items
# show; the deadlines). A case whose fingerprint moved or whose time ran out is judged again;
# the deadlines reused are the very values a new judgement would give.
_MEMO: dict[int, tuple] = {}
_MEMO_OWNER: list[Any] = [None]  # (database, time zone) the memo was made for
_MEMO_MAX = 300_000
_FOREVER = datetime.max.replace(tzinfo=UTC)
_ITEM_COLUMNS = ("id", "number", "site", "state", "department", "responsible", "customer_name")


def _valid_until(ds: list, fraction: float) -> datetime:
    """The last moment the deadlines of a case keep their statuses: complaints.rules.
    deadlines._judge turns one 将到期 once now > due − (due − start) × fraction and 已逾期
    once now > due; nothing else in them depends on the clock."""
    until = _FOREVER
    for d in ds:
        if d.start is None or d.due is None or d.status is DeadlineStatus.OVERDUE:
            continue
        if d.status is DeadlineStatus.PENDING:
            until = min(until, d.due - (d.due - d.start) * fraction)
        until = min(until, d.due)
    return until


def _open_items(ctx: Context, department: str | None, person: str | None, site: str | None,
                sites: Iterable[str] | None, now: datetime) -> list[TodoItem]:
    book = policy_uc.book()
    # A new policy version (or another database, another time zone) judges afresh.
    owner = (database.database, str(ctx.tz),
             repr([(v.effective_from, sorted(v.policy.to_dict().items()))
                   for v in book.versions]))
    if _MEMO_OWNER[0] != owner or len(_MEMO) > _MEMO_MAX:
        _MEMO.clear()
        _MEMO_OWNER[0] = owner
    codes = _site_codes(site, sites)
    where, params = _where(department, person, codes)
    acts = ", ".join("?" * len(_RULE_ACTIONS))
    notes = ", ".join("?" * len(_NOTE_ACTIONS))
    # Which open cases, and all their deadlines read (the case row by its revision and
    # modified time; of the entries, the time and action of each the rules look at and a
    # callback's 说明), from the state index and the covering entries index.
    rows = database.execute_sql(
        "SELECT c.id, c.revision, c.modified_at, c.received_at, (SELECT group_concat(e.at || "
        f"e.action || CASE WHEN e.action IN ({notes}) THEN ifnull(e.note, '') ELSE '' END, "
        "char(30)) FROM entries e WHERE e.case_id = c.id AND e.deleted = 0 AND "
        f"e.action IN ({acts})) FROM cases c WHERE {_where(department, person, codes, 'c')[0]}",
        [*_NOTE_ACTIONS, *_RULE_ACTIONS, *params]).fetchall()
    keep: list[tuple] = []
    need: list[int] = []
    fps: dict[int, tuple] = {}
    for cid, revision, modified, received, efp in rows:
        fp = (revision, modified, received, efp)
        hit = _MEMO.get(cid)
        if hit is not None and hit[0] == fp and hit[1] <= now <= hit[2]:
            keep.append(hit)
        else:
            need.append(cid)
            fps[cid] = fp
    if need:
        for case, entries in _load_ids(need, department, person, codes):
            pol = book.at(case["received_at"])
            ds = open_deadlines_of(case, entries, pol, now, ctx.tz)
            values = tuple(case[k] for k in _ITEM_COLUMNS)
            latest = max((e["at"] for e in entries), default=None)
            received = case["received_at"]
            entry = (fps[case["id"]], now, _valid_until(ds, pol.at_risk_fraction), values, ds,
                     pol.at_risk_fraction)
            # Cases or entries dated after now would count later without any write: not kept.
            if (received is None or received <= now) and (latest is None or latest <= now):
                _MEMO[case["id"]] = entry
            keep.append(entry)
    out: list[TodoItem] = []
    for _fp, _at, _until, (cid, number, site_code, state, dept, resp, customer), ds, frac \
            in keep:
        for d in ds:
            out.append(TodoItem(cid, number, site_code, d.rule, d.what, d.limit, d.due,
                                d.status, d.due - now, state, dept, resp, customer, d.start,
                                d.due - (d.due - d.start) * frac))
    overdue = DeadlineStatus.OVERDUE
    out.sort(key=lambda i: (i.status is not overdue, i.due.timestamp(), i.number,
                            int(i.rule[1:])))
    return out


def _load_ids(ids: list[int], department: str | None, person: str | None,
              codes: tuple[str, ...]) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """``_load`` of these cases only (still open and matching, read again now)."""
    out = []
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        out += _load(department, person, None, codes, every_entry=False, only=chunk)
    return out


def open_deadlines(ctx: Context, *, department: str | None = None, person: str | None = None,
                   site: str | None = None, sites: Iterable[str] | None = None,
                   now: datetime | None = None) -> list[TodoItem]:
    """Every deadline not yet met of the open cases: overdue first (longest overdue on top),
    then soonest due. ``department`` includes the departments under it; ``person`` is the
    case's first responsible person; ``site`` / ``sites`` narrow to those offices' cases
    (none given: every office)."""
    now = now or ctx.now()
    return _open_items(ctx, department, person, site, sites, now)


def todo_count(ctx: Context, *, department: str | None = None, person: str | None = None,
               now: datetime | None = None) -> int:
    """The navigation badge: deadlines overdue or at risk (the ones needing attention now)."""
    return sum(1 for i in open_deadlines(ctx, department=department, person=person, now=now)
               if i.status in (DeadlineStatus.OVERDUE, DeadlineStatus.AT_RISK))


def next_change(items: Iterable[TodoItem], now: datetime) -> datetime | None:
    """The next moment an item turns 将到期 or 已逾期, so a window can schedule one timer for
    its notification instead of polling; None when nothing will change by itself."""
    times = [t for i in items for t in (i.at_risk_at, i.due + timedelta(seconds=1)) if t > now]
    return min(times, default=None)
