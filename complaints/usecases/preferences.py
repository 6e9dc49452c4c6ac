"""The privacy and sign-in options (设置 → 隐私与登录): who sees full phone numbers, the
remembered user, the lockout, how long customers' personal data is kept (PIPL)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from complaints.rules.permissions import ROLES
from complaints.usecases import audit, auth, settings
from complaints.usecases.context import Context
from complaints.usecases.errors import UseCaseError
from db.models import database
from db.retry import retried

# The options this tab edits, in the order they are shown.
KEYS = (
    "privacy.phone_full_roles",
    "privacy.mask_phone_in_export",
    "auth.allow_remember",
    "auth.max_failures",
    "auth.lock_minutes",
    "privacy.anonymise_after_years",
)

LIMITS = {  # sane bounds, so a slip of the mouse cannot switch the lockout off
    "auth.max_failures": (3, 10),
    "auth.lock_minutes": (5, 120),
    "privacy.anonymise_after_years": (1, 30),
}


def load_options() -> dict[str, Any]:
    return {k: settings.get(k) for k in KEYS}


@retried  # one transaction: run again if the office server undid it
def save_options(ctx: Context, values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Save the changed privacy and sign-in options; returns {key: (old, new)}.

    Needs settings.site; each change is audited as settings.update in the same transaction.
    Turning off the remembered user also forgets the person remembered."""
    auth.require(ctx, "settings.site")
    with database.atomic():
        settings.hold(*(k for k in values if k in KEYS))  # the audit's old values are current
        return _save(ctx, values)


def _save(ctx: Context, values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    changes: dict[str, tuple[Any, Any]] = {}
    for key, new in values.items():
        if key not in KEYS:
            raise KeyError(key)
        if key in LIMITS:
            low, high = LIMITS[key]
            if not isinstance(new, int) or not low <= new <= high:
                raise UseCaseError(f"“{settings.OPTIONS[key].doc}”应在 {low}–{high} 之间")
        if key == "privacy.phone_full_roles":
            unknown = set(new) - set(ROLES)
            if unknown:
                raise UseCaseError(f"未知的角色:{'、'.join(sorted(unknown))}")
            new = [r for r in ROLES if r in set(new)]  # noqa: PLW2901  # kept in the roles' order
        old = settings.get(key)
        same = (set(old or ()) == set(new)) if key == "privacy.phone_full_roles" else old == new
        if not same:
            changes[key] = (old, new)
    for key, (old, new) in changes.items():
        settings.set_(key, new)
        audit.record(
            ctx,
            "settings.update",
            table="settings",
            uid=key,
            changes={key: (old, new)},
            note=settings.OPTIONS[key].doc,
        )
    if changes.get("auth.allow_remember", (None, True))[1] is False:
        remembered = settings.get("auth.remembered_login")
        if remembered:
            settings.set_("auth.remembered_login", "")
            audit.record(
                ctx,
                "settings.update",
                table="settings",
                uid="auth.remembered_login",
                changes={"auth.remembered_login": (remembered, "")},
                note="不再允许记住登录用户",
            )
    return changes
