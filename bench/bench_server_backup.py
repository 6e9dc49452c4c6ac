"""What the backup before a ledger import costs on each engine, at a bench database's size:
``python bench/bench_server_backup.py FILE [--work DIR]``.

FILE (a data folder's SQLite file, e.g. one built by build_bench_db.py; only read) is copied
into ``--work`` and brought to this checkout's schema; every table of it is then copied into
a database on a throwaway PostgreSQL cluster (tests/pg_cluster.py). Timed, once each (the
import makes one backup): the SQLite file's before-import backup (the page copy checked with
quick_check), and the server's (every row into a SQLite file of the same schema, checked the
same way: complaints/usecases/import_backup.py, db/server_copy.py). The server's is why an
import there makes one backup a day on this PC rather than one per import.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from bench_engines import Places
from build_bench_db import bring_schema_up

from db import server_move
from db.backup import make_backup
from db.database import close_database, open_database
from db.models import database
from tests import pg_cluster


def _timed_backup(folder: Path) -> tuple[float, Path]:
    t = time.perf_counter()
    path = make_backup(folder, reason="before-import", quick=True)
    return time.perf_counter() - t, path


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
    finally:
        close_database()
        cluster.stop()
        shutil.rmtree(cluster_folder, ignore_errors=True)
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
