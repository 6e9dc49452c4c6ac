"""After an import on the 数据交换 page, SQLite's checkpoint runs on the maintenance
thread (ui/checkpoint_job.py), not in the import's task: the import's report comes while
the log still holds its pages, and the job then copies them into the database file."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from db.models import database
from db.wal import checkpoint
from tests.ui.test_exchange_ui import page_and_foreign_file
from ui.maintenance import runner_for


def _contents(path: Path) -> str:
    """What the database file holds (not its log): a checkpoint writes pages into it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_checkpoint_after_an_import_runs_on_the_maintenance_thread(
    qtbot, session, ctx, db_path, tmp_path
):
    page, foreign = page_and_foreign_file(qtbot, session, ctx, tmp_path)
    with qtbot.waitSignal(page.checked, timeout=10_000):
        page.check_files([foreign])
    # every connection, the worker's too, checkpoints by itself past 1 page of log, so that
    # a commit that ran one would show in the file (the next open_database sets PRAGMAS)
    database.pragma("wal_autocheckpoint", 1, permanent=True)
    assert checkpoint() is not None  # what the set-up wrote: in the file
    before = _contents(db_path)
    # the maintenance thread busy with another job until the import's report is read
    gate = threading.Event()
    runner = runner_for(session)
    runner.run(lambda _progress, _cancelled: gate.wait(30), label="test")

    with qtbot.waitSignal(page.imported, timeout=10_000) as blocker:
        page.apply_checked()
    report = blocker.args[0]
    assert report.applied and report.checkpoint_due
    assert _contents(db_path) == before  # the import's commit copied nothing

    with qtbot.waitSignal(page.checkpoint_job.done, timeout=10_000) as blocker:
        gate.set()
    done = blocker.args[0]
    assert done is not None and done.complete and done.in_log > 0
    assert _contents(db_path) != before
