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


# The class of the advisory locks that hold a setting (the two-number form: a space apart
# from the case numbers' one-number locks, db/case_rows.py).
_SETTING_LOCKS = 7


def hold(keys: tuple[str, ...]) -> None:
    """Hold ``keys`` until this transaction ends, for a change computed from what they hold
    now (a list one item longer, the old value in the audit): on the office server a second
    seat changing one of them waits, then reads the first one's value. The lock is on the key,
    so a setting not yet stored is held too; keys are taken in one order (no deadlock between
    two holders). SQLite's write transaction already holds the whole file."""
    if not on_server():
        return
    for key in sorted(set(keys)):
        database.execute_sql("SELECT pg_advisory_xact_lock(?, hashtext(?))", (_SETTING_LOCKS, key))


def store(key: str, value: Any) -> None:
    """Write ``value`` (as JSON) under ``key``, replacing what was there."""
    with database.atomic():
        insert = Setting.insert(key=key, value=json.dumps(value, ensure_ascii=False))
        if on_server():  # PostgreSQL has no INSERT OR REPLACE: update the row of the key
            insert.on_conflict(conflict_target=[Setting.key], preserve=[Setting.value]).execute()
        else:
            insert.on_conflict_replace().execute()
