"""Schema 15: a partial index of the holds (暂停 and 恢复 entries), so the monthly figures
find the cases put on hold without reading every entry of the period."""

from __future__ import annotations

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS entries_holds ON entries (case_id, at) "
    "WHERE action IN ('暂停', '恢复') AND deleted = 0",
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)
