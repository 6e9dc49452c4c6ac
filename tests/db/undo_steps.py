"""What the migration tests take away to make a folder of an earlier schema: each later
step's own tables and triggers (SQLite), so that opening the folder runs that step again."""

from __future__ import annotations

from db.models import database


def undo_step_24() -> None:
    """Step 24's log of the cases each write touches: its triggers and tables."""
    for (name,) in database.execute_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'case_touches_%'"
    ).fetchall():
        database.execute_sql(f"DROP TRIGGER {name}")
    database.execute_sql("DROP TABLE case_touches")
    database.execute_sql("DROP TABLE case_touch_log")
