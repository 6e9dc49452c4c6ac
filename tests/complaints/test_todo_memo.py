"""What the to-do list keeps between reads is what judging every open case afresh gives, on
both engines: random writes (new cases, actions, holds and resumptions, closing), clock moves
across the 将到期 and due moments, office-time clocks and a policy change."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import datetime, timedelta

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.rules.policy import Policy
from complaints.usecases import cases, todo, todo_memo, tracking
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import Context
from complaints.usecases.errors import UseCaseError
from db.models import database, on_server
from db.server_address import connect_params

CHANNELS = ("现场", "销售回访", "售后回访", "厂家转发", "电话热线")
OFFICE_RULES = ("d1", "d4", "d5", "d6", "d7", "d10", "d11")
ACTIONS = (
    ("派单", {"department": "销售部"}),
    ("指定责任人", {"person": "王经理"}),
    ("联系客户", {}),
    ("处理完成", {"plan": "更换配件"}),
    ("回传客服", {"plan": "更换配件"}),
    ("回访", {"satisfaction": "满意"}),
    ("回访", {"satisfaction": "不满意"}),
    ("暂停", {"note": "等待配件"}),
    ("恢复", {"note": "配件已到"}),
    ("暂停", {"note": "等待客户"}),
    ("关闭", {}),
    ("上报厂家", {}),
)


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


new_case = st.tuples(st.just("case"), st.sampled_from(CHANNELS), st.booleans(), st.integers(0, 600))
action = st.tuples(st.just("act"), st.integers(0, 50), st.integers(0, len(ACTIONS) - 1))
# Small steps cross the 将到期 moments of hour limits, large ones days and holidays.
move = st.tuples(
    st.just("clock"),
    st.one_of(st.integers(1, 120), st.integers(120, 60 * 24 * 4)),
    st.integers(0, 59),
)
new_policy = st.tuples(
    st.just("policy"), st.sets(st.sampled_from(OFFICE_RULES)), st.sampled_from([0.2, 0.5])
)
step = st.one_of(new_case, action, move, move, move, new_policy)


def _fresh(cx: Context, now: datetime) -> list[tuple[tuple[object, ...], todo_memo.Judged]]:
    book = policy_uc.book()
    return [
        (tuple(c[k] for k in todo_memo.CASE_CELLS), todo_memo.judge(c, es, book, now, cx.tz))
        for c, es in todo_memo.load_open()
    ]


def _apply(cx: Context, clock: Clock, ids: list[int], op: tuple) -> None:
    kind = op[0]
    try:
        if kind == "case":
            _, channel, major, back = op
            v = cases.blank_case(cx)
            v.update(
                customer_name="张伟",
                content="异响",
                channel=channel,
                business="售后",
                severity="重大投诉" if major else "一般投诉",
                received_at=clock.now - timedelta(minutes=back),
            )
            ids.append(cases.create_case(cx, v).id)
        elif kind == "act" and ids:
            _, pick, which = op
            name, params = ACTIONS[which]
            tracking.record_action(cx, ids[pick % len(ids)], name, **params)
        elif kind == "clock":
            _, minutes, seconds = op
            clock.now += timedelta(minutes=minutes, seconds=seconds)
        elif kind == "policy":
            _, office, fraction = op
            clocks = {f"{r}_clock": "office" for r in office}
            policy_uc.save(cx, Policy().with_(at_risk_fraction=fraction, **clocks))
    except UseCaseError:
        pass  # refused by the workflow (an action the case's state does not allow): no write


def test_the_kept_list_is_what_judging_afresh_gives(engine_ctx, monkeypatch):
    judged_again: list[int] = []
    load_open = todo_memo.load_open

    def counting(ids=()):
        judged_again.extend(ids)
        return load_open(ids)

    monkeypatch.setattr(todo_memo, "load_open", counting)
    clock = Clock(engine_ctx.now())
    cx = dataclasses.replace(engine_ctx, clock=clock)
    policy_uc.save(cx, Policy().with_(d1_clock="office", d5_clock="office"))
    ids: list[int] = []
    todo_memo.clear()

    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(step, min_size=1, max_size=14))
    def run(ops: list[tuple[object, ...]]) -> None:
        for op in ops:
            _apply(cx, clock, ids, op)
            now = clock.now
            kept = todo_memo.open_case_deadlines(policy_uc.book(), now, cx.tz)
            # in no particular order (a case written since comes last): the use case sorts
            assert sorted(kept, key=str) == sorted(_fresh(cx, now), key=str), op
        # The use case on top: the same rows as with nothing kept, and an earlier moment
        # (the CLI's --at) is judged afresh too.
        items = todo.open_deadlines(cx)
        earlier = todo.open_deadlines(cx, now=clock.now - timedelta(hours=5))
        todo_memo.clear()
        assert todo.open_deadlines(cx) == items
        todo_memo.clear()
        assert todo.open_deadlines(cx, now=clock.now - timedelta(hours=5)) == earlier

    run()
    assert ids, "the sequences made cases"
    assert judged_again, "some kept cases were judged again when their moment came"


def test_nothing_is_kept_inside_a_transaction(engine_ctx):
    todo_memo.clear()
    with database.atomic():
        todo.open_deadlines(engine_ctx)
    assert todo_memo.kept_cases() is None
    todo.open_deadlines(engine_ctx)
    assert todo_memo.kept_cases() == 0


def test_a_write_by_another_connection_is_seen(ctx):
    """Another program writing the same SQLite file, or another seat of the office server:
    judged afresh."""
    cx = ctx
    v = cases.blank_case(cx)
    v.update(customer_name="张伟", content="异响", channel="电话热线", business="售后")
    v.update(received_at=cx.now() - timedelta(minutes=30))
    cid = cases.create_case(cx, v).id
    todo_memo.clear()
    assert {i.case_id for i in todo.open_deadlines(cx)} == {cid}
    if on_server():
        address = database.obj.address
        with psycopg.connect(dbname=address.dbname, **connect_params(address)) as seat:
            seat.execute("UPDATE cases SET deleted = 1 WHERE id = %s", [cid])
    else:
        other = sqlite3.connect(database.database)
        with other:
            other.execute("UPDATE cases SET deleted = 1 WHERE id = ?", [cid])
        other.close()
    assert todo.open_deadlines(cx) == []
