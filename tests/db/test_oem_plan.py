"""厂家跟踪's open-only query reads the open manufacturer cases by their partial index
(schema 21) and never walks every open case's row; the rows are tests/complaints'."""

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
