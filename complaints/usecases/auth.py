"""The one place that decides who may do what (issue 7 fills in the table and the checks).

Every gated use case calls ``require(ctx, permission)`` before it changes anything.
Permission names are dotted strings, e.g. "case.create", "sanction.approve".
"""

from __future__ import annotations

from complaints.usecases.context import Context


def require(ctx: Context, permission: str, *, department: str | None = None) -> None:
    """Raise complaints.usecases.errors.PermissionDenied unless ctx may do ``permission``."""
    return None
