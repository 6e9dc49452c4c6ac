"""厂家跟踪's open-only view and its latest entries read the same rows on both engines (the
SQLite spelling uses index hints and partial indexes that PostgreSQL does without)."""

from __future__ import annotations

from datetime import timedelta

from complaints.types import State
from complaints.usecases import cases, oem, tracking
from tests.conftest import FIXED_NOW


def _case(ctx, **kw) -> int:
    v = {
        **cases.blank_case(ctx),
        "customer_name": "张伟",
        "content": "x",
        "received_at": FIXED_NOW - timedelta(hours=5),
    }
    v.update(kw)
    return cases.create_case(ctx, v).id


def test_open_only_rows_and_latest_entries(engine_ctx):
    ctx = engine_ctx
    forwarded = _case(ctx, channel="厂家转发")
    reported = _case(ctx)
    tracking.record_action(ctx, reported, "上报厂家", note="先报")
    plain = _case(ctx)
    closed = _case(ctx, channel="厂家转发")
    cases.update_case(ctx, closed, {"state": State.CLOSED.value, "closed_at": FIXED_NOW})
    rows = {r.case_id: r for r in oem.oem_rows(ctx, include_closed=False)}
    assert set(rows) == {forwarded, reported} and plain not in rows
    assert rows[reported].last_action == "上报厂家" and rows[reported].last_note == "先报"
    assert rows[reported].reported_at is not None and rows[forwarded].last_action is not None
    assert {r.case_id for r in oem.oem_rows(ctx)} == {forwarded, reported, closed}
    # one office's rows, as HQ's site filter asks for them (SQLite's hint spelling is not
    # PostgreSQL's)
    assert {r.case_id for r in oem.oem_rows(ctx, sites=["SH01"])} == {forwarded, reported, closed}
    assert oem.oem_rows(ctx, include_closed=False, sites=["BJ01"]) == []
