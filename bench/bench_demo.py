"""Demo generation time: ``python bench/bench_demo.py [--cases 100000] [--dir D]``.

Creates a fresh data folder (deleting what is there), initialises site SH01 and loads
the demo cases through complaints.usecases.demo.load_demo, as ``python -m desktop demo``
does. With ``--fts-share`` it then times a rebuild of the trigram index over the cases
just made, to show what the index costs (the load itself always keeps the trigger).
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import shutil
import sys
import time

from _common import DEFAULT_DIR, ROOT  # noqa: F401  (puts the repo on sys.path)

from complaints.rules.permissions import ROLES
from complaints.usecases import demo, site
from complaints.usecases.context import Context
from db.database import close_database, open_database
from desktop.paths import data_paths


def load(folder, cases: int, seed: int, *, quiet: bool = False, batch: int | None = None):
    shutil.rmtree(folder, ignore_errors=True)
    paths = data_paths(folder)
    open_database(paths.database, backup_dir=paths.backups)
    site.init_site("SH01", "上海浦东店", now=Context(site="SH01", actor="").now())
    ctx = dataclasses.replace(site.context_for("bench"), roles=frozenset(ROLES))
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if not quiet and (now - last[0] > 5 or done == total):
            print(f"  {done}/{total}", flush=True)
            last[0] = now

    t = time.perf_counter()
    extra = {"batch_size": batch} if batch else {}
    report = demo.load_demo(ctx, cases, seed=seed, progress=progress, **extra)
    seconds = time.perf_counter() - t
    size = paths.database.stat().st_size
    close_database()
    return report, seconds, size


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--dir", default=str(DEFAULT_DIR))
    p.add_argument("--fts-share", action="store_true")
    p.add_argument("--batch", type=int, default=None, help="cases per transaction")
    a = p.parse_args()
    report, seconds, size = load(a.dir, a.cases, a.seed, batch=a.batch)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"demo {report.cases} cases, {report.entries} entries: {seconds:.1f} s "
        f"(target ≤ 90 s); database {size / 2**20:.0f} MB; peak RSS {rss:.0f} MB"
    )
    if a.fts_share:
        # What the trigram index costs: rebuild it over the cases just made (the same
        # work the insert trigger did, case by case, during the load).
        from db.check import rebuild_search_index

        paths = data_paths(a.dir)
        open_database(paths.database, backup_dir=paths.backups)
        t = time.perf_counter()
        rebuild_search_index()
        rebuild = time.perf_counter() - t
        close_database()
        print(
            f"rebuilding the trigram index over {report.cases} cases: {rebuild:.1f} s "
            f"(≈ {100 * rebuild / seconds:.0f}% of the demo time)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
