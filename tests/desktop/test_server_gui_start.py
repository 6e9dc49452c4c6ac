"""The real start path on the office server: ``--database`` opens the server, the main window
paints, and the start's jobs run there (the deadline watch, the 统计 warm-up); the day's
backup is left to the server's administrator, and the status bar says so."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QTimer

from complaints.rules.permissions import ROLES
from complaints.usecases import demo, site
from db.database import close_database, open_server
from db.models import database
from desktop import after_start, app
from desktop.paths import data_paths
from tests.conftest import FIXED_NOW, sh01_context


def test_the_gui_starts_on_the_server_named_by_database(
    qapp, tmp_path, monkeypatch, server_address, caplog
):
    open_server(server_address)
    site.init_site("SH01", "上海浦东店", now=FIXED_NOW)
    demo.load_demo(dataclasses.replace(sh01_context(), roles=frozenset(ROLES)), 60)
    close_database()
    monkeypatch.delenv("COMPLAINTDESK_DATABASE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # QSettings() of the run
    monkeypatch.setattr(app, "_sign_in", lambda session, checks: True)  # the administrator
    monkeypatch.setattr(app, "font_box", lambda message: None)  # never a modal box here
    monkeypatch.setattr(after_start, "WARMUP_DELAY_MS", 0)
    seen: dict[str, object] = {}

    def finish(window) -> None:
        seen["title"] = window.windowTitle()
        seen["kept"] = database.execute_sql("SELECT count(*) FROM stats_summaries").fetchone()[0]
        seen["notifier"] = getattr(window, "notifier", None) is not None
        window.close()  # the last window: the event loop ends

    real_warmup, real_backup = after_start.start_warmup, after_start.start_backup

    def backup(session, window):
        real_backup(session, window)
        seen["status"] = window.statusBar().currentMessage()

    def warmup(session, window, **kwargs):
        real_warmup(session, window, on_finished=lambda: finish(window))

    monkeypatch.setattr(after_start, "start_warmup", warmup)
    monkeypatch.setattr(after_start, "start_backup", backup)
    guard = QTimer()  # never hang the suite
    guard.setSingleShot(True)
    guard.timeout.connect(qapp.quit)
    guard.start(60_000)
    data = data_paths(tmp_path / "data")
    try:
        assert app._run(qapp, data, smoke=False, server_url=str(server_address)) == 0
    finally:
        guard.stop()
    assert str(seen["title"]).endswith(f"[服务器 本机套接字/{server_address.dbname}]")
    assert seen["status"] == after_start.SERVER_BACKUP_NOTE
    kept = seen["kept"]
    assert seen["notifier"] is True and isinstance(kept, int) and kept > 0
    assert not data.database.exists() and not data.backups.exists()  # nothing of SQLite here
    assert [r.getMessage() for r in caplog.records if r.levelname in ("WARNING", "ERROR")] == []
