"""SQLite's write-ahead log after a big write: its commit made durable without copying the
log into the database file, and that copy (the checkpoint) done later, off a person's path.

By default the connection that commits runs a checkpoint as soon as the log passes 1,000
pages: after a ledger import of 100,000 cases the log holds several hundred MB, and the
import's commit would copy all of it into the database file before returning (most of
the commit's time). ``commit_unhurried`` turns that off around one transaction; the
maintenance thread (GUI) or the command, once the import has returned, copies it with
``checkpoint``, PASSIVE: it never waits for a reader or a writer, and a save made
meanwhile goes on appending to the log.

Nothing is lost in between: a committed transaction is in the log, which every connection
reads and the next opening of the file recovers, whether the program closed or crashed.
For a power cut too, the big commit syncs the log itself (``synchronous = FULL`` for that
transaction), which the checkpoint did before.

The office server (PostgreSQL) has no such log to tend: both do nothing there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from db.models import database, on_server


@contextmanager
def commit_unhurried() -> Iterator[None]:
    """For a transaction begun and committed inside the ``with`` block, on this thread's
    connection: its commit writes and syncs the log, and copies nothing into the database
    file (``checkpoint`` does, later). The connection's settings are put back after.
    SQLite changes the sync level only outside a transaction: open it inside the block."""
    if on_server():
        yield
        return
    pages = database.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0]
    level = database.execute_sql("PRAGMA synchronous").fetchone()[0]
    database.execute_sql("PRAGMA wal_autocheckpoint = 0")
    # the commit syncs the log (FULL): durable through a power cut, as the checkpoint's
    # own sync made it before
    database.execute_sql("PRAGMA synchronous = FULL")
    try:
        yield
    except BaseException:
        # the block's own error is the one to hear, even if the connection is too broken
        # to take its settings back
        with contextlib.suppress(Exception):
            _put_back(pages, level)
        raise
    _put_back(pages, level)


def _put_back(pages: int, level: int) -> None:
    database.execute_sql(f"PRAGMA synchronous = {int(level)}")
    database.execute_sql(f"PRAGMA wal_autocheckpoint = {int(pages)}")


@dataclass(frozen=True)
class Checkpointed:
    """What a checkpoint found and did, in pages of the log (-1 for both: it could not run,
    another connection was checkpointing)."""

    in_log: int  # the pages the log holds
    copied: int  # of them, in the database file now

    @property
    def complete(self) -> bool:
        """Nothing left in the log to copy."""
        return 0 <= self.in_log <= self.copied


def checkpoint() -> Checkpointed | None:
    """Copy what the log holds into the database file, on this thread's connection, as far
    as no reader still needs an older page (PASSIVE: it waits for no one; what is left is
    copied by the next checkpoint, or when the last connection closes). None on the office
    server."""
    if on_server():
        return None
    _busy, in_log, copied = database.execute_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return Checkpointed(int(in_log), int(copied))
