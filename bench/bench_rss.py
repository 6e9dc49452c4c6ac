"""The app's peak RSS with a big database open: the GUI start to the case list's every id.

    python bench/bench_rss.py --dir D [--runs 3] [--repo CHECKOUT]

Each run is a child process that starts the GUI as ``python -m desktop --data-dir D --smoke``
does (offscreen; the database opened fully, the main window built and painted), and then,
unlike --smoke, waits for the case list to hold the ids of every case (the worker's query
after the first paint, as a real start does) before it exits. Peak RSS comes from
``os.wait4`` (the child's ru_maxrss), with the moment of each step. Target: ≤ 150 MB at
1,000,000 cases. ``--repo`` runs another checkout's program the same way (before/after in the
same run). The jobs a real start queues after the paint (daily backup, deadline watch, 统计
warm-up) are left out: they are their pages' and maintenance's own figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

from _common import DEFAULT_DIR, ROOT

CHILD = r"""
import gc, os, resource, sys, time
t0 = time.perf_counter()
os.environ["QT_QPA_PLATFORM"] = "offscreen"
data_dir = sys.argv[1]
gc.disable()  # as python -m desktop starts
from desktop import app as desktop_app, cli
from ui.case_list import CaseListPage

def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def wait_for_ids(app, window, after_paint=None):
    from PySide6.QtCore import QTimer
    page = window.findChild(CaseListPage)
    got = []
    page.ids_loaded.connect(lambda n: (got.append(n), QTimer.singleShot(0, app.quit)))
    QTimer.singleShot(120_000, app.quit)
    window.show()
    app.exec()
    if after_paint is not None:
        after_paint()
    print(f"ids {got[0] if got else None} at {time.perf_counter() - t0:.2f} s; "
          f"peak RSS {rss():.0f} MB", flush=True)
    window.close()
    return 0 if got else 1

desktop_app._smoke = wait_for_ids
sys.exit(cli.main(["--data-dir", data_dir, "--smoke"]))
"""


def run_once(repo: Path, data_dir: str) -> tuple[float, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(repo)}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, data_dir],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        print(out, file=sys.stderr)
    return usage.ru_maxrss / 1024, out.strip().splitlines()[-1] if out.strip() else ""


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--dir", default=str(DEFAULT_DIR))
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--repo", help="another checkout to measure the same way, alternately")
    a = p.parse_args()
    repos = [("this checkout", ROOT)]
    if a.repo:
        repos.append(("--repo", Path(a.repo).resolve()))
    peaks: dict[str, list[float]] = {name: [] for name, _ in repos}
    for _ in range(a.runs):
        for name, repo in repos:
            peak, line = run_once(repo, a.dir)
            peaks[name].append(peak)
            print(f"{name}: peak RSS {peak:.0f} MB ({line})", flush=True)
    for name, values in peaks.items():
        print(f"{name}: median peak RSS {statistics.median(values):.0f} MB (target ≤ 150 MB at 1M)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
