"""Schema 22: the deadline reminders an office has shown (办公室服务器: 每个提醒只弹一次).

On the office server every seat watches the same deadlines; the first seat to show a
reminder claims its row (the case, the rule, the status it turned to, and the due time it was
judged against), and a seat that finds the row taken shows nothing. A due time that moves
(a hold, a new policy) is a new reminder. The same table on this PC's SQLite file stays
empty: one PC has one seat.
"""

from __future__ import annotations

STATEMENTS = [
    "CREATE TABLE IF NOT EXISTS reminders_sent ("
    "case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE, "
    "rule TEXT NOT NULL, status TEXT NOT NULL, due TEXT NOT NULL, "
    "seat TEXT NOT NULL, sent_at TEXT NOT NULL, "
    "PRIMARY KEY (case_id, rule, status, due))",
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)
