"""Speed of the Excel ledger exchange (issue 5 §7), against floors measured in the same run.

    .venv/bin/python bench/bench_demo.py --cases 100000 --dir /tmp/cd-bench-ledger
    .venv/bin/python bench/bench_ledger.py --dir /tmp/cd-bench-ledger
        [--work DIR] [--only export,floor-write,import,floor-import] [--profile import]

Each step runs in its own child process (this script with ``--step``), so each peak RSS is
that step's alone (ru_maxrss of the child, printed by the child):

1. export: ``complaints.usecases.ledger_export.export_ledger`` (全部, site SH01, phones not masked)
   of the demo database to ``WORK/ledger.xlsx``.
2. floor-write: openpyxl ``Workbook(write_only=True)`` writing the same sheets, rows and
   columns (the four sheets, same headers), the values streamed from a plain SQL query
   (``SELECT`` of the same columns, the entries' and sanctions' case uid/number by a join),
   appended as they come from sqlite3 (times as the stored text, no styles, no conversion).
3. import: ``ledger_import.apply_import`` of that file into a fresh, empty data folder whose site
   is HQ01 (so every row is new): backup, check, merge, one transaction.
4. floor-import: python-calamine reading every sheet of the same file (``to_python()``), and
   sqlite3 ``executemany`` inserting the rows, as they come, into plain tables with the
   sheets' columns (``uid`` UNIQUE, no other index, no trigger, no full-text index), one
   transaction, in a fresh database file.

Targets: export ≤ floor-write time and ≤ 100 MB RSS; import ≤ 1.5 × floor-import and
≤ 500 MB peak RSS.
Diagnostics (``--only`` them): ``import-nofts`` (the import with the cases' full-text
trigger dropped first), ``import-nobulk`` (bulk loading off: indexes and full-text index
kept up to date row by row) and ``floor-import-indexed`` (the floor with the app's
secondary indexes on the same columns): where the import's time goes beyond the floor.
``--profile STEP`` runs that step under cProfile and prints the top functions.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from _common import ROOT

STEPS = ("export", "floor-write", "import", "floor-import")
SITE = "SH01"
HQ = "HQ01"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _ctx():
    import dataclasses

    from complaints.rules.permissions import ROLES
    from complaints.usecases import site as site_uc

    return dataclasses.replace(site_uc.context_for("bench"), roles=frozenset(ROLES))


# --- the steps (each in its own process) -----------------------------------------------------


def step_export(data: Path, work: Path) -> dict:
    from complaints.usecases import ledger_export
    from db.database import close_database, open_database
    from desktop.paths import data_paths

    paths = data_paths(data)
    open_database(paths.database, backup_dir=paths.backups)
    ctx = _ctx()
    out = work / "ledger.xlsx"
    t = time.perf_counter()
    res = ledger_export.export_ledger(
        ctx, out, sites=[SITE], mask_phones=False, app_version="bench"
    )
    seconds = time.perf_counter() - t
    close_database()
    return {"seconds": seconds, "rows": res.counts.as_dict(), "size_mb": out.stat().st_size / 2**20}


def _floor_queries() -> list[tuple[str, list[str], str]]:
    from ledger import columns as C

    out = []
    for sheet in C.DATA_SHEETS:
        table = C.SHEET_TABLE[sheet]
        cols = C.SHEET_COLUMNS[sheet]
        parts = []
        for c in cols:
            if c.key == "case_uid":
                parts.append("c.uid")
            elif c.key == "case_number":
                parts.append("c.number")
            elif not c.stored:  # 版本指纹: computed by the exporter, no column to read
                parts.append("NULL")
            else:
                parts.append(f't."{c.key}"')
        join = "" if table == "cases" else " LEFT JOIN cases c ON c.id = t.case_id"
        out.append(
            (
                sheet,
                [c.header for c in cols],
                f"SELECT {', '.join(parts)} FROM {table} t{join} ORDER BY t.id",
            )
        )
    return out


def step_floor_write(data: Path, work: Path) -> dict:
    from openpyxl import Workbook

    from desktop.paths import data_paths
    from ledger import columns as C

    con = sqlite3.connect(data_paths(data).database)
    out = work / "floor.xlsx"
    t = time.perf_counter()
    wb = Workbook(write_only=True)
    info = wb.create_sheet(C.SHEET_INFO)
    rows = {}
    for sheet, headers, sql in _floor_queries():
        ws = wb.create_sheet(sheet)
        ws.append(headers)
        n = 0
        for row in con.execute(sql):
            ws.append(row)
            n += 1
        rows[sheet] = n
    info.append(["项目", "内容"])
    for k, v in rows.items():
        info.append([k, v])
    wb.save(out)
    seconds = time.perf_counter() - t
    con.close()
    return {"seconds": seconds, "rows": rows, "size_mb": out.stat().st_size / 2**20}


def step_import(data: Path, work: Path, before=None, bulk: bool | None = None) -> dict:
    from complaints.usecases import ledger_import, site
    from db.database import close_database, open_database
    from desktop.paths import data_paths

    folder = work / "hq"
    shutil.rmtree(folder, ignore_errors=True)
    paths = data_paths(folder)
    open_database(paths.database, backup_dir=paths.backups)
    from complaints.usecases.context import Context

    site.init_site(HQ, "总部", now=Context(site=HQ, actor="").now())
    ctx = _ctx()
    if before is not None:
        before()
    where = ["start"]
    peak = _RssPeak(where)
    t = time.perf_counter()
    report = ledger_import.apply_import(
        ctx,
        [work / "ledger.xlsx"],
        backup_dir=paths.backups,
        bulk=bulk,
        progress=lambda done, total, what: where.__setitem__(0, f"{what} {done}/{total}"),
    )
    where[0] = "after the merge (indexes, full-text index, commit, after-import check)"
    seconds = time.perf_counter() - t
    peak.stop()
    # the copy of SQLite's log the commit left (the GUI's maintenance thread does it; the
    # command waits for it): timed apart, not part of the import's wait in the GUI
    checkpoint_seconds = None
    if getattr(report, "checkpoint_due", False):
        from complaints.usecases import checkpoint

        t = time.perf_counter()
        checkpoint.after_import()
        checkpoint_seconds = time.perf_counter() - t
    close_database()
    f = report.files[0]
    return {
        "seconds": seconds,
        "checkpoint_seconds": checkpoint_seconds,
        "refused": f.refused,
        "applied": report.applied,
        "counts": {s: c.as_dict() for s, c in f.counts.items()},
        "differences": report.differences,
        "peak_at": peak.at,
        "tree_peak_mb": peak.top / 2**20,
    }


class _RssPeak:
    """Samples the RSS of the process and its child processes together (a big file's zip
    check runs in one beside the reading: ledger.check_ahead) every 0.2 s, and notes what
    the import was doing (its last progress line) when the sum was highest: the import's
    memory as the PC sees it, and where it comes from."""

    def __init__(self, where: list[str]):
        import threading

        self.where, self.top, self.at = where, 0, ""
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @staticmethod
    def _rss(pid: str) -> int:
        try:
            with open(f"/proc/{pid}/statm") as f:
                return int(f.read().split()[1]) * resource.getpagesize()
        except (OSError, IndexError, ValueError):  # a child that has just ended
            return 0

    @staticmethod
    def _children() -> list[str]:
        out = []
        for task in Path("/proc/self/task").iterdir():
            try:
                out += (task / "children").read_text().split()
            except OSError:
                continue
        return out

    def _run(self) -> None:
        while not self._done.wait(0.2):
            mine = self._rss("self")
            theirs = sum(map(self._rss, self._children()))
            if mine + theirs > self.top:
                self.top = mine + theirs
                self.at = (
                    f"{self.top / 2**20:.0f} MB (this process {mine / 2**20:.0f} MB, its "
                    f"children {theirs / 2**20:.0f} MB) during {self.where[0]}"
                )

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def step_import_nofts(data: Path, work: Path) -> dict:
    """Diagnostic, not a target: the import with the cases' trigram insert triggers dropped
    (the database it leaves has no trigram search index for the new cases)."""
    from db.models import database

    def drop() -> None:
        for index in ("cases_fts", "cases_customer_fts"):
            database.execute_sql(f"DROP TRIGGER {index}_ai")

    return step_import(data, work, before=drop)


def step_import_nobulk(data: Path, work: Path) -> dict:
    """Diagnostic: the import with bulk loading off (db.bulk_load): indexes and the
    full-text trigger kept up to date row by row, as for a small import."""
    return step_import(data, work, bulk=False)


# The app's secondary indexes (db/migrations), on the floor tables' equivalent columns.
APP_INDEXES = {
    "cases": [
        ("所属站点", "编号"),
        ("登记时间",),
        ("状态", "登记时间"),
        ("所属站点", "登记时间"),
        ("最后修改时间",),
        ("VIN",),
        ("联系电话",),
    ],
    "entries": [("投诉记录ID", "时间"), ("最后修改时间",)],
    "sanctions": [("投诉记录ID",), ("日期",)],
}


def step_floor_import_indexed(data: Path, work: Path) -> dict:
    """Diagnostic: the floor with the app's indexes on the same columns (still no FTS)."""
    return step_floor_import(data, work, indexed=True)


def step_floor_import_fts(data: Path, work: Path) -> dict:
    """The floor as issue 23 names it (calamine + executemany + FTS): the plain floor plus the
    cases' trigram full-text index over the same text as the app's (number, customer, phone,
    VIN, plate, content), filled by one INSERT…SELECT in the same transaction."""
    return step_floor_import(data, work, fts=True)


def step_floor_import(data: Path, work: Path, indexed: bool = False, fts: bool = False) -> dict:
    import python_calamine

    from ledger import columns as C

    db = work / "floor.sqlite"
    for p in (db, Path(str(db) + "-wal"), Path(str(db) + "-shm")):
        p.unlink(missing_ok=True)
    src = work / "ledger.xlsx"
    t = time.perf_counter()
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("BEGIN")
    rows = {}
    read_s = 0.0
    book = python_calamine.CalamineWorkbook.from_path(str(src))
    for sheet in book.sheet_names:
        t0 = time.perf_counter()
        data_rows = book.get_sheet_by_name(sheet).to_python()
        read_s += time.perf_counter() - t0
        if sheet not in C.SHEET_COLUMNS:
            continue
        header, body = data_rows[0], data_rows[1:]
        cols = [f'"c{i}"' for i in range(len(header))]
        uid_at = header.index("记录ID")
        cols[uid_at] = "uid"
        table = C.SHEET_TABLE[sheet]
        con.execute(
            f"CREATE TABLE {table} ("
            + ", ".join(c + (" TEXT UNIQUE" if c == "uid" else "") for c in cols)
            + ")"
        )
        for n, heads in enumerate(APP_INDEXES[table] if indexed else ()):
            on = ", ".join(cols[header.index(h)] for h in heads)
            con.execute(f"CREATE INDEX {table}_{n} ON {table} ({on})")
        con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(cols))})", body)
        rows[sheet] = len(body)
        if fts and table == "cases":
            by_name = {c.key: c.header for c in C.CASE_COLUMNS}
            doc = " || char(10) || ".join(
                f"coalesce({cols[header.index(by_name[n])]}, '')"
                for n in ("number", "customer_name", "phone", "vin", "plate", "content")
            )
            con.execute("CREATE VIRTUAL TABLE cases_fts USING fts5(doc, tokenize='trigram')")
            con.execute(f"INSERT INTO cases_fts (rowid, doc) SELECT rowid, {doc} FROM cases")
    book.close()
    con.execute("COMMIT")
    con.close()
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "read_seconds": read_s, "rows": rows}


STEP_FUNCS = {
    "export": step_export,
    "floor-write": step_floor_write,
    "import": step_import,
    "floor-import": step_floor_import,
    "import-nofts": step_import_nofts,
    "floor-import-indexed": step_floor_import_indexed,
    "floor-import-fts": step_floor_import_fts,
    "import-nobulk": step_import_nobulk,
}


def _children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def run_step(name: str, data: Path, work: Path, profile: bool) -> dict:
    cpu = time.process_time()
    children = _children_cpu()
    if profile:
        import cProfile
        import io
        import pstats

        prof = cProfile.Profile()
        result = prof.runcall(STEP_FUNCS[name], data, work)
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(35)
        print(s.getvalue(), file=sys.stderr)
    else:
        result = STEP_FUNCS[name](data, work)
    # the whole step's CPU time, every thread (the import reads on a helper thread): on a
    # machine shared with other work the wall clock says more about the others
    result["cpu_seconds"] = time.process_time() - cpu
    # and its children's (a big file's zip check runs in a process of its own beside the
    # reading: ledger.check_ahead), so that the CPU compared is all the work done
    result["children_cpu_seconds"] = _children_cpu() - children
    result["cpu_seconds"] += result["children_cpu_seconds"]
    result["rss_mb"] = rss_mb()
    result["children_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result


# --- the driver ------------------------------------------------------------------------------


def child(name: str, args: argparse.Namespace) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--step",
        name,
        "--dir",
        str(args.dir),
        "--work",
        str(args.work),
    ]
    if name in args.profile:
        cmd.append("--profile-this")
    print(f"… {name}", flush=True)
    out = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    print(
        f"  {name}: {result['seconds']:.1f} s (step CPU {result['cpu_seconds']:.1f} s, of "
        f"which child processes {result.get('children_cpu_seconds', 0):.1f} s), "
        f"peak RSS {result['rss_mb']:.0f} MB (a child's {result.get('children_rss_mb', 0):.0f} MB)",
        flush=True,
    )
    return result


def _import_summary(res: dict) -> None:
    """The import against each floor that ran beside it, and its memory: the highest of its
    own peak and the sampled sum with its child processes (the zip check's, when it runs
    beside the reading)."""
    i = res["import"]
    mem = max(i["rss_mb"], i.get("tree_peak_mb", 0.0))
    print(
        f"import peak RSS {mem:.0f} MB with its child processes "
        f"({'met' if mem <= 500 else 'MISSED'}: ≤ 500 MB)"
    )
    if i.get("peak_at"):
        print(f"  import's highest RSS sampled: {i['peak_at']}")
    if i.get("checkpoint_seconds") is not None:
        print(
            f"  then the checkpoint of its log: {i['checkpoint_seconds']:.2f} s "
            "(off the import: the GUI's maintenance thread; the command waits for it)"
        )
    if i.get("differences") or i.get("refused"):
        print("import problems:", i.get("refused"), i.get("differences"))
    for name, what in (
        ("floor-import", "calamine+executemany floor"),
        ("floor-import-fts", "issue 23's floor (calamine + executemany + FTS)"),
    ):
        if name in res:
            _against(i, res[name], what)
    if "floor-import" in res:
        f = res["floor-import"]
        for name, what in (
            ("import-nofts", "import without the full-text trigger"),
            ("import-nobulk", "import without bulk loading"),
            ("floor-import-indexed", "floor with the app's indexes"),
        ):
            if name in res:
                print(
                    f"  diagnostic: {what} {res[name]['seconds']:.1f} s = "
                    f"{res[name]['seconds'] / f['seconds']:.2f} × the floor"
                )


def _against(i: dict, floor: dict, what: str) -> None:
    """The import's wall and CPU time against one floor's (target ≤ 1.5 ×)."""
    ratio = i["seconds"] / floor["seconds"]
    read = floor.get("read_seconds")
    reading = f" (of which reading {read:.1f} s)" if read is not None else ""
    print(
        f"import {i['seconds']:.1f} s vs {what} {floor['seconds']:.1f} s{reading}: "
        f"{ratio:.2f} × → {'met' if ratio <= 1.5 else 'MISSED'} (target ≤ 1.5 ×); CPU "
        f"{i['cpu_seconds']:.1f} s vs {floor['cpu_seconds']:.1f} s: "
        f"{i['cpu_seconds'] / floor['cpu_seconds']:.2f} ×"
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--dir",
        type=Path,
        default=Path("/tmp/cd-bench-ledger"),
        help="data folder made by bench_demo.py",
    )
    ap.add_argument("--work", type=Path, default=None, help="where the files go")
    ap.add_argument("--only", default=",".join(STEPS))
    ap.add_argument("--profile", default="", help="steps to run under cProfile")
    ap.add_argument("--step", help=argparse.SUPPRESS)
    ap.add_argument("--profile-this", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.work = args.work or Path(str(args.dir) + "-work")
    args.work.mkdir(parents=True, exist_ok=True)
    args.profile = [s for s in args.profile.split(",") if s]
    if args.step:
        print(json.dumps(run_step(args.step, args.dir, args.work, args.profile_this)))
        return 0
    if not (args.dir / "complaintdesk.sqlite3").exists():
        print(f"no database in {args.dir}: run bench/bench_demo.py --dir {args.dir} first")
        return 2
    res = {}
    for name in [s for s in args.only.split(",") if s]:
        res[name] = child(name, args)
    print()
    print("| step | seconds | peak RSS | rows |")
    print("|---|---|---|---|")
    for name, r in res.items():
        rows = r.get("rows") or {s: sum(c.values()) for s, c in (r.get("counts") or {}).items()}
        print(
            f"| {name} | {r['seconds']:.1f} | {r['rss_mb']:.0f} MB | "
            + ", ".join(f"{s} {n}" for s, n in rows.items())
            + " |"
        )
    if "export" in res and "floor-write" in res:
        e, f = res["export"], res["floor-write"]
        ok = e["seconds"] <= f["seconds"] and e["rss_mb"] <= 100
        print(
            f"export {e['seconds']:.1f} s / {e['rss_mb']:.0f} MB vs write_only floor "
            f"{f['seconds']:.1f} s: {e['seconds'] / f['seconds']:.2f} × → "
            f"{'met' if ok else 'MISSED'} (target ≤ 1 × and ≤ 100 MB)"
        )
    if "import" in res:
        _import_summary(res)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
