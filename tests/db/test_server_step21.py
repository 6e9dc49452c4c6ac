"""Both engines reach schema 21: on the office server the step changes nothing (its pg_trgm
index answers short searches), from an empty database and from schema 20 alike."""

from __future__ import annotations

from db.database import close_database, latest_version, open_server
from db.migrations import STEPS
from db.models import database


def _versions() -> list[int]:
    return [r[0] for r in database.execute_sql("SELECT version FROM schema_version ORDER BY 1")]


def _tables() -> list[str]:
    return [
        r[0]
        for r in database.execute_sql(
            "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
            "ORDER BY 1"
        )
    ]


def test_the_server_reaches_schema_21_from_empty_and_from_20(server_address):
    assert latest_version() >= 21
    open_server(server_address)
    try:
        fresh, tables = _versions(), _tables()
        assert fresh[0] == 14 and 21 in fresh and fresh[-1] == latest_version()
        # back to schema 20: what the steps after 21 made goes too
        later = [v for v, _, _ in STEPS if v > 21]
        assert later == [22, 23, 24, 25], "a new step after 21: undo what it makes here too"
        database.execute_sql("DROP TABLE reminders_sent")
        for function in ("case", "entry", "everything", "prune"):  # with their triggers
            database.execute_sql(f"DROP FUNCTION case_touches_{function}() CASCADE")
        database.execute_sql("DROP TABLE case_touches, case_touch_log")
        database.execute_sql("DELETE FROM schema_version WHERE version > 20")
    finally:
        close_database()
    report = open_server(server_address)
    try:
        assert report.version_before == 20 and report.version_after == latest_version()
        assert _versions() == fresh and _tables() == tables
    finally:
        close_database()
