"""The 统计 warm-up (desktop.after_start.start_warmup): a few seconds after start, on the worker,
the months the 统计 page opens with are computed once, so their closed cases' summaries are
kept (stats_summaries) before anyone opens the page."""

from __future__ import annotations

import sys
import threading
from datetime import date

import pytest

from complaints.rules.periods import parse_period
from complaints.usecases import stats
from complaints.usecases.changes import OpChanges
from db.models import database
from db.timeutil import to_db
from desktop import after_start
from ui.main_window import MainWindow


def kept() -> int:
    return database.execute_sql("SELECT count(*) FROM stats_summaries").fetchone()[0]


def closed_ids(ctx, periods) -> set[int]:
    """The cases received in ``periods`` and closed by now: the ones a summary is kept for."""
    ids = set()
    for p in periods:
        cases, _entries, _earlier, _sanctions = stats.load_period(p, (), ctx.tz)
        ids |= {c["id"] for c in cases if c["state"] == "已关闭" and c["closed_at"] <= ctx.now()}
    return ids


def test_months_warmed_are_those_the_page_opens_with():
    codes = [p.code for p in after_start.warmup_periods(date(2026, 11, 20))]
    assert codes == ["2026-11", "2026-10", "2025-11"]
    # in the first five days the page opens on the previous month; this month comes first
    codes = [p.code for p in after_start.warmup_periods(date(2026, 12, 3))]
    assert codes == ["2026-12", "2026-11", "2026-10", "2025-11"]


def test_warmup_keeps_the_summaries_with_no_page_opened(qtbot, session, qsettings, stats_demo, ctx):
    w = MainWindow(session, settings=qsettings)
    qtbot.addWidget(w)
    session.taskman.wait_idle()
    assert kept() == 0
    finished: list[bool] = []
    after_start.start_warmup(session, w, delay_ms=0, on_finished=lambda: finished.append(True))
    qtbot.waitUntil(lambda: bool(finished), timeout=60_000)
    # the months the page opens with first, then every other month with closed cases
    first = closed_ids(ctx, [parse_period(c) for c in ("2026-11", "2026-10", "2025-11")])
    every = {
        r[0]
        for r in database.execute_sql(
            "SELECT id FROM cases WHERE state = '已关闭' AND deleted = 0 AND closed_at <= ?",
            [to_db(ctx.now())],
        )
    }
    assert first and first < every
    assert {r[0] for r in database.execute_sql("SELECT case_id FROM stats_summaries")} == every
    assert stats.months_to_fill(ctx.now(), ctx.tz) == []
    assert w.page("stats") is None  # nobody opened the 统计 page
    session.taskman.wait_idle()


def test_no_warmup_for_someone_who_may_not_see_the_stats(
    qtbot, session, qsettings, stats_demo, ctx
):
    import dataclasses

    session.set_user(dataclasses.replace(ctx, roles=frozenset({"管理员"})))  # no stats.view
    w = MainWindow(session, settings=qsettings)
    qtbot.addWidget(w)
    session.taskman.wait_idle()
    finished: list[bool] = []
    after_start.start_warmup(session, w, delay_ms=0, on_finished=lambda: finished.append(True))
    qtbot.waitUntil(lambda: bool(finished))
    session.taskman.wait_idle()
    assert kept() == 0


def test_warmup_queues_only_while_the_worker_is_idle(
    monkeypatch, qtbot, session, qsettings, stats_demo
):
    monkeypatch.setattr(after_start, "WARMUP_RETRY_MS", 10)
    w = MainWindow(session, settings=qsettings)
    qtbot.addWidget(w)
    session.taskman.wait_idle()
    release = threading.Event()
    long_job_done: list[bool] = []
    session.taskman.run(lambda: release.wait(30), lambda _r: long_job_done.append(True))
    busy_when_queued: list[bool] = []
    real_run = session.taskman.run

    def watching_run(fn, *args, **kwargs):
        # only the warm-up's own tasks: a page of the window may reload meanwhile, busy or not
        if sys._getframe(1).f_code.co_filename == after_start.__file__:
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
    after_start.start_warmup(session, w, delay_ms=0, on_finished=lambda: finished.append(True))
    qtbot.waitUntil(lambda: len(polls) >= 3)  # it looked, saw the long job, waited
    assert busy_when_queued == [] and kept() == 0
    release.set()
    qtbot.waitUntil(lambda: bool(finished), timeout=60_000)
    # the three months, the look for more, then each month it found: never while busy
    assert long_job_done and len(busy_when_queued) > 4 and not any(busy_when_queued)
    assert kept() > 0
    session.taskman.wait_idle()


@pytest.fixture
def quick_window(monkeypatch, qtbot, session, qsettings):
    """The main window, with the fill starting at once when asked again."""
    monkeypatch.setattr(after_start, "WARMUP_DELAY_MS", 0)
    w = MainWindow(session, settings=qsettings)
    qtbot.addWidget(w)
    session.taskman.wait_idle()
    return w


def test_a_ledger_import_starts_the_fill_again(qtbot, session, quick_window, stats_demo, ctx):
    w = quick_window
    finished: list[bool] = []
    after_start.start_warmup(session, w, delay_ms=0, on_finished=lambda: finished.append(True))
    qtbot.waitUntil(lambda: bool(finished), timeout=60_000)
    session.taskman.wait_idle()
    assert stats.months_to_fill(ctx.now(), ctx.tz) == []
    # As an import would bring them: cases whose summaries are not kept.
    with database.atomic():
        database.execute_sql("DELETE FROM stats_summaries WHERE case_id % 2 = 0")
    assert stats.months_to_fill(ctx.now(), ctx.tz)
    session.changed.emit(OpChanges.of("ledger"))
    qtbot.waitUntil(
        lambda: not stats.months_to_fill(ctx.now(), ctx.tz) and not w._stats_warmup.running,
        timeout=60_000,
    )
    session.taskman.wait_idle()


def test_fill_summaries_keeps_every_month(stats_demo, ctx):
    seen: list[tuple[int, int]] = []
    n = stats.fill_summaries(ctx.now(), ctx.tz, progress=lambda i, t: seen.append((i, t)))
    assert n == kept() > 0 and seen and seen[-1][0] == seen[-1][1]
    assert stats.months_to_fill(ctx.now(), ctx.tz) == []
    assert stats.fill_summaries(ctx.now(), ctx.tz) == 0  # nothing left


def test_the_demo_loaded_from_the_first_run_gets_its_summaries_kept(
    qtbot, session, quick_window, ctx
):
    w = quick_window
    changed: list[OpChanges] = []
    session.changed.connect(changed.append)
    after_start.load_demo(session, w, 40)
    qtbot.waitUntil(lambda: any("cases" in c for c in changed), timeout=60_000)
    qtbot.waitUntil(lambda: kept() > 0 and not w._stats_warmup.running, timeout=60_000)
    assert stats.months_to_fill(ctx.now(), ctx.tz) == []
    session.taskman.wait_idle()
