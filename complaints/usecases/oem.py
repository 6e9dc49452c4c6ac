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

from complaints.rules.deadline_rules import deadline
from complaints.rules.deadlines import Deadline
from complaints.types import Action, Channel, FmcStatus, State
from complaints.usecases import policy as policy_uc
from complaints.usecases import tracking
from complaints.usecases.context import Context
from db.models import database
from db.timeutil import from_db

_COLUMNS = (
    "id",
    "number",
    "site",
    "received_at",
    "channel",
    "severity",
    "kind",
    "business",
    "area",
    "media",
    "needs_oem",
    "state",
    "closed_at",
    "department",
    "responsible",
    "customer_name",
    "car_model",
    "vin",
    "cac_number",
    "fmc_status",
)

# The manufacturer cases, written with literal values exactly as the partial indexes of schema
# 12 (cases_oem, entries_oem_report) say them, so that SQLite uses those indexes: the page
# reads only these cases and these entries, never the whole history (issue 23 §4).
_OEM_CASE = (
    f"deleted = 0 AND (channel = '{Channel.OEM.value}' OR needs_oem = 1 "
    "OR fmc_status IS NOT NULL OR cac_number IS NOT NULL)"
)
_REPORTED = f"action = '{Action.REPORT_OEM.value}' AND deleted = 0"
_OPEN_STATES = tuple(s.value for s in State if s is not State.CLOSED)
# The entries the row needs besides the latest one: D2 looks only at the first 上报厂家 and
# the first 关闭 (complaints.rules.deadline_rules._d2, _judge).
_D2_ACTIONS = (Action.REPORT_OEM.value, Action.CLOSE.value)


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


def oem_rows(
    ctx: Context,
    *,
    now: datetime | None = None,
    include_closed: bool = True,
    fmc_status: str | None = None,
    sites: Iterable[str] | None = None,
) -> list[OemRow]:
    """Rows of the 厂家跟踪 view, newest case first; ``sites`` narrows to those offices'
    cases (none given: every office, the HQ's whole picture)."""
    now = now or ctx.now()
    where: list[str] = []
    params: list[Any] = []
    if fmc_status:
        where.append("c.fmc_status = ?")
        params.append(fmc_status)
    codes = sorted({sites} if isinstance(sites, str) else set(sites or ()))
    if codes:
        where.append(f"+c.site IN ({', '.join('?' * len(codes))})")
        params += codes
    if include_closed:
        # Both sets from their partial indexes, then the rows by id.
        ids = (
            f"c.id IN (SELECT id FROM cases WHERE {_OEM_CASE} UNION "
            f"SELECT case_id FROM entries WHERE {_REPORTED}) AND c.deleted = 0"
        )
    else:
        # The open cases (state index), each checked against the indexes.
        ids = (
            f"c.state IN ({', '.join('?' * len(_OPEN_STATES))}) AND c.deleted = 0 AND "
            "(c.channel = ? OR c.needs_oem = 1 OR c.fmc_status IS NOT NULL "
            "OR c.cac_number IS NOT NULL OR EXISTS (SELECT 1 FROM entries x "
            f"WHERE x.case_id = c.id AND x.action = '{Action.REPORT_OEM.value}' "
            "AND x.deleted = 0))"
        )
        params = [*_OPEN_STATES, Channel.OEM.value, *params]
    cases: dict[int, dict[str, Any]] = {}
    for row in database.execute_sql(
        f"SELECT {', '.join('c.' + k for k in _COLUMNS)} FROM cases c "
        f"WHERE {' AND '.join([ids, *where])} ORDER BY c.received_at DESC, c.id DESC",
        params,
    ):
        c = dict(zip(_COLUMNS, row, strict=True))
        c["received_at"], c["closed_at"] = from_db(c["received_at"]), from_db(c["closed_at"])
        c["media"], c["needs_oem"] = bool(c["media"]), bool(c["needs_oem"])
        cases[c["id"]] = c
    entries: dict[int, list[dict[str, Any]]] = defaultdict(list)
    last: dict[int, tuple[Any, ...]] = {}
    case_ids = list(cases)
    marks = ", ".join("?" * len(_D2_ACTIONS))
    for i in range(0, len(case_ids), 900):
        chunk = case_ids[i : i + 900]
        in_chunk = f"case_id IN ({', '.join('?' * len(chunk))})"
        for case_id, at, action in database.execute_sql(
            f"SELECT case_id, at, action FROM entries WHERE {in_chunk} AND deleted = 0 "
            f"AND action IN ({marks}) ORDER BY case_id, at, id",
            [*chunk, *_D2_ACTIONS],
        ):
            entries[case_id].append({"at": from_db(at), "action": action})
        # The latest entry of each case (by time, then id), from the covering entries index.
        for case_id, at, action, note in database.execute_sql(
            "SELECT case_id, at, action, note FROM (SELECT case_id, at, action, note, "
            "row_number() OVER (PARTITION BY case_id ORDER BY at DESC, id DESC) AS n "
            f"FROM entries WHERE {in_chunk} AND deleted = 0) WHERE n = 1",
            chunk,
        ):
            last[case_id] = (from_db(at), action, note)
    book = policy_uc.book()
    rows: list[OemRow] = []
    for cid, c in cases.items():
        es = entries.get(cid, [])
        reported = next((e["at"] for e in es if e["action"] == Action.REPORT_OEM.value), None)
        end = c["closed_at"] if c["state"] == State.CLOSED.value and c["closed_at"] else now
        d2 = deadline("D2", c, es, book.at(c["received_at"]), now, ctx.tz)
        last_at, last_action, last_note = last.get(cid, (None, None, None))
        rows.append(
            OemRow(
                cid,
                c["number"],
                c["site"],
                c["received_at"],
                c["customer_name"],
                c["car_model"],
                c["vin"],
                c["channel"],
                c["severity"],
                c["state"],
                c["department"],
                c["cac_number"],
                c["fmc_status"],
                reported,
                d2,
                last_at,
                last_action,
                last_note,
                max(0, (end - c["received_at"]).days),
            )
        )
    return rows


def set_fmc_status(
    ctx: Context,
    case_id: int,
    status: FmcStatus | str,
    *,
    note: str = "",
    cac_number: str | None = None,
    at: datetime | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Change a case's FMC状态: writes an ``FMC状态`` entry (the 说明 starts with the status)."""
    params: dict[str, Any] = {"status": status}
    if cac_number:
        params["cac_number"] = cac_number
    return tracking.record_action(
        ctx, case_id, Action.FMC_STATUS, at=at, reason=reason, note=note, **params
    )
