"""Signing in and out: the password check with its lockout, and the person a single-person
PC remembers (signed in at start without a password)."""

from __future__ import annotations

from datetime import datetime, timedelta

from complaints.usecases import audit, passwords, settings
from complaints.usecases.context import Context
from complaints.usecases.errors import SignInFailed, UseCaseError
from complaints.usecases.users import UserInfo, event_context, get_user
from db import people
from db.models import database
from db.retry import retried

WRONG = "用户名或密码不正确"
UNKNOWN_ACTOR = "(未知用户)"


@retried  # one transaction: run again if the office server undid it
def sign_in(login: str, password: str, now: datetime) -> UserInfo:
    """Check the password; on success the returned user gives ``context_for_user``.

    Five wrong passwords in a row (auth.max_failures) lock the account for five minutes
    (auth.lock_minutes); the administrator can unlock it sooner. An unknown login, a wrong
    password and a locked account get the same message. Every attempt is audited.
    A hash made with weaker parameters than today's is replaced.
    """
    login = (login or "").strip()
    max_failures = int(settings.get("auth.max_failures"))
    lock_minutes = int(settings.get("auth.lock_minutes"))
    # One message for every refusal that a stranger could provoke (unknown login, wrong
    # password, locked account), so none of them tells which logins exist; a locked account
    # is not even checked, so the lock stops guessing.
    refused = SignInFailed(
        f"{WRONG}(连续输错 {max_failures} 次的账户将锁定 {lock_minutes} 分钟,可请管理员解锁)"
    )
    with database.atomic():
        u = people.by_login(login)
        if u is None:
            # The typed login is not recorded: it may be a password typed in the wrong box.
            passwords.spend_like_a_verify(password)
            audit.record(
                event_context(now, UNKNOWN_ACTOR),
                "sign_in.failed",
                table="users",
                note="无此用户(输入的登录名不记录)",
            )
            error: SignInFailed | None = refused
        elif u.locked_until is not None and now < u.locked_until:
            passwords.spend_like_a_verify(password)
            audit.record(
                event_context(now, u.display_name, u.id),
                "sign_in.failed",
                table="users",
                uid=u.login,
                note="账户锁定中",
            )
            error = refused
        elif not passwords.verify(people.password_hash(u.id), password):
            _wrong_password(u, now, max_failures, lock_minutes)
            error = refused
        elif not u.active:  # the right password: the person may know why
            audit.record(
                event_context(now, u.display_name, u.id),
                "sign_in.failed",
                table="users",
                uid=u.login,
                note="账户已停用",
            )
            error = SignInFailed("该账户已停用,请联系管理员")
        else:
            note = ""
            fields: dict[str, object] = {}
            if passwords.needs_rehash(people.password_hash(u.id)):
                fields["password_hash"] = passwords.hash_password(password)
                note = "密码摘要已按新参数重新计算"
            people.update(u.id, failed_tries=0, locked_until=None, last_sign_in_at=now, **fields)
            audit.record(
                event_context(now, u.display_name, u.id, u.roles),
                "sign_in",
                table="users",
                uid=u.login,
                note=note,
            )
            error = None
    if error is not None:
        raise error
    return get_user(login)


def _wrong_password(u: people.UserRow, now: datetime, max_failures: int, lock_minutes: int) -> None:
    """Count a wrong password of an active account; lock it at ``max_failures``."""
    ectx = event_context(now, u.display_name, u.id)
    tries = u.failed_tries + 1 if u.active else u.failed_tries
    audit.record(
        ectx,
        "sign_in.failed",
        table="users",
        uid=u.login,
        note=f"密码错误(第 {tries} 次)" if u.active else "密码错误(账户已停用)",
    )
    if u.active and tries >= max_failures:
        locked_until = now + timedelta(minutes=lock_minutes)
        people.update(u.id, failed_tries=0, locked_until=locked_until)
        audit.record(
            ectx,
            "sign_in.locked",
            table="users",
            uid=u.login,
            note=f"连续 {max_failures} 次输错密码,锁定 {lock_minutes} 分钟",
            changes={"locked_until": (None, locked_until)},
        )
    elif u.active:
        people.update(u.id, failed_tries=tries)


def sign_out(ctx: Context) -> None:
    if ctx.user_id is not None:
        u = people.by_id(ctx.user_id)
        audit.record(ctx, "sign_out", table="users", uid=u.login if u else None)


def remembered_user(now: datetime | None = None) -> UserInfo | None:
    """The person to sign in without a password at start, if the office allows it
    (auth.allow_remember, for a single-person PC) and the account is usable (not locked at
    ``now``, when given)."""
    values = settings.get_many(("auth.allow_remember", "auth.remembered_login"))
    login = values["auth.remembered_login"]
    if not values["auth.allow_remember"] or not login:
        return None
    row = people.by_login(login)
    if row is None:
        return None
    info = UserInfo(*row)
    if not info.active or info.must_change_password or (now is not None and info.is_locked(now)):
        return None
    return info


def start_state(now: datetime) -> tuple[bool, UserInfo | None]:
    """Who works at start: ``(needs_first_admin, remembered)``."""
    if not people.has_users():
        return True, None
    return False, remembered_user(now)


def remember(ctx: Context, login: str | None) -> None:
    """Remember (or forget, with None) the signed-in person; only where allowed."""
    if login and not settings.get("auth.allow_remember"):
        raise UseCaseError("本站点设置不允许记住登录用户")
    settings.set_("auth.remembered_login", login or "")
