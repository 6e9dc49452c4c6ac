"""厂家跟踪: the manufacturer tracking sheet (policy.md §3, FMC状态).

Lists every case forwarded by the manufacturer (渠道 厂家转发), flagged 需厂家支持, reported to
the manufacturer (an 上报厂家 entry) or already carrying an FMC status or CAC number, with the
report time and D2's status. Two queries for all rows (db.case_loads); changing the status
is a tracking entry (``set_fmc_status`` → tracking.record_action).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from complaints.rules.deadline_rules import deadline
from complaints.rules.deadlines import Deadline
from complaints.types import Action, FmcStatus, State
from complaints.usecases import policy as policy_uc
from complaints.usecases import tracking
from complaints.usecases.context import Context
from db import case_loads

_REPORT_OEM = Action.REPORT_OEM.value  # a plain string for the loop over every row

# The entries a row needs besides the latest one: D2 looks only at the first 上报厂家, the
# first 关闭 and the holds (complaints.rules.deadline_rules._d2, _judge).
_D2_ACTIONS = (
    Action.REPORT_OEM.value,
    Action.CLOSE.value,
    Action.PAUSE.value,
    Action.RESUME.value,
)


class OemRow(NamedTuple):
    """One row of the page (a named tuple: the page builds thousands at once, and a frozen
    dataclass's field-by-field __init__ cost a tenth of its time at HQ)."""

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
    codes = sorted({sites} if isinstance(sites, str) else set(sites or ()))
    cases = case_loads.oem_cases(
        include_closed=include_closed, fmc_status=fmc_status or None, sites=codes
    )
    entries, last = case_loads.entries_and_latest(cases, actions=_D2_ACTIONS)
    book = policy_uc.book()
    rows: list[OemRow] = []
    for cid, c in cases.items():
        es = entries.get(cid, [])
        reported = next((e["at"] for e in es if e["action"] == _REPORT_OEM), None)
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
