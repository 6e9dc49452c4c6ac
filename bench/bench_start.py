"""Start-up time: process start → main window painted, offscreen.

    python bench/bench_start.py [--dir D] [--runs 5] [--repo CHECKOUT]
    python bench/bench_start.py --remembered COPY-OF-D [--runs 11]

Measures, in the same run and alternating so that machine load hits both alike:
  app   ``python -m desktop --data-dir D --smoke`` (opens the 100,000-case database of
        bench_demo.py, builds the main window with its case list, paints it, exits);
  bare  a bare PySide6 window with a QTableView over a lazy 100,000-row
        QAbstractTableModel, painted once (the yardstick).
Target: app ≤ 2.0 × bare (the start opens the database fully before the window: no early
read-only path). Medians of --runs runs of each, the median of per-run ratios, the
fastest runs' ratio (the least disturbed by the machine) and the CPU time to the paint. With
--remembered, the real start (no --smoke) of a person remembered on this PC instead, to the
first rows painted and to ready for input. The app's figure that counts is
"first rows painted": the 投诉台账 table showing its first rows, as the bare window's table
does (the window's own first paint, which may come before the rows, is printed too).

"Painted" is read on the clock the processes share (``time.perf_counter``, CLOCK_MONOTONIC on
Linux): the child prints the moment its first paint is over (bare: after ``grab()`` and
``processEvents()``; app: when the event loop is back after the main window's first paint
event, so its children, the case list included, have painted too: an upper bound), the bench
subtracts the moment it spawned the child. So start → painted counts the interpreter's start
but not what follows the paint (closing the window, the worker thread, the interpreter's
shutdown), for the app and for the bare window alike. The older figure (process wall time
minus the time from the paint to the end of ``main()``, which still counted the app's
interpreter shutdown) is printed too, for comparison with earlier runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import DEFAULT_DIR, ROOT

BARE = r"""
import sys
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

class Lazy(QAbstractTableModel):
    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else 100_000
    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else 14
    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{index.row()}:{index.column()}"
        return None

app = QApplication(sys.argv[:1])
w = QMainWindow()
view = QTableView()
view.setModel(Lazy(view))
w.setCentralWidget(view)
w.resize(1280, 800)
w.show()
w.grab()  # paint once
app.processEvents()
import time
print(f"PAINTED-AT {time.perf_counter():.6f}")
print(f"CPU-AT {time.process_time():.6f}")
sys.exit(0)
"""


# The app under a watch: the same ``python -m desktop --smoke`` start, with its smoke step
# replaced by one that also waits for the case list's first rows: it notes when the main
# window first paints and when the 投诉台账 table first paints with rows in it (the bare
# window's table paints rows too: that is the yardstick). If the table holds rows when the
# window's first paint begins, they are painted in that same pass (the table is one of its
# children); otherwise (older code: the rows came later) the table's viewport is watched from
# then on. Only the window is watched before its first paint: an application-wide filter
# would run Python for every event of every widget built before the paint (~30 ms here), and
# asking for the viewport costs ~11 ms the first time (PySide6 resolves the type of a widget
# it has no wrapper for by creating every QWidget subclass and its enums).
WATCHED = r"""
import gc, sys, time
gc.disable()  # as desktop/__main__.py does, then the same imports in the same order
from desktop.cli import main
import desktop.app as app_module
from PySide6.QtCore import QEvent, QObject, QTimer
painted, flushed, rows, rows_flushed, cpu = [], [], [], [], []
def smoke(app, window, *args, **kwargs):
    page = window.page("cases")
    view, model = page.view, page.model
    def rows_painted(now):
        rows.append(now)
        QTimer.singleShot(0, lambda: (rows_flushed.append(time.perf_counter()),
                                      cpu.append(time.process_time()), app.quit()))
    class Watch(QObject):
        def eventFilter(self, obj, ev):
            if ev.type() == QEvent.Type.Paint:
                now = time.perf_counter()
                if obj is window and not painted:
                    painted.append(now)
                    # the window's own paint comes first; its children paint in the same
                    # pass: done when the event loop is back
                    QTimer.singleShot(0, lambda: flushed.append(time.perf_counter()))
                    if model.rowCount() > 0:
                        rows_painted(now)
                    else:
                        view.viewport().installEventFilter(self)
                elif obj is not window and not rows and model.rowCount() > 0:
                    rows_painted(now)
            return False
    watch = Watch()
    window.installEventFilter(watch)
    QTimer.singleShot(20_000, app.quit)
    window.show()
    app.exec()
    window.close()
    return 0 if rows else 1
app_module._smoke = smoke
rc = main(sys.argv[1:])
end = time.perf_counter()
print(f"AFTER-PAINT {end - painted[0] if painted else -1:.4f}")
if painted:
    print(f"PAINTED-AT {(flushed or painted)[0]:.6f}")
if rows:
    print(f"ROWS-AT {(rows_flushed or rows)[0]:.6f}")
if cpu:
    print(f"CPU-AT {cpu[0]:.6f}")
sys.exit(rc)
"""


# The real start of a person this PC remembers (no sign-in dialog; `--remembered DIR`): the
# same watch on the main window's first paint, plus the moment the jobs queued after the paint
# (the backup, the deadline watch, the sanctions sweep…) are queued and the window answers.
REMEMBERED = r"""
import argparse, gc, sys, time
gc.disable()  # as desktop/__main__.py does, then the same imports in the same order
import desktop.cli
import desktop.app as app_module
from pathlib import Path
from PySide6.QtCore import QEvent, QObject, QTimer
real_after = app_module.after_first_paint
def after_first_paint(window, fn, **kwargs):
    def then():
        fn()
        print(f"READY-AT {time.perf_counter():.6f}", flush=True)
    real_after(window, then, **kwargs)
    class Watch(QObject):  # installed last, so it sees the paint first
        def eventFilter(self, obj, ev):
            if obj is window and ev.type() == QEvent.Type.Paint and not hasattr(self, "seen"):
                self.seen = True
                rows = window.page("cases").model.rowCount()
                QTimer.singleShot(0, lambda: print(f"ROWS-AT {time.perf_counter():.6f}"
                                                   if rows else "NO-ROWS", flush=True))
                QTimer.singleShot(0, lambda: QTimer.singleShot(0, window.close))
            return False
    window._bench_watch = Watch(window)
    window.installEventFilter(window._bench_watch)
app_module.after_first_paint = after_first_paint
import desktop.after_start
desktop.after_start.WARMUP_DELAY_MS = 60_000
sys.exit(app_module.run_gui(argparse.Namespace(data_dir=Path(sys.argv[1]), smoke=False)))
"""


def remember_someone(folder: str) -> None:
    """Make ``folder``'s database start without a sign-in dialog: an administrator ("bench",
    created if the folder has no account) remembered on this PC. Changes that database."""
    from datetime import UTC, datetime

    from complaints.usecases import settings, users
    from db.database import close_database, open_database

    open_database(Path(folder) / "complaintdesk.sqlite3")
    try:
        login = settings.get("auth.remembered_login")
        if not (settings.get("auth.allow_remember") and login):
            if users.needs_first_admin():
                users.create_first_admin(
                    "bench", "基准测试", "bench-pass-123", now=datetime.now(UTC)
                )
                login = "bench"
            else:
                login = users.site_administrator().login
            settings.set_("auth.allow_remember", True)
            settings.set_("auth.remembered_login", login)
    finally:
        close_database()


def run_timed(
    cmd: list[str], cwd: str = str(ROOT)
) -> tuple[float, float | None, float, float | None, float | None]:
    """(wall time of the process, spawn → its first paint or None, wall time minus the
    time from the paint to the end of ``main()``: the older measure, spawn → the case list's
    first rows painted or None, the process's CPU time (all threads) when painted or None)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    # As on a person's PC: Python keeps the compiled modules (__pycache__; the installer's
    # bundle ships them compiled). With PYTHONDONTWRITEBYTECODE set (this sandbox sets it) the
    # app's ~110 own modules would be compiled from source on every start, the bare window's
    # PySide6 never (pip compiled it at install). The warm-up runs write them.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    t = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    painted, older, rows, cpu = None, wall, None, None
    for line in done.stdout.splitlines():
        if line.startswith("AFTER-PAINT "):
            older = wall - float(line.split()[1])
        elif line.startswith("PAINTED-AT "):
            painted = float(line.split()[1]) - t
        elif line.startswith("ROWS-AT "):
            rows = float(line.split()[1]) - t
        elif line.startswith("CPU-AT "):
            cpu = float(line.split()[1])
        elif line.startswith("READY-AT "):
            older = float(line.split()[1]) - t  # the remembered start: ready for input
    return wall, painted, older, rows, cpu


def run(cmd: list[str], cwd: str = str(ROOT)) -> float:
    """Wall time of the process; for the watched app, up to its first paint (older measure)."""
    return run_timed(cmd, cwd)[2]


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--dir", default=str(DEFAULT_DIR))
    p.add_argument("--runs", type=int, default=5)
    p.add_argument(
        "--repo",
        default=str(ROOT),
        help="run the app from this checkout (e.g. `git archive HEAD` unpacked)",
    )
    p.add_argument(
        "--remembered",
        metavar="DIR",
        help="also time the real start (no --smoke) of a person remembered on this "
        "PC, in DIR (a copy of --dir: an administrator is remembered there)",
    )
    a = p.parse_args()
    if a.remembered:
        return remembered_start(a)
    app_cmd = [sys.executable, "-m", "desktop", "--data-dir", a.dir, "--smoke"]
    bare_cmd = [sys.executable, "-c", BARE]
    run(bare_cmd)  # warm the file cache for both
    watched_cmd = [sys.executable, "-c", WATCHED, "--data-dir", a.dir, "--smoke"]
    run(app_cmd, a.repo)
    apps, painted, rows, older, bares, bare_painted = [], [], [], [], [], []
    cpu_bare, cpu_app = [], []
    for _ in range(a.runs):
        wall, to_paint, _old, _rows, cpu = run_timed(bare_cmd)
        bares.append(wall)
        bare_painted.append(to_paint)
        cpu_bare.append(cpu)
        apps.append(run_timed(app_cmd, a.repo)[0])
        _wall, to_paint, old, to_rows, cpu = run_timed(watched_cmd, a.repo)
        painted.append(to_paint)
        older.append(old)
        rows.append(to_rows)
        cpu_app.append(cpu)

    def runs(xs: list[float]) -> str:
        return ", ".join(f"{x:.3f}" for x in xs)

    med = statistics.median
    bare_s, bare_p, app_s = med(bares), med(bare_painted), med(apps)
    paint_s, old_s, rows_s = med(painted), med(older), med(rows)
    print(
        f"bare PySide6 window + lazy 100k table: whole process {bare_s:.3f} s "
        f"(runs {runs(bares)}); start → painted {bare_p:.3f} s (runs {runs(bare_painted)})"
    )
    print(f"python -m desktop --smoke on {a.dir}: whole run {app_s:.3f} s (runs {runs(apps)})")
    print(f"  process start → main window painted: {paint_s:.3f} s (runs {runs(painted)})")
    print(f"  process start → case list's first rows painted: {rows_s:.3f} s (runs {runs(rows)})")
    print(f"  older measure (wall − paint→end of main): {old_s:.3f} s (runs {runs(older)})")
    # The machine's speed drifts (a virtual machine's neighbours): each app run against the
    # bare run just before it is steadier than the ratio of the medians.
    paired = [r / b for r, b in zip(rows, bare_painted, strict=True)]
    print(
        f"per-run ratio rows painted / bare painted (each against the bare run before it): "
        f"median {med(paired):.2f}, runs {', '.join(f'{x:.2f}' for x in paired)}"
    )
    # CPU time to the paint (user + system, every thread) does not count the moments the
    # virtual machine lends the core to its neighbours: the steadiest comparison of work done.
    if all(cpu_bare) and all(cpu_app):
        print(
            f"CPU time to painted: bare {med(cpu_bare):.3f} s (runs {runs(cpu_bare)}), app "
            f"{med(cpu_app):.3f} s (runs {runs(cpu_app)}): ratio "
            f"{med(cpu_app) / med(cpu_bare):.2f}"
        )
    # The fastest run of each is the least disturbed by the machine (timeit's habit).
    print(
        f"fastest runs: bare {min(bare_painted):.3f} s, app rows painted {min(rows):.3f} s: "
        f"ratio {min(rows) / min(bare_painted):.2f}"
    )
    print(
        f"ratio start → rows painted, app / bare: {rows_s / bare_p:.2f} (target ≤ 2.0); "
        f"start → window painted, app / bare: {paint_s / bare_p:.2f}; "
        f"whole smoke run / bare whole: {app_s / bare_s:.2f}"
    )
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"peak RSS of the largest child (the app with the 100k database): {rss:.0f} MB "
        "(target ≤ 150 MB)"
    )
    return 0


def remembered_start(a: argparse.Namespace) -> int:
    """The real start of a remembered person against the bare window, alternating."""
    remember_someone(a.remembered)
    env_home = Path(a.remembered) / "bench-config"  # the run's QSettings, not the user's
    os.environ["XDG_CONFIG_HOME"] = str(env_home)
    cmd = [sys.executable, "-c", REMEMBERED, a.remembered]
    bare_cmd = [sys.executable, "-c", BARE]
    run(bare_cmd)
    run_timed(cmd, a.repo)
    bare, rows, ready = [], [], []
    for _ in range(a.runs):
        bare.append(run_timed(bare_cmd)[1])
        _wall, _p, ready_at, rows_at, _cpu = run_timed(cmd, a.repo)
        if rows_at is None:
            raise SystemExit("the remembered start painted no rows")
        rows.append(rows_at)
        ready.append(ready_at)
    med = statistics.median

    def runs(xs: list[float]) -> str:
        return ", ".join(f"{x:.3f}" for x in xs)

    print(f"bare window: start → painted {med(bare):.3f} s (runs {runs(bare)})")
    print(
        f"remembered person's start: → first rows painted {med(rows):.3f} s "
        f"(runs {runs(rows)}); → ready for input {med(ready):.3f} s (runs {runs(ready)})"
    )
    print(
        f"ratio rows painted / bare: medians {med(rows) / med(bare):.2f}, "
        f"fastest runs {min(rows) / min(bare):.2f} (target ≤ 2.0)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
