"""case_loads.latest_entries (厂家跟踪's 最近跟踪): each case's latest entry by time, then id,
deleted entries left out: the index search per case gives what the whole history says."""

from __future__ import annotations

from datetime import timedelta

from complaints.usecases import cases, tracking
from db import case_loads
from db.models import Case, Entry
from tests.conftest import FIXED_NOW


def _latest_by_python() -> dict[int, tuple]:
    """The latest entry of each case read from every entry (the definition)."""
    best: dict[int, Entry] = {}
    for e in Entry.select().where(Entry.deleted == False):  # noqa: E712 (peewee expression)
        b = best.get(e.case_id)
        if b is None or (e.at, e.id) > (b.at, b.id):
            best[e.case_id] = e
    return {cid: (e.at, e.action, e.note) for cid, e in best.items()}


def test_latest_entries_are_the_newest_of_the_whole_history(stats_demo):
    ctx = stats_demo
    # Two entries at the same time: the later id wins; a deleted newer entry is left out.
    cid = cases.create_case(
        ctx,
        {
            **cases.blank_case(ctx),
            "customer_name": "张伟",
            "content": "x",
            "received_at": FIXED_NOW - timedelta(hours=5),
        },
    ).id
    same = FIXED_NOW - timedelta(hours=1)
    reason = "补录"
    tracking.record_action(ctx, cid, "上报厂家", at=same, reason=reason, note="先")
    tracking.record_action(ctx, cid, "上报厂家", at=same, reason=reason, note="后")
    newest = tracking.record_action(ctx, cid, "上报厂家", note="删")
    Entry.update(deleted=True).where(Entry.id == newest["id"]).execute()
    ids = [c.id for c in Case.select(Case.id)]
    expected = _latest_by_python()
    got = case_loads.latest_entries(ids)
    assert len(got) > 300
    assert got == {cid_: expected[cid_] for cid_ in ids if cid_ in expected}
    assert got[cid][2] == "后"
