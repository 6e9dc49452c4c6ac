"""Load and save the office's policy (settings key "policy"), keeping every version.

What a change does to deadlines already running (a deliberate choice, policy.md: "the change
applies to new deadlines from then on"): each saved version is kept with the time it took
effect, and a case's deadlines use the version in force when the case was **received**. So a
case already open keeps the limits it started with; cases received after the change get the
new ones. ``load()`` is the version in force now, the one the policy editor shows.

Stored as ``{"versions": [{"from": ISO time, "by": name, "values": {...}}, ...]}``, oldest
first; before the first saved version the defaults of policy.md apply.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime

from complaints.rules.policy import Policy, apply_policy_key, policy_problems
from complaints.rules.validation import Problem
from complaints.usecases import audit, auth, settings, workcalendar
from complaints.usecases.context import Context
from complaints.usecases.errors import UseCaseError, ValidationFailed
from db.models import database
from db.retry import retried

KEY = "policy"
BINDING_KEY = "policy.binding"

# For the policy editor and the docs: what saving does to deadlines already running.
CHANGE_EFFECT = (
    "修改后的制度参数只适用于此后登记的投诉单;此前已登记的投诉单(包括尚未关闭的)"
    "仍按其登记时的参数计算时限。每次修改都保留历史版本并记入审计日志。"
)
DEFAULTS = Policy()


@dataclass(frozen=True)
class PolicyVersion:
    effective_from: datetime
    by: str
    policy: Policy


class PolicyBook:
    """All versions, for picking the one in force at a time without re-reading settings."""

    def __init__(self, versions: list[PolicyVersion], default: Policy = DEFAULTS):
        self.versions = sorted(versions, key=lambda v: v.effective_from)
        self._starts = [v.effective_from for v in self.versions]
        self.default = default

    def at(self, when: datetime | None) -> Policy:
        """The policy in force at ``when`` (the current one for None)."""
        if not self.versions:
            return self.default
        if when is None:
            return self.versions[-1].policy
        i = bisect_right(self._starts, when)
        return self.default if i == 0 else self.versions[i - 1].policy

    @property
    def current(self) -> Policy:
        return self.at(None)

    def any_follow_up(self) -> bool:
        """Some version makes follow-up visits (D12): else nothing needs looking for."""
        return self.default.follow_up or any(v.policy.follow_up for v in self.versions)


def _versions(raw: object) -> list[PolicyVersion]:
    out: list[PolicyVersion] = []
    if not isinstance(raw, dict):
        return out
    for v in raw.get("versions") or []:
        try:
            out.append(
                PolicyVersion(
                    datetime.fromisoformat(v["from"]),
                    str(v.get("by", "")),
                    Policy.from_dict(v.get("values") or {}),
                )
            )
        except (KeyError, TypeError, ValueError):
            continue  # a damaged version is skipped; the others still apply
    return out


def book() -> PolicyBook:
    versions = _versions(settings.get(KEY))
    if any(v.policy.office_rules() for v in versions):
        # Office-time rules read the office calendar: attached to each version (an office
        # that counts calendar time only never reads it).
        cal = workcalendar.data()
        versions = [
            PolicyVersion(v.effective_from, v.by, v.policy.with_(calendar=cal)) for v in versions
        ]
        return PolicyBook(versions, DEFAULTS.with_(calendar=cal))
    return PolicyBook(versions)


def load() -> Policy:
    """The policy in force now (defaults until an office saves its own)."""
    return book().current


def in_force(at: datetime | None) -> Policy:
    return book().at(at)


def history() -> list[PolicyVersion]:
    return book().versions


@dataclass(frozen=True)
class Binding:
    """Headquarters' rulebook marked binding: the branch may not change its policy."""

    reason: str
    issued_by: str  # who exported it at headquarters, and where
    issued_at: str  # local time text of the export
    file: str
    imported_by: str
    imported_at: str

    def refusal(self) -> str:
        why = f"(原因:{self.reason})" if self.reason else ""
        return (
            f"制度参数由总部统一规定,本站不能修改{why}:总部制度文件 {self.file}"
            f"由 {self.issued_by or '总部'} 于 {self.issued_at} 发布,"
            f"{self.imported_by or '—'} 于 {self.imported_at} 导入。如需修改请联系总部。"
        )


def binding() -> Binding | None:
    """The binding rulebook in force, or None when the office sets its own policy."""
    raw = settings.get(BINDING_KEY)
    if not isinstance(raw, dict) or not raw:
        return None
    try:
        return Binding(**{k: str(raw.get(k) or "") for k in Binding.__dataclass_fields__})
    except TypeError:
        return None


def set_binding(value: Binding | None) -> None:
    """Stored by the rulebook import (inside its transaction)."""
    settings.set_(BINDING_KEY, {} if value is None else value.__dict__)


def save(ctx: Context, policy: Policy, effective_from: datetime | None = None) -> Policy:
    """Validate and store ``policy`` as the version in force from ``effective_from`` (now by
    default; a later time for "new limits from 2027-01-01", never an earlier one: cases
    already received keep their rules) (audited). Refused while headquarters' rulebook is
    binding."""
    auth.require(ctx, "settings.policy")
    bound = binding()
    if bound is not None:
        raise UseCaseError(bound.refusal())
    return store_version(ctx, policy, effective_from)


@retried  # one transaction: run again if the office server undid it
def store_version(
    ctx: Context,
    policy: Policy,
    effective_from: datetime | None = None,
    *,
    audited: bool = True,
) -> Policy:
    """``save`` without the binding check, for the rulebook import (which is what sets the
    binding, and writes its own audit entry: ``audited`` False)."""
    auth.require(ctx, "settings.policy")
    problems = policy_problems(policy)
    if problems:
        raise ValidationFailed([Problem("policy", m) for m in problems])
    now = ctx.now()
    if effective_from is not None:
        if effective_from < now:
            raise UseCaseError(
                f"生效时间 {effective_from.isoformat()} 早于现在:新参数只能"
                "从现在或以后生效(已登记的投诉单按其登记时的参数计算时限)"
            )
        now = effective_from
    with database.atomic():
        settings.hold(KEY)  # a version added at another seat meanwhile is not lost
        raw = settings.get(KEY)
        raw = dict(raw) if isinstance(raw, dict) else {}
        versions = list(raw.get("versions") or [])
        old = book().current
        if versions:
            last = datetime.fromisoformat(versions[-1]["from"])
            if now < last:
                if last > ctx.now():
                    raise UseCaseError(
                        f"已有自 {last.isoformat()} 起生效的制度参数版本:新版本的生效时间不能早于它"
                    )
                raise UseCaseError("系统时间早于上次修改制度参数的时间,请先核对电脑时钟")
        versions.append({"from": now.isoformat(), "by": ctx.actor, "values": policy.to_dict()})
        raw["versions"] = versions
        settings.set_(KEY, raw)
        new_d, old_d = policy.to_dict(), old.to_dict()
        changes = {k: (old_d[k], v) for k, v in new_d.items() if old_d.get(k) != v}
        if audited:
            audit.record(
                ctx,
                "settings.policy",
                table="settings",
                uid=KEY,
                changes=changes,
                note=f"制度参数修改,适用于 {now.isoformat()} 起登记的投诉单",
            )
    return policy


def set_key(ctx: Context, key: str, value: str, effective_from: datetime | None = None) -> Policy:
    """``policy set KEY VALUE [--from T]``: the policy in force at T (now) with one key
    changed, saved as a new version from T."""
    at = effective_from or ctx.now()
    base = book().at(at)
    try:
        new = apply_policy_key(base, key, value)
    except ValueError as e:
        raise UseCaseError(str(e)) from None
    return save(ctx, new, effective_from)


def restore_defaults(ctx: Context) -> Policy:
    """The defaults of policy.md, as a new version (earlier versions stay for old cases)."""
    return save(ctx, Policy())
