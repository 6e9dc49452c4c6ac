"""厂家跟踪: the manufacturer tracking sheet (policy.md §3, FMC状态).

Lists every case forwarded by the manufacturer (渠道 厂家转发), flagged 需厂家支持, reported to
the manufacturer (an 上报厂家 entry) or already carrying an FMC status or CAC number, with the
report time and D2's status. Two queries for all rows; changing the status is a tracking
entry (``set_fmc_status`` → tracking.record_action).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from complaints.rules.deadlines import Deadline, deadline
from complaints.types import Action, Channel, FmcStatus, State
from complaints.usecases import policy as policy_uc
from complaints.usecases import tracking
from complaints.usecases.context import Context
from db.models import database
from db.timeutil import from_db

_COLUMNS = ("id", "number", "site", "received_at", "channel", "severity", "kind", "business",
            "area", "media", "needs_oem", "state", "closed_at", "department", "responsible",
            "customer_name", "car_model", "vin", "cac_number", "fmc_status")

_OEM_WHERE = (
    "c.deleted = 0 AND (c.channel = ? OR c.needs_oem = 1 OR c.fmc_status IS NOT NULL "
    "OR c.cac_number IS NOT NULL OR EXISTS (SELECT 1 FROM entries x WHERE x.case_id = c.id "
    "AND x.action = ? AND x.deleted = 0))"
)


@dataclass(frozen=True)
class OemRow:
    case_id: int
    number: str
    site: str
    received_at: datetime
    customer_name: str
    car_model: str | None
    vin: str | None
    channel: str
    severity: str
    state: str
    department: str | None
    cac_number: str | None
    fmc_status: str | None
    reported_at: datetime | None  # first 上报厂家
    d2: Deadline  # 不适用 unless major or 需厂家支持
    last_at: datetime | None  # the latest tracking entry
    last_action: str | None
    last_note: str | None
    days_open: int  # to closing, or to now while open


def oem_rows(ctx: Context, *, now: datetime | None = None, include_closed: bool = True,
             fmc_status: str | None = None, sites: Iterable[str] | None = None
             ) -> list[OemRow]:
    """Rows of the 厂家跟踪 view, newest case first; ``sites`` narrows to those offices'
    cases (none given: every office, the HQ's whole picture)."""
    now = now or ctx.now()
    where = _OEM_WHERE
    params: list[Any] = [Channel.OEM.value, Action.REPORT_OEM.value]
    if not include_closed:
        where += " AND c.state != ?"
        params.append(State.CLOSED.value)
    if fmc_status:
        where += " AND c.fmc_status = ?"
        params.append(fmc_status)
    codes = sorted({sites} if isinstance(sites, str) else set(sites or ()))
    if codes:
        where += f" AND c.site IN ({', '.join('?' * len(codes))})"
        params += codes
    cases: dict[int, dict[str, Any]] = {}
    for row in database.execute_sql(
            f"SELECT {', '.join('c.' + k for k in _COLUMNS)} FROM cases c WHERE {where} "
            "ORDER BY c.received_at DESC, c.id DESC", params):
        c = dict(zip(_COLUMNS, row, strict=True))
        c["received_at"], c["closed_at"] = from_db(c["received_at"]), from_db(c["closed_at"])
        c["media"], c["needs_oem"] = bool(c["media"]), bool(c["needs_oem"])
        cases[c["id"]] = c
    entries: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for case_id, at, action, note in database.execute_sql(
            "SELECT e.case_id, e.at, e.action, e.note FROM entries e JOIN cases c "
            f"ON c.id = e.case_id WHERE e.deleted = 0 AND {where} ORDER BY e.case_id, e.at, e.id",
            params):
        entries[case_id].append({"at": from_db(at), "action": action, "note": note})
    book = policy_uc.book()
    rows: list[OemRow] = []
    for cid, c in cases.items():
        es = entries.get(cid, [])
        reported = next((e["at"] for e in es if e["action"] == Action.REPORT_OEM.value), None)
        last = es[-1] if es else None
        end = c["closed_at"] if c["state"] == State.CLOSED.value and c["closed_at"] else now
        d2 = deadline("D2", c, es, book.at(c["received_at"]), now, ctx.tz)
        rows.append(OemRow(
            cid, c["number"], c["site"], c["received_at"], c["customer_name"], c["car_model"],
            c["vin"], c["channel"], c["severity"], c["state"], c["department"],
            c["cac_number"], c["fmc_status"], reported, d2,
            last["at"] if last else None, last["action"] if last else None,
            last["note"] if last else None, max(0, (end - c["received_at"]).days)))
    return rows


def set_fmc_status(ctx: Context, case_id: int, status: FmcStatus | str, *, note: str = "",
                   cac_number: str | None = None, at: datetime | None = None,
                   reason: str | None = None) -> dict[str, Any]:
    """Change a case's FMC状态: writes an ``FMC状态`` entry (the 说明 starts with the status)."""
    params: dict[str, Any] = {"status": status}
    if cac_number:
        params["cac_number"] = cac_number
    return tracking.record_action(ctx, case_id, Action.FMC_STATUS, at=at, reason=reason,
                                  note=note, **params)
