"""The users table: the office's accounts, read as plain values (the password hash apart,
read only to check a password)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from db.models_users import User


class UserRow(NamedTuple):
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


_id_column = User._meta.primary_key  # the implicit id column


def _row(u: User) -> UserRow:
    return UserRow(
        int(u.get_id()),
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


def has_users() -> bool:
    return User.select().exists()


def by_login(login: str) -> UserRow | None:
    u = User.get_or_none(User.login == login)
    return None if u is None else _row(u)


def by_id(user_id: int) -> UserRow | None:
    u = User.get_or_none(_id_column == user_id)
    return None if u is None else _row(u)


def all_users(*, include_inactive: bool = True) -> list[UserRow]:
    """Every account by login (the active ones only, unless ``include_inactive``)."""
    q = User.select().order_by(User.login)
    if not include_inactive:
        q = q.where(User.active == 1)  # "= 1": the column is INTEGER 0/1 on both engines
    return [_row(u) for u in q]


def active_users() -> list[UserRow]:
    """The active accounts, oldest first."""
    return [_row(u) for u in User.select().where(User.active == 1).order_by(_id_column)]


def password_hash(user_id: int) -> str:
    return User.get_by_id(user_id).password_hash


def insert(**fields: Any) -> UserRow:
    """A new account with ``fields`` (the User model's columns); returns it."""
    return _row(User.create(**fields))


def update(user_id: int, **fields: Any) -> None:
    """Set ``fields`` (the User model's columns) on one account."""
    User.update(**fields).where(_id_column == user_id).execute()
