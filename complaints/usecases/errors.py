"""Errors a use case raises; str(e) is the complete message shown to the user."""

from __future__ import annotations

from complaints.rules.validation import Problem


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
