"""待办: every deadline not yet met across the open cases, overdue first, then soonest due.

Built for thousands of open cases: one query reads the open cases, one reads their entries,
then the pure rules judge each case in memory (no query per case). A case's deadlines use the
policy in force when it was received. The list of every office (no filter: the 待办 page, the
command, HQ) keeps what it judged between reads and judges again only what a write or the
clock changed (``todo_memo``; the follow-up visits due: ``followup_memo``).
Open = not closed and not deleted *now*; ``now`` may be set to judge the deadlines as of
another moment (the CLI's --at), but which cases are open is always today's answer.

The rows, their "time left" text and the CSV are made here once for the 待办 page and the
``todo`` command.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from complaints.csvsafe import csv_text
from complaints.rules import emergency as emergency_rules
from complaints.rules.deadlines import DeadlineStatus
from complaints.usecases import (
    emergency,
    followup,
    followup_memo,
    sheets_due,
    todo_memo,
    workcalendar,
)
from complaints.usecases import policy as policy_uc
from complaints.usecases import site as site_uc
from complaints.usecases.context import Context
from complaints.usecases.output_files import writing
from db import case_loads
from db.department_tree import children_by_parent

_URGENT = (DeadlineStatus.OVERDUE, DeadlineStatus.AT_RISK)

COLUMNS = (
    "状态",
    "编号",
    "规则",
    "应办事项",
    "时限",
    "到期时间",
    "剩余",
    "处理部门",
    "第一责任人",
    "客户",
    "站点",
)
NOTHING_OPEN = "没有未完成的处理时限。"


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
    status: DeadlineStatus  # 有余量 / 将到期 / 已逾期 / 暂停
    remaining: timedelta  # negative once overdue; on hold, the time it had left
    state: str
    department: str | None
    responsible: str | None
    customer_name: str
    start: datetime  # when its clock started
    at_risk_at: datetime  # from here on it is 将到期 (Policy.at_risk_fraction of time left)

    @property
    def overdue(self) -> bool:
        return self.status is DeadlineStatus.OVERDUE


# --- the departments ------------------------------------------------------------------------


def _below(name: str, children: dict[str | None, list[str]]) -> list[str]:
    out, todo = [name], [name]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.append(c)
                todo.append(c)
    return out


def department_and_below(name: str) -> list[str]:
    """A department with the ones under it (售后服务部 → 车间, 配件部, 服务前台)."""
    return _below(name, children_by_parent())


def departments_below(names: Iterable[str]) -> dict[str, list[str]]:
    """Each name → department_and_below(name), from one read of the tree."""
    children = children_by_parent()
    return {n: _below(n, children) for n in names}


# --- the items ------------------------------------------------------------------------------


def _site_codes(site: str | None, sites: Iterable[str] | None) -> tuple[str, ...]:
    """``site`` (one office, the CLI's --site) and ``sites`` (the HQ filter) together."""
    codes = {sites} if isinstance(sites, str) else set(sites or ())
    if site:
        codes.add(site)
    return tuple(sorted(codes))


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
    codes = _site_codes(site, sites)
    book = policy_uc.book()
    if department or person or codes:
        loaded = case_loads.open_cases(
            departments=department_and_below(department) if department else None,
            person=person,
            sites=codes,
            actions=todo_memo.RULE_ACTION_LIST,
            note_actions=todo_memo.NOTE_ACTION_LIST,
        )
        judged = [
            (
                tuple(case[k] for k in todo_memo.CASE_CELLS),
                todo_memo.judge(case, es, book, now, ctx.tz),
            )
            for case, es in loaded
        ]
    else:  # every office: what was judged before, where nothing changed since
        judged = todo_memo.open_case_deadlines(book, now, ctx.tz)
    out: list[TodoItem] = [
        TodoItem(
            case_id,
            number,
            case_site,
            d.rule,
            d.what,
            d.limit,
            d.due,
            d.status,
            d.left if d.left is not None else d.due - now,
            state,
            case_department,
            responsible,
            customer_name,
            d.start,
            at_risk,
        )
        for (
            case_id,
            number,
            case_site,
            state,
            case_department,
            responsible,
            customer_name,
        ), ds in judged
        for d, at_risk in ds
        if d.due is not None and d.start is not None  # judge() keeps only those
    ]
    if not codes or ctx.site in codes:  # printed sheets are this office's own
        out += _sheet_items(ctx, now, department, person)
    out += _follow_up_items(ctx, now, department, person, codes)
    out += _emergency_items(now, department, person, codes)
    overdue, paused = DeadlineStatus.OVERDUE, DeadlineStatus.PAUSED
    # Emergencies first (the general manager sees them on top), then overdue, then soonest due;
    # what is on hold last (it has no due time until resumed).
    out.sort(
        key=lambda i: (
            i.rule != emergency_rules.RULE,
            i.status is paused,
            i.status is not overdue,
            i.due.timestamp(),
            i.number,
            int(i.rule[1:]),
        )
    )
    return out


def _follow_up_items(
    ctx: Context,
    now: datetime,
    department: str | None,
    person: str | None,
    codes: tuple[str, ...],
) -> list[TodoItem]:
    """跟踪回访 (D12): the closed cases whose follow-up visit window is open or past."""
    departments = department_and_below(department) if department else None
    if departments is None and not person and not codes:  # every office: what was kept
        visits = followup_memo.due_visits(policy_uc.book(), now, ctx.tz)
    else:
        visits = followup.due_visits(
            now, ctx.tz, departments=departments, person=person, sites=codes
        )
    out = []
    for case, d, at_risk in visits:
        if d.due is None or d.start is None:
            continue  # an open deadline always has its clock: never taken
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
                at_risk,
            )
        )
    return out


def _emergency_items(
    now: datetime, department: str | None, person: str | None, codes: tuple[str, ...]
) -> list[TodoItem]:
    """突发事件: every open emergency, for the general manager to follow."""
    allowed = set(department_and_below(department)) if department else None
    return [
        TodoItem(
            r.case_id,
            r.number,
            r.site,
            emergency_rules.RULE,
            f"{emergency_rules.WHAT}({r.kind})",
            r.limit,
            r.due,
            r.status,
            r.due - now,
            r.state,
            r.department,
            r.responsible,
            r.customer_name,
            r.declared_at,
            r.declared_at,
        )
        for r in emergency.open_rows(now, codes)
        if (allowed is None or r.department in allowed) and (not person or r.responsible == person)
    ]


def attention(items: Iterable[TodoItem]) -> int:
    """Overdue or at risk: the deadlines needing attention now (the navigation count)."""
    return sum(1 for i in items if i.status in _URGENT)


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
    """The navigation badge: deadlines overdue or at risk."""
    return attention(open_deadlines(ctx, department=department, person=person, now=now))


def next_change(items: Iterable[TodoItem], now: datetime) -> datetime | None:
    """The next moment an item turns 将到期 or 已逾期, so a window can schedule one timer for
    its notification instead of polling; None when nothing will change by itself."""
    times = [
        t
        for i in items
        if i.status is not DeadlineStatus.PAUSED  # stands still until someone resumes it
        for t in (i.at_risk_at, i.due + timedelta(seconds=1))
        if t > now
    ]
    return min(times, default=None)


def filter_items(
    items: list[TodoItem],
    *,
    departments: list[str] | None = None,
    person: str | None = None,
    unassigned: bool = False,
    urgent_only: bool = False,
    sites: frozenset[str] = frozenset(),
) -> list[TodoItem]:
    """The filters of open_deadlines (department=, person=, sites=) over one unfiltered read,
    without a second query; ``unassigned``: only the cases with no first responsible person;
    ``urgent_only``: only what is overdue or at risk."""
    out = items
    if sites:
        out = [i for i in out if i.site in sites]
    if departments is not None:
        allowed = set(departments)
        out = [i for i in out if i.department in allowed]
    if unassigned:
        out = [i for i in out if not i.responsible]
    elif person:
        out = [i for i in out if i.responsible == person]
    if urgent_only:
        out = [i for i in out if i.status in _URGENT]
    return out


def calendar_warning(ctx: Context, now: datetime) -> str:
    """From 1 December, when next year has no calendar data and a rule counts office time:
    the warning the page shows and the command prints ("" otherwise)."""
    return workcalendar.next_year_warning(policy_uc.load(), ctx.local(now).date())


@dataclass
class TodoList:
    """One read for the 待办 page: the items, the department tree for its filter, the time."""

    items: list[TodoItem]
    departments: list[str]
    below: dict[str, list[str]]
    now: datetime
    next_change: datetime | None
    calendar_warning: str = ""


def todo_list(ctx: Context) -> TodoList:
    """Every open deadline, unfiltered (the page filters in memory), with what its filters
    offer and the moment the next item changes status by itself."""
    now = ctx.now()
    items = open_deadlines(ctx, now=now)
    names = site_uc.department_names()
    return TodoList(
        items,
        names,
        departments_below(names),
        now,
        next_change(items, now),
        calendar_warning(ctx, now),
    )


# --- rows, text and CSV ---------------------------------------------------------------------


def format_remaining(delta: timedelta) -> str:
    """ "剩 1小时20分" / "超 2天3小时": whole minutes, the two largest units."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        body = f"{days}天{hours}小时" if hours else f"{days}天"
    elif hours:
        body = f"{hours}小时{mins}分" if mins else f"{hours}小时"
    else:
        body = f"{mins}分"
    return ("超 " if delta < timedelta(0) else "剩 ") + body


PAUSED_DUE = "暂停中"


def item_cells(i: TodoItem, tz: tzinfo) -> tuple[str, ...]:
    """The cells of one item, in the order of COLUMNS. On hold: no due time, and the time it
    had left when the hold began (剩 …, not counting down)."""
    paused = i.status is DeadlineStatus.PAUSED
    return (
        i.status.value,
        i.number,
        i.rule,
        i.what,
        i.limit,
        PAUSED_DUE if paused else f"{i.due.astimezone(tz):%Y-%m-%d %H:%M}",
        format_remaining(i.remaining),
        i.department or "",
        i.responsible or "",
        i.customer_name or "",
        i.site,
    )


def summary_text(items: list[TodoItem], now: datetime, tz: tzinfo) -> str:
    """ "截至 2026-11-20 10:30:共 4 项,已逾期 1 项,将到期 2 项" """
    overdue = sum(1 for i in items if i.status is DeadlineStatus.OVERDUE)
    risk = sum(1 for i in items if i.status is DeadlineStatus.AT_RISK)
    paused = sum(1 for i in items if i.status is DeadlineStatus.PAUSED)
    return (
        f"截至 {now.astimezone(tz):%Y-%m-%d %H:%M}:共 {len(items)} 项,"
        f"已逾期 {overdue} 项,将到期 {risk} 项" + (f",暂停 {paused} 项" if paused else "")
    )


def todo_csv(items: Iterable[TodoItem], tz: tzinfo) -> str:
    """CSV whose cells no spreadsheet runs as a formula, lines ending in CRLF (Excel)."""
    return csv_text(COLUMNS, (item_cells(i, tz) for i in items))


def save_csv(items: list[TodoItem], tz: tzinfo, path: Path) -> int:
    """Write the items as CSV with a BOM (Excel opens it) and its CRLF untranslated; returns
    the count. A file held open by Excel: OutputInUse (a message and a free name)."""
    with writing(path):
        Path(path).write_text(todo_csv(items, tz), encoding="utf-8-sig", newline="")
    return len(items)
