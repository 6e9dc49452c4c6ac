"""Schema 17: the cause of a case (原因分类 from the office's list, and a short 原因说明),
set when it is handled; the monthly figures count them (cause Pareto)."""

from __future__ import annotations

STATEMENTS = [
    "ALTER TABLE cases ADD COLUMN cause TEXT",
    "ALTER TABLE cases ADD COLUMN cause_note TEXT",
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)
