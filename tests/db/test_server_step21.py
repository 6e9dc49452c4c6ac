"""Both engines reach schema 21: on the office server the step changes nothing (its pg_trgm
index answers short searches), from an empty database and from schema 18 alike."""

from __future__ import annotations

from db.database import close_database, latest_version, open_server
from db.models import database


def _versions() -> list[int]:
    return [r[0] for r in database.execute_sql("SELECT version FROM schema_version ORDER BY 1")]


def test_the_server_reaches_schema_21_from_empty_and_from_18(server_address):
    assert latest_version() >= 21
    open_server(server_address)
    try:
        fresh = _versions()
        assert fresh[0] == 14 and 21 in fresh and fresh[-1] == latest_version()
        database.execute_sql("DELETE FROM schema_version WHERE version > 18")
    finally:
        close_database()
    report = open_server(server_address)
    try:
        assert report.version_before == 18 and report.version_after == latest_version()
        assert _versions() == fresh
    finally:
        close_database()
