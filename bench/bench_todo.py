"""How fast the 待办 list and a case's 跟踪与时限 tab open over 100,000 demo cases.

    .venv/bin/python bench/bench_todo.py [--cases 100000] [--db PATH] [--runs 5]

Builds (or reuses, with --db) a database of demo cases (complaints.usecases.demo), then times
what the GUI runs on its worker: ``todo.todo_list`` (todo.open_deadlines, the department
tree, next_change) and filling the table model; and ``ui.case_workflow.load_workflow`` for
open cases. Targets of issue 3: to-do list ≤ 200 ms, a case page with its deadlines ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--db", type=Path, help="reuse (or create) this database file")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    from complaints.rules.permissions import ROLES
    from complaints.usecases import demo, site
    from complaints.usecases.context import CHINA_TZ, Context
    from db.database import close_database, open_database
    from db.models import database

    tmp = None
    path = args.db
    if path is None:
        tmp = tempfile.TemporaryDirectory()
        path = Path(tmp.name) / "bench.sqlite3"
    open_database(path, backup_dir=path.parent / "backups")
    now = datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ)
    if not site.is_initialised():
        site.init_site("SH01", "上海浦东店", now=now)
    ctx = Context(
        site="SH01",
        actor="基准测试",
        clock=lambda: now,
        roles=frozenset(ROLES),
        department="客服部",
    )
    have = database.execute_sql("SELECT count(*) FROM cases").fetchone()[0]
    if have < args.cases:
        t = time.perf_counter()
        demo.load_demo(ctx, args.cases - have)
        print(f"demo data: {args.cases - have} cases in {time.perf_counter() - t:.1f} s")
    total, open_cases = database.execute_sql(
        "SELECT count(*), sum(state != '已关闭') FROM cases WHERE deleted = 0"
    ).fetchone()

    from PySide6.QtWidgets import QApplication

    from complaints.usecases.todo import todo_list
    from ui.case_workflow import load_workflow
    from ui.todo import TodoModel

    app = QApplication.instance() or QApplication([])  # noqa: F841 - the model needs one
    model = TodoModel(CHINA_TZ)

    def timed(fn) -> tuple[float, object]:
        t = time.perf_counter()
        r = fn()
        return (time.perf_counter() - t) * 1000, r

    todo_ms = []
    data = None
    for _ in range(args.runs):
        ms, data = timed(lambda: todo_list(ctx))
        ms2, _ = timed(lambda d=data: model.set_rows(d.items))
        todo_ms.append(ms + ms2)
    items = data.items
    print(f"cases: {total}, open: {open_cases}, open deadlines: {len(items)}")
    print(
        f"to-do list (todo_list + table model), {args.runs} runs: "
        f"median {statistics.median(todo_ms):.0f} ms, best {min(todo_ms):.0f} ms "
        "(target ≤ 200 ms)"
    )

    from complaints.usecases import followup_memo, todo_memo

    afresh_ms = []
    for _ in range(3):  # nothing kept, in memory or in the file: every case judged
        todo_memo.clear(stored=True)
        followup_memo.clear(stored=True)
        ms, _ = timed(lambda: todo_list(ctx))
        afresh_ms.append(ms)
    print(
        f"to-do list judged afresh (todo_list, nothing kept, no file), "
        f"3 runs: median {statistics.median(afresh_ms):.0f} ms"
    )

    from _todo_after_write import figures

    # the reads: medians of --runs; the writes alone: of 40 each way
    for key, (wall, cpu) in figures(ctx, args.runs).items():
        print(f"{key}: median {wall:.1f} ms wall, {cpu:.1f} ms CPU")

    ids = list(dict.fromkeys(i.case_id for i in items))[:: max(1, len(items) // 50)][:20]
    for label, hints in (("deadlines, timeline, actions", False), ("escalation hints too", True)):
        case_ms = []
        for cid in ids:
            ms, _ = timed(lambda cid=cid, hints=hints: load_workflow(ctx, cid, hints=hints))
            case_ms.append(ms)
        if case_ms:
            print(
                f"case tab (load_workflow, {label}) over {len(case_ms)} open cases: "
                f"median {statistics.median(case_ms):.1f} ms, worst {max(case_ms):.1f} ms "
                "(target ≤ 50 ms)"
            )
    close_database()
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
