"""Schema 23 on the office server (PostgreSQL): nothing to build.

SQLite's step 23 splits its bigram index of schema 21 in two (the case's keys, its content);
the server never had that index (pg_trgm answers short searches, pg0021_bigram_index). The
step is listed so that both engines reach schema 23 by the same runner.
"""

from __future__ import annotations


def up(execute) -> None:
    return None
