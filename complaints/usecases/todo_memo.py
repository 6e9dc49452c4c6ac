"""The open cases' judged deadlines, kept between two reads of the to-do list.

Judging every open case means reading its entries and running the rules, ~50 µs a case: at
HQ, with ~20,000 open cases of a million, a second (bench/README.md), for a list that mostly
did not change since the last read. So the list of every office (no filter) keeps, for each
open case, the open deadlines the rules gave and until when they stay so by the clock alone
(``deadline_changes.judged_until``: the rules' own answer, never worked out here). A later
read judges again only the cases whose moment came and those written since, by any seat
(``db.case_touches``: the database's own log of the cases each write touched); another
policy or office calendar, a bulk load or a restore, another time zone, or a clock set back
judge every case afresh (memo_slot). Inside a transaction nothing is kept or used (it may be
rolled back). What is kept also outlives the session, in a file of this PC (memo_file), so
the first read after a start judges only what changed since.

Memory: about 1 KB per open case kept (the item's cells and its deadlines); past
``MAX_CASES`` open cases nothing is kept and every read judges afresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from complaints.rules.deadline_changes import judged_until
from complaints.rules.deadline_rules import at_risk_from, open_deadlines_of
from complaints.rules.deadlines import NOTE_ACTIONS, RULE_ACTIONS, Deadline
from complaints.usecases import memo_file
from complaints.usecases.memo_slot import Memo, MemoSlot
from complaints.usecases.policy import PolicyBook
from db import case_loads

# Only the entries the rules read, with the satisfaction only where they read it (see
# RULE_ACTIONS): the same deadlines from a fifth fewer rows.
RULE_ACTION_LIST = tuple(sorted(RULE_ACTIONS))
NOTE_ACTION_LIST = tuple(sorted(NOTE_ACTIONS))
MAX_CASES = 200_000  # open cases kept at most (~200 MB would be past the app's budget)
_IDS_PER_READ = 500  # with the open states and the actions: under SQLite's 999 variables

Row = dict[str, Any]  # a case or an entry as case_loads decodes it
# An open deadline of a case with the moment it turns 将到期 (its due time when on hold).
Judged = list[tuple[Deadline, datetime]]
# What the to-do rows show of a case, in the order TodoItem takes them.
CASE_CELLS = ("id", "number", "site", "state", "department", "responsible", "customer_name")


def judge(case: Row, entries: Sequence[Row], book: PolicyBook, now: datetime, tz: tzinfo) -> Judged:
    """The open deadlines of one case as of ``now``, by the policy in force when received."""
    pol = book.at(case["received_at"])
    return [
        (d, at_risk_from(d, pol, tz) or d.due)  # on hold: 将到期 only once resumed
        for d in open_deadlines_of(case, entries, pol, now, tz)
        if d.due is not None and d.start is not None  # an open deadline always has its clock
    ]


def load_open(ids: Sequence[int] = ()) -> list[tuple[Row, list[Row]]]:
    """Every open case of every office (or those of ``ids``) with the entries the rules read."""
    return case_loads.open_cases(
        departments=None,
        person=None,
        sites=(),
        actions=RULE_ACTION_LIST,
        note_actions=NOTE_ACTION_LIST,
        ids=ids,
    )


@dataclass(slots=True)
class _Kept:
    cells: tuple[Any, ...]  # the case's CASE_CELLS
    judged: Judged
    until: datetime | None  # judge again from this moment on (None: only after a write)


_NAME = CASE_CELLS.index("customer_name")


def _put(k: _Kept, p: memo_file.Packing) -> memo_file.Json:
    # no customer's name on this PC's disk: read back from the database with the file
    return [
        [None if i == _NAME else v for i, v in enumerate(k.cells)],
        [[memo_file.put_deadline(d, p), p.put(at)] for d, at in k.judged],
        p.put(k.until),
    ]


def _get(kept: list[memo_file.Json], p: memo_file.Packing) -> list[_Kept]:
    out = []
    get_time, get_deadline = p.get, memo_file.get_deadline
    for cells, judged, until in kept:
        if len(cells) != len(CASE_CELLS):
            raise ValueError("cells")
        deadlines: Judged = []
        for d, at in judged:
            at_risk = get_time(at)
            if at_risk is None:
                raise ValueError("at risk")
            deadlines.append((get_deadline(d, p), at_risk))
        out.append(_Kept(tuple(cells), deadlines, get_time(until)))
    # only a case with an open deadline is shown; the others are loaded afresh (their
    # name too) before they can be, when their moment comes or they are written
    listed = [k for k in out if k.judged]
    names = case_loads.customer_names([k.cells[0] for k in listed])
    for k in listed:
        k.cells = (*k.cells[:_NAME], names.get(k.cells[0]), *k.cells[_NAME + 1 :])
    return out


_SLOT: MemoSlot[_Kept] = MemoSlot(
    MAX_CASES,
    memo_file.MemoFile(memo_file.Codec("todo-open", _put, _get), (__name__,)),
)
clear = _SLOT.clear
kept_cases = _SLOT.kept_cases  # how many open cases are kept (None: nothing is kept)
kept_memo = _SLOT.kept


def _keep(case: Row, entries: Sequence[Row], book: PolicyBook, now: datetime, tz: tzinfo) -> _Kept:
    judged = judge(case, entries, book, now, tz)
    until = judged_until(
        case, entries, [d for d, _ in judged], book.at(case["received_at"]), now, tz
    )
    return _Kept(tuple(case[k] for k in CASE_CELLS), judged, until)


def open_case_deadlines(
    book: PolicyBook, now: datetime, tz: tzinfo
) -> list[tuple[tuple[Any, ...], Judged]]:
    """(the case's CASE_CELLS, its open deadlines) of every open case of every office as of
    ``now``, in no particular order: what judging each afresh gives, from what was kept where
    nothing changed."""

    def afresh(memo: Memo[_Kept]) -> None:
        for case, entries in load_open():
            memo.cases[case["id"]] = _keep(case, entries, book, now, tz)

    return _SLOT.read(
        book,
        now,
        tz,
        afresh,
        lambda memo, ids: _judge_cases(memo, ids, now),
        lambda memo: [(k.cells, k.judged) for k in memo.cases.values()],
    )


def _judge_cases(memo: Memo[_Kept], ids: Sequence[int], now: datetime) -> None:
    """Judge the cases of ``ids`` as of ``now``: kept if open, else no longer kept."""
    for i in range(0, len(ids), _IDS_PER_READ):
        chunk = ids[i : i + _IDS_PER_READ]
        found = {}
        for case, entries in load_open(chunk):
            found[case["id"]] = _keep(case, entries, memo.book, now, memo.tz)
        for cid in chunk:
            if cid in found:
                memo.cases[cid] = found[cid]
            else:  # not open (closed, deleted, or never was): off the list
                memo.cases.pop(cid, None)
