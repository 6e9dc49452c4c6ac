"""The office's list of causes (原因分类, 设置 → 原因分类): read by the handling dialog, the
case editor and the figures; edited by whoever may change the site's settings."""

from __future__ import annotations

from collections.abc import Sequence

from complaints.fields import FIELDS_BY_NAME
from complaints.usecases import audit, auth, settings
from complaints.usecases.context import Context
from complaints.usecases.errors import UseCaseError
from db.models import database
from db.retry import retried

KEY = "causes.list"
MAX_CAUSES = 30


def cause_list() -> list[str]:
    """The office's causes, in its order (the defaults until it changes them)."""
    return [str(c) for c in settings.get(KEY) or []]


def default_causes() -> list[str]:
    return list(settings.OPTIONS[KEY].default)


@retried  # one transaction: run again if the office server undid it
def save_cause_list(ctx: Context, names: Sequence[str]) -> list[str]:
    """Save the office's list (blank lines and repeats dropped, order kept); needs
    settings.site; audited as settings.update. Cases keep the cause they were given: a cause
    taken off the list still counts in the figures under its name."""
    auth.require(ctx, "settings.site")
    limit = FIELDS_BY_NAME["cause"].max_length or 40
    clean = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    if not clean:
        raise UseCaseError("原因分类至少要有一项")
    if len(clean) > MAX_CAUSES:
        raise UseCaseError(f"原因分类最多 {MAX_CAUSES} 项")
    long = [n for n in clean if len(n) > limit]
    if long:
        raise UseCaseError(f"原因分类“{long[0]}”太长(最多 {limit} 字)")
    with database.atomic():
        settings.hold(KEY)  # the old list in the audit is the one this save replaces
        old = cause_list()
        if old != clean:
            settings.set_(KEY, clean)
            audit.record(
                ctx,
                "settings.update",
                table="settings",
                uid=KEY,
                changes={KEY: (old, clean)},
                note=settings.OPTIONS[KEY].doc,
            )
    return clean
