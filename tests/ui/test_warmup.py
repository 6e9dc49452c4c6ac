"""The 统计 warm-up (desktop.app._start_warmup): a few seconds after start, on the worker,
the months the 统计 page opens with are computed once, so their closed cases' summaries are
kept (stats_summaries) before anyone opens the page."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from complaints.rules.periods import parse_period
from complaints.usecases import demo, stats
from db.models import database
from desktop import app
from ui.main_window import MainWindow


def kept() -> int:
    return database.execute_sql("SELECT count(*) FROM stats_summaries").fetchone()[0]


def closed_ids(ctx, periods) -> set[int]:
    """The cases received in ``periods`` and closed by now: the ones a summary is kept for."""
    ids = set()
    for p in periods:
        cases, _entries, _earlier, _sanctions = stats.load_period(p, (), ctx.tz)
        ids |= {c["id"] for c in cases
                if c["state"] == "已关闭" and c["closed_at"] <= ctx.now()}
    return ids


@pytest.fixture
def demo_cases(ctx):
    demo.load_demo(ctx, 300, seed=5)
    stats.clear_cache(stored=True)
    yield ctx
    stats.clear_cache()


def test_months_warmed_are_those_the_page_opens_with():
    codes = [p.code for p in app.warmup_periods(date(2026, 11, 20))]
    assert codes == ["2026-11", "2026-10", "2025-11"]
    # in the first five days the page opens on the previous month; this month comes first
    codes = [p.code for p in app.warmup_periods(date(2026, 12, 3))]
    assert codes == ["2026-12", "2026-11", "2026-10", "2025-11"]


def test_warmup_keeps_the_summaries_with_no_page_opened(qtbot, session, qsettings,
                                                         demo_cases, ctx):
    w = MainWindow(session, settings=qsettings)
    qtbot.addWidget(w)
    session.taskman.wait_idle()
    assert kept() == 0
    finished: list[bool] = []
    app._start_warmup(session, w, delay_ms=0, on_finished=lambda: finished.append(True))
    qtbot.waitUntil(lambda: bool(finished), timeout=60_000)
    expected = closed_ids(ctx, [parse_period(c) for c in ("2026-11", "2026-10", "2025-11")])
    assert expected and kept() == len(expected)
    assert w.page("stats") is None  # nobody opened the 统计 page
    session.taskman.wait_idle()


def test_no_warmup_for_someone_who_may_not_see_the_stats(qtbot, session, qsettings,
                                                         demo_cases, ctx):
    import dataclasses

    session.set_user(dataclasses.replace(ctx, roles=frozenset({"管理员"})))  # no stats.view
    w = MainWindow(session, settings=qsettings)
    qtbot.addWidget(w)
    session.taskman.wait_idle()
    finished: list[bool] = []
    app._start_warmup(session, w, delay_ms=0, on_finished=lambda: finished.append(True))
    qtbot.waitUntil(lambda: bool(finished))
    session.taskman.wait_idle()
    assert kept() == 0


def test_warmup_queues_only_while_the_worker_is_idle(monkeypatch, qtbot, session, qsettings,
                                                     demo_cases):
    monkeypatch.setattr(app, "WARMUP_RETRY_MS", 10)
    w = MainWindow(session, settings=qsettings)
    qtbot.addWidget(w)
    session.taskman.wait_idle()
    release = threading.Event()
    long_job_done: list[bool] = []
    session.taskman.run(lambda: release.wait(30), lambda _r: long_job_done.append(True))
    busy_when_queued: list[bool] = []
    real_run = session.taskman.run

    def watching_run(fn, *args, **kwargs):
        busy_when_queued.append(session.taskman.is_busy())
        return real_run(fn, *args, **kwargs)

    monkeypatch.setattr(session.taskman, "run", watching_run)
    finished: list[bool] = []
    polls: list[bool] = []
    real_is_busy = session.taskman.is_busy

    def counting_is_busy() -> bool:
        polls.append(True)
        return real_is_busy()

    monkeypatch.setattr(session.taskman, "is_busy", counting_is_busy)
    app._start_warmup(session, w, delay_ms=0, on_finished=lambda: finished.append(True))
    qtbot.waitUntil(lambda: len(polls) >= 3)  # it looked, saw the long job, waited
    assert busy_when_queued == [] and kept() == 0
    release.set()
    qtbot.waitUntil(lambda: bool(finished), timeout=60_000)
    assert long_job_done and len(busy_when_queued) == 3 and not any(busy_when_queued)
    assert kept() > 0
    session.taskman.wait_idle()
