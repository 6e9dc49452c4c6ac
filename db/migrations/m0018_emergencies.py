"""Schema 18: emergencies (突发事件) and their review.

A case declared an emergency (many customers, media, safety, a lawsuit) carries its kind and
when it was declared; closing it needs a short review: the cause, what was done, what
changes. Every case before this step is no emergency (NULL).
"""

from __future__ import annotations

STATEMENTS = [
    "ALTER TABLE cases ADD COLUMN emergency TEXT",
    "ALTER TABLE cases ADD COLUMN emergency_at TEXT",
    "ALTER TABLE cases ADD COLUMN review_cause TEXT",
    "ALTER TABLE cases ADD COLUMN review_actions TEXT",
    "ALTER TABLE cases ADD COLUMN review_changes TEXT",
    "CREATE INDEX IF NOT EXISTS idx_cases_emergency ON cases(emergency) "
    "WHERE emergency IS NOT NULL",
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)
