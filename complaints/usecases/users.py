"""Local accounts: the first administrator, sign-in with lockout, password resets, roles,
the remembered user; and the opt-in anonymising clean-up of old closed cases (PIPL).

Passwords are hashed with argon2id (OWASP: at least 19 MiB, 2 iterations, 1 lane). When
the parameters rise, an old hash is replaced at the next successful sign-in.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from complaints.rules.permissions import ROLES, Role
from complaints.types import State
from complaints.usecases import audit, auth, settings
from complaints.usecases.context import Context, parse_tz
from complaints.usecases.errors import NotFound, SignInFailed, UseCaseError
from db import reads
from db.timeutil import from_db, to_db

if TYPE_CHECKING:
    from argon2 import PasswordHasher

    from db.models_users import User

# peewee's models and argon2 are imported inside the functions that use them: the start-up
# decides who signs in (start_state) before peewee is imported (issue 2 §8).


@functools.cache
def _hasher() -> PasswordHasher:
    """The argon2id hasher, made at its first use (argon2 is not imported at start-up)."""
    from argon2 import PasswordHasher, Type

    return PasswordHasher(
        time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
    )


MIN_PASSWORD = 8
# The most used passwords (the published top lists, and the digit runs common in China):
# refused whatever their length (issue 15 §7). Compared lower-cased.
COMMON_PASSWORDS = frozenset(
    {
        "123456",
        "1234567",
        "12345678",
        "123456789",
        "1234567890",
        "12345678910",
        "987654321",
        "password",
        "password1",
        "password123",
        "passw0rd",
        "p@ssw0rd",
        "qwerty",
        "qwerty123",
        "qwertyuiop",
        "1q2w3e4r",
        "1qaz2wsx",
        "zaq12wsx",
        "abc123",
        "abc12345",
        "abcd1234",
        "a1b2c3d4",
        "iloveyou",
        "admin",
        "admin123",
        "admin@123",
        "administrator",
        "root",
        "welcome",
        "welcome1",
        "letmein",
        "11111111",
        "00000000",
        "88888888",
        "66666666",
        "12341234",
        "11223344",
        "123123123",
        "147258369",
        "5201314",
        "52013140",
        "woaini1314",
        "aa123456",
        "a123456",
        "a12345678",
        "qq123456",
        "abcdefgh",
        "asdfghjk",
        "asdf1234",
        "changeme",
        "complaintdesk",
        "kesu123456",
        "111111111",
        "999999999",
    }
)
LOGIN_RE = re.compile(r"[A-Za-z0-9_.\-\u4e00-\u9fff]{2,32}")
WRONG = "用户名或密码不正确"
UNKNOWN_ACTOR = "(未知用户)"


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


def _info(u: User) -> UserInfo:
    return UserInfo(
        u.id,
        u.login,
        u.display_name,
        frozenset(u.roles),
        u.department,
        bool(u.active),
        u.locked_until,
        u.failed_tries,
        bool(u.must_change_password),
        u.last_sign_in_at,
    )


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


def _event_ctx(
    now: datetime, actor: str, user_id: int | None = None, roles: Iterable[str] = ()
) -> Context:
    return Context(
        site=_site_code(),
        actor=actor,
        tz=_tz(),
        clock=lambda: now,
        user_id=user_id,
        roles=frozenset(roles),
    )


# --- checks on input ------------------------------------------------------------------------


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise UseCaseError(f"密码至少 {MIN_PASSWORD} 个字符")
    if password.strip() != password:
        raise UseCaseError("密码的开头和结尾不能是空格")
    if password.lower() in COMMON_PASSWORDS or len(set(password)) == 1:
        raise UseCaseError("这个密码太常见,很容易被猜到:请换一个")


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
    from db.models import Department

    if Role.DEPT_MANAGER.value in held:
        if not department:
            raise UseCaseError("部门经理必须指定所属部门")
    if department and not Department.select().where(Department.name == department).exists():
        names = "、".join(d.name for d in Department.select().order_by(Department.sort_order))
        raise UseCaseError(f"没有名为“{department}”的部门(现有:{names})")
    return held, department


def _get(login: str) -> User:
    from db.models_users import User

    u = User.get_or_none(User.login == (login or "").strip())
    if u is None:
        raise NotFound(f"没有登录名为“{login}”的用户")
    return u


# --- reading --------------------------------------------------------------------------------


def has_users() -> bool:
    from db.models_users import User

    return User.select().exists()


def needs_first_admin() -> bool:
    """First start: no account yet, so the first one to create is the administrator."""
    return not has_users()


def list_users(*, include_inactive: bool = True) -> list[UserInfo]:
    from db.models_users import User

    q = User.select().order_by(User.login)
    if not include_inactive:
        q = q.where(User.active)
    return [_info(u) for u in q]


def get_user(login: str) -> UserInfo:
    return _info(_get(login))


def get_user_by_id(user_id: int) -> UserInfo:
    from db.models_users import User

    u = User.get_or_none(User.id == user_id)
    if u is None:
        raise NotFound(f"找不到用户(id {user_id})")
    return _info(u)


def site_administrator() -> UserInfo | None:
    """The active administrator account the CLI acts as without --user (the oldest)."""
    from db.models_users import User

    for u in User.select().where(User.active).order_by(User.id):
        if Role.ADMIN.value in u.roles:
            return _info(u)
    return None


# --- creating and changing accounts ---------------------------------------------------------


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
    check_password(password)
    from db.models import database
    from db.models_users import User

    with database.atomic():
        if has_users():
            raise UseCaseError("已经有用户账户:请由管理员登录后新增用户")
        u = User.create(
            login=login,
            display_name=display_name,
            roles={Role.ADMIN.value},
            password_hash=_hasher().hash(password),
            created_at=now,
            modified_at=now,
            must_change_password=must_change_password,
        )
        audit.record(
            _event_ctx(now, display_name, u.id, {Role.ADMIN.value}),
            "user.create",
            table="users",
            uid=login,
            note="首次启动创建管理员",
            changes={"roles": (None, [Role.ADMIN.value])},
        )
    return _info(u)


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
    check_password(password)
    now = ctx.now()
    from db.models import database
    from db.models_users import User

    with database.atomic():
        if User.select().where(User.login == login).exists():
            raise UseCaseError(f"登录名“{login}”已被使用")
        u = User.create(
            login=login,
            display_name=display_name,
            roles=held,
            department=department,
            password_hash=_hasher().hash(password),
            must_change_password=must_change_password,
            created_at=now,
            modified_at=now,
        )
        changes = {"display_name": (None, display_name), "roles": (None, sorted(held))}
        if department:
            changes["department"] = (None, department)
        audit.record(ctx, "user.create", table="users", uid=login, changes=changes)
    return _info(u)


_KEEP = object()


def update_user(
    ctx: Context,
    login: str,
    *,
    display_name: str | None = None,
    roles: Iterable[str] | None = None,
    department=_KEEP,
) -> UserInfo:
    """Change a person's name, roles or department (the administrator)."""
    from db.models import database

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
            u.display_name, u.roles, u.department = new_name, held, dept
            u.modified_at = ctx.now()
            u.save()
            audit.record(ctx, "user.update", table="users", uid=u.login, changes=changes)
    return _info(u)


def _keep_an_admin(leaving: User) -> None:
    from db.models_users import User

    others = [
        x
        for x in User.select().where(User.active & (User.id != leaving.id))
        if Role.ADMIN.value in x.roles
    ]
    if not others:
        raise UseCaseError("这是最后一个可用的管理员账户,不能取消其管理员角色或停用")


def reset_password(
    ctx: Context, login: str, new_password: str, *, must_change: bool = True
) -> None:
    """The administrator sets a new password (also unlocks the account)."""
    from db.models import database

    auth.require(ctx, "users.manage")
    check_password(new_password)
    with database.atomic():
        u = _get(login)
        u.password_hash = _hasher().hash(new_password)
        u.failed_tries, u.locked_until = 0, None
        u.must_change_password = must_change
        u.modified_at = ctx.now()
        u.save()
        audit.record(
            ctx,
            "user.password_reset",
            table="users",
            uid=u.login,
            note="管理员重置密码" + (",下次登录须修改" if must_change else ""),
        )


def change_own_password(ctx: Context, old_password: str, new_password: str) -> None:
    """A signed-in person changes their own password (needs the old one)."""
    from db.models import database
    from db.models_users import User

    if ctx.user_id is None:
        raise UseCaseError("没有登录的用户")
    check_password(new_password)
    if new_password == old_password:
        raise UseCaseError("新密码不能与旧密码相同")
    with database.atomic():
        u = User.get_by_id(ctx.user_id)
        if not _verify(u.password_hash, old_password):
            raise SignInFailed("旧密码不正确")
        u.password_hash = _hasher().hash(new_password)
        u.must_change_password = False
        u.modified_at = ctx.now()
        u.save()
        audit.record(ctx, "user.password_change", table="users", uid=u.login)


def unlock(ctx: Context, login: str) -> None:
    from db.models import database

    auth.require(ctx, "users.manage")
    with database.atomic():
        u = _get(login)
        was = u.locked_until
        u.failed_tries, u.locked_until = 0, None
        u.modified_at = ctx.now()
        u.save()
        audit.record(
            ctx, "user.unlock", table="users", uid=u.login, changes={"locked_until": (was, None)}
        )


def set_active(ctx: Context, login: str, active: bool) -> None:
    """Disable (or enable again) an account; its history stays."""
    from db.models import database

    auth.require(ctx, "users.manage")
    with database.atomic():
        u = _get(login)
        if bool(u.active) == active:
            return
        if not active:
            if u.id == ctx.user_id:
                raise UseCaseError("不能停用自己正在使用的账户")
            if Role.ADMIN.value in u.roles:
                _keep_an_admin(u)
        u.active = active
        u.modified_at = ctx.now()
        u.save()
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
    import secrets  # here: it loads OpenSSL (hmac), ~4 ms the start-up does not need

    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


# --- signing in -----------------------------------------------------------------------------

_DUMMY_HASH: list[str] = []


def _spend_like_a_verify(password: str) -> None:
    """An unknown login costs as much time as a wrong password, so timing does not
    tell which logins exist."""
    if not _DUMMY_HASH:
        import secrets

        _DUMMY_HASH.append(_hasher().hash(secrets.token_hex(8)))
    _verify(_DUMMY_HASH[0], password)


def _verify(stored: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return _hasher().verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def sign_in(login: str, password: str, now: datetime) -> UserInfo:
    """Check the password; on success the returned user gives ``context_for_user``.

    Five wrong passwords in a row (auth.max_failures) lock the account for five minutes
    (auth.lock_minutes); the administrator can unlock it sooner. An unknown login, a wrong
    password and a locked account get the same message. Every attempt is audited.
    A hash made with weaker parameters than today's is replaced.
    """
    from db.models import database
    from db.models_users import User

    login = (login or "").strip()
    max_failures = int(settings.get("auth.max_failures"))
    lock_minutes = int(settings.get("auth.lock_minutes"))
    error: SignInFailed | None = None
    # One message for every refusal that a stranger could provoke (unknown login, wrong
    # password, locked account), so none of them tells which logins exist (issue 15 §7);
    # a locked account is not even checked, so the lock stops guessing.
    refused = SignInFailed(
        f"{WRONG}(连续输错 {max_failures} 次的账户将锁定 {lock_minutes} 分钟,可请管理员解锁)"
    )
    with database.atomic():
        u = User.get_or_none(User.login == login)
        if u is None:
            # The typed login is not recorded: it may be a password typed in the wrong box.
            _spend_like_a_verify(password)
            audit.record(
                _event_ctx(now, UNKNOWN_ACTOR),
                "sign_in.failed",
                table="users",
                note="无此用户(输入的登录名不记录)",
            )
            error = refused
        elif u.locked_until is not None and now < u.locked_until:
            _spend_like_a_verify(password)
            audit.record(
                _event_ctx(now, u.display_name, u.id),
                "sign_in.failed",
                table="users",
                uid=u.login,
                note="账户锁定中",
            )
            error = refused
        elif not _verify(u.password_hash, password):
            ectx = _event_ctx(now, u.display_name, u.id)
            if u.active:
                u.failed_tries += 1
            audit.record(
                ectx,
                "sign_in.failed",
                table="users",
                uid=u.login,
                note=f"密码错误(第 {u.failed_tries} 次)" if u.active else "密码错误(账户已停用)",
            )
            if u.active and u.failed_tries >= max_failures:
                u.locked_until = now + timedelta(minutes=lock_minutes)
                u.failed_tries = 0
                audit.record(
                    ectx,
                    "sign_in.locked",
                    table="users",
                    uid=u.login,
                    note=f"连续 {max_failures} 次输错密码,锁定 {lock_minutes} 分钟",
                    changes={"locked_until": (None, u.locked_until)},
                )
            u.save()
            error = refused
        elif not u.active:  # the right password: the person may know why
            audit.record(
                _event_ctx(now, u.display_name, u.id),
                "sign_in.failed",
                table="users",
                uid=u.login,
                note="账户已停用",
            )
            error = SignInFailed("该账户已停用,请联系管理员")
        else:
            note = ""
            if _hasher().check_needs_rehash(u.password_hash):
                u.password_hash = _hasher().hash(password)
                note = "密码摘要已按新参数重新计算"
            u.failed_tries, u.locked_until, u.last_sign_in_at = 0, None, now
            u.save()
            audit.record(
                _event_ctx(now, u.display_name, u.id, u.roles),
                "sign_in",
                table="users",
                uid=u.login,
                note=note,
            )
    if error is not None:
        raise error
    return _info(u)


def sign_out(ctx: Context) -> None:
    if ctx.user_id is not None:
        audit.record(ctx, "sign_out", table="users", uid=_login_of(ctx.user_id))


def _login_of(user_id: int) -> str | None:
    from db.models_users import User

    u = User.get_or_none(User.id == user_id)
    return u.login if u else None


def remembered_user(now: datetime | None = None) -> UserInfo | None:
    """The person to sign in without a password at start, if the office allows it
    (auth.allow_remember, for a single-person PC) and the account is usable (not locked at
    ``now``, when given). Plain SQL through db.reads: the start-up asks before peewee is
    imported (start_state)."""
    values = settings.get_many(("auth.allow_remember", "auth.remembered_login"))
    login = values["auth.remembered_login"]
    if not values["auth.allow_remember"] or not login:
        return None
    row = reads.execute(
        f"SELECT {_USER_COLUMNS} FROM users WHERE login = ? LIMIT 1", (login,)
    ).fetchone()
    if row is None:
        return None
    info = _info_from_row(row)
    if not info.active or info.must_change_password or (now is not None and info.is_locked(now)):
        return None
    return info


_USER_COLUMNS = (
    "id, login, display_name, roles, department, active, locked_until, "
    "failed_tries, must_change_password, last_sign_in_at"
)


def _info_from_row(r: tuple) -> UserInfo:
    """A ``users`` row of _USER_COLUMNS read as the peewee fields read it: roles from their
    JSON list, booleans from 0/1, times from the stored UTC text."""
    return UserInfo(
        r[0],
        r[1],
        r[2],
        frozenset(json.loads(r[3] or "[]")),
        r[4],
        bool(r[5]),
        from_db(r[6]),
        r[7],
        bool(r[8]),
        from_db(r[9]),
    )


def start_state(now: datetime) -> tuple[bool, UserInfo | None]:
    """What the start-up needs before its first screen: ``(needs_first_admin, remembered)``,
    read with plain SQL through db.reads so peewee and argon2 stay unimported."""
    if reads.execute("SELECT 1 FROM users LIMIT 1").fetchone() is None:
        return True, None
    return False, remembered_user(now)


def remember(ctx: Context, login: str | None) -> None:
    """Remember (or forget, with None) the signed-in person; only where allowed."""
    if login and not settings.get("auth.allow_remember"):
        raise UseCaseError("本站点设置不允许记住登录用户")
    settings.set_("auth.remembered_login", login or "")


# --- personal data --------------------------------------------------------------------------

ANONYMOUS_NAME = "(已匿名)"


def _cutoff(now: datetime, years: int) -> datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


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
    from db import bulk

    return bulk.anonymise_candidates(
        State.CLOSED.value, to_db(_cutoff(now, _years(older_than_years))), ANONYMOUS_NAME
    )


def anonymise_closed_cases(ctx: Context, older_than_years: int | None, now: datetime) -> int:
    """Replace the customer's name and phone of cases closed more than N years ago
    (N: privacy.anonymise_after_years when None). Opt-in, audited; returns the count."""
    from db import bulk
    from db.models import database

    auth.require(ctx, "privacy.anonymise")
    years = _years(older_than_years)
    # One UPDATE over the chosen cases, the search index by its trigger and the audit
    # entries in the same transaction (issue 23 §3: 98k cases in seconds, not a save each).
    cutoff = to_db(_cutoff(now, years))
    with database.atomic():
        changed = bulk.anonymise_rows(State.CLOSED.value, cutoff, ANONYMOUS_NAME)
        count = len(changed)
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
        bulk.anonymise(State.CLOSED.value, cutoff, ANONYMOUS_NAME, to_db(ctx.now()), ctx.site)
    return count
