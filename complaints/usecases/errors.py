"""Errors a use case raises; str(e) is the complete message shown to the user."""

from __future__ import annotations

from complaints.rules.validation import Problem
from db.errors import StorageError


class UseCaseError(Exception):
    pass


class NotFound(UseCaseError):
    pass


class ValidationFailed(UseCaseError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(p.message for p in problems))


class StaleRecord(UseCaseError):
    """Someone else saved the record since it was opened: nothing was overwritten."""


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
