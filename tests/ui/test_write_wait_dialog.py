"""A save that waits for another program's write says so in its progress dialog (issue 15
§4): the worker's write transaction waits for the write lock, and after ~2 s the dialog
reads that it waits for another writer; once the lock is free, the save goes through.
The other writer is a real process holding the lock until the test lets it go."""

from __future__ import annotations

import subprocess
import sys

from complaints.usecases import settings
from desktop.app import _close_worker, _connect_worker
from tests.db.test_two_writers import HOLDER, _wait_for
from ui.taskman import TaskManager


def test_progress_dialog_says_it_waits_for_another_writer(qtbot, site_db, tmp_path):
    made: list = []
    tm = TaskManager(thread_start=lambda: _connect_worker(made[0]), thread_stop=_close_worker)
    made.append(tm)
    held, release = tmp_path / "held", tmp_path / "release"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(site_db), str(held), str(release)])
    try:
        _wait_for(held, holder)
        done = []
        task = tm.run(
            lambda: settings.set_("site.name", "上海浦东店(新)"), done.append, label="正在保存…"
        )
        progress = tm._tasks[task].progress

        def says_waiting() -> bool:
            d = progress.dialog
            return d is not None and "等待另一个程序" in d.labelText()

        qtbot.waitUntil(says_waiting, timeout=20_000)
        assert progress.dialog.labelText().startswith("正在保存…")
        assert not done
        release.touch()
        assert tm.wait_idle(60_000)
        assert done == [None]
    finally:
        release.touch()
        holder.communicate(timeout=60)
        tm.shutdown()
    assert settings.get("site.name") == "上海浦东店(新)"
