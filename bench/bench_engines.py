"""Both engines side by side, in one run: ``python bench/bench_engines.py [--cases N]``.

The same demo office (``demo``, the same seed) is loaded into a SQLite file and into a
database on a PostgreSQL server, then each engine is timed on: the list's page (100 rows by
id), a 3-character search (top 100 by date), the to-do list (``todo_list``), and the ledger
import of the office's whole ledger into an empty headquarters database. Without
``--server`` a throwaway cluster is started from Debian's binaries (tests/pg_cluster.py,
``apt-get install postgresql``) in ``--work`` and stopped at the end.

``--from FOLDER`` starts instead from an existing office (site SH01, at this program's
schema, e.g. one built by build_bench_db.py): SQLite times a copy of its database, the server
gets the same cases by ``migrate-to`` (faster than the demo's load on the server). FOLDER
itself is only read.

Targets (bench/README.md): page ≤ 5 ms, 3-character search ≤ 50 ms, to-do list ≤ 200 ms,
the server's ledger import ≤ 1.5 × SQLite's. Each figure is the median of ``--runs`` warm
runs after a first one.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import _todo_after_write
from _common import ROOT, timed

from complaints.query import CaseFilter
from complaints.rules.permissions import ROLES
from complaints.usecases import cases, demo, ledger_export, ledger_import, site
from complaints.usecases.context import CHINA_TZ, Context
from complaints.usecases.server_move import migrate_to_server
from complaints.usecases.todo import todo_list
from db.database import close_database, open_database, open_server
from db.server_address import ServerAddress
from desktop.paths import DataPaths
from tests import pg_cluster

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ)
ENGINES = ("sqlite", "postgresql")


def context(code: str) -> Context:
    return Context(
        site=code, actor="基准测试", clock=lambda: NOW, roles=frozenset(ROLES), department="客服部"
    )


class Places:
    """Where each engine keeps a named database: a file in ``work``, or a database on the
    throwaway cluster."""

    def __init__(self, work: Path, cluster: pg_cluster.Cluster):
        self.work = work
        self.cluster = cluster

    def open(self, engine: str, name: str) -> None:
        close_database()
        if engine == "sqlite":
            folder = self.work / name
            shutil.rmtree(folder, ignore_errors=True)
            open_database(folder / "complaintdesk.sqlite3", backup_dir=folder / "backups")
            return
        self.cluster.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.cluster.admin(
            f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
            "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
        )
        open_server(self.address(name), data_folder=self.work / name)  # this PC's backups

    def address(self, name: str) -> ServerAddress:
        return ServerAddress(pg_cluster.SUPERUSER, self.cluster.socket_dir, self.cluster.port, name)

    def copy_of(self, engine: str, name: str, source: Path) -> None:
        """Open ``name`` holding the office in the data folder ``source`` (not written)."""
        close_database()
        folder = self.work / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for part in ("attachments", "printed"):
            if (source / part).is_dir():
                shutil.copytree(source / part, folder / part)
        copy = DataPaths(folder)
        backup = sqlite3.connect(f"file:{source / 'complaintdesk.sqlite3'}?mode=ro", uri=True)
        target = sqlite3.connect(copy.database)
        with target:
            backup.backup(target)
        backup.close()
        target.close()
        if engine == "sqlite":
            open_database(copy.database, backup_dir=copy.backups)
            return
        self.open(engine, name)  # an empty database on the cluster
        close_database()
        migrate_to_server(copy, self.address(name))
        close_database()  # opened again as the program opens it: with this PC's folder
        open_server(self.address(name), data_folder=folder)


class Figures(dict[str, float | str]):
    """The figures of one engine, each printed as it is measured (a long run that is
    stopped still shows what it measured)."""

    def __init__(self, engine: str):
        super().__init__()
        self.engine = engine

    def __setitem__(self, key: str, value: float | str) -> None:
        super().__setitem__(key, value)
        print(f"{self.engine}: {key}: {value}", flush=True)


def run_engine(
    places: Places, engine: str, n: int, runs: int, ledger: Path | None, source: Path | None
) -> Figures:
    out = Figures(engine)
    ctx = context("SH01")
    t = time.perf_counter()
    if source is None:
        places.open(engine, "bench_office")
        site.init_site("SH01", "上海浦东店", now=NOW)
        demo.load_demo(ctx, n, seed=1)
        out["demo load (s)"] = time.perf_counter() - t
    else:
        places.copy_of(engine, "bench_office", source)
        out["copy of --from (SQLite) / migrate-to (server) (s)"] = time.perf_counter() - t
    out["cases"] = str(len(cases.case_ids(CaseFilter(include_deleted=True))))
    ids = cases.case_ids(CaseFilter())
    _, out["list page: case_rows(100 ids) ms"], _ = timed(lambda: cases.case_rows(ids[:100]), runs)
    mid = ids[len(ids) // 2 : len(ids) // 2 + 100]
    _, out["a page in the middle ms"], _ = timed(lambda: cases.case_rows(mid), runs)
    for text in ("客户反", "回访时"):
        _, ms, _ = timed(lambda t=text: cases.search(t, 100), runs)
        out[f"3-char search “{text}” top 100 ms"] = ms
    _, out["to-do list: todo_list ms"], _ = timed(lambda: todo_list(ctx), runs)
    for key, (wall, cpu) in _todo_after_write.figures(ctx, runs).items():
        out[f"{key} ms (wall)"] = wall
        out[f"{key} ms (CPU)"] = cpu
    if ledger is None:
        ledger = places.work / "sh01-ledger.xlsx"
        t = time.perf_counter()
        ledger_export.export_ledger(ctx, ledger)
        out["ledger export (s)"] = time.perf_counter() - t
    places.open(engine, "bench_hq")
    site.init_site("HQ", "总部", now=NOW)
    t = time.perf_counter()
    report = ledger_import.apply_import(context("HQ"), [ledger])
    out["ledger import into an empty HQ (s)"] = time.perf_counter() - t
    out["ledger import applied"] = str(report.applied)
    close_database()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--work", type=Path, help="a folder for the files (default: a temporary one)")
    ap.add_argument(
        "--from",
        dest="source",
        type=Path,
        help="a data folder of site SH01 to start from instead of the demo (only read)",
    )
    args = ap.parse_args()
    tmp = None
    work = args.work
    if work is None:
        tmp = tempfile.mkdtemp(prefix="complaintdesk-bench-engines-")
        work = Path(tmp)
    work.mkdir(parents=True, exist_ok=True)
    # a folder of its own: under root the server runs as the postgres user, who must reach it
    pg_folder = Path(tempfile.mkdtemp(prefix="complaintdesk-bench-pg-"))
    cluster = None
    try:
        cluster = pg_cluster.start_cluster(pg_folder)
        if cluster is None:
            print(pg_cluster.HOW_TO_GET, file=sys.stderr)
            return 2
        places = Places(work, cluster)
        results = {}
        ledger = None
        for engine in ENGINES:
            results[engine] = run_engine(places, engine, args.cases, args.runs, ledger, args.source)
            ledger = work / "sh01-ledger.xlsx"  # the same file for both imports
        what = f"the office in {args.source}" if args.source else f"{args.cases} demo cases"
        print(f"{what}, median of {args.runs} warm runs (from {ROOT})")
        print(f"{'':48} {'SQLite':>12} {'PostgreSQL':>12}")
        for key in results["sqlite"]:
            here, there = results["sqlite"][key], results["postgresql"].get(key, "")
            cell = [f"{v:12.1f}" if isinstance(v, float) else f"{v:>12}" for v in (here, there)]
            print(f"{key:48} {cell[0]} {cell[1]}")
        a = results["sqlite"]["ledger import into an empty HQ (s)"]
        b = results["postgresql"]["ledger import into an empty HQ (s)"]
        assert isinstance(a, float) and isinstance(b, float)
        print(f"server import / SQLite import: {b / a:.2f} (target ≤ 1.5)")
    finally:
        close_database()
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(pg_folder, ignore_errors=True)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
