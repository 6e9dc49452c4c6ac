"""What the backup before a ledger import costs on each engine, at a bench database's size:
``python bench/bench_server_backup.py FILE [--work DIR]``.

FILE (a data folder's SQLite file, e.g. one built by build_bench_db.py; only read) is copied
into ``--work`` and brought to this checkout's schema; every table of it is then copied into
a database on a throwaway PostgreSQL cluster (tests/pg_cluster.py). Timed, once each (the
import makes one backup): the SQLite file's before-import backup (the page copy checked with
quick_check), and the server's (every row into a SQLite file of the same schema, checked the
same way: complaints/usecases/import_backup.py, db/server_copy.py). The server's is why an
import there makes one backup a day on this PC rather than one per import.

Then the server's backup as an import makes it now: the wait before the import can start
(the snapshot fixed on a connection of its own, db/server_snapshot.py), the backup's own
time written from that snapshot on a thread beside, and meanwhile one-row saves on the
main connection, one after another (each its own transaction): how many, and the slowest,
to show that nothing waits for the backup. The file is checked to hold the office as it
was when the snapshot was fixed (the saves are not in it).
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from bench_engines import Places
from build_bench_db import bring_schema_up

from complaints.usecases import import_backup
from complaints.usecases.context import CHINA_TZ
from db import server_move
from db.backup import make_backup
from db.database import close_database, open_database
from db.models import database
from tests import pg_cluster


def _timed_backup(folder: Path) -> tuple[float, Path]:
    t = time.perf_counter()
    path = make_backup(folder, reason="before-import", quick=True)
    return time.perf_counter() - t, path


def _revision_sum() -> int:
    return int(database.execute_sql("SELECT coalesce(sum(revision), 0) FROM cases").fetchone()[0])


def _beside_the_import(folder: Path) -> None:
    """The backup as an import on the server makes it now (see the module's text)."""
    before = _revision_sum()
    t = time.perf_counter()
    safety = import_backup.before_import(folder, datetime.now(UTC), CHINA_TZ)
    waited = time.perf_counter() - t
    pending = safety.pending
    assert pending is not None
    took: dict[str, float] = {}

    def write() -> None:
        start = time.perf_counter()
        pending.write()
        took["s"] = time.perf_counter() - start
        database.close()  # this thread's own connection (the size limit's settings)

    writer = threading.Thread(target=write)
    writer.start()
    saves: list[float] = []
    (first,) = database.execute_sql("SELECT min(id) FROM cases").fetchone()
    while writer.is_alive():
        start = time.perf_counter()
        with database.atomic():
            database.execute_sql("UPDATE cases SET revision = revision + 1 WHERE id = ?", (first,))
        saves.append(time.perf_counter() - start)
        time.sleep(0.05)  # a person's pace, not a flood
    writer.join()
    with sqlite3.connect(f"file:{pending.path}?mode=ro", uri=True) as copy:
        (in_file,) = copy.execute("SELECT coalesce(sum(revision), 0) FROM cases").fetchone()
    assert in_file == before, (in_file, before)  # the office as it was at the snapshot
    median = sorted(saves)[len(saves) // 2]
    print(
        f"postgresql, beside the import: wait before the import starts {waited * 1000:.0f} ms; "
        f"the backup written beside it {took['s']:.1f} s; meanwhile {len(saves)} saves, "
        f"slowest {max(saves) * 1000:.0f} ms, median {median * 1000:.0f} ms",
        flush=True,
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="complaintdesk-bench-backup-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    copy = work / "office" / "complaintdesk.sqlite3"
    copy.parent.mkdir()
    with sqlite3.connect(f"file:{args.file}?mode=ro", uri=True) as src:
        target = sqlite3.connect(copy)
        src.backup(target)
        target.close()
    bring_schema_up(copy)
    (cases,) = sqlite3.connect(copy).execute("SELECT count(*) FROM cases").fetchone()
    print(f"{cases} cases, file {copy.stat().st_size / 1e6:.0f} MB", flush=True)

    open_database(copy, backup_dir=copy.parent / "backups")
    try:
        seconds, path = _timed_backup(work / "sqlite-backups")
        print(f"sqlite: backup before an import {seconds:.1f} s", flush=True)
    finally:
        close_database()

    cluster_folder = Path(tempfile.mkdtemp(prefix="complaintdesk-bench-pg-"))
    cluster = pg_cluster.start_cluster(cluster_folder)
    if cluster is None:
        print(pg_cluster.HOW_TO_GET, file=sys.stderr)
        return 2
    try:
        Places(work, cluster).open("postgresql", "bench_backup")
        source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        tables = server_move.copied_tables(source)
        t = time.perf_counter()
        with database.atomic():
            server_move.copy_rows(source, tables)
            server_move.set_sequences(tables)
        server_move.refresh_statistics()
        print(f"postgresql: office copied in {time.perf_counter() - t:.1f} s", flush=True)
        seconds, path = _timed_backup(work / "server-backups")
        size = path.stat().st_size / 1e6
        print(f"postgresql: backup before an import {seconds:.1f} s ({size:.0f} MB)", flush=True)
        _beside_the_import(work / "server-backups-beside")
    finally:
        close_database()
        cluster.stop()
        shutil.rmtree(cluster_folder, ignore_errors=True)
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
