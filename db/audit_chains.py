"""SQL of the audit trail held outside the branch: the marker of what each destination got,
and other sites' chains as received (the own entries a ledger carries are db.audit_rows')."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from db import audit_rows, pg_copy
from db.models import database, on_server

# An entry's stored columns, in the order its canonical text lists them.
ENTRY_COLUMNS = audit_rows.COLUMNS


def exported_through(destination: str) -> int | None:
    row = database.execute_sql(
        "SELECT through_id FROM audit_exports WHERE destination = ?", (destination,)
    ).fetchone()
    return row[0] if row else None


def set_exported_through(destination: str, through_id: int, at: str) -> None:
    database.execute_sql(
        "INSERT INTO audit_exports (destination, through_id, exported_at) VALUES (?, ?, ?) "
        "ON CONFLICT (destination) DO UPDATE SET through_id = excluded.through_id, "
        "exported_at = excluded.exported_at",
        (destination, through_id, at),
    )


def held_head(site: str) -> tuple[int, str] | None:
    """The last entry of ``site``'s chain held here: (id, hash)."""
    row = database.execute_sql(
        "SELECT id, hash FROM site_audit_chains WHERE site = ? ORDER BY id DESC LIMIT 1", (site,)
    ).fetchone()
    return (row[0], row[1]) if row else None


_HELD_COLUMNS = (
    "site",
    "id",
    "prev_hash",
    "hash",
    "at",
    "event",
    "actor",
    "entry",
    "received_at",
    "source_file",
)


def append_held(
    site: str, entries: Iterable[Mapping[str, Any]], received_at: str, source_file: str
) -> int:
    """Keep ``entries`` of ``site``'s chain (already checked to continue it); returns how
    many. Many at once: one prepared statement on SQLite, a COPY on the server."""
    rows = [
        (
            site,
            e["id"],
            e["prev_hash"],
            e["hash"],
            e["at"],
            e["event"],
            e["actor"] or "",
            entry_json(e),
            received_at,
            source_file,
        )
        for e in entries
    ]
    if on_server() and len(rows) >= pg_copy.COPY_MIN_ROWS:
        pg_copy.copy_rows("site_audit_chains", _HELD_COLUMNS, rows)
    elif rows:
        database.cursor().executemany(
            f"INSERT INTO site_audit_chains ({', '.join(_HELD_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(_HELD_COLUMNS))})",
            rows,
        )
    return len(rows)


def held_entries(site: str) -> Iterator[dict[str, Any]]:
    """``site``'s chain as held here, oldest first (each entry's stored columns), read as
    a stream."""
    for (text,) in database.execute_sql(
        "SELECT entry FROM site_audit_chains WHERE site = ? ORDER BY id", (site,)
    ):
        yield dict(zip(ENTRY_COLUMNS, json.loads(text), strict=True))


def held_sites() -> list[str]:
    return [
        r[0]
        for r in database.execute_sql(
            "SELECT DISTINCT site FROM site_audit_chains ORDER BY site"
        ).fetchall()
    ]


def entry_json(e: Mapping[str, Any]) -> str:
    """The canonical text of one entry: its stored columns as a JSON list (types kept)."""
    return json.dumps([e[k] for k in ENTRY_COLUMNS], ensure_ascii=False, separators=(",", ":"))


def held_hash(site: str, entry_id: int) -> str | None:
    row = database.execute_sql(
        "SELECT hash FROM site_audit_chains WHERE site = ? AND id = ?", (site, entry_id)
    ).fetchone()
    return row[0] if row else None


def held_at(site: str, entry_id: int) -> str | None:
    row = database.execute_sql(
        "SELECT at FROM site_audit_chains WHERE site = ? AND id = ?", (site, entry_id)
    ).fetchone()
    return row[0] if row else None
