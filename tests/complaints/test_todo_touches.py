"""The to-do list's kept judgements across writes (db.case_touches, schema 24), on both
engines: after every write, by this seat or by another connection, what the list keeps (the
open cases' deadlines, the follow-up visits due) is what judging every case afresh gives,
though only the cases a write touched were judged again. The server's ordering trap: a write
whose transaction commits after a read's snapshot is still seen. A bulk load, a policy or
calendar change, another time zone and a clock set back judge everything afresh."""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.rules.policy import Policy
from complaints.usecases import (
    cases,
    followup,
    followup_memo,
    todo,
    todo_memo,
    tracking,
    workcalendar,
)
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import CHINA_TZ, Context
from complaints.usecases.errors import UseCaseError
from db import bulk_load, case_touches, restore_files, server_move
from db.models import database, on_server
from db.server_address import connect_params

OFFICE_RULES = ("d1", "d4", "d5", "d6", "d10")
ACTIONS = (
    ("派单", {"department": "销售部"}),
    ("联系客户", {}),
    ("处理完成", {"plan": "更换配件"}),
    ("回访", {"satisfaction": "满意"}),
    ("暂停", {"note": "等待配件"}),
    ("恢复", {"note": "配件已到"}),
    ("关闭", {}),
    ("跟踪回访", {"satisfaction": "满意"}),
    ("跟踪回访", {"satisfaction": "不满意", "new_problem": True}),  # reopens the case
)
# What another seat writes straight into the database (its own program, its own connection).
OTHER_WRITES = (
    "UPDATE cases SET deleted = 1 - deleted WHERE id = ?",  # a deletion, undone next time
    "UPDATE entries SET deleted = 1 - deleted WHERE id = "
    "(SELECT max(id) FROM entries WHERE case_id = ?)",  # an action struck out, or back
    "UPDATE cases SET responsible = '李四' WHERE id = ?",
)


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@contextlib.contextmanager
def other_seat() -> Iterator[Any]:
    """A connection of another program (SQLite) or seat (the server), in a transaction that
    commits when the block ends."""
    if on_server():
        address = database.obj.address
        with psycopg.connect(dbname=address.dbname, **connect_params(address)) as seat:
            yield seat
    else:
        seat = sqlite3.connect(database.database)
        try:
            with seat:
                yield seat
        finally:
            seat.close()


def _other(seat: Any, sql: str, params: list[Any]) -> None:
    seat.execute(sql.replace("?", "%s") if on_server() else sql, params)


new_case = st.tuples(st.just("case"), st.integers(0, 600), st.booleans())
action = st.tuples(st.just("act"), st.integers(0, 50), st.integers(0, len(ACTIONS) - 1))
other = st.tuples(st.just("other"), st.integers(0, 50), st.integers(0, len(OTHER_WRITES) - 1))
# another seat's write in a transaction still open while this seat reads the list
late = st.tuples(st.just("late"), st.integers(0, 50), st.integers(0, len(OTHER_WRITES) - 1))
move = st.tuples(
    st.just("clock"),
    st.one_of(st.integers(1, 240), st.integers(240, 60 * 24 * 4)),
    st.integers(0, 59),
)
new_policy = st.tuples(
    st.just("policy"), st.sets(st.sampled_from(OFFICE_RULES)), st.sampled_from([0.2, 0.5])
)
holiday = st.tuples(st.just("calendar"), st.integers(0, 20), st.sampled_from([True, False, None]))
step = st.one_of(
    new_case, new_case, action, action, action, other, late, move, move, new_policy, holiday
)


def _kept(cx: Context, now) -> tuple[list[str], list[str]]:
    book = policy_uc.book()
    return (
        sorted(map(str, todo_memo.open_case_deadlines(book, now, cx.tz))),
        sorted(map(str, followup_memo.due_visits(book, now, cx.tz))),
    )


def _fresh(cx: Context, now) -> tuple[list[str], list[str]]:
    book = policy_uc.book()
    deadlines = [
        (tuple(c[k] for k in todo_memo.CASE_CELLS), todo_memo.judge(c, es, book, now, cx.tz))
        for c, es in todo_memo.load_open()
    ]
    visits = [
        ({k: case[k] for k in followup_memo.CELLS}, d, at_risk)
        for case, d, at_risk in followup.due_visits(now, cx.tz)
    ]
    return sorted(map(str, deadlines)), sorted(map(str, visits))


def _apply(cx: Context, clock: Clock, ids: list[int], op: tuple) -> None:
    kind = op[0]
    try:
        if kind == "case":
            _, back, closed = op
            v = cases.blank_case(cx)
            v.update(
                customer_name="张伟",
                content="异响",
                business="售后",
                received_at=clock.now - timedelta(minutes=back),
            )
            ids.append(cases.create_case(cx, v).id)
            if closed:
                for name, params in ACTIONS[2:4] + ACTIONS[6:7]:
                    tracking.record_action(cx, ids[-1], name, **params)
        elif kind == "act" and ids:
            name, params = ACTIONS[op[2]]
            tracking.record_action(cx, ids[op[1] % len(ids)], name, **params)
        elif kind == "other" and ids:
            with other_seat() as seat:
                _other(seat, OTHER_WRITES[op[2]], [ids[op[1] % len(ids)]])
        elif kind == "clock":
            clock.now += timedelta(minutes=op[1], seconds=op[2])
        elif kind == "policy":
            _, office, fraction = op
            clocks = {f"{r}_clock": "office" for r in office}
            policy_uc.save(cx, Policy().with_(follow_up=True, at_risk_fraction=fraction, **clocks))
        elif kind == "calendar":
            _, days, off = op
            workcalendar.edit_day(cx, clock.now.astimezone(cx.tz).date() + timedelta(days), off)
    except UseCaseError:
        pass  # refused by the workflow (an action the case's state does not allow): no write


def test_the_kept_list_after_writes_is_what_judging_afresh_gives(engine_ctx, monkeypatch):
    followed: list[int] = []  # reads after a write that judged only the touched cases
    touched_since = case_touches.touched_since

    def counting(before, limit):
        since = touched_since(before, limit)
        if since is not None:
            followed.append(len(since[1]))
        return since

    monkeypatch.setattr(case_touches, "touched_since", counting)
    clock = Clock(engine_ctx.now())
    cx = dataclasses.replace(engine_ctx, clock=clock)
    policy_uc.save(cx, Policy().with_(follow_up=True, d1_clock="office", d5_clock="office"))
    ids: list[int] = []
    todo_memo.clear()
    followup_memo.clear()

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(step, min_size=1, max_size=14))
    def run(ops: list[tuple[object, ...]]) -> None:
        for op in ops:
            if op[0] == "late" and ids:
                # the other seat's transaction is open (and has written) while this seat
                # reads; it commits after this seat's snapshot, then the next read must see it
                with other_seat() as seat:
                    _other(seat, OTHER_WRITES[op[2]], [ids[op[1] % len(ids)]])
                    assert _kept(cx, clock.now) == _fresh(cx, clock.now), op
            else:
                _apply(cx, clock, ids, op)
            assert _kept(cx, clock.now) == _fresh(cx, clock.now), op

    run()
    assert ids, "the sequences made cases"
    assert followed, "some reads after a write judged only the cases it touched"


def _case(cx: Context, minutes_ago: int = 30) -> int:
    v = cases.blank_case(cx)
    v.update(customer_name="张伟", content="异响", channel="电话热线", business="售后")
    v.update(received_at=cx.now() - timedelta(minutes=minutes_ago))
    return cases.create_case(cx, v).id


def _responsible(cx: Context) -> dict[int, str | None]:
    return {i.case_id: i.responsible for i in todo.open_deadlines(cx)}


def test_a_transaction_committed_after_the_snapshot_is_seen(engine_ctx):
    """The server's sequences are not in commit order: a seat that wrote first (a lower
    touch seq) and commits after another seat and after this seat's read is still seen.
    (SQLite has one writer at a time: there the other seat's write is alone.)"""
    cx = engine_ctx
    first, second = _case(cx), _case(cx)
    todo_memo.clear()
    todo.open_deadlines(cx)
    with other_seat() as slow:
        _other(slow, "UPDATE cases SET responsible = '慢' WHERE id = ?", [first])
        if on_server():
            with other_seat() as quick:
                _other(quick, "UPDATE cases SET responsible = '快' WHERE id = ?", [second])
        # the quick one committed, the slow one not yet: only the quick one is there
        quick_one = "快" if on_server() else None
        assert _responsible(cx) == {first: None, second: quick_one}
    assert todo_memo.kept_cases() == 2
    assert _responsible(cx) == {first: "慢", second: quick_one}


def test_a_write_on_this_seat_judges_only_its_case(engine_ctx, monkeypatch):
    cx = engine_ctx
    a, b = _case(cx), _case(cx)
    todo_memo.clear()
    todo.open_deadlines(cx)
    judged = _judged_ids(monkeypatch)
    tracking.record_action(cx, a, "派单", department="销售部")
    items = todo.open_deadlines(cx)
    assert judged == [(a,)]
    todo_memo.clear()
    assert todo.open_deadlines(cx) == items
    assert b in {i.case_id for i in items}


def _judged_ids(monkeypatch) -> list[tuple[int, ...]]:
    """The ids of each load of open cases to judge (empty: every open case, afresh)."""
    judged: list[tuple[int, ...]] = []
    load_open = todo_memo.load_open

    def counting(ids=()):
        judged.append(tuple(ids))
        return load_open(ids)

    monkeypatch.setattr(todo_memo, "load_open", counting)
    return judged


def _afresh_reads(monkeypatch) -> list[int]:
    calls: list[int] = []
    load_open = todo_memo.load_open

    def counting(ids=()):
        if not ids:
            calls.append(1)
        return load_open(ids)

    monkeypatch.setattr(todo_memo, "load_open", counting)
    return calls


def _read_twice_around(cx: Context, change, monkeypatch) -> list[int]:
    todo_memo.clear()
    todo.open_deadlines(cx)
    calls = _afresh_reads(monkeypatch)
    change()
    todo.open_deadlines(cx)
    return calls


def test_a_bulk_load_judges_every_case_afresh(engine_ctx, monkeypatch):
    cx = engine_ctx
    _case(cx)

    def load() -> None:
        with database.atomic():
            loading = bulk_load.BulkLoad(["cases", "entries"])
            loading.restore()

    assert _read_twice_around(cx, load, monkeypatch) == [1]
    # and the insert triggers are back: a new case is noted case by case again
    mark = case_touches.mark()
    cid = _case(cx)
    since = case_touches.touched_since(mark, 100)
    assert since is not None and since[1] == {cid}


def test_the_log_keeps_what_a_reader_may_need_and_no_more(engine_ctx):
    mark = case_touches.mark()
    cid = _case(engine_ctx)
    since = case_touches.touched_since(mark, 100)
    assert since is not None and since[1] == {cid}
    assert case_touches.touched_since(since[0], 100) == (since[0], set())  # nothing since
    assert case_touches.touched_since(mark, 0) is None  # past the limit: judge afresh
    case_touches.mark_everything()
    assert case_touches.touched_since(mark, 100) is None


@pytest.mark.parametrize(
    "what",
    ["policy", "calendar", "calendar by another seat", "time zone", "clock set back"],
)
def test_each_other_input_of_the_rules_judges_every_case_afresh(engine_ctx, monkeypatch, what):
    """The tables the rules read besides cases and entries: the policy (settings "policy"),
    the office calendar (calendar_days, calendar_years); and the reader's time zone and
    clock."""
    clock = Clock(engine_ctx.now())
    cx = dataclasses.replace(engine_ctx, clock=clock)
    _case(cx)
    todo_memo.clear()
    todo.open_deadlines(cx)
    calls = _afresh_reads(monkeypatch)
    if what == "policy":
        policy_uc.save(cx, Policy().with_(d1_clock="office"))
    elif what == "calendar":
        workcalendar.edit_day(cx, date(2026, 12, 1), True, "测试")
    elif what == "calendar by another seat":  # a year loaded (its days alike: a trigger each)
        with other_seat() as seat:
            _other(
                seat,
                "INSERT INTO calendar_years (year, source, imported_at, imported_by) "
                "VALUES (?, ?, ?, ?)",
                [2031, "测试", "2026-11-20T00:00:00+00:00", "测试"],
            )
    elif what == "time zone":
        cx = dataclasses.replace(cx, tz=CHINA_TZ if cx.tz is not CHINA_TZ else None)
    else:
        todo.open_deadlines(cx)
        clock.now -= timedelta(minutes=5)
    todo.open_deadlines(cx)
    assert calls == [1]


def test_the_log_stays_small_and_an_older_reader_judges_afresh(engine_ctx):
    """Every 1,000th touch deletes those before the last KEEP: a reader whose mark is older
    than what is kept is told to judge every case afresh; a recent one is not."""
    old = case_touches.mark()
    many = case_touches.KEEP + 2_500
    if on_server():
        database.execute_sql(
            "INSERT INTO case_touches (case_id) SELECT 1 FROM generate_series(1, ?)", (many,)
        )
    else:
        database.execute_sql(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO case_touches (case_id) SELECT 1 FROM n",
            (many,),
        )
    (kept,) = database.execute_sql("SELECT count(*) FROM case_touches").fetchone()
    assert case_touches.KEEP <= kept < case_touches.KEEP + 1_000
    assert case_touches.touched_since(old, 10 * many) is None
    recent = case_touches.mark()
    cid = _case(engine_ctx)
    since = case_touches.touched_since(recent, 100)
    assert since is not None and since[1] == {cid}


def test_a_restored_file_makes_every_reader_judge_afresh(db_path, tmp_path):
    """A restore puts back a file whose log counts from where the copy's did: its epoch is
    changed as it is staged, so no reader takes its old mark for a place in it."""
    (before,) = database.execute_sql("SELECT epoch FROM case_touch_log").fetchone()
    staging = tmp_path / "staged.sqlite3"
    restore_files.stage(db_path, staging)
    staged = sqlite3.connect(staging)
    try:
        (after,) = staged.execute("SELECT epoch FROM case_touch_log").fetchone()
    finally:
        staged.close()
    assert after != before


def test_emptying_the_server_for_a_restore_keeps_the_log_and_changes_its_epoch(server_ctx):
    """The server's restore empties its tables (SQLite's replaces the file: the test above)."""
    (before,) = database.execute_sql("SELECT epoch FROM case_touch_log").fetchone()
    with database.atomic():
        server_move.empty_for_restore()
    (after,) = database.execute_sql("SELECT epoch FROM case_touch_log").fetchone()
    assert after != before
