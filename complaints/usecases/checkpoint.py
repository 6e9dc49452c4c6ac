"""After a ledger import into this PC's file: the copy of SQLite's log into the database
file that the import's commit left undone (db/wal.py), off the person's path.

The GUI queues it on the maintenance thread (ui/checkpoint_job.py: its own connection,
never in the way of a save); the ``import`` command runs it as soon as the import returns,
before it says it is done. Nothing waits on it for safety: the log already holds the
import durably. Until it runs, the next commit of a connection with SQLite's automatic
checkpoint would pay for the copy instead.
"""

from __future__ import annotations

from collections.abc import Callable

from db.wal import Checkpointed, checkpoint

Progress = Callable[[int, int, str], None]


def after_import(
    progress: Progress | None = None, cancelled: Callable[[], bool] | None = None
) -> Checkpointed | None:
    """Copy the log into the database file (PASSIVE: it waits for no reader and no writer;
    what a reader still needs stays for the next checkpoint). None on the office server,
    which has nothing to copy. One step that cannot stop halfway: ``cancelled`` is only
    looked at before it begins (a checkpoint left for later loses nothing)."""
    if cancelled is not None and cancelled():
        return None
    if progress is not None:
        progress(0, 1, "")
    done = checkpoint()
    if progress is not None:
        progress(1, 1, "")
    return done
