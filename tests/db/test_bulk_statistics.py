"""After the demo load the office server's planner has the loaded rows' statistics at once
(not an empty database's, until autovacuum's analyze); SQLite gets none made for it."""

from __future__ import annotations

from complaints.usecases import demo
from db.models import database, on_server


def test_the_demo_load_leaves_the_statistics_made(engine_ctx):
    demo.load_demo(engine_ctx, 30, seed=1)
    if on_server():
        analysed = database.execute_sql(
            "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
        ).fetchall()
        assert {"cases", "cases_fts", "entries"} <= {r[0] for r in analysed}
    else:
        made = database.execute_sql(
            "SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).fetchall()
        assert made == []
