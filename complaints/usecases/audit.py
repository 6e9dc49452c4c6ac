"""The append-only, hash-chained audit trail (issue 7 fills in storage and the chain)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from complaints.usecases.context import Context


def record(ctx: Context, event: str, *, table: str | None = None, uid: str | None = None,
           changes: Mapping[str, tuple[Any, Any]] | None = None, note: str = "") -> None:
    """Append one audit entry: ``event`` like "case.update", "sign_in", "ledger.export";
    ``changes`` maps field name → (old, new). Call inside the same transaction as the change."""
    return None
