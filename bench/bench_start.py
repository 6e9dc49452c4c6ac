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


def run(cmd: list[str]) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    t = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--dir", default=str(DEFAULT_DIR))
    p.add_argument("--runs", type=int, default=5)
    a = p.parse_args()
    app_cmd = [sys.executable, "-m", "desktop", "--data-dir", a.dir, "--smoke"]
    bare_cmd = [sys.executable, "-c", BARE]
    run(bare_cmd)  # warm the file cache for both
    run(app_cmd)
    apps, bares = [], []
    for _ in range(a.runs):
        bares.append(run(bare_cmd))
        apps.append(run(app_cmd))
    app_s, bare_s = statistics.median(apps), statistics.median(bares)
    print(f"bare PySide6 window + lazy 100k table: median {bare_s:.2f} s "
          f"(runs {', '.join(f'{x:.2f}' for x in bares)})")
    print(f"python -m desktop --smoke on {a.dir}: median {app_s:.2f} s "
          f"(runs {', '.join(f'{x:.2f}' for x in apps)})")
    print(f"ratio {app_s / bare_s:.2f} (target ≤ 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
