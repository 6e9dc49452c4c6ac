"""Speed of the monthly review (issue 8): a month's figures over 100,000 cases (goal ≤ 300 ms)
and the 统计 page with its charts (goal ≤ 1 s).

    .venv/bin/python bench/bench_stats.py [--data-dir DIR] [--cases 100000] [--period 2026-10]

Without --data-dir it builds a throw-away database of demo cases (complaints.usecases.demo)
spread over the year up to 2026-11-23, then times, on a warm database file:
- figures_for(month): never computed before (no summary kept anywhere: every entry read and
  judged; keep_summaries() then stores the closed cases' summaries, timed apart: the page
  calls it after showing the figures); after a restart (memory emptied, the
  summaries kept in the database: only the open cases' entries are judged); again in the
  same process (summaries in memory);
- review(month) = figures + previous month + same month last year + 12-month trend;
- the page: StatsPage constructed → figures, cards and the four charts on screen (offscreen Qt),
  and → the comparisons filled in. The page opens on the month of the clock (November 2026:
  many cases still open, judged on every run), compared with October 2026 and November
  2025; measured with nothing kept, after a restart (kept in the database) and again.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NOW_TEXT = "2026-11-23T09:00:00+08:00"


def ms(t: float) -> str:
    return f"{t * 1000:.0f} ms"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path)
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--period", default="2026-10")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from complaints.rules.periods import parse_period
    from complaints.rules.permissions import ROLES
    from complaints.usecases.context import CHINA_TZ, Context
    from db.database import open_database
    from db.models import database
    from desktop.paths import data_paths

    now = datetime.fromisoformat(NOW_TEXT)
    root = args.data_dir or Path(tempfile.mkdtemp(prefix="bench_stats_"))
    paths = data_paths(root)
    fresh = not paths.database.exists()
    open_database(paths.database, backup_dir=paths.backups, app_version="bench")
    ctx = Context(site="SH01", actor="bench", clock=lambda: now, roles=frozenset(ROLES))
    if fresh:
        from complaints.usecases import demo, site

        site.init_site("SH01", "上海浦东店", now=now)
        t = time.perf_counter()
        demo.load_demo(ctx, args.cases, seed=3)
        print(f"built {args.cases} demo cases in {time.perf_counter() - t:.1f} s")
    total = database.execute_sql("SELECT count(*) FROM cases").fetchone()[0]
    period = parse_period(args.period)

    from complaints.usecases import stats, stats_review

    stats.clear_cache(stored=True)
    stats.figures_for(period, (), as_of=now, tz=CHINA_TZ)  # warm the file cache
    first, keep = [], []
    for _ in range(args.runs):
        stats.clear_cache(stored=True)
        t = time.perf_counter()
        stats.figures_for(period, (), as_of=now, tz=CHINA_TZ)
        first.append(time.perf_counter() - t)
        t = time.perf_counter()
        stats.keep_summaries()  # the page does it after showing the figures
        keep.append(time.perf_counter() - t)
    cold = []
    for _ in range(args.runs):
        stats.clear_cache()
        t = time.perf_counter()
        f = stats.figures_for(period, (), as_of=now, tz=CHINA_TZ)
        cold.append(time.perf_counter() - t)
    warm = []
    for _ in range(args.runs):
        t = time.perf_counter()
        stats.figures_for(period, (), as_of=now, tz=CHINA_TZ)
        warm.append(time.perf_counter() - t)
    rev = []
    for _ in range(args.runs):
        t = time.perf_counter()
        stats_review.review(ctx, period, ())
        rev.append(time.perf_counter() - t)
    print(
        f"database: {total} cases; {period.label}: {f.total} cases, "
        f"{len(f.carried_over)} carried over"
    )
    print(
        f"month figures, never computed (all judged):    median {ms(statistics.median(first))}"
        f"  (min {ms(min(first))})"
    )
    print(
        f"  then keeping the new summaries (after the page shows the figures): "
        f"median {ms(statistics.median(keep))}"
    )
    print(
        f"month figures, after a restart (kept in db):    median {ms(statistics.median(cold))}"
        f"  (min {ms(min(cold))})"
    )
    print(
        f"month figures, again (kept in memory):          median {ms(statistics.median(warm))}"
        f"  (min {ms(min(warm))})"
    )
    print(f"review (+ previous, last year, 12-month trend): median {ms(statistics.median(rev))}")

    from PySide6.QtCore import QEventLoop, QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    import ui  # noqa: F401
    from ui import pin_singletons
    from ui.session import Session
    from ui.stats import StatsPage
    from ui.taskman import TaskManager

    pin_singletons()
    tm = TaskManager(
        thread_start=lambda: database.connect(reuse_if_open=True), thread_stop=database.close
    )
    settings = QSettings(str(root / "bench.ini"), QSettings.Format.IniFormat)
    session = Session(paths, tm, ui_settings=settings, clock=lambda: now)
    session.set_user(ctx)
    for label, clear in (
        ("page, never computed (nothing kept)", "stored"),
        ("page, first open after a restart", "memory"),
        ("page, opened again", None),
    ):
        if clear:
            stats.clear_cache(stored=clear == "stored")
        shown, compared = [], []
        t0 = time.perf_counter()
        page = StatsPage(session)
        page.resize(1500, 950)
        page.loaded.connect(lambda s=shown: s.append(time.perf_counter()))
        page.compared.connect(lambda c=compared: c.append(time.perf_counter()))
        # The application's own event loop (no polling from Python, which would take the
        # interpreter lock from the worker every millisecond): quit once compared.
        loop = QEventLoop()
        page.compared.connect(loop.quit)
        page.show()
        if not compared:
            loop.exec()
        page.repaint()
        painted = time.perf_counter()
        print(
            f"{label}: figures + cards + 4 charts on screen {ms(shown[0] - t0)}, "
            f"painted {ms(painted - t0)}, comparisons in {ms(compared[0] - t0)}"
        )
        page.close()
        page.deleteLater()
        app.processEvents()
    tm.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
