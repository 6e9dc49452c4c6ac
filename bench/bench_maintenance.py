"""Maintenance off the person's path (issue 23 §1, §2):
``python bench/bench_maintenance.py --dir /tmp/cd-bench-100k --work /tmp/maint-work``.

On the bench database in ``--dir`` (migrated to this checkout's schema if it is older, like
every bench; backups go to ``--work``):

1. the verified backup (page copy + integrity_check) against the snapshot before an import
   (page copy + quick_check);
2. a save on another connection while a backup stands mid-copy: how long its commit takes
   (it never waits for the backup: WAL, one read snapshot);
3. ``check`` full and ``--quick``, each against the estimate said up front;
4. the audit chain's peak memory: verified in batches (``audit.verify_chain``) against all
   entries read at once (``audit_rows.stored_rows``), each in a child process whose peak
   RSS the kernel reports (``os.wait4``).

2 runs on a scratch database of its own in ``--work`` (100,000 rows), so the save it times
never touches ``--dir``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import ROOT  # noqa: F401  (puts the repo on sys.path)

from complaints.usecases import audit, storage
from db import audit_rows, backup
from db.database import close_database, open_database
from desktop.paths import data_paths


def _open(folder: Path) -> None:
    open_database(data_paths(folder).database, backup_dir=None)


def _secs(fn) -> tuple[float, object]:
    """(wall seconds, result); the CPU seconds of the same call are in ``_cpu[0]``."""
    t, c = time.perf_counter(), time.process_time()
    result = fn()
    _cpu[0] = time.process_time() - c
    return time.perf_counter() - t, result


_cpu = [0.0]  # the CPU time of the last _secs call: on a busy machine the wall clock lies


def part_chain(mode: str, folder: Path) -> None:
    """One measurement in a child process: the chain read in batches or all at once."""
    _open(folder)
    if mode == "stream":
        problems = audit.verify_chain()
        print(len(problems))
    else:
        rows = audit_rows.stored_rows()
        print(len(rows))
    close_database()


def _child_peak_mb(mode: str, folder: Path) -> tuple[float, float]:
    """(seconds, peak RSS MB) of ``part_chain(mode)`` in a child process."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--part", mode, "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"the {mode} child failed ({status})")
    return time.perf_counter() - t, usage.ru_maxrss / 1024


def bench_backups(folder: Path, work: Path) -> None:
    _open(folder)
    size = data_paths(folder).database.stat().st_size / 1e6
    for quick in (False, True):
        out = work / f"b-{'quick' if quick else 'full'}.sqlite3"
        secs, _ = _secs(lambda out=out, quick=quick: backup.backup_to(out, quick=quick))
        kind = "snapshot before an import (copy + quick_check)" if quick else "verified backup"
        print(f"{kind}: {secs:.2f} s wall, {_cpu[0]:.2f} s CPU for {size:.0f} MB")
        out.unlink()
    close_database()


def bench_save_during_backup(work: Path) -> None:
    """A save on the worker's connection while the backup stands at its first step."""
    db = work / "scratch.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x TEXT)")
    with conn:  # one transaction for the fill, not one per row
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO t VALUES (?)", [("x" * 400,)] * 100_000)
    started, release = threading.Event(), threading.Event()

    def held(_done: int, _total: int) -> None:
        started.set()
        release.wait()

    def run_backup() -> None:
        source = sqlite3.connect(db, isolation_level=None)
        backup.backup_to(work / "held.sqlite3", source=source, progress=held)
        source.close()

    t = threading.Thread(target=run_backup)
    t.start()
    started.wait()
    secs, _ = _secs(lambda: conn.execute("INSERT INTO t VALUES ('saved')"))
    release.set()
    t.join()
    conn.close()
    print(f"a save while a backup stands mid-copy: {secs * 1000:.1f} ms (it does not wait)")


def bench_checks(folder: Path) -> None:
    _open(folder)
    for quick in (True, False):
        said = storage.check_estimate(quick=quick)
        secs, problems = _secs(lambda quick=quick: storage.run_checks(quick=quick))
        kind = "check --quick" if quick else "check (full)"
        found = len(problems) if isinstance(problems, list) else problems
        print(f"{kind}: {secs:.1f} s wall, {_cpu[0]:.1f} s CPU, said「{said}」, {found} problems")
    entries = audit_rows.count_from(1)
    full = storage.check_estimate()
    close_database()
    print(f"audit entries: {entries:,}; full estimate now (calibrated by the runs above): {full}")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--dir", type=Path, required=True, help="a data folder (read only)")
    p.add_argument("--work", type=Path, default=None, help="where the backups go")
    p.add_argument("--part", choices=("stream", "all"), default=None)
    a = p.parse_args()
    if a.part:
        part_chain(a.part, a.dir)
        return 0
    work = a.work or Path(tempfile.mkdtemp(prefix="complaintdesk-bench-maint-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        bench_backups(a.dir, work)
        bench_save_during_backup(work)
        bench_checks(a.dir)
        for mode in ("stream", "all"):
            secs, peak = _child_peak_mb(mode, a.dir)
            how = "in batches (verify_chain)" if mode == "stream" else "all rows at once (old)"
            print(f"audit chain {how}: {secs:.1f} s, peak RSS {peak:.0f} MB")
    finally:
        if a.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
