"""The conflicts a ledger import found (ledger.md): two versions of one record, or an edit
made at a site that does not own the record. Each is shown field by field and resolved by
keeping the local record or taking the incoming version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from complaints.usecases import audit
from complaints.usecases.auth import require
from complaints.usecases.context import Context
from complaints.usecases.errors import NotFound, UseCaseError
from db import exchange_rows
from db.models import database
from db.models_ledger import LedgerConflict
from db.retry import retried
from ledger import columns, store
from ledger.merge import Merger
from ledger.results import RowRejected


@dataclass(frozen=True)
class FieldDiff:
    header: str
    local: Any
    incoming: Any

    @property
    def differs(self) -> bool:
        return self.local != self.incoming


@dataclass(frozen=True)
class ConflictView:
    id: int
    uid: str
    sheet: str
    site: str
    title: str  # 编号 of the case (or of the entry's case) for people
    local_revision: int
    incoming_revision: int
    source_file: str
    source_site: str
    found_at: datetime
    fields: tuple[FieldDiff, ...]
    local_missing: bool = False
    # "version": two versions of one record; "proposal": an edit made at a site that does
    # not own the record (docs/ledger.md)
    kind: str = "version"


def _view(c: LedgerConflict) -> ConflictView:
    sheet = columns.TABLE_SHEET[c.tbl]
    incoming = store.from_json(sheet, c.incoming)
    local = store.local_values(c.tbl, c.uid)
    fields = tuple(
        FieldDiff(col.header, (local or {}).get(col.key), incoming.get(col.key))
        for col in columns.SHEET_COLUMNS[sheet]
        if col.stored
    )
    title = incoming.get("number") or ""
    if not title and incoming.get("case_uid"):
        case = store.local_values("cases", incoming["case_uid"])
        title = case["number"] if case else ""
    return ConflictView(
        c.get_id(),
        c.uid,
        sheet,
        c.site,
        title,
        c.local_revision,
        c.incoming_revision,
        c.source_file,
        c.source_site,
        c.found_at,
        fields,
        local is None,
        c.kind,
    )


def list_conflicts() -> list[ConflictView]:
    """Open conflicts, oldest first."""
    return [_view(c) for c in exchange_rows.open_conflicts()]


def open_conflict_count() -> int:
    return exchange_rows.open_conflict_count()


def get_conflict(conflict_id: int) -> ConflictView:
    c = exchange_rows.conflict(conflict_id)
    if c is None:
        raise NotFound(f"找不到冲突记录(id {conflict_id})")
    return _view(c)


@retried  # one transaction: run again if the office server undid it
def resolve_conflict(ctx: Context, conflict_id: int, keep: str) -> None:
    """Keep the local record (``keep='local'``) or take the incoming version
    (``'incoming'``); either way the conflict is closed and does not come back for the
    same incoming version."""
    require(ctx, "ledger.resolve")
    if keep not in ("local", "incoming"):
        raise ValueError(keep)
    with database.atomic():
        c = exchange_rows.conflict(conflict_id)
        if c is None:
            raise NotFound(f"找不到冲突记录(id {conflict_id})")
        if c.resolved_at is not None:
            raise UseCaseError("该冲突已处理过")
        view = _view(c)
        try:
            Merger(ctx.site, ctx.now()).resolve(c, keep)
        except RowRejected as e:
            raise UseCaseError(f"无法采用对方版本:{e.reason}") from None
        c.resolved_at = ctx.now()
        c.resolution = keep
        c.resolved_by = ctx.actor
        c.save()
        changes = (
            {f.header: (f.local, f.incoming) for f in view.fields if f.differs}
            if keep == "incoming"
            else None
        )
        audit.record(
            ctx,
            "ledger.resolve",
            table=c.tbl,
            uid=c.uid,
            changes=changes,
            note="保留本地版本" if keep == "local" else "采用导入版本",
        )
