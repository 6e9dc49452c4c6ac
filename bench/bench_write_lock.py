"""What taking the write lock at the start of each transaction costs (issue 15 §4):
``python bench/bench_write_lock.py [--updates 300] [--rounds 7]``.

Times ``cases.update_case`` (one transaction: read the case, write it, its audit entry and
its proposals) with the engine's ``BEGIN IMMEDIATE`` (and its busy-timeout bookkeeping)
against peewee's plain deferred ``BEGIN`` on the same database, alternately so that machine
load hits both alike. Prints the median time per update of each and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import peewee as pw
from _common import ROOT  # noqa: F401  (puts the repo on sys.path)

from complaints.rules.permissions import ROLES
from complaints.usecases import cases, site
from complaints.usecases.context import Context
from db.database import close_database, open_database
from db.engine import SafeSqliteDatabase


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--updates", type=int, default=300)
    p.add_argument("--rounds", type=int, default=7)
    a = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="complaintdesk-bench-lock-") as d:
        open_database(Path(d) / "complaintdesk.sqlite3")
        site.init_site("SH01", "上海浦东店", now=Context(site="SH01", actor="").now())
        ctx = Context(site="SH01", actor="bench", roles=frozenset(ROLES))
        v = cases.blank_case(ctx)
        v.update(customer_name="张伟", content="保养后发动机异响")
        case_id = cases.create_case(ctx, v).id
        immediate = SafeSqliteDatabase.begin
        times: dict[str, list[float]] = {"immediate": [], "deferred": []}
        n = 0
        for _ in range(a.rounds):
            for mode in ("immediate", "deferred"):
                SafeSqliteDatabase.begin = (
                    immediate if mode == "immediate" else pw.SqliteDatabase.begin
                )
                t = time.perf_counter()
                for _ in range(a.updates):
                    n += 1
                    cases.update_case(ctx, case_id, {"plan": f"第 {n} 次处理"})
                times[mode].append((time.perf_counter() - t) / a.updates)
        SafeSqliteDatabase.begin = immediate
        close_database()
    med = {m: statistics.median(v) for m, v in times.items()}
    for m, v in med.items():
        print(f"{m:9s} median {v * 1e3:.3f} ms per update_case")
    print(f"ratio immediate / deferred: {med['immediate'] / med['deferred']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
