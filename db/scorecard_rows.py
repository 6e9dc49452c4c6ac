"""The scorecards' reads: who registered and who first called back each case of a period,
and the business of each department."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from complaints.types import Action
from db.models import Department, database
from db.timeutil import to_db


def clerks(start: datetime, end: datetime, sites: Sequence[str]) -> dict[int, tuple[str, str]]:
    """case id → (actor of its 登记 entry, actor of its first 回访 entry; "" when none) of the
    cases received in [start, end) at these sites (empty: every site)."""
    site_sql = f" AND c.site IN ({', '.join('?' * len(sites))})" if sites else ""
    rows = database.execute_sql(
        "SELECT c.id, (SELECT e.actor FROM entries e WHERE e.case_id = c.id AND e.deleted = 0 "
        "AND e.action = ? ORDER BY e.at LIMIT 1), (SELECT e.actor FROM entries e "
        "WHERE e.case_id = c.id AND e.deleted = 0 AND e.action = ? ORDER BY e.at LIMIT 1) "
        f"FROM cases c WHERE c.received_at >= ? AND c.received_at < ? AND c.deleted = 0{site_sql}",
        [Action.RECEIVED.value, Action.CALLBACK.value, to_db(start), to_db(end), *sites],
    )
    return {cid: (reg or "", cb or "") for cid, reg, cb in rows}


def department_business() -> dict[str, str | None]:
    """department name → its business (售后 / 销售 / None)."""
    return {d.name: d.business for d in Department.select(Department.name, Department.business)}
