"""Errors a use case raises; str(e) is the complete message shown to the user."""

from __future__ import annotations

from complaints.rules.validation import Problem
from db.errors import StorageError
from db.server_errors import server_trouble, where_now


class UseCaseError(Exception):
    detail: str = ""  # the system's own words for a refusal it caused (the 详细信息 part)


def refusal(message: str, cause: BaseException) -> UseCaseError:
    """A refusal the system caused (a file it would not write): ``message`` for the person,
    ``cause``'s own words behind 详细信息."""
    refused = UseCaseError(message)
    refused.detail = getattr(cause, "detail", "") or repr(cause)
    return refused


class NotFound(UseCaseError):
    pass


class CheckCancelled(UseCaseError):
    """A check stopped by its ``cancelled()``: between two of its parts, or between two
    batches of the audit log."""


class ValidationFailed(UseCaseError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(p.message for p in problems))


class StaleRecord(UseCaseError):
    """Someone else saved the record since it was opened: nothing was overwritten.
    ``current_version``: the record's version now, when the refusal gives it (an action
    asked again after this refusal is asked of what the person has now been shown)."""

    current_version: str = ""


class PermissionDenied(UseCaseError):
    """The signed-in person's roles do not allow this action; the message says which role would."""


class SignInFailed(UseCaseError):
    """Wrong login or password, or the account is disabled: the message says which it may be
    without telling a stranger whether the login exists."""


class AccountLocked(SignInFailed):
    """Too many wrong passwords in a row: the account waits until ``until`` or an unlock."""

    def __init__(self, message: str, until=None):
        self.until = until
        super().__init__(message)


# Errors whose str() is a complete message for the person, to show as is: the use cases'
# refusals, and the storage's (a full disk, a read-only folder, another writer holding the
# database too long). Anything else is a program error.
USER_ERRORS: tuple[type[Exception], ...] = (UseCaseError, StorageError)


def for_person(exc: BaseException) -> BaseException:
    """``exc`` as a person should read it: the office server's and the network's errors in
    plain Chinese, the server's own words kept as ``detail`` (db/server_errors.py); anything
    else as it is."""
    if isinstance(exc, USER_ERRORS):
        return exc
    return server_trouble(exc, where_now()) or exc


def detail_of(exc: BaseException) -> str:
    """The engine's own words kept beside a message (the dialog's 详细信息), or ""."""
    return getattr(exc, "detail", "") or ""
