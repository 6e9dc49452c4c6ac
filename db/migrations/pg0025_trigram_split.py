"""Schema 25 on the office server (PostgreSQL): nothing to build.

SQLite's step 25 splits its trigram index of schema 1 in two (the case's text, the
customer's name and phone); the server's search table cases_fts and its pg_trgm GIN index
(pg0014_baseline) stay as they are. The step is listed so that both engines reach schema 25
by the same runner.
"""

from __future__ import annotations


def up(execute) -> None:
    return None
