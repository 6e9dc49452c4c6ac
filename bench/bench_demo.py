"""Demo generation time: ``python bench/bench_demo.py [--cases 100000] [--dir D]``.

Creates a fresh data folder (deleting what is there), initialises site SH01 and loads
the demo cases through complaints.usecases.demo.load_demo, as ``python -m desktop demo``
does. With ``--fts-share`` it also loads 20,000 cases twice into scratch databases, with
and without the full-text trigger, to show what the trigram index costs (the real
command always keeps the trigger).
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
from db.models import database
from desktop.paths import data_paths


def load(folder, cases: int, seed: int, *, drop_fts: bool = False, quiet: bool = False):
    shutil.rmtree(folder, ignore_errors=True)
    paths = data_paths(folder)
    open_database(paths.database, backup_dir=paths.backups)
    site.init_site("SH01", "上海浦东店", now=Context(site="SH01", actor="").now())
    if drop_fts:
        database.execute_sql("DROP TRIGGER cases_fts_ai")
    ctx = dataclasses.replace(site.context_for("bench"), roles=frozenset(ROLES))
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if not quiet and (now - last[0] > 5 or done == total):
            print(f"  {done}/{total}", flush=True)
            last[0] = now

    t = time.perf_counter()
    report = demo.load_demo(ctx, cases, seed=seed, progress=progress)
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
    a = p.parse_args()
    report, seconds, size = load(a.dir, a.cases, a.seed)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"demo {report.cases} cases, {report.entries} entries: {seconds:.1f} s "
          f"(target ≤ 90 s); database {size / 2**20:.0f} MB; peak RSS {rss:.0f} MB")
    if a.fts_share:
        n = 20_000
        _, with_fts, _ = load(f"{a.dir}-fts-on", n, a.seed, quiet=True)
        _, without, _ = load(f"{a.dir}-fts-off", n, a.seed, drop_fts=True, quiet=True)
        print(f"{n} cases: {with_fts:.1f} s with the FTS trigger, {without:.1f} s without "
              f"(trigram index ≈ {100 * (with_fts - without) / with_fts:.0f}% of the time)")
        for suffix in ("-fts-on", "-fts-off"):
            shutil.rmtree(f"{a.dir}{suffix}", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
