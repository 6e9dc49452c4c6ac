"""Local accounts: the first administrator, the people the administrator adds, changes,
locks out and lets back in, their passwords; and the opt-in anonymising clean-up of old
closed cases (PIPL). Signing in is complaints.usecases.signin; what a password must be and
how it is hashed, complaints.usecases.passwords."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from complaints.rules.permissions import ROLES, Role
from complaints.types import State
from complaints.usecases import audit, auth, passwords, settings
from complaints.usecases.context import Context, parse_tz
from complaints.usecases.errors import NotFound, SignInFailed, UseCaseError
from db import bulk, office, people
from db.models import database
from db.retry import retried
from db.timeutil import to_db

LOGIN_RE = re.compile(r"[A-Za-z0-9_.\-\u4e00-\u9fff]{2,32}")


@dataclass(frozen=True)
class UserInfo:
    id: int
    login: str
    display_name: str
    roles: frozenset[str]
    department: str | None
    active: bool
    locked_until: datetime | None
    failed_tries: int
    must_change_password: bool
    last_sign_in_at: datetime | None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    @property
    def roles_text(self) -> str:
        return "、".join(r for r in ROLES if r in self.roles) or "无角色"


def _site_code() -> str:
    return settings.get("site.code") or ""


def _tz():
    return parse_tz(settings.get("site.tz"))


def context_for_user(user: UserInfo, clock=None) -> Context:
    """The Context a signed-in person acts with: the office, their name, roles, department."""
    kwargs = {"clock": clock} if clock else {}
    return Context(
        site=_site_code(),
        actor=user.display_name,
        tz=_tz(),
        user_id=user.id,
        roles=user.roles,
        department=user.department,
        **kwargs,
    )


def event_context(
    now: datetime, actor: str, user_id: int | None = None, roles: Iterable[str] = ()
) -> Context:
    """The Context of an account event nobody signed in acts in (a sign-in, the first
    administrator): who it is about, at ``now``."""
    return Context(
        site=_site_code(),
        actor=actor,
        tz=_tz(),
        clock=lambda: now,
        user_id=user_id,
        roles=frozenset(roles),
    )


# --- checks on input ------------------------------------------------------------------------


def _check_login(login: str) -> str:
    login = (login or "").strip()
    if not LOGIN_RE.fullmatch(login):
        raise UseCaseError(f"登录名“{login}”不合格式:2–32 个字母、数字、汉字或 _ . -")
    return login


def _check_roles(roles: Iterable[str], department: str | None) -> tuple[frozenset[str], str | None]:
    held = frozenset(r.strip() for r in roles if r and r.strip())
    unknown = sorted(held - set(ROLES))
    if unknown:
        raise UseCaseError(f"未知的角色:{'、'.join(unknown)}(可选:{'、'.join(ROLES)})")
    if not held:
        raise UseCaseError("至少要有一个角色")
    department = (department or "").strip() or None
    if Role.DEPT_MANAGER.value in held and not department:
        raise UseCaseError("部门经理必须指定所属部门")
    if department and not office.department_exists(department):
        names = "、".join(office.all_department_names())
        raise UseCaseError(f"没有名为“{department}”的部门(现有:{names})")
    return held, department


def _get(login: str) -> people.UserRow:
    u = people.by_login((login or "").strip())
    if u is None:
        raise NotFound(f"没有登录名为“{login}”的用户")
    return u


# --- reading --------------------------------------------------------------------------------


def has_users() -> bool:
    return people.has_users()


def needs_first_admin() -> bool:
    """First start: no account yet, so the first one to create is the administrator."""
    return not people.has_users()


def list_users(*, include_inactive: bool = True) -> list[UserInfo]:
    return [UserInfo(*u) for u in people.all_users(include_inactive=include_inactive)]


def get_user(login: str) -> UserInfo:
    return UserInfo(*_get(login))


def get_user_by_id(user_id: int) -> UserInfo:
    u = people.by_id(user_id)
    if u is None:
        raise NotFound(f"找不到用户(id {user_id})")
    return UserInfo(*u)


def site_administrator() -> UserInfo | None:
    """The active administrator account the CLI acts as without --user (the oldest)."""
    for u in people.active_users():
        if Role.ADMIN.value in u.roles:
            return UserInfo(*u)
    return None


# --- creating and changing accounts ---------------------------------------------------------


@retried  # one transaction: run again if the office server undid it
def create_first_admin(
    login: str,
    display_name: str,
    password: str,
    *,
    now: datetime,
    must_change_password: bool = False,
) -> UserInfo:
    """First start: the administrator account. Refused once any account exists.
    ``must_change_password`` for a temporary password someone else has seen."""
    login = _check_login(login)
    display_name = (display_name or "").strip() or login
    passwords.check_password(password)
    with database.atomic():
        if people.has_users():
            raise UseCaseError("已经有用户账户:请由管理员登录后新增用户")
        u = people.insert(
            login=login,
            display_name=display_name,
            roles={Role.ADMIN.value},
            password_hash=passwords.hash_password(password),
            created_at=now,
            modified_at=now,
            must_change_password=must_change_password,
        )
        audit.record(
            event_context(now, display_name, u.id, {Role.ADMIN.value}),
            "user.create",
            table="users",
            uid=login,
            note="首次启动创建管理员",
            changes={"roles": (None, [Role.ADMIN.value])},
        )
    return UserInfo(*u)


@retried  # one transaction: run again if the office server undid it
def add_user(
    ctx: Context,
    login: str,
    display_name: str,
    roles: Iterable[str],
    password: str,
    *,
    department: str | None = None,
    must_change_password: bool = True,
) -> UserInfo:
    auth.require(ctx, "users.manage")
    login = _check_login(login)
    display_name = (display_name or "").strip()
    if not display_name:
        raise UseCaseError("显示名必须填写")
    held, department = _check_roles(roles, department)
    passwords.check_password(password)
    now = ctx.now()
    with database.atomic():
        if people.by_login(login) is not None:
            raise UseCaseError(f"登录名“{login}”已被使用")
        u = people.insert(
            login=login,
            display_name=display_name,
            roles=held,
            department=department,
            password_hash=passwords.hash_password(password),
            must_change_password=must_change_password,
            created_at=now,
            modified_at=now,
        )
        changes = {"display_name": (None, display_name), "roles": (None, sorted(held))}
        if department:
            changes["department"] = (None, department)
        audit.record(ctx, "user.create", table="users", uid=login, changes=changes)
    return UserInfo(*u)


_KEEP = object()


@retried  # one transaction: run again if the office server undid it
def update_user(
    ctx: Context,
    login: str,
    *,
    display_name: str | None = None,
    roles: Iterable[str] | None = None,
    department=_KEEP,
) -> UserInfo:
    """Change a person's name, roles or department (the administrator)."""
    auth.require(ctx, "users.manage")
    with database.atomic():
        u = _get(login)
        new_name = (display_name or "").strip() or u.display_name
        held, dept = _check_roles(
            u.roles if roles is None else roles, u.department if department is _KEEP else department
        )
        changes = {
            k: (old, new)
            for k, old, new in (
                ("display_name", u.display_name, new_name),
                ("roles", sorted(u.roles), sorted(held)),
                ("department", u.department, dept),
            )
            if old != new
        }
        if Role.ADMIN.value in u.roles and Role.ADMIN.value not in held:
            _keep_an_admin(u)
        if changes:
            people.update(
                u.id, display_name=new_name, roles=held, department=dept, modified_at=ctx.now()
            )
            audit.record(ctx, "user.update", table="users", uid=u.login, changes=changes)
    return get_user(u.login)


def _keep_an_admin(leaving: people.UserRow) -> None:
    others = [
        x for x in people.active_users() if x.id != leaving.id and Role.ADMIN.value in x.roles
    ]
    if not others:
        raise UseCaseError("这是最后一个可用的管理员账户,不能取消其管理员角色或停用")


@retried  # one transaction: run again if the office server undid it
def reset_password(
    ctx: Context, login: str, new_password: str, *, must_change: bool = True
) -> None:
    """The administrator sets a new password (also unlocks the account)."""
    auth.require(ctx, "users.manage")
    passwords.check_password(new_password)
    with database.atomic():
        u = _get(login)
        people.update(
            u.id,
            password_hash=passwords.hash_password(new_password),
            failed_tries=0,
            locked_until=None,
            must_change_password=must_change,
            modified_at=ctx.now(),
        )
        audit.record(
            ctx,
            "user.password_reset",
            table="users",
            uid=u.login,
            note="管理员重置密码" + (",下次登录须修改" if must_change else ""),
        )


@retried  # one transaction: run again if the office server undid it
def change_own_password(ctx: Context, old_password: str, new_password: str) -> None:
    """A signed-in person changes their own password (needs the old one)."""
    if ctx.user_id is None:
        raise UseCaseError("没有登录的用户")
    passwords.check_password(new_password)
    if new_password == old_password:
        raise UseCaseError("新密码不能与旧密码相同")
    with database.atomic():
        u = people.by_id(ctx.user_id)
        if u is None or not passwords.verify(people.password_hash(u.id), old_password):
            raise SignInFailed("旧密码不正确")
        people.update(
            u.id,
            password_hash=passwords.hash_password(new_password),
            must_change_password=False,
            modified_at=ctx.now(),
        )
        audit.record(ctx, "user.password_change", table="users", uid=u.login)


@retried  # one transaction: run again if the office server undid it
def unlock(ctx: Context, login: str) -> None:
    auth.require(ctx, "users.manage")
    with database.atomic():
        u = _get(login)
        people.update(u.id, failed_tries=0, locked_until=None, modified_at=ctx.now())
        audit.record(
            ctx,
            "user.unlock",
            table="users",
            uid=u.login,
            changes={"locked_until": (u.locked_until, None)},
        )


@retried  # one transaction: run again if the office server undid it
def set_active(ctx: Context, login: str, active: bool) -> None:
    """Disable (or enable again) an account; its history stays."""
    auth.require(ctx, "users.manage")
    with database.atomic():
        u = _get(login)
        if u.active == active:
            return
        if not active:
            if u.id == ctx.user_id:
                raise UseCaseError("不能停用自己正在使用的账户")
            if Role.ADMIN.value in u.roles:
                _keep_an_admin(u)
        people.update(u.id, active=active, modified_at=ctx.now())
        audit.record(
            ctx,
            "user.enable" if active else "user.disable",
            table="users",
            uid=u.login,
            changes={"active": (not active, active)},
        )
        if not active and settings.get("auth.remembered_login") == u.login:
            settings.set_("auth.remembered_login", "")


def disable(ctx: Context, login: str) -> None:
    set_active(ctx, login, False)


def enable(ctx: Context, login: str) -> None:
    set_active(ctx, login, True)


def temporary_password(length: int = 10) -> str:
    """A random password to hand to a person who must change it at first sign-in."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


# --- personal data --------------------------------------------------------------------------

ANONYMOUS_NAME = "(已匿名)"


def _cutoff(now: datetime, years: int) -> datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def _stored(when: datetime) -> str:
    """``when`` (timezone-aware) as the database stores it."""
    text = to_db(when)
    assert text is not None
    return text


def _years(older_than_years: int | None) -> int:
    years = int(
        settings.get("privacy.anonymise_after_years")
        if older_than_years is None
        else older_than_years
    )
    if years < 1:
        raise UseCaseError("匿名化的年限至少为 1 年")
    return years


def anonymise_candidates(older_than_years: int | None, now: datetime) -> int:
    """How many cases ``anonymise_closed_cases`` would change (for the confirmation)."""
    return bulk.anonymise_candidates(
        State.CLOSED.value, _stored(_cutoff(now, _years(older_than_years))), ANONYMOUS_NAME
    )


@retried  # one transaction: run again if the office server undid it
def anonymise_closed_cases(
    ctx: Context,
    older_than_years: int | None,
    now: datetime,
    progress: Callable[[int, int, str], None] | None = None,
) -> int:
    """Replace the customer's name and phone of cases closed more than N years ago
    (N: privacy.anonymise_after_years when None). Opt-in, audited; returns the count.
    ``progress(step, 3, what)`` hears each of its three steps as it starts."""
    auth.require(ctx, "privacy.anonymise")
    years = _years(older_than_years)

    def step(done: int, what: str) -> None:
        if progress is not None:
            progress(done, 3, what)

    # One UPDATE over the chosen cases, the search index by its trigger and the audit
    # entries in the same transaction: 98k cases in seconds, not a save each.
    cutoff = _stored(_cutoff(now, years))
    with database.atomic():
        step(0, "读取要匿名化的投诉单")
        changed = bulk.anonymise_rows(State.CLOSED.value, cutoff, ANONYMOUS_NAME)
        count = len(changed)
        step(1, f"写入 {count:,} 条审计记录")
        audit.record_many(
            ctx,
            [
                (
                    "privacy.anonymise",
                    "cases",
                    uid,
                    {"customer_name": (name, ANONYMOUS_NAME), "phone": (phone, None)},
                    number,
                )
                for uid, number, name, phone in changed
            ],
        )
        audit.record(ctx, "privacy.anonymise", note=f"匿名化关闭超过 {years} 年的投诉单 {count} 张")
        step(2, f"匿名化 {count:,} 张投诉单及其搜索索引")
        bulk.anonymise(State.CLOSED.value, cutoff, ANONYMOUS_NAME, _stored(ctx.now()), ctx.site)
    return count
