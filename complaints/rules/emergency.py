"""突发事件: a case declared an emergency (many customers, media, safety, a lawsuit).

Declaring it raises the case to 重大投诉 and notes when it was declared; D2 then applies at the
media limit (complaints.rules.deadline_rules), the general manager sees it at the top of the
to-do list, and closing it needs the short review (complaints.rules.workflow.REVIEW_FIELDS).
Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from complaints.types import Severity

RULE = "E1"  # the to-do's rule column: an emergency the general manager follows
WHAT = "突发事件:总经理督办,关闭前须复盘"


def declared_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """What declaring (or withdrawing) an emergency changes beside the field itself."""
    if after.get("emergency") and not before.get("emergency"):
        return {"severity": Severity.MAJOR.value, "emergency_at": after.get("emergency_at") or now}
    if before.get("emergency") and not after.get("emergency"):
        return {"emergency_at": None}
    return {}
