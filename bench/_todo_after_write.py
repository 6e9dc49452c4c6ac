"""The to-do list read after a write (issue 19 §7): judged afresh against judged again only for
the cases the write touched (db.case_touches), and what the touch triggers cost the write;
and a session's first read: judged afresh (no file) against from the memos' file of this PC
(complaints/usecases/memo_file.py), as written and after more saves since.

Used by bench_todo.py (SQLite) and bench_engines.py (both engines) on the open database:
``figures(ctx, runs)`` writes to it (a case saved, a 备注 recorded, on open cases), so give it
a copy. Each read is the median of ``runs``, each write's of 4 × 10 (alternating blocks with
and without the touch triggers), as wall time and as this process's CPU time
(the machine is shared: CPU time is the steadier of the two; on the server the trigger's
own work runs in the server's process, so only the wall time of a write shows it).
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from complaints.usecases import cases, followup_memo, todo_memo, tracking
from complaints.usecases.context import Context
from complaints.usecases.todo import todo_list
from db.models import database, on_server

# The writes timed alone: BLOCKS blocks of WRITES with the triggers, as many without.
BLOCKS, WRITES = 4, 10
# Case saves between the file and a session's first read: SAVES_BEFORE more before each run.
SAVES_BEFORE = 10
# The touch triggers a case save and an action fire (schema 24), by engine.
_SQLITE_TRIGGERS = ("case_touches_case_au", "case_touches_entry_ai")
_SERVER_TRIGGERS = (("cases", "case_touches_case_aud"), ("entries", "case_touches_entry_ai"))


def _clock(fn: Callable[[], Any]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def _median(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


@contextmanager
def _touch_triggers_off() -> Iterator[None]:
    """The bench copy without the touch triggers of a save and an action, then with them."""
    if on_server():
        for table, name in _SERVER_TRIGGERS:
            database.execute_sql(f'ALTER TABLE "{table}" DISABLE TRIGGER "{name}"')
        try:
            yield
        finally:
            for table, name in _SERVER_TRIGGERS:
                database.execute_sql(f'ALTER TABLE "{table}" ENABLE TRIGGER "{name}"')
        return
    saved = [
        database.execute_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
        ).fetchone()[0]
        for name in _SQLITE_TRIGGERS
    ]
    for name in _SQLITE_TRIGGERS:
        database.execute_sql(f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        for sql in saved:
            database.execute_sql(sql)


def figures(ctx: Context, runs: int) -> dict[str, tuple[float, float]]:
    """{figure: (wall ms, CPU ms)}, medians of ``runs``."""
    todo_list(ctx)
    open_ids = list(dict.fromkeys(i.case_id for i in todo_list(ctx).items))
    pick = itertools.cycle(open_ids)  # each written once while there are enough

    def save() -> None:
        cid = next(pick)
        cases.update_case(ctx, cid, {"phone": f"139{cid:08d}"[-11:]})

    def action() -> None:
        tracking.record_action(ctx, next(pick), "备注", note="基准测试:读后写")

    out: dict[str, tuple[float, float]] = {}
    afresh = []
    for _ in range(runs):  # nothing kept, in memory or in the file: a first read without it
        todo_memo.clear(stored=True)
        followup_memo.clear(stored=True)
        afresh.append(_clock(lambda: todo_list(ctx)))
    out["to-do list judged afresh"] = _median(afresh)
    first = []
    for _ in range(runs):  # a new session: nothing in memory, the file the read before wrote
        todo_memo.clear()
        followup_memo.clear()
        first.append(_clock(lambda: todo_list(ctx)))
    out["to-do list first read of a session, from the file"] = _median(first)
    first = []
    for _ in range(runs):  # the same after SAVES_BEFORE more case saves each time
        for _ in range(SAVES_BEFORE):
            save()
        todo_memo.clear()
        followup_memo.clear()
        first.append(_clock(lambda: todo_list(ctx)))
    out[f"to-do list first read of a session, from the file, {SAVES_BEFORE}+ saves since"] = (
        _median(first)
    )
    for label, write in (("a case save", save), ("an action (备注)", action)):
        reads = []
        for _ in range(runs):
            write()
            reads.append(_clock(lambda: todo_list(ctx)))
        out[f"to-do list read after {label}"] = _median(reads)
        # the write alone, with and without the triggers, in alternating blocks (a single
        # write is ~1-10 ms, so a block of WRITES each; the machine's load drifts)
        on: list[tuple[float, float]] = []
        off: list[tuple[float, float]] = []
        for _ in range(BLOCKS):
            on += [_clock(write) for _ in range(WRITES)]
            with _touch_triggers_off():
                off += [_clock(write) for _ in range(WRITES)]
        out[f"{label} itself, touch triggers on"] = _median(on)
        out[f"{label} itself, touch triggers off"] = _median(off)
    return out
