"""An action the signed-in person may not take is disabled, with the reason in its tooltip:
refused before the work is done, not after. The use cases check again."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from complaints.usecases import auth
from complaints.usecases.context import Context


def refusal(ctx: Context, permission: str) -> str:
    """Why ``ctx`` may not do ``permission`` ("无权登记投诉单:需要客服专员 或 客服经理
    (您的角色:管理员)"), or "" when allowed."""
    return auth.decide(ctx, permission).reason


def gate(
    target: QWidget | QAction, ctx: Context, permission: str, *, ready: bool = True, tip: str = ""
) -> bool:
    """Enable ``target`` when ``ctx`` holds ``permission`` and ``ready`` (e.g. a row is
    selected); a refusal's reason becomes its tooltip (``tip`` otherwise). Returns whether
    the permission is held."""
    why = refusal(ctx, permission)
    target.setEnabled(not why and ready)
    target.setToolTip(why or tip)
    if isinstance(target, QAction):
        target.setStatusTip(why or tip)
    return not why
