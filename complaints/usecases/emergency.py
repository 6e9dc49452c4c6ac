"""突发事件: declaring a case an emergency, the general manager's to-do rows, and the list
of a period's emergencies with their reviews for the monthly report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from complaints.rules.deadlines import DeadlineStatus
from complaints.types import Action, EmergencyKind, State
from complaints.usecases import auth, cases, tracking
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import Context
from complaints.usecases.errors import UseCaseError
from db import emergency_rows
from db.models import database
from db.retry import retried

NOTIFIED = "宣布突发事件({kind}),已通知总经理"


@retried  # one transaction: run again if the office server undid it
def declare(ctx: Context, case_id: int, kind: EmergencyKind | str, note: str = "") -> None:
    """Declare a case an emergency: raised to 重大投诉, a note saying the general manager was
    notified (the to-do list puts it on top for them at once). Refused on a closed case."""
    try:
        kind = EmergencyKind(kind)
    except ValueError:
        raise UseCaseError("突发事件类型须为:" + "/".join(k.value for k in EmergencyKind)) from None
    with database.atomic():
        case = cases.get_case(case_id)  # NotFound when there is none
        auth.require(ctx, "case.escalate", department=case.get("department"))
        if case.get("state") == State.CLOSED.value:
            raise UseCaseError("已关闭的投诉单不能再宣布为突发事件")
        if case.get("emergency"):
            raise UseCaseError(f"该投诉单已是突发事件({case['emergency']})")
        cases.update_case(ctx, case_id, {"emergency": kind.value})
        text = NOTIFIED.format(kind=kind.value) + (f";{note.strip()}" if note.strip() else "")
        tracking.record_action(ctx, case_id, Action.NOTE, note=text)


@dataclass(frozen=True)
class EmergencyRow:
    """One open emergency as the to-do list shows it."""

    case_id: int
    number: str
    site: str
    kind: str
    declared_at: datetime
    due: datetime  # the major cases' handling limit (D8) after the declaration
    status: DeadlineStatus
    state: str
    department: str | None
    responsible: str | None
    customer_name: str
    limit: str


def open_rows(now: datetime, sites: tuple[str, ...] = ()) -> list[EmergencyRow]:
    """The open emergencies, newest declared first: 将到期 (they need the general manager's
    eye) until the major cases' handling limit (D8) after the declaration, 已逾期 after it
    while the case stays open. Reporting to the manufacturer is D2's, at the media limit."""
    book = policy_uc.book()
    out = []
    for c in emergency_rows.open_emergencies(sites):
        declared = c["emergency_at"] or c["received_at"]
        hours = book.at(c["received_at"]).d8_hours
        due = declared + timedelta(hours=hours)
        status = DeadlineStatus.AT_RISK if now <= due else DeadlineStatus.OVERDUE
        out.append(
            EmergencyRow(
                c["id"],
                c["number"],
                c["site"],
                c["emergency"],
                declared,
                due,
                status,
                c["state"],
                c["department"],
                c["responsible"],
                c["customer_name"],
                f"{hours}小时内处置完毕",
            )
        )
    out.sort(key=lambda r: r.declared_at, reverse=True)
    return out


REPORT_HEADERS = (
    "编号",
    "类型",
    "认定时间",
    "客户",
    "处理部门",
    "状态",
    "投诉内容",
    "复盘:原因",
    "复盘:处理经过",
    "复盘:改进措施",
)


def period_report(
    ctx: Context, start: datetime, end: datetime, sites: Sequence[str] = ()
) -> list[tuple[str, ...]]:
    """The emergencies declared in [start, end) with their reviews, one row each
    (REPORT_HEADERS): what the monthly report lists."""
    out: list[tuple[str, ...]] = []
    for c in emergency_rows.period_emergencies(start, end, sites):
        declared: Any = c["emergency_at"]
        out.append(
            (
                c["number"],
                c["emergency"],
                f"{ctx.local(declared):%Y-%m-%d %H:%M}" if declared else "",
                c["customer_name"] or "",
                c["department"] or "",
                c["state"],
                (c["content"] or "")[:200],
                c["review_cause"] or "(尚未复盘)",
                c["review_actions"] or "",
                c["review_changes"] or "",
            )
        )
    return out
