"""The one place that decides who may do what.

Every gated use case calls ``require(ctx, permission)`` before it changes anything.
Permission names are dotted strings, e.g. "case.create", "sanction.approve"; the table is
complaints.rules.permissions (deny by default). A refusal raises PermissionDenied with a
message naming the role that would be allowed, and is written to the audit trail even
when the caller's transaction rolls back.
"""

from __future__ import annotations

from complaints.rules import permissions
from complaints.rules.validation import mask_phone
from complaints.usecases import audit, settings
from complaints.usecases.context import Context
from complaints.usecases.errors import PermissionDenied
from db import office


def department_parents(name: str | None) -> tuple[str, ...]:
    """The departments above ``name`` (车间 → 售后服务部), nearest first."""
    if not name:
        return ()
    parents = office.department_parent_names()
    out: list[str] = []
    cur = parents.get(name)
    while cur and cur not in out:
        out.append(cur)
        cur = parents.get(cur)
    return tuple(out)


def decide(ctx: Context, permission: str, *, department: str | None = None) -> permissions.Decision:
    return permissions.decide(
        ctx.roles,
        permission,
        department=ctx.department,
        case_department=department,
        case_department_parents=department_parents(department),
    )


def allowed(ctx: Context, permission: str, *, department: str | None = None) -> bool:
    """For enabling buttons: no audit entry. The use case still calls ``require``."""
    return decide(ctx, permission, department=department).allowed


def require(ctx: Context, permission: str, *, department: str | None = None) -> None:
    """Raise complaints.usecases.errors.PermissionDenied unless ctx may do ``permission``.

    ``department`` is the department of the case acted on (for the 部门经理's scope).
    """
    d = decide(ctx, permission, department=department)
    if d.allowed:
        return
    where = f"(投诉单部门:{department})" if department else ""
    audit.record_now(ctx, "permission.denied", note=f"{permission}{where}:{d.reason}")
    raise PermissionDenied(d.reason)


# --- personal data in lists -----------------------------------------------------------------


def phone_visible(ctx: Context) -> bool:
    """Whether lists show ``ctx`` the full phone number: the roles of the setting
    privacy.phone_full_roles (default: the roles holding phone.view_full)."""
    roles = settings.get("privacy.phone_full_roles")
    if roles is None:
        return allowed(ctx, "phone.view_full")
    return bool(set(roles) & set(ctx.roles))


def display_phone(ctx: Context, phone: str | None, *, visible: bool | None = None) -> str:
    """The phone as a list shows it to ``ctx``: full or 138****5678."""
    if not phone:
        return ""
    if visible is None:
        visible = phone_visible(ctx)
    return phone if visible else mask_phone(phone)
