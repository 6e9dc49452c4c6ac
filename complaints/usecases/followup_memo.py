"""The follow-up visits due (跟踪回访, D12) of every office, kept between two reads of the to-do
list.

An office that makes visits has every case closed in the last ``followup.LOOK_BACK`` to
judge on each read of the list, most of them visited already: at 100,000 demo cases ~16,000
closings, over a second (bench/README.md). Like ``todo_memo``, the list of every office (no
filter) keeps, for each of those cases whose D12 is on the list or may come onto it by the
clock alone, what the rule gave and until when it stays so
(``rules.followup.due_follow_up``: the rule's own answer, never worked out here; and the
moment the closing leaves the look-back). The cases a visit met for good are left out by the
query itself (``followup.closed_since`` with ``now``). A later read judges again only the
cases whose moment came and those written since, by any seat (``db.case_touches``); another
policy or office calendar, a bulk load or a restore, another time zone or a clock set back
judge every closed case afresh (memo_slot). Inside a transaction nothing is kept or used.
What is kept also outlives the session, in a file of this PC (memo_file); a case kept only
for the moment it may come onto the list is written as that moment alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from complaints.rules.deadlines import Deadline
from complaints.rules.followup import due_follow_up
from complaints.usecases import followup, memo_file
from complaints.usecases.memo_slot import Memo, MemoSlot
from complaints.usecases.policy import PolicyBook
from db import case_loads

MAX_CASES = 200_000  # closed cases kept at most (past it every read judges afresh)
_IDS_PER_READ = 500  # with the closed state and the actions: under SQLite's 999 variables
# What the to-do rows show of a case (the rest of its row is not kept).
CELLS = ("id", "number", "site", "state", "department", "responsible", "customer_name")

Row = dict[str, Any]


@dataclass(slots=True)
class _Kept:
    cells: Row
    judged: tuple[Deadline, datetime] | None  # D12 on the list, with when it turns 将到期
    until: datetime | None  # judge again from this moment on (None: only after a write)


def _put(k: _Kept, p: memo_file.Packing) -> memo_file.Json:
    if k.judged is None:  # off the list: only when to judge it again (its cells unused)
        return p.put(k.until)
    d, at_risk = k.judged
    # no customer's name on this PC's disk: read back from the database with the file
    return [
        [None if c == "customer_name" else k.cells[c] for c in CELLS],
        memo_file.put_deadline(d, p),
        p.put(at_risk),
        p.put(k.until),
    ]


def _get(kept: list[memo_file.Json], p: memo_file.Packing) -> list[_Kept]:
    out = []
    epoch, us = memo_file.EPOCH, memo_file.US
    for v in kept:
        if type(v) is int:  # most of them: off the list, until a UTC time
            out.append(_Kept({}, None, epoch + v * us))
            continue
        if not (isinstance(v, list) and len(v) == 4):
            until = p.get(v)
            if until is None:
                raise ValueError("until")
            out.append(_Kept({}, None, until))
            continue
        cells, d, at, until = v
        at_risk = p.get(at)
        if at_risk is None:
            raise ValueError("at risk")
        judged = (memo_file.get_deadline(d, p), at_risk)
        out.append(_Kept(dict(zip(CELLS, cells, strict=True)), judged, p.get(until)))
    listed = [k.cells for k in out if k.judged is not None]
    names = case_loads.customer_names([c["id"] for c in listed])
    for c in listed:
        c["customer_name"] = names.get(c["id"])
    return out


_SLOT: MemoSlot[_Kept] = MemoSlot(
    MAX_CASES,
    memo_file.MemoFile(memo_file.Codec("todo-follow-up", _put, _get), (__name__,)),
)
clear = _SLOT.clear
kept_cases = _SLOT.kept_cases  # how many closed cases are kept (None: nothing is kept)


def _judge(case: Row, entries: list[Row], book: PolicyBook, now: datetime, tz: tzinfo) -> _Kept:
    judged, until = due_follow_up(case, entries, book.at(case["received_at"]), now, tz)
    if judged is not None or until is not None:
        leaves = case["closed_at"] + followup.LOOK_BACK  # out of the list's look-back after it
        until = leaves if until is None else min(until, leaves)
    return _Kept({k: case[k] for k in CELLS}, judged, until)


def due_visits(book: PolicyBook, now: datetime, tz: tzinfo) -> list[tuple[Row, Deadline, datetime]]:
    """followup.due_visits of every office as of ``now`` (the case's cells of CELLS only):
    what judging each closed case afresh gives, from what was kept where nothing changed."""

    def afresh(memo: Memo[_Kept]) -> None:
        for case, entries in followup.closed_since(now - followup.LOOK_BACK, now=now):
            kept = _judge(case, entries, book, now, tz)
            if kept.judged is not None or kept.until is not None:
                memo.cases[case["id"]] = kept  # the others stay off the list until a write

    return _SLOT.read(
        book,
        now,
        tz,
        afresh,
        lambda memo, ids: _judge_cases(memo, ids, now),
        lambda memo: [(k.cells, *k.judged) for k in memo.cases.values() if k.judged is not None],
    )


def _judge_cases(memo: Memo[_Kept], ids: Sequence[int], now: datetime) -> None:
    """Judge the cases of ``ids`` as of ``now``: kept while on the list or coming onto it."""
    for i in range(0, len(ids), _IDS_PER_READ):
        chunk = ids[i : i + _IDS_PER_READ]
        found = {
            case["id"]: _judge(case, entries, memo.book, now, memo.tz)
            for case, entries in followup.closed_since(now - followup.LOOK_BACK, chunk, now=now)
        }
        for cid in chunk:
            kept = found.get(cid)
            if kept is not None and (kept.judged is not None or kept.until is not None):
                memo.cases[cid] = kept
            else:  # visited, not closed, or out of the look-back: off the list until a write
                memo.cases.pop(cid, None)
