"""Schema 21 on the office server (PostgreSQL): nothing to build.

SQLite's step 21 adds a bigram index for 1-2 character searches; on the server the pg_trgm
GIN index of cases_fts (pg0014_baseline) already serves the search, and a one- or
two-character text reads that one-document-per-case table. The step is listed so that both
engines reach schema 21 by the same runner.
"""

from __future__ import annotations


def up(execute) -> None:
    return None
