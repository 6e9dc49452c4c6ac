"""How long ``migrate-to`` takes to move an office onto the server: ``python
bench/bench_migrate_to.py FOLDER``.

FOLDER is a data folder at this program's schema (e.g. one built by build_bench_db.py); it is
only read. A throwaway PostgreSQL cluster is started from Debian's binaries
(tests/pg_cluster.py) and stopped at the end; each step of the copy is printed with the
seconds since the start, then the checks the command runs after it (the audit chain among
them) and what they found.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT

from complaints.usecases.server_move import migrate_to_server
from db.database import close_database
from db.server_address import ServerAddress
from desktop.paths import DataPaths
from tests import pg_cluster


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="the data folder to move (only read)")
    args = ap.parse_args()
    pg_folder = Path(tempfile.mkdtemp(prefix="complaintdesk-bench-pg-"))
    try:
        cluster = pg_cluster.start_cluster(pg_folder)
        if cluster is None:
            print(pg_cluster.HOW_TO_GET, file=sys.stderr)
            return 2
        try:
            cluster.admin(
                "CREATE DATABASE office TEMPLATE template0 ENCODING 'UTF8' "
                "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
            )
            address = ServerAddress(
                pg_cluster.SUPERUSER, cluster.socket_dir, cluster.port, "office"
            )
            start = time.perf_counter()

            def progress(message: str) -> None:
                print(f"{time.perf_counter() - start:8.1f} s  {message}", flush=True)

            report = migrate_to_server(DataPaths(args.folder), address, progress=progress)
            rows = sum(here for here, _there in report.counts.values())
            print(
                f"{time.perf_counter() - start:8.1f} s  moved {rows} rows of "
                f"{len(report.counts)} tables (from {ROOT}); checks: "
                f"{'; '.join(report.problems) or 'no problem'}"
            )
        finally:
            close_database()
            cluster.stop()
    finally:
        shutil.rmtree(pg_folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
