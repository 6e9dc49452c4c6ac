"""SQLite's page cache sized for one job, then put back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from db.models import database, on_server


@contextmanager
def page_cache(kib: int) -> Iterator[None]:
    """The connection's page cache at ``kib`` KiB for the ``with`` block, then as it was. A
    job that reads each table once, in order, gains nothing from a big cache (pages never
    read again: memory stays flat with a small one); one that inserts keys all over its
    indexes keeps them in memory with a big one instead of spilling pages mid-transaction.
    The office server sizes its own shared buffers: nothing to do there."""
    if on_server():
        yield
        return
    before = database.execute_sql("PRAGMA cache_size").fetchone()[0]
    database.execute_sql(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        database.execute_sql(f"PRAGMA cache_size = {int(before)}")
