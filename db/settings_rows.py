"""The settings table: one row per key, its value stored as JSON text."""

from __future__ import annotations

import json
from typing import Any

from db.models import Setting, database, on_server


def stored(keys: tuple[str, ...]) -> dict[str, Any]:
    """The stored values of ``keys``, decoded from JSON; a key never set is absent."""
    if not keys:
        return {}
    rows = database.execute_sql(
        f"SELECT key, value FROM settings WHERE key IN ({', '.join('?' * len(keys))})",
        list(keys),
    ).fetchall()
    return {key: json.loads(value) for key, value in rows}


def all_stored() -> dict[str, Any]:
    """Every stored setting, decoded from JSON."""
    return {s.key: json.loads(s.value) for s in Setting.select()}


def store(key: str, value: Any) -> None:
    """Write ``value`` (as JSON) under ``key``, replacing what was there."""
    with database.atomic():
        insert = Setting.insert(key=key, value=json.dumps(value, ensure_ascii=False))
        if on_server():  # PostgreSQL has no INSERT OR REPLACE: update the row of the key
            insert.on_conflict(conflict_target=[Setting.key], preserve=[Setting.value]).execute()
        else:
            insert.on_conflict_replace().execute()
