"""The built bundle (issue 9): its size, and start → main window painted, offscreen.

    python bench/bench_bundle.py [--prog dist/complaintdesk/complaintdesk] [--runs 7]
                                 [--cases 200] [--big PATH | --no-big] [--source]

Size: ``du -sk`` of the bundle folder, ``tar czf`` of it (gzip -6, the default), the .deb.
Targets: ≤ 150 MB on disk, ≤ 65 MB compressed.

Start: ``PROG --data-dir D --smoke`` (opens D, builds the main window, paints it once and
exits). The bundle cannot load a timing hook, so the time of the paint is read from Qt's own
log: with ``QT_LOGGING_RULES=qt.widgets.painting=true`` Qt prints "Drawing … of
MainWindow(…)" on stderr when it starts drawing the main window into its backing store; this
script notes, in the parent, when that line arrives (seconds since it started the process).
It also gives the wall clock of the whole smoke run (to process exit, closing included) and,
without the Qt log, the plain wall clock (so the log's own cost shows). Target ≤ 0.6 s.
Data folders: a fresh one with ``demo --cases N`` made by the bundle, and (unless --no-big) a
copy of the bench_demo.py 100,000-case database, migrated once by the bundle before timing
(the original is never opened). One untimed run per data folder warms the file cache.
--source also times ``python -m desktop`` from this checkout on the same folders.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import DEFAULT_DIR, ROOT

PAINT_MARK = "Drawing "  # qt.widgets.painting: "Drawing QRegion(…) of MainWindow(0x…) at …"


def smoke_once(cmd: list[str], *, watch_paint: bool) -> tuple[float | None, float]:
    """(seconds to the first drawing of the main window or None, seconds to process exit)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    if watch_paint:
        env["QT_LOGGING_RULES"] = "qt.widgets.painting=true"
        env["QT_MESSAGE_PATTERN"] = "%{category}|%{message}"
    paint = None
    tail: list[str] = []
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        env=env,
        cwd=str(ROOT),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if (
            paint is None
            and line.startswith("qt.widgets.painting|" + PAINT_MARK)
            and " of MainWindow(" in line
        ):
            paint = time.perf_counter() - t0
        if not line.startswith("qt.widgets.painting|"):
            tail = ([*tail, line])[-20:]
    rc = proc.wait()
    total = time.perf_counter() - t0
    if rc != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {rc}:\n{''.join(tail)}")
    if watch_paint and paint is None:
        raise SystemExit(f"{' '.join(cmd)}: no 'Drawing … of MainWindow' in Qt's log")
    return paint, total


def fmt(xs: list[float]) -> str:
    return f"median {statistics.median(xs):.3f} s (runs {', '.join(f'{x:.3f}' for x in xs)})"


def time_start(name: str, prog: list[str], data: Path, runs: int) -> None:
    cmd = [*prog, "--data-dir", str(data), "--smoke"]
    smoke_once(cmd, watch_paint=False)  # warm the file cache; not timed
    paints, totals, plain = [], [], []
    for _ in range(runs):  # alternate, so that machine load hits both alike
        p, t = smoke_once(cmd, watch_paint=True)
        paints.append(p)
        totals.append(t)
        plain.append(smoke_once(cmd, watch_paint=False)[1])
    print(f"{name}:")
    print(f"  start → main window drawn (Qt log): {fmt(paints)}")
    print(f"  whole smoke run, Qt log on:         {fmt(totals)}")
    print(f"  whole smoke run, no Qt log:         {fmt(plain)}")


def sizes(prog: Path) -> None:
    folder = prog.parent
    kib = int(
        subprocess.run(
            ["du", "-sk", str(folder)], capture_output=True, text=True, check=True
        ).stdout.split()[0]
    )
    apparent = int(
        subprocess.run(
            ["du", "-sb", str(folder)], capture_output=True, text=True, check=True
        ).stdout.split()[0]
    )
    with tempfile.TemporaryDirectory() as tmp:
        tgz = Path(tmp) / "bundle.tar.gz"
        subprocess.run(["tar", "czf", str(tgz), "-C", str(folder.parent), folder.name], check=True)
        gz = tgz.stat().st_size
    print(
        f"bundle {folder}: du -sk {kib} KiB = {kib / 1024:.1f} MiB "
        f"({apparent / 1e6:.1f} MB apparent bytes); target ≤ 150 MB"
    )
    print(f"tar czf: {gz} bytes = {gz / 1e6:.1f} MB = {gz / 2**20:.1f} MiB; target ≤ 65 MB")
    for deb in sorted(folder.parent.glob("complaintdesk_*.deb")):
        print(f"{deb.name}: {deb.stat().st_size / 1e6:.1f} MB")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--prog", default=str(ROOT / "dist" / "complaintdesk" / "complaintdesk"))
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--cases", type=int, default=200)
    p.add_argument(
        "--big",
        default=str(DEFAULT_DIR / "complaintdesk.sqlite3"),
        help="a large database to copy and time too (bench_demo.py's 100k)",
    )
    p.add_argument("--no-big", action="store_true")
    p.add_argument(
        "--source", action="store_true", help="also time `python -m desktop` from this checkout"
    )
    a = p.parse_args()
    prog = Path(a.prog).resolve()
    if not os.access(prog, os.X_OK):
        raise SystemExit(f"no program at {prog}: run `make package` first")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    sizes(prog)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    t = time.perf_counter()
    subprocess.run([str(prog), "--version"], check=True, capture_output=True)
    print(f"{prog.name} --version (bootloader + Python, no Qt): {time.perf_counter() - t:.3f} s")
    with tempfile.TemporaryDirectory(prefix="complaintdesk-bundle-bench-") as tmp:
        demo = Path(tmp) / "demo"
        for args in (
            ["init", "--site", "BB01", "--name", "基准店"],
            ["demo", "--cases", str(a.cases)],
        ):
            subprocess.run(
                [str(prog), "--data-dir", str(demo), *args],
                check=True,
                capture_output=True,
                env=env,
            )
        folders = [(f"demo {a.cases} cases", demo)]
        big = Path(a.big)
        if not a.no_big and big.exists():
            copy = Path(tmp) / "big"
            copy.mkdir()
            with (
                sqlite3.connect(f"file:{big}?mode=ro", uri=True) as src,
                sqlite3.connect(copy / "complaintdesk.sqlite3") as dst,
            ):
                src.backup(dst)
                n = dst.execute("SELECT count(*) FROM cases").fetchone()[0]
            subprocess.run(
                [str(prog), "--data-dir", str(copy), "check"],
                check=True,
                capture_output=True,
                env=env,
            )  # migrate once, before timing
            folders.append((f"copy of {big} ({n} cases)", copy))
        for label, folder in folders:
            time_start(f"bundle, {label}", [str(prog)], folder, a.runs)
            if a.source:
                time_start(
                    f"source (python -m desktop), {label}",
                    [sys.executable, "-m", "desktop"],
                    folder,
                    a.runs,
                )
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
