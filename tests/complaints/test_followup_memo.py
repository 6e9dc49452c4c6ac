"""What the to-do list keeps of the follow-up visits due (跟踪回访, D12) between reads is what
judging every closed case afresh gives, on both engines: random closings, visits and
reopenings, clock moves across the window's opening, its 将到期 and due moments and out of the
look-back, both clocks of D12 and a policy change."""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.rules.policy import Policy
from complaints.usecases import cases, followup, followup_memo, todo, todo_memo, tracking
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import Context
from complaints.usecases.errors import UseCaseError
from db.models import database


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


new_case = st.tuples(st.just("case"), st.integers(0, 600))
# A visit, now and then finding a new problem (the case reopens, D12 waits for its closing).
visit = st.tuples(st.just("visit"), st.integers(0, 50), st.booleans())
close_again = st.tuples(st.just("close"), st.integers(0, 50))
# Small steps cross the 将到期 and due moments, large ones days, holidays and the look-back.
move = st.tuples(
    st.just("clock"),
    st.one_of(st.integers(1, 240), st.integers(240, 60 * 24 * 4), st.integers(0, 60 * 24 * 30)),
    st.integers(0, 59),
)
new_policy = st.tuples(
    st.just("policy"), st.sampled_from(["office", "calendar"]), st.sampled_from([0.2, 0.5])
)
step = st.one_of(new_case, new_case, visit, visit, close_again, move, move, move, new_policy)


def _close(cx: Context, cid: int) -> None:
    for name, params in (("处理完成", {"plan": "更换配件"}), ("回访", {"satisfaction": "满意"})):
        with contextlib.suppress(UseCaseError):  # already past that step
            tracking.record_action(cx, cid, name, **params)
    tracking.record_action(cx, cid, "关闭")


def _apply(cx: Context, clock: Clock, ids: list[int], op: tuple) -> None:
    kind = op[0]
    try:
        if kind == "case":
            v = cases.blank_case(cx)
            v.update(
                customer_name="张伟",
                content="异响",
                business="售后",
                received_at=clock.now - timedelta(minutes=op[1]),
            )
            cid = cases.create_case(cx, v).id
            ids.append(cid)
            _close(cx, cid)
        elif kind == "visit" and ids:
            tracking.record_action(
                cx, ids[op[1] % len(ids)], "跟踪回访", satisfaction="满意", new_problem=op[2]
            )
        elif kind == "close" and ids:
            _close(cx, ids[op[1] % len(ids)])
        elif kind == "clock":
            clock.now += timedelta(minutes=op[1], seconds=op[2])
        elif kind == "policy":
            _, d12_clock, fraction = op
            policy_uc.save(
                cx,
                Policy().with_(follow_up=True, d12_clock=d12_clock, at_risk_fraction=fraction),
            )
    except UseCaseError:
        pass  # refused by the workflow (too early for a visit, not visited yet): no write


def _fresh(cx: Context, now):
    return [
        ({k: case[k] for k in followup_memo.CELLS}, d, at_risk)
        for case, d, at_risk in followup.due_visits(now, cx.tz)
    ]


def test_the_kept_visits_are_what_judging_afresh_gives(engine_ctx, monkeypatch):
    judged_again: list[int] = []
    closed_since = followup.closed_since

    def counting(since, ids=(), *, now=None):
        judged_again.extend(ids)
        return closed_since(since, ids, now=now)

    monkeypatch.setattr(followup, "closed_since", counting)
    clock = Clock(engine_ctx.now())
    cx = dataclasses.replace(engine_ctx, clock=clock)
    policy_uc.save(cx, Policy().with_(follow_up=True))
    ids: list[int] = []
    followup_memo.clear()

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(step, min_size=1, max_size=14))
    def run(ops: list[tuple[object, ...]]) -> None:
        for op in ops:
            _apply(cx, clock, ids, op)
            now = clock.now
            kept = followup_memo.due_visits(policy_uc.book(), now, cx.tz)
            assert sorted(kept, key=str) == sorted(_fresh(cx, now), key=str), op
        # The to-do list on top: the same rows as with nothing kept, and an earlier moment
        # (the CLI's --at) is judged afresh too.
        items = todo.open_deadlines(cx)
        earlier = todo.open_deadlines(cx, now=clock.now - timedelta(days=3))
        followup_memo.clear()
        todo_memo.clear()
        assert todo.open_deadlines(cx) == items
        followup_memo.clear()
        assert todo.open_deadlines(cx, now=clock.now - timedelta(days=3)) == earlier

    run()
    assert ids, "the sequences made cases"
    assert judged_again, "some kept cases were judged again when their moment came"


def test_nothing_is_kept_inside_a_transaction(engine_ctx):
    policy_uc.save(engine_ctx, Policy().with_(follow_up=True))
    followup_memo.clear()
    with database.atomic():
        todo.open_deadlines(engine_ctx)
    assert followup_memo.kept_cases() is None
    todo.open_deadlines(engine_ctx)
    assert followup_memo.kept_cases() == 0
