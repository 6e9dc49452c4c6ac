"""The real start path (not --smoke): the start-up jobs are queued once the main window has
painted, and the 统计 warm-up keeps the summaries of the months the page opens with while
nobody opens the page."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer

from db.models import database
from desktop import after_start, app, cli
from desktop.paths import data_paths


@pytest.fixture
def demo_folder(tmp_path):
    data = tmp_path / "data"
    assert cli.main(["--data-dir", str(data), "demo", "--cases", "200"]) == 0
    return data


def test_start_jobs_follow_the_paint_and_the_warmup_needs_no_page(
    qapp, tmp_path, monkeypatch, demo_folder
):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # QSettings() of the run
    monkeypatch.setattr(app, "_sign_in", lambda session, checks: True)  # acts as the administrator
    monkeypatch.setattr(app, "font_box", lambda message: None)  # never a modal box here
    monkeypatch.setattr(after_start, "WARMUP_DELAY_MS", 0)
    seen: dict[str, object] = {}
    real_watching, real_warmup = after_start.start_watching, after_start.start_warmup

    def watching(session, window):
        seen["window visible when the start jobs begin"] = window.isVisible()
        real_watching(session, window)

    def finish(window) -> None:
        seen["kept"] = database.execute_sql("SELECT count(*) FROM stats_summaries").fetchone()[0]
        seen["stats page built"] = window.page("stats") is not None
        seen["notifier"] = getattr(window, "notifier", None) is not None
        window.close()  # the last window: the event loop ends

    def warmup(session, window, **kwargs):
        real_warmup(session, window, on_finished=lambda: finish(window))

    monkeypatch.setattr(after_start, "start_watching", watching)
    monkeypatch.setattr(after_start, "start_warmup", warmup)
    guard = QTimer()  # never hang the suite
    guard.setSingleShot(True)
    guard.timeout.connect(qapp.quit)
    guard.start(60_000)
    try:
        assert app._run(qapp, data_paths(demo_folder), smoke=False) == 0
    finally:
        guard.stop()
    assert seen["window visible when the start jobs begin"] is True
    assert seen["notifier"] is True
    assert seen["stats page built"] is False
    assert seen["kept"] > 0
