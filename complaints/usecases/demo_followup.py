"""Demo follow-up visits and emergencies: the demo office turned 跟踪回访 on some months ago,
and a few of its cases were emergencies (突发事件), the closed ones with their reviews.

After the demo cases are written (complaints.usecases.demo): a policy version with follow-up
visits from ``FOLLOW_UP_MONTHS`` ago (only where the office has no policy of its own yet),
then a visit after most closings since (on time mostly, a few late, a few still due, one that
found a new problem and reopened the case), then emergencies on cases with media or many
customers. Deterministic for the seed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from random import Random
from typing import Any

from complaints.rules.followup import window
from complaints.rules.policy import Policy
from complaints.types import Action, EmergencyKind, FmcStatus, Satisfaction, Severity, State
from complaints.usecases import audit, settings
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import Context
from db.models import Case, Entry, database

FOLLOW_UP_MONTHS = 4
CLERK = "沈佳琪"
_VISIT_SATISFACTION = (
    (Satisfaction.VERY_SATISFIED, 0.55),
    (Satisfaction.SATISFIED, 0.33),
    (Satisfaction.NEUTRAL, 0.10),
    (Satisfaction.DISSATISFIED, 0.02),  # unhappy, but the problem itself stayed solved
)
_VISIT_NOTES = ("问题未再出现", "车辆使用正常", "客户表示满意,感谢回访", "无异常", "")
_REVIEWS = {
    EmergencyKind.MEDIA: (
        "维修后同一故障三次返修,客户在短视频平台发布视频",
        "当天总经理致电客户,上报厂家,技术经理上门检测并更换总成,视频已由客户删除",
        "同一故障第二次返修即由技术经理复核;舆情由客服经理每日巡查",
    ),
    EmergencyKind.CROWD: (
        "同批次车辆配件到货延误,多名客户同时投诉交车延期",
        "逐一电话致歉并说明到货时间,提供代步车,配件到货后优先安排",
        "配件缺货超过3天即通知客户并上报总经理;与厂家建立紧急调货渠道",
    ),
}


@dataclass(frozen=True)
class DemoFollowUpReport:
    visits: int
    reopened: int
    emergencies: int


def _uid(rng: Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _entry(rng: Random, site: str, case_id: int, at: datetime, action: Action, **v: Any) -> None:
    Entry.create(
        uid=_uid(rng),
        site=site,
        revision=1,
        modified_at=at,
        case=case_id,
        at=at,
        action=action.value,
        actor=v.pop("actor", CLERK),
        note=v.pop("note", ""),
        recorded_at=at,
        **v,
    )


def _office_time(day: datetime, rng: Random, tz: Any) -> datetime:
    local = day.astimezone(tz)
    return datetime.combine(local.date(), time(9 + rng.randrange(8), rng.randrange(60)), tz)


def _turn_follow_up_on(ctx: Context, since: datetime) -> bool:
    """The demo office makes follow-up visits from ``since`` (a version dated then), unless
    the office already keeps a policy of its own."""
    raw = settings.get(policy_uc.KEY)
    if isinstance(raw, dict) and raw.get("versions"):
        return policy_uc.book().at(ctx.now()).follow_up
    values = Policy().with_(follow_up=True).to_dict()
    settings.set_(
        policy_uc.KEY,
        {"versions": [{"from": since.isoformat(), "by": "演示数据", "values": values}]},
    )
    audit.record(
        ctx,
        "settings.policy",
        table="settings",
        uid=policy_uc.KEY,
        changes={"follow_up": (False, True)},
        note=f"演示数据:自 {since.isoformat()} 起登记的投诉单关闭后跟踪回访",
    )
    return True


def _pick_satisfaction(rng: Random) -> Satisfaction:
    r = rng.random()
    for s, share in _VISIT_SATISFACTION:
        if r < share:
            return s
        r -= share
    return Satisfaction.SATISFIED


def _visit_closed_cases(ctx: Context, rng: Random, since: datetime) -> tuple[int, int]:
    now = ctx.now()
    pol = policy_uc.book().at(now)
    visits = reopened = 0
    closed = (
        Case.select()
        .where(
            (Case.site == ctx.site)
            & (Case.deleted == False)  # noqa: E712 (peewee builds SQL from ==)
            & (Case.state == State.CLOSED.value)
            & (Case.received_at >= since)
            & Case.closed_at.is_null(False)
        )
        .order_by(Case.closed_at)
    )
    cases = list(closed)
    # one visit found a new problem: a case closed three to six weeks ago
    new_problem_at = next(
        (
            i
            for i, c in enumerate(cases)
            if now - timedelta(days=42) < c.closed_at < now - timedelta(days=21)
        ),
        None,
    )
    for i, c in enumerate(cases):
        w = window(c.closed_at, pol, ctx.tz)
        r = rng.random()
        recent = c.closed_at > now - timedelta(days=20)
        if r < (0.15 if recent else 0.03):
            continue  # forgotten: overdue (or still due) on the to-do list
        day = w.opens + timedelta(days=rng.choice((0, 0, 1, 1, 2, 3)))
        if r > 0.95:
            day = w.due + timedelta(days=rng.randint(1, 3))  # late
        at = _office_time(day, rng, ctx.tz)
        if at <= w.opens:  # the window opens after a closing hour: the next morning
            at = _office_time(w.opens + timedelta(days=1), rng, ctx.tz)
        if at >= now:
            continue  # its window is open now: due on the to-do list
        new_problem = i == new_problem_at
        sat = Satisfaction.DISSATISFIED if new_problem else _pick_satisfaction(rng)
        _entry(
            rng,
            ctx.site,
            c.id,
            at,
            Action.FOLLOW_UP,
            satisfaction=sat.value,
            note="异响再次出现,客户要求再次检查" if new_problem else rng.choice(_VISIT_NOTES),
        )
        visits += 1
        if new_problem:
            reopened += 1
            _reopen_and_close_again(ctx, rng, c, at)
    return visits, reopened


def _reopen_and_close_again(ctx: Context, rng: Random, c: Case, at: datetime) -> None:
    """A new problem at the visit: reopened, handled again within D10, called back, closed."""
    site = ctx.site
    _entry(rng, site, c.id, at, Action.REOPEN, note="跟踪回访发现新问题")
    handled = at + timedelta(days=1, hours=2)
    _entry(
        rng,
        site,
        c.id,
        handled,
        Action.HANDLED,
        actor=c.responsible or "",
        plan="再次检查并更换相关部件",
    )
    called = handled + timedelta(hours=20)
    _entry(rng, site, c.id, called, Action.SECOND_CALLBACK, satisfaction="满意")
    closed = called + timedelta(minutes=20)
    _entry(rng, site, c.id, closed, Action.CLOSE, note="结案")
    c.closed_at, c.callback2_at, c.satisfaction2 = closed, called, "满意"
    c.save()
    again = window(closed, policy_uc.book().at(c.received_at), ctx.tz).opens + timedelta(hours=2)
    if again < ctx.now():
        _entry(rng, site, c.id, again, Action.FOLLOW_UP, satisfaction="满意", note="问题已解决")


def _emergencies(ctx: Context, rng: Random) -> int:
    """Two closed emergencies with their reviews, one open for the general manager."""
    now = ctx.now()
    base = Case.select().where(
        (Case.site == ctx.site)
        & (Case.deleted == False)  # noqa: E712 (peewee builds SQL from ==)
        & Case.emergency.is_null()
        & (Case.received_at <= now - timedelta(hours=6))
    )
    made = 0
    # yes/no columns compared with 1: PostgreSQL keeps them as integers, not booleans
    for kind, flag in ((EmergencyKind.MEDIA, Case.media), (EmergencyKind.CROWD, Case.collective)):
        c = (
            base.where((flag == 1) & (Case.state == State.CLOSED.value))
            .order_by(Case.received_at.desc())
            .first()
        )
        if c is None:
            continue
        cause, actions, changes = _REVIEWS[kind]
        _declare(rng, ctx, c, kind)
        c.review_cause, c.review_actions, c.review_changes = cause, actions, changes
        c.save()
        made += 1
    open_case = (
        base.where(Case.state != State.CLOSED.value).order_by(Case.received_at.desc()).first()
    )
    if open_case is not None:
        _declare(rng, ctx, open_case, EmergencyKind.SAFETY)
        made += 1
    return made


def _declare(rng: Random, ctx: Context, c: Case, kind: EmergencyKind) -> None:
    at = c.received_at + timedelta(minutes=rng.randint(10, 40))
    c.emergency, c.emergency_at, c.severity = kind.value, at, Severity.MAJOR.value
    c.save()
    _entry(rng, ctx.site, c.id, at, Action.NOTE, note=f"宣布突发事件({kind.value}),已通知总经理")
    reported = at + timedelta(minutes=rng.randint(20, 60))
    if reported < ctx.now():
        _entry(rng, ctx.site, c.id, reported, Action.REPORT_OEM, note="按突发事件上报厂家")
        if not c.fmc_status:  # as recording 上报厂家 does
            c.fmc_status = FmcStatus.ON_GOING.value
            c.save()


def add_demo_follow_ups(ctx: Context, seed: int | str) -> DemoFollowUpReport:
    """Follow-up visits and emergencies over this site's demo cases (see the module doc)."""
    rng = Random(f"follow-ups/{seed}")
    now = ctx.now()
    local = now.astimezone(ctx.tz)
    month = local.month - FOLLOW_UP_MONTHS
    since = datetime(local.year + (month - 1) // 12, (month - 1) % 12 + 1, 1, tzinfo=ctx.tz)
    with database.atomic():
        visits = reopened = 0
        if _turn_follow_up_on(ctx, since):
            visits, reopened = _visit_closed_cases(ctx, rng, since)
        emergencies = _emergencies(ctx, rng)
    return DemoFollowUpReport(visits, reopened, emergencies)
