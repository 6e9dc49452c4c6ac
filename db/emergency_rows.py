"""Cases declared emergencies (突发事件): the open ones for the to-do list, a period's for the
monthly report with their reviews."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from complaints.types import State
from db.models import database
from db.timeutil import from_db, to_db

_OPEN_COLUMNS = (
    "id",
    "number",
    "site",
    "emergency",
    "emergency_at",
    "received_at",
    "state",
    "department",
    "responsible",
    "customer_name",
)
_REPORT_COLUMNS = (
    *_OPEN_COLUMNS,
    "content",
    "closed_at",
    "review_cause",
    "review_actions",
    "review_changes",
)
_TIMES = ("emergency_at", "received_at", "closed_at")


def _decode(columns: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
    out = dict(zip(columns, row, strict=True))
    for k in _TIMES:
        if k in out:
            out[k] = from_db(out[k]) if out[k] else None
    return out


def open_emergencies(sites: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Emergencies not closed and not deleted (of these sites; none given: every site)."""
    where = ["emergency IS NOT NULL", "deleted = 0", "state != ?"]
    params: list[Any] = [State.CLOSED.value]
    if sites:
        where.append(f"site IN ({', '.join('?' * len(sites))})")
        params += list(sites)
    sql = f"SELECT {', '.join(_OPEN_COLUMNS)} FROM cases WHERE {' AND '.join(where)}"
    return [_decode(_OPEN_COLUMNS, r) for r in database.execute_sql(sql, params)]


def period_emergencies(
    start: datetime, end: datetime, sites: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Emergencies declared in [start, end) (of these sites; none given: every site), oldest
    first, with their reviews."""
    where = "emergency IS NOT NULL AND deleted = 0 AND emergency_at >= ? AND emergency_at < ?"
    params: list[Any] = [to_db(start), to_db(end)]
    if sites:
        where += f" AND site IN ({', '.join('?' * len(sites))})"
        params += list(sites)
    sql = f"SELECT {', '.join(_REPORT_COLUMNS)} FROM cases WHERE {where} ORDER BY emergency_at, id"
    rows = database.execute_sql(sql, params)
    return [_decode(_REPORT_COLUMNS, r) for r in rows]
