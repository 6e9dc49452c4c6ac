"""Start-up time: process start → main window painted, offscreen.

    python bench/bench_start.py [--dir D] [--runs 5]

Measures, in the same run and alternating so that machine load hits both alike:
  app   ``python -m desktop --data-dir D --smoke`` (opens the 100,000-case database of
        bench_demo.py, builds the main window with its case list, paints it, exits);
  bare  a bare PySide6 window with a QTableView over a lazy 100,000-row
        QAbstractTableModel, painted once (the yardstick of issue 2 §8).
Target: app ≤ 1.5 × bare. Wall-clock medians of --runs runs of each.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

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
sys.exit(0)
"""


# The app under a watch: the same ``python -m desktop --smoke`` work, plus an event filter on the
# main window (installed where the smoke run gets the window) that notes when it first paints,
# so that the time the smoke run spends after the paint (closing, waiting for the worker
# thread) can be told apart. Only the window is watched: an application-wide filter would run
# Python for every event of every widget built before the paint and slow the start it
# measures (by ~30 ms here).
WATCHED = r"""
import sys, time
import desktop.app as app_module
from PySide6.QtCore import QEvent, QObject
painted = []
class Watch(QObject):
    def eventFilter(self, obj, ev):
        if not painted and ev.type() == QEvent.Type.Paint:
            painted.append(time.perf_counter())
        return False
watch = Watch()
real_smoke = app_module._smoke
def smoke(app, window, *args, **kwargs):
    window.installEventFilter(watch)
    return real_smoke(app, window, *args, **kwargs)
app_module._smoke = smoke
from desktop.cli import main
rc = main(sys.argv[1:])
end = time.perf_counter()
print(f"AFTER-PAINT {end - painted[0] if painted else -1:.4f}")
sys.exit(rc)
"""


def run(cmd: list[str], cwd: str = str(ROOT)) -> float:
    """Wall time of the process; for the watched app, up to its first paint."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    t = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    for line in done.stdout.splitlines():
        if line.startswith("AFTER-PAINT "):
            elapsed -= float(line.split()[1])
    return elapsed


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--dir", default=str(DEFAULT_DIR))
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--repo", default=str(ROOT),
                   help="run the app from this checkout (e.g. `git archive HEAD` unpacked)")
    a = p.parse_args()
    app_cmd = [sys.executable, "-m", "desktop", "--data-dir", a.dir, "--smoke"]
    bare_cmd = [sys.executable, "-c", BARE]
    run(bare_cmd)  # warm the file cache for both
    watched_cmd = [sys.executable, "-c", WATCHED, "--data-dir", a.dir, "--smoke"]
    run(app_cmd, a.repo)
    apps, painted, bares = [], [], []
    for _ in range(a.runs):
        bares.append(run(bare_cmd))
        apps.append(run(app_cmd, a.repo))
        painted.append(run(watched_cmd, a.repo))
    app_s, bare_s = statistics.median(apps), statistics.median(bares)
    print(f"bare PySide6 window + lazy 100k table: median {bare_s:.2f} s "
          f"(runs {', '.join(f'{x:.2f}' for x in bares)})")
    print(f"python -m desktop --smoke on {a.dir}: median {app_s:.2f} s "
          f"(runs {', '.join(f'{x:.2f}' for x in apps)})")
    paint_s = statistics.median(painted)
    print(f"  of which process start → main window painted: median {paint_s:.2f} s "
          f"(runs {', '.join(f'{x:.2f}' for x in painted)})")
    print(f"ratio, whole smoke run: {app_s / bare_s:.2f}; to the first paint: "
          f"{paint_s / bare_s:.2f} (target ≤ 1.5)")
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS of the largest child (the app with the 100k database): {rss:.0f} MB "
          "(target ≤ 150 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
