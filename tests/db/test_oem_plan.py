"""厂家跟踪's open-only query reads the open manufacturer cases by their partial index
(schema 21) and never walks every open case's row; the rows are tests/complaints'."""

from datetime import timedelta

from complaints.usecases import tracking
from db import case_loads
from db.models import database


def test_open_manufacturer_cases_come_from_the_partial_index(db_path):
    seen: list[str] = []
    conn = database.connection()
    conn.set_trace_callback(seen.append)  # each statement with its values filled in
    try:
        case_loads.oem_cases(include_closed=False, fmc_status=None, sites=[])
    finally:
        conn.set_trace_callback(None)
    (sql,) = [s for s in seen if "FROM cases c" in s]
    plan = " | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql))
    assert "SEARCH cases USING INDEX cases_oem_state" in plan
    assert "SEARCH c USING INTEGER PRIMARY KEY" in plan
    assert "COVERING INDEX cases_state_received" in plan
    assert "SEARCH entries USING INDEX entries_oem_report" in plan
    assert "SEARCH c USING INDEX cases_state_received" not in plan


def test_entries_and_latest_in_one_pass_are_the_two_reads(stats_demo):
    ctx = stats_demo
    ids = [r[0] for r in database.execute_sql("SELECT id FROM cases ORDER BY id")]
    cid = database.execute_sql("SELECT min(id) FROM cases WHERE state != '已关闭'").fetchone()[0]
    same = ctx.now() - timedelta(hours=1)
    for note in ("先", "后"):  # two at the same time: the later id is the latest
        tracking.record_action(ctx, cid, "上报厂家", at=same, reason="补录", note=note)
    actions = ("上报厂家", "关闭", "暂停", "恢复")
    entries, latest = case_loads.entries_and_latest(ids, actions=actions)
    assert latest == case_loads.latest_entries(ids) and latest[cid][2] == "后"
    want = case_loads.rule_entries_of(ids, actions=actions, in_time_order=True)
    assert entries == {k: v for k, v in want.items() if v} and len(entries) > 10
