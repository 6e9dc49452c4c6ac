"""The server's list page and 3-character searches at a SQLite file's size, without the
hour a full move takes: ``python bench/bench_server_search.py FILE [--analyze]``.

Only the ``cases`` table of FILE (read, never written) is copied into a database on a
throwaway PostgreSQL cluster (tests/pg_cluster.py); its trigger fills cases_fts. Then a page
of the list (100 ids, at the start and in the middle) and ``cases.search`` (top 100 by date)
for two common texts and a customer's name are timed, each the median of ``--runs`` warm runs
after a first one, with the number of matches. ``--analyze`` refreshes the planner's
statistics first (what autovacuum does some time after a bulk load).
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from _common import timed
from bench_engines import Places

from complaints.query import CaseFilter
from complaints.usecases import cases
from db.database import close_database
from db.models import database
from db.server_move import copy_rows
from tests import pg_cluster


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("--analyze", action="store_true")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    source = sqlite3.connect(f"file:{args.file}?mode=ro", uri=True)
    folder = Path(tempfile.mkdtemp(prefix="complaintdesk-bench-pg-"))
    cluster = pg_cluster.start_cluster(folder)
    if cluster is None:
        print(pg_cluster.HOW_TO_GET, file=sys.stderr)
        return 2
    try:
        Places(folder, cluster).open("postgresql", "bench_search")
        t = time.perf_counter()
        with database.atomic():
            copy_rows(source, ["cases"])
        print(f"cases copied: {time.perf_counter() - t:.1f} s", flush=True)
        if args.analyze:
            database.execute_sql("ANALYZE")
        ids = cases.case_ids(CaseFilter())
        mid = ids[len(ids) // 2 : len(ids) // 2 + 100]
        for what, page in (("first", ids[:100]), ("middle", mid)):
            _, ms, _ = timed(lambda p=page: cases.case_rows(p), args.runs)
            print(f"{len(ids)} cases: page of 100 ({what}) {ms:.1f} ms", flush=True)
        name = database.execute_sql(
            "SELECT customer_name FROM cases WHERE length(customer_name) >= 3 ORDER BY id LIMIT 1"
        ).fetchone()[0]
        for text in ("客户反", "回访时", name):
            n = database.execute_sql(
                "SELECT count(*) FROM cases_fts WHERE doc LIKE ?", [f"%{text}%"]
            ).fetchone()[0]
            _, ms, _ = timed(lambda t=text: cases.search(t, 100), args.runs)
            print(f"search “{text}” ({n} matches) top 100: {ms:.1f} ms", flush=True)
    finally:
        close_database()
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
