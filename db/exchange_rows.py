"""The exchange's own tables: the ledgers exported (by destination), the files imported, and
the conflicts an import found."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from db.models import on_server
from db.models_ledger import LedgerConflict, LedgerExport, LedgerImport

# the implicit primary keys, which peewee's stubs do not declare on the models
import_pk = LedgerImport._meta.fields["id"]
conflict_pk = LedgerConflict._meta.fields["id"]


def last_export_to(destination: str) -> datetime | None:
    """When a ledger was last exported to ``destination``."""
    row = LedgerExport.get_or_none(LedgerExport.destination == destination)
    return row.exported_at if row else None


def last_export() -> datetime | None:
    """When a ledger was last exported anywhere."""
    row = LedgerExport.select().order_by(LedgerExport.exported_at.desc()).first()
    return row.exported_at if row else None


def save_export(
    destination: str, exported_at: datetime, scope: str, sites: str, counts: dict[str, Any]
) -> None:
    """Remember the export to ``destination`` (replacing the one before)."""
    insert = LedgerExport.insert(
        destination=destination,
        exported_at=exported_at,
        scope=scope,
        sites=sites,
        counts=json.dumps(counts, ensure_ascii=False),
    )
    if on_server():  # PostgreSQL has no INSERT OR REPLACE: update the row of the destination
        keep = [LedgerExport.exported_at, LedgerExport.scope, LedgerExport.sites]
        insert.on_conflict(
            conflict_target=[LedgerExport.destination], preserve=[*keep, LedgerExport.counts]
        ).execute()
    else:
        insert.on_conflict_replace().execute()


def save_import(**values: Any) -> None:
    """One imported file: file_name, sha256, source_site, exported_at, imported_at, actor,
    status, counts (JSON text)."""
    LedgerImport.create(**values)


def imports(limit: int) -> list[dict[str, Any]]:
    """The newest imports first, counts decoded."""
    return [
        {
            "id": r.get_id(),
            "file_name": r.file_name,
            "source_site": r.source_site,
            "exported_at": r.exported_at,
            "imported_at": r.imported_at,
            "actor": r.actor,
            "status": r.status,
            "counts": json.loads(r.counts),
        }
        for r in LedgerImport.select()
        .order_by(LedgerImport.imported_at.desc(), import_pk.desc())
        .limit(limit)
    ]


def open_conflicts() -> list[LedgerConflict]:
    """The conflicts not resolved yet, oldest first."""
    return list(
        LedgerConflict.select()
        .where(LedgerConflict.resolved_at.is_null())
        .order_by(LedgerConflict.found_at, conflict_pk)
    )


def open_conflict_count() -> int:
    return LedgerConflict.select().where(LedgerConflict.resolved_at.is_null()).count()


def conflict(conflict_id: int) -> LedgerConflict | None:
    return LedgerConflict.get_or_none(conflict_pk == conflict_id)
