"""Passwords: what a new one must be, and checking one against its stored hash.

Passwords are hashed with argon2id (OWASP: at least 19 MiB, 2 iterations, 1 lane). When
the parameters rise, an old hash is replaced at the next successful sign-in.
"""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from complaints.usecases.errors import UseCaseError


@functools.cache
def hasher() -> PasswordHasher:
    """The argon2id hasher."""
    return PasswordHasher(
        time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
    )


MIN_PASSWORD = 8
# The most used passwords (the published top lists, and the digit runs common in China):
# refused whatever their length. Compared lower-cased.
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


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise UseCaseError(f"密码至少 {MIN_PASSWORD} 个字符")
    if password.strip() != password:
        raise UseCaseError("密码的开头和结尾不能是空格")
    if password.lower() in COMMON_PASSWORDS or len(set(password)) == 1:
        raise UseCaseError("这个密码太常见,很容易被猜到:请换一个")


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify(stored: str, password: str) -> bool:
    try:
        return hasher().verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when ``stored`` was made with weaker parameters than today's."""
    return hasher().check_needs_rehash(stored)


_DUMMY_HASH: list[str] = []


def spend_like_a_verify(password: str) -> None:
    """An unknown login costs as much time as a wrong password, so timing does not
    tell which logins exist."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(hash_password(secrets.token_hex(8)))
    verify(_DUMMY_HASH[0], password)
