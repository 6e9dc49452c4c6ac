"""Recording what happened to a case (the 动作 of ledger.md) and reading its deadlines.

``record_action`` is the one way a tracking entry is written from the case page or the CLI:
it checks the policy's transitions (complaints.rules.workflow), writes the entry and updates
the case's state and fields in one transaction, counts the revision at the owner, and audits.
Deadlines are never stored: ``case_deadlines`` derives them from the case and its entries
with the policy in force when the case was received (see complaints.usecases.policy).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from complaints.fields import FIELDS_BY_NAME
from complaints.rules import workflow
from complaints.rules.deadline_rules import all_deadlines
from complaints.rules.deadlines import Deadline, DeadlineStatus
from complaints.rules.escalation import escalation_hints
from complaints.rules.followup import follow_up_deadline
from complaints.rules.routing import route_case
from complaints.rules.validation import Problem
from complaints.types import Action, FmcStatus, Satisfaction
from complaints.usecases import audit, auth, cases, followup, proposals
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import Context
from complaints.usecases.errors import NotFound, StaleRecord, UseCaseError, ValidationFailed
from db import case_rows, entry_rows
from db.models import Case, database
from db.retry import retried


class TransitionRefused(UseCaseError):
    """The policy does not allow this action on the case now; the message says why."""


class BadEntryTime(UseCaseError):
    """A future time, or an earlier time without a reason, or one before the case began."""


PERMISSIONS: dict[Action, str] = {
    Action.DISPATCH: "case.assign",
    Action.NAME_RESPONSIBLE: "case.handle",  # the department manager names the person
    Action.CONTACT: "case.contact",
    Action.ESCALATE: "case.escalate",
    Action.REPORT_OEM: "case.oem_report",
    Action.HANDLED: "case.handle",
    Action.RETURN_TO_CS: "case.assign",  # CS receives the sheet back (CS's sheet movement)
    Action.CALLBACK: "case.callback",
    Action.SECOND_CALLBACK: "case.callback",
    Action.REOPEN: "case.reopen",
    Action.CLOSE: "case.close",
    Action.FOLLOW_UP: "case.callback",
    Action.FMC_STATUS: "case.oem_report",
    Action.NOTE: "case.note",
    # A hold stops the deadlines: for those who deal with the customer on the case.
    Action.PAUSE: "case.contact",
    Action.RESUME: "case.contact",
}

# The keyword parameters each action takes (beyond at, reason, note).
PARAMS: dict[Action, frozenset[str]] = {
    Action.DISPATCH: frozenset({"department"}),
    Action.NAME_RESPONSIBLE: frozenset({"person"}),
    Action.CONTACT: frozenset(),
    Action.ESCALATE: frozenset({"to"}),
    Action.REPORT_OEM: frozenset({"cac_number"}),
    Action.HANDLED: frozenset({"plan", "cause", "cause_note"}),
    Action.RETURN_TO_CS: frozenset({"plan", "cause", "cause_note"}),
    Action.CALLBACK: frozenset({"satisfaction"}),
    Action.SECOND_CALLBACK: frozenset({"satisfaction", "not_contacted"}),
    Action.REOPEN: frozenset(),
    Action.CLOSE: frozenset(workflow.REVIEW_FIELDS),  # an emergency's review
    Action.FOLLOW_UP: frozenset({"satisfaction", "new_problem"}),
    Action.FMC_STATUS: frozenset({"status", "cac_number"}),
    Action.NOTE: frozenset({"event"}),
    Action.PAUSE: frozenset(),  # the reason is its 说明
    Action.RESUME: frozenset(),
}

# An "earlier" time closer to now than this counts as now (the clerk picked the current minute).
BACKDATE_GRACE = timedelta(minutes=2)


def _parse_action(action: Action | str) -> Action:
    try:
        return Action(action)
    except ValueError:
        raise UseCaseError(f"未知的动作“{action}”") from None


def _entry_time(
    ctx: Context, at: datetime | None, reason: str | None, received: datetime
) -> datetime:
    now = ctx.now()
    if at is None:
        return now
    if at.tzinfo is None:
        at = at.replace(tzinfo=ctx.tz)  # a time typed at this office is its local time
    at = at.replace(microsecond=0)
    if at > now:
        raise BadEntryTime(
            f"不能记录将来的时间({ctx.local(at):%Y-%m-%d %H:%M}):请填写实际发生的时间"
        )
    if at < received:
        raise BadEntryTime(
            f"时间 {ctx.local(at):%Y-%m-%d %H:%M} 早于接单时间 {ctx.local(received):%Y-%m-%d %H:%M}"
        )
    if now - at > BACKDATE_GRACE and not (reason or "").strip():
        raise BadEntryTime("补录较早的时间(如外出处理后回来登记)须写明补录原因")
    return at


def _unchanged_since(ctx: Context, case: Case, act: Action, expected: str) -> None:
    """Refuse the action if the case is no longer what the person saw (another seat
    recorded or saved on it since): two seats that dispatch one case at the same moment
    would otherwise both succeed, the second overriding the first without either knowing."""
    now_version = cases.version_of(case_rows.case_to_dict(case))
    if now_version == expected:
        return
    when = ctx.local(case.modified_at).strftime("%Y-%m-%d %H:%M")
    refused = StaleRecord(
        f"投诉单 {case.number} 在您打开此窗口之后已被他人改动({when}),未记录“{act.value}”。"
        "窗口已载入最新情况:请看过后再按一次记录,您填写的内容仍在。"
    )
    refused.current_version = now_version
    raise refused


def _clean_params(action: Action, params: dict[str, Any]) -> dict[str, Any]:
    unknown = set(params) - PARAMS[action]
    if unknown:
        raise TypeError(f"{action.value} takes no parameter {sorted(unknown)}")
    out: dict[str, Any] = {}
    for k, given in params.items():
        v = given
        if isinstance(v, (Satisfaction, FmcStatus)):
            v = v.value
        if isinstance(v, str):
            v = v.strip()
        out[k] = v
    return out


def _case_changes(
    action: Action, case: Case, params: dict[str, Any], at: datetime, ctx: Context
) -> dict[str, Any]:
    """Field values the action sets on the case (state included)."""
    ch: dict[str, Any] = {}
    if action is Action.DISPATCH:
        ch["department"] = params["department"]
    elif action is Action.NAME_RESPONSIBLE:
        ch["responsible"] = params["person"]
    elif action is Action.REPORT_OEM:
        if params.get("cac_number"):
            ch["cac_number"] = params["cac_number"]
        if not case.fmc_status:
            ch["fmc_status"] = FmcStatus.ON_GOING.value
    elif action in (Action.HANDLED, Action.RETURN_TO_CS):
        for k in ("plan", "cause", "cause_note"):  # the cause is found when handling
            if params.get(k):
                ch[k] = params[k]
        if action is Action.HANDLED or case.handled_date is None:
            ch["handled_date"] = ctx.local(at).date()
    elif action is Action.CALLBACK:
        ch["callback_at"], ch["satisfaction"] = at, params["satisfaction"]
    elif action is Action.SECOND_CALLBACK:
        ch["callback2_at"], ch["satisfaction2"] = at, params["satisfaction"]
    elif action is Action.CLOSE:
        ch["closed_at"] = at
        for k in workflow.REVIEW_FIELDS:
            if params.get(k):
                ch[k] = params[k]
    elif action is Action.REOPEN:
        ch["closed_at"] = None
    elif action is Action.FMC_STATUS:
        ch["fmc_status"] = params["status"]
        if params.get("cac_number"):
            ch["cac_number"] = params["cac_number"]
    ch["state"] = workflow.next_state({"state": case.state}, action.value)
    problems = []
    for name, v in ch.items():
        f = FIELDS_BY_NAME[name]
        if isinstance(v, str) and f.max_length and len(v) > f.max_length:
            problems.append(Problem(name, f"{f.label}太长(最多 {f.max_length} 字)"))
    if problems:
        raise ValidationFailed(problems)
    return {k: v for k, v in ch.items() if getattr(case, k) != v}


@retried  # one transaction: run again if the office server undid it
def record_action(
    ctx: Context,
    case_id: int,
    action: Action | str,
    *,
    at: datetime | None = None,
    reason: str | None = None,
    note: str = "",
    expected_version: str | None = None,
    **params: Any,
) -> dict[str, Any]:
    """Record one 动作 on a case and move it on; refuses what the policy does not allow.

    ``expected_version``: ``cases.version_of`` the case as the person saw it when they began
    (the action's dialog). If another seat has changed the case since (dispatched it
    elsewhere, say) and the action is still allowed, nothing is recorded: StaleRecord,
    with the version now (an action no longer allowed says why, as always).

    ``at``: when it happened (now by default; an earlier time needs ``reason``, a future one is
    refused). ``params`` by action: 派单 department, 指定责任人 person, 升级 to, 上报厂家
    cac_number, 处理完成/回传客服 plan (and the case's cause, cause_note), 回访/二次回访
    satisfaction (five levels),
    二次回访 not_contacted=True (the customer says nobody contacted them: S7),
    FMC状态 status (+ cac_number), 关闭 an emergency's review (review_cause, review_actions,
    review_changes), 跟踪回访 satisfaction and new_problem=True (reopens the case).
    Returns the entry as a dict (``params`` decoded).
    """
    act = _parse_action(action)
    if act is Action.RECEIVED:
        raise TransitionRefused("“登记”在新建投诉单时自动记录")
    clean = _clean_params(act, params)
    note = (note or "").strip()
    with database.atomic():
        case = case_rows.get_for_write(case_id)  # two seats count the revision in turn
        if case is None:
            raise NotFound(f"找不到投诉单(id {case_id})")
        auth.require(ctx, PERMISSIONS[act], department=case.department)
        when = _entry_time(ctx, at, reason, case.received_at)
        entries = entry_rows.rule_entries(case_id)
        visits = act is Action.FOLLOW_UP and followup.makes_visits(case.received_at)
        why = workflow.check_transition(
            case_rows.case_to_dict(case), entries, act, {**clean, "note": note}, follow_up=visits
        )
        if why is None and act is Action.FOLLOW_UP:
            why = followup.visit_refusal(case.received_at, case.state, entries, when, ctx.tz)
        if why is not None:
            raise TransitionRefused(f"不能“{act.value}”:{why}")
        if expected_version is not None:  # allowed now, but maybe not what the person saw
            _unchanged_since(ctx, case, act, expected_version)
        changes = _case_changes(act, case, clean, when, ctx)
        now = ctx.now()
        reason = (reason or "").strip() or None
        new_problem = bool(clean.pop("new_problem", False))
        for k in workflow.REVIEW_FIELDS:  # on the case, not on the entry
            clean.pop(k, None)
        columns = workflow.column_values({**clean, "reason": reason})
        entry = entry_rows.insert(
            uid=str(uuid.uuid4()),
            site=ctx.site,
            revision=1,
            modified_at=now,
            case=case,
            at=when,
            action=act.value,
            actor=ctx.actor,
            note=note,
            recorded_at=now,
            **columns,
        )
        old = {k: getattr(case, k) for k in changes}
        if changes:
            for k, v in changes.items():
                setattr(case, k, v)
            case.modified_at = now
            if case.site == ctx.site:
                case.revision += 1  # the owner counts revisions (ledger.md)
            case.save()
        audit.record(
            ctx,
            "case.track",
            table="entries",
            uid=entry.uid,
            changes={
                "action": (None, act.value),
                **{k: (_plain(old[k]), _plain(v)) for k, v in changes.items()},
            },
            note=f"{case.number} {act.value}" + (f"(补录:{reason})" if reason else ""),
        )
        if new_problem:  # a new problem found at the follow-up visit reopens the case
            record_action(
                ctx, case_id, Action.REOPEN, at=when, reason=reason, note=followup.REOPEN_NOTE
            )
        proposals.after_write(ctx, case_id)  # the policy proposes once its condition holds
    return entry_rows.entry_to_dict(entry)


def _plain(v: Any) -> Any:
    return v.isoformat() if isinstance(v, (datetime, date)) else v


def timeline(case_id: int) -> list[dict[str, Any]]:
    """The case's entries, oldest first, with their structured values decoded."""
    return entry_rows.case_entries(case_id)


def _load(case_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    case = case_rows.case_dict(case_id)
    if case is None:
        raise NotFound(f"找不到投诉单(id {case_id})")
    return case, entry_rows.rule_entries(case_id)


def case_deadlines(
    ctx: Context, case_id: int, *, now: datetime | None = None, include_not_applicable: bool = False
) -> list[Deadline]:
    """The deadlines of one case as of ``now`` (default: the context's clock), in rule order."""
    case, entries = _load(case_id)
    pol = policy_uc.in_force(case["received_at"])
    ds = all_deadlines(case, entries, pol, now or ctx.now(), ctx.tz)
    d12 = follow_up_deadline(case, entries, pol, now or ctx.now(), ctx.tz)
    if d12 is not None:
        ds.append(d12)
    if include_not_applicable:
        return ds
    return [d for d in ds if d.status is not DeadlineStatus.NOT_APPLICABLE]


def available_actions(ctx: Context, case_id: int, *, check_roles: bool = True) -> set[Action]:
    """The actions the case page may offer now: allowed by the policy in the case's state
    and, with ``check_roles``, by the signed-in person's roles (no audit entry here;
    record_action still checks)."""
    case, entries = _load(case_id)
    acts = workflow.allowed_actions(
        case, entries, follow_up=followup.makes_visits(case["received_at"])
    )
    if check_roles:
        acts = {
            a for a in acts if auth.allowed(ctx, PERMISSIONS[a], department=case.get("department"))
        }
    return acts


def proposed_department(case_id: int) -> str | None:
    """R1's proposal for the 派单 dialog."""
    case, _ = _load(case_id)
    return route_case(case, policy_uc.load())


def case_hints(ctx: Context, case_id: int, *, now: datetime | None = None) -> list[str]:
    """Escalation hints of policy.md §4 (suggestions only): media, lawsuit, headcount, repeat,
    age."""
    case, entries = _load(case_id)
    pol = policy_uc.in_force(case["received_at"])
    related = case_rows.related(case_id, case.get("vin"), case.get("phone"), limit=50)
    return escalation_hints(case, entries, pol, now or ctx.now(), related)
