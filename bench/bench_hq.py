"""Headquarters scale (issue 23 §4 and §3): the figures of the issue's table on one database.

    .venv/bin/python bench/build_bench_db.py --cases 1000000 --dir /tmp/cd-bench-1m   # once
    .venv/bin/python bench/bench_hq.py --dir /tmp/cd-bench-1m [--runs 5] [--writes]

Reads (nothing is written but the 统计 summaries the app keeps too; each figure: the first
call, then the median of ``--runs`` more, wall clock and CPU time), all offices together as at
HQ:
- to-do: ``todo.open_deadlines`` (what ``todo.todo_list`` runs), target ≤ 200 ms at 1M: every
  case judged afresh (what is kept forgotten before each call: the baseline), then as the
  page reads it again (what was judged kept where nothing changed);
- 厂家跟踪: ``oem.oem_rows``, open cases only (the page opens so) and closed too, target
  ≤ 200 ms;
- 统计 for the clock's year, as the page runs it: ``stats_review.review(compare=False)`` then
  ``stats_review.comparisons`` (the previous year, which for a year is also the same period last
  year), the summaries kept as the app keeps them: the first open after a restart (memory
  emptied), the page opened again, and (unless ``--no-cold``) with nothing kept at all.
  Target ≤ 1 s;
- searches, top 100 by date: 3 characters common (“客户反”, “回访时”), 2 characters common,
  rare and with no match (“锦旗”). Targets ≤ 50 ms and ≤ 300 ms at 1M.
With ``--writes``, on a copy of the database (``--work``, default DIR-work): the anonymising
clean-up of every closed case (target ≤ 10 s for 98k) and the sanctions sweep over the last
14 days' open cases, each beside the per-case path of before (a model save and audit entry
per case; the sweep's ``sync_proposals`` one case at a time) timed on a sample of the same
cases, as the baseline of the same run.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import shutil
import sqlite3
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from _common import DEFAULT_DIR, ROOT  # noqa: F401  (puts the repo on sys.path)


def timed(fn, runs: int) -> tuple[float, float, float, object]:
    """(first call s, median of ``runs`` more s, their median CPU time s, last result). The
    CPU time is the steadier figure on a shared machine (other work takes the cores away;
    the database is in the page cache after the first call)."""
    t, c = time.perf_counter(), time.process_time()
    result = fn()
    first = time.perf_counter() - t
    times, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    if not times:
        return first, first, time.process_time() - c, result
    return first, statistics.median(times), statistics.median(cpu), result


def ms(s: float) -> str:
    return f"{s * 1000:8.1f} ms"


def _ctx(now=None):
    from complaints.rules.permissions import ROLES
    from complaints.usecases import site

    ctx = dataclasses.replace(site.context_for("基准测试"), roles=frozenset(ROLES))
    if now is not None:
        ctx = dataclasses.replace(ctx, clock=lambda: now)
    return ctx


def kept_size(todo_memo) -> str:
    """What the to-do list keeps between reads: its cases and their size in memory (every
    object reachable from it counted once, the interned strings and shared singletons too)."""
    seen: set[int] = set()
    total = 0
    todo_ = [todo_memo.kept_memo()]
    while todo_:
        o = todo_.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        total += sys.getsizeof(o)
        if isinstance(o, dict):
            todo_ += [*o.keys(), *o.values()]
        elif isinstance(o, (list, tuple, set)):
            todo_ += list(o)
        elif hasattr(o, "__dict__") and not isinstance(o, type):
            todo_.append(o.__dict__)
        if hasattr(type(o), "__slots__") and not isinstance(o, (str, bytes, int, float)):
            todo_ += [getattr(o, k) for k in type(o).__slots__ if hasattr(o, k)]
    return f"{todo_memo.kept_cases()} cases, {total / 2**20:.1f} MB"


def reads(runs: int, cold: bool, skip: set[str] = frozenset()) -> None:
    from complaints.rules.periods import PeriodKind, current
    from complaints.usecases import cases, oem, stats, stats_review, todo, todo_memo

    ctx = _ctx()
    rows = []

    def add(name, result, note):
        rows.append((name, *result[:3], note(result[3])))

    if "todo" not in skip:

        def todo_afresh():
            todo_memo.clear(stored=True)  # every open case judged, as before the memo (no file)
            return todo.open_deadlines(ctx)

        add(
            "to-do: open_deadlines (every office), every case judged afresh",
            timed(todo_afresh, runs),
            lambda r: f"{len(r)} deadlines (the baseline of this run)",
        )
        todo_memo.clear()
        add(
            "to-do: open_deadlines (every office), as the page reads it again",
            timed(lambda: todo.open_deadlines(ctx), runs),
            lambda r: f"{len(r)} deadlines; target ≤ 200 ms; kept {kept_size(todo_memo)}",
        )
    if "oem" not in skip:
        add(
            "厂家跟踪: oem_rows, open only (the page's default)",
            timed(lambda: oem.oem_rows(ctx, include_closed=False), runs),
            lambda r: f"{len(r)} rows; target ≤ 200 ms",
        )
        add(
            "厂家跟踪: oem_rows, closed too",
            timed(lambda: oem.oem_rows(ctx), runs),
            lambda r: f"{len(r)} rows",
        )
    year = current(PeriodKind.YEAR, ctx.local(ctx.now()).date())

    def page():
        r = stats_review.review(ctx, year, (), compare=False)
        stats_review.comparisons(ctx, year, ())
        return r

    if "stats" not in skip:
        stats.fill_summaries(ctx.now(), ctx.tz)  # as the app's background fill leaves them

    def opened_after_restart():
        stats.clear_cache()  # memory emptied, the summaries kept in the database
        return page()

    if "stats" not in skip:
        add(
            f"统计 {year.label}: review + comparisons, first open after a restart",
            timed(opened_after_restart, runs),
            lambda r: f"{r.figures.total} cases; target ≤ 1 s",
        )
        add(
            f"统计 {year.label}: the page opened again",
            timed(page, runs),
            lambda r: "months over and closed kept in memory",
        )
    if cold and "stats" not in skip:

        def page_cold():
            stats.clear_cache(stored=True)
            return page()

        add(
            f"统计 {year.label}: nothing kept anywhere",
            timed(page_cold, max(1, runs // 2)),
            lambda r: "first open ever (before the background fill)",
        )
        stats.fill_summaries(ctx.now(), ctx.tz)
    for label, text, target in (
        ("3-char search, common", "客户反", "≤ 50 ms"),
        ("3-char search, very common", "回访时", "≤ 50 ms"),
        ("2-char search, common", "异响", "≤ 300 ms"),
        ("2-char search, rare", "欧阳", "≤ 300 ms"),
        ("2-char search, no match", "锦旗", "≤ 300 ms"),
    ):
        if "search" in skip:
            break
        add(
            f"{label} “{text}”, top 100",
            timed(lambda t=text: cases.search(t, 100), runs),
            lambda r, target=target: f"{len(r)} shown; target {target}",
        )
    if not rows:
        return
    width = max(len(r[0]) for r in rows)
    print(f"{'':<{width}}  {'first call':>11}  {'median':>11}  {'median CPU':>11}")
    for name, f, m, c, note in rows:
        print(f"{name:<{width}}  {ms(f)}  {ms(m)}  {ms(c)}  {note}", flush=True)


def _copy(src: Path, work: Path) -> Path:
    from desktop.paths import data_paths

    shutil.rmtree(work, ignore_errors=True)
    dst = data_paths(work).database
    dst.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return dst


def _old_anonymise(ctx, cutoff, limit: int) -> int:
    """The per-case path before issue 23 (a model save and an audit entry per case)."""
    from complaints.types import State
    from complaints.usecases import audit
    from complaints.usecases.users import ANONYMOUS_NAME
    from db.models import Case, database

    n = 0
    with database.atomic():
        for case in list(
            Case.select()
            .where(
                (Case.state == State.CLOSED.value)
                & Case.closed_at.is_null(False)
                & (Case.closed_at < cutoff)
                & ((Case.customer_name != ANONYMOUS_NAME) | Case.phone.is_null(False))
            )
            .limit(limit)
        ):
            changes = {
                "customer_name": (case.customer_name, ANONYMOUS_NAME),
                "phone": (case.phone, None),
            }
            case.customer_name, case.phone = ANONYMOUS_NAME, None
            case.modified_at = ctx.now()
            if case.site == ctx.site:
                case.revision += 1
            case.save()
            audit.record(
                ctx,
                "privacy.anonymise",
                table="cases",
                uid=case.uid,
                note=case.number,
                changes=changes,
            )
            n += 1
    return n


def writes(db: Path, work: Path, sample: int) -> None:
    from db.database import close_database, open_database

    copy = _copy(db, work)
    open_database(copy, backup_dir=copy.parent / "backups")
    from complaints.usecases import proposals, sanctions, users
    from complaints.usecases.users import _cutoff
    from db.models import Case, database

    ctx = _ctx()
    later = ctx.now() + timedelta(days=2 * 366)  # every closed case is over a year old then
    actx = _ctx(later)
    n = users.anonymise_candidates(1, later)
    t, c = time.perf_counter(), time.process_time()
    old = _old_anonymise(actx, _cutoff(later, 1), sample)
    old_s, old_c = time.perf_counter() - t, time.process_time() - c
    t, c = time.perf_counter(), time.process_time()
    done = users.anonymise_closed_cases(actx, 1, later)
    new_s, new_c = time.perf_counter() - t, time.process_time() - c
    per = old_c / max(old, 1)
    print(
        f"anonymise {done} closed cases (of {n}): {new_s:.2f} s, CPU {new_c:.2f} s (target "
        f"≤ 10 s for 98k); per-case path before: {old} cases in {old_s:.2f} s, CPU "
        f"{old_c:.2f} s = {per * 1000:.2f} ms a case → ≈ {per * n:.0f} s CPU for all; "
        f"ratio (CPU) {per * n / max(new_c, 1e-9):.0f} ×",
        flush=True,
    )

    since = ctx.now() - timedelta(days=14)
    ids = [
        c.id
        for c in Case.select(Case.id).where(
            (Case.site == ctx.site)
            & (Case.deleted == False)  # noqa: E712
            & (Case.state != "已关闭")
            & (Case.received_at >= since)
        )
    ]
    org = proposals.load_org()
    part = ids[:sample]
    c = time.process_time()
    for cid in part:
        proposals.sync_proposals(ctx, cid, org=org)
    per_case = (time.process_time() - c) / max(len(part), 1)
    database.execute_sql("DELETE FROM sanctions WHERE status = ?", [sanctions.PENDING])
    t, c = time.perf_counter(), time.process_time()
    r = proposals.sweep(ctx)
    sweep_s, sweep_c = time.perf_counter() - t, time.process_time() - c
    print(
        f"sanctions sweep over {len(ids)} open cases of the last 14 days: {sweep_s:.2f} s, "
        f"CPU {sweep_c:.2f} s ({len(r.created)} proposed); one case at a time: CPU "
        f"{per_case * 1000:.2f} ms a case → ≈ {per_case * len(ids):.1f} s; ratio (CPU) "
        f"{per_case * len(ids) / max(sweep_c, 1e-9):.1f} ×",
        flush=True,
    )
    close_database()
    shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--dir", default=str(DEFAULT_DIR))
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--writes", action="store_true")
    p.add_argument("--skip", default="", help="groups left out: todo,oem,stats,search")
    p.add_argument(
        "--no-cold", action="store_true", help="skip 统计 with nothing kept (minutes at 1M)"
    )
    p.add_argument("--work", help="where the copy for --writes goes (default DIR-work)")
    p.add_argument(
        "--sample", type=int, default=3000, help="cases timed on the per-case path (the baseline)"
    )
    a = p.parse_args()
    from db.database import close_database, open_database
    from desktop.paths import data_paths

    paths = data_paths(a.dir)
    if not paths.database.exists():
        print(f"no database in {paths.root}: run bench/build_bench_db.py first", file=sys.stderr)
        return 2
    open_database(paths.database, backup_dir=paths.backups)
    from db.models import database

    n, e = database.execute_sql(
        "SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM entries)"
    ).fetchone()
    print(
        f"{paths.database}: {n} cases, {e} entries, {paths.database.stat().st_size / 2**20:.0f} MB"
    )
    reads(a.runs, not a.no_cold, set(filter(None, a.skip.split(","))))
    close_database()
    if a.writes:
        writes(paths.database, Path(a.work or f"{a.dir}-work"), a.sample)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
