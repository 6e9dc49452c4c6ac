"""Loading the demo data: a year of a Buick dealer's complaint desk, so the app looks lived-in.

Deterministic for a seed and a clock: the same seed on the same day gives the same
cases, entries and ids. Fast (100,000 cases in well under a minute and a half): the rows
(demo_generator) are written in batches of one transaction each (db.demo_rows); the
full-text index is kept by the schema's triggers like for any other write. Then the demo
sanctions (demo_sanctions) and the business volume of the past months.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from random import Random

from complaints.rules import workflow
from complaints.types import (
    Business,
)
from complaints.usecases import audit, auth, demo_data, stats
from complaints.usecases.context import Context
from complaints.usecases.demo_followup import add_demo_follow_ups
from complaints.usecases.demo_generator import (
    CASE_COLUMNS,
    ENTRY_COLUMNS,
    ENTRY_VALUE_COLUMNS,
    DemoGenerator,
)
from complaints.usecases.demo_random import stored_time
from complaints.usecases.demo_sanctions import add_demo_sanctions
from complaints.usecases.site import local_site
from db import demo_rows
from db.bulk_load import refresh_statistics
from db.models import Department, Staff, database

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DemoReport:
    cases: int
    entries: int
    staff_added: int
    first_number: str | None
    last_number: str | None
    seconds: float
    sanctions: int = 0  # fines and rewards proposed (and partly decided) over the cases


def ensure_demo_staff() -> int:
    """Add the demo staff of demo_data.DEMO_STAFF to their departments; returns how many new."""
    added = 0
    with database.atomic():
        depts = {d.name: d for d in Department.select()}
        have = {(s.name, s.department_id) for s in Staff.select(Staff.name, Staff.department)}
        for dept_name, people in demo_data.DEMO_STAFF.items():
            dept = depts.get(dept_name)
            if dept is None:
                continue
            for name, title in people:
                if (name, dept.id) not in have:
                    Staff.create(name=name, title=title, department=dept)
                    added += 1
    return added


def _batches(
    gen: DemoGenerator, times: list, counters: dict[str, int], next_id: int, batch_size: int
) -> Iterator[tuple[list[tuple], list[tuple], str, str]]:
    """The rows to insert, batch by batch: (case rows, entry rows, first and last number)."""
    site, off = gen.site, gen.off
    for start in range(0, len(times), batch_size):
        case_rows: list[tuple] = []
        entry_rows: list[tuple] = []
        numbers = []
        for r, channel, hold, stalled in times[start : start + batch_size]:
            values, kept = gen.case(r, channel, hold, stalled)
            local = time.gmtime(r + off)
            prefix = f"{site}-{local.tm_year:04d}{local.tm_mon:02d}-"
            counters[prefix] = seq = counters.get(prefix, 0) + 1
            number = f"{prefix}{seq:04d}"
            numbers.append(number)
            case_id = next_id
            next_id += 1
            modified = r
            for at, action, actor, params, note in kept:
                recorded = min(at + int(gen.rng.random() * 600), gen.now)
                modified = max(modified, recorded)
                cols = workflow.column_values(params)
                entry_rows.append(
                    (
                        gen.uid(),
                        site,
                        1,
                        stored_time(recorded),
                        0,
                        case_id,
                        stored_time(at),
                        action.value,
                        actor,
                        note,
                        stored_time(recorded),
                        *(cols[c] for c in ENTRY_VALUE_COLUMNS),
                    )
                )
            values.update(
                id=case_id,
                uid=gen.uid(),
                site=site,
                revision=len(kept),
                modified_at=stored_time(modified),
                deleted=0,
                number=number,
                received_at=stored_time(r),
            )
            case_rows.append(tuple(values[c] for c in CASE_COLUMNS))
        yield case_rows, entry_rows, numbers[0], numbers[-1]


_ID, _UID, _NUMBER = (CASE_COLUMNS.index(c) for c in ("id", "uid", "number"))
_ENTRY_UID, _ENTRY_CASE = ENTRY_COLUMNS.index("uid"), ENTRY_COLUMNS.index("case_id")


def _renumber(
    site: str, case_rows: list[tuple], entry_rows: list[tuple]
) -> tuple[list[tuple], list[tuple], str, str]:
    """The batch with its ids and numbers continuing what the database holds now (call
    inside the batch's write transaction). Alone, this changes nothing: the batch was made
    from the same figures; beside another writer, it moves past what that one added."""
    base = demo_rows.next_case_id()
    counters = demo_rows.month_counters(site)
    cut = len(site) + 8  # "SH01-202611-"
    ids: dict[int, int] = {}
    rows = []
    for i, row in enumerate(case_rows):
        prefix = row[_NUMBER][:cut]
        counters[prefix] = seq = counters.get(prefix, 0) + 1
        ids[row[_ID]] = base + i
        r = list(row)
        r[_ID], r[_NUMBER] = base + i, f"{prefix}{seq:04d}"
        rows.append(tuple(r))
    if all(ids[k] == k for k in ids) and all(
        a[_NUMBER] == b[_NUMBER] for a, b in zip(rows, case_rows, strict=True)
    ):
        return case_rows, entry_rows, case_rows[0][_NUMBER], case_rows[-1][_NUMBER]
    # Moved past another writer's cases: that one may be a demo of the same seed, whose
    # record ids (uid) these would repeat. Fresh ones, then (what the database held before
    # is not what this batch was made from, so the seed's promise does not hold anyway).
    rows = [(*r[:_UID], str(uuid.uuid4()), *r[_UID + 1 :]) for r in rows]
    entries = []
    for e in entry_rows:
        r = list(e)
        r[_ENTRY_UID], r[_ENTRY_CASE] = str(uuid.uuid4()), ids[e[_ENTRY_CASE]]
        entries.append(tuple(r))
    return rows, entries, rows[0][_NUMBER], rows[-1][_NUMBER]


def _ahead(batches: Iterator, depth: int = 1) -> Iterator:
    """Build the batches on a helper thread, ``depth`` ahead of the writer. sqlite3 lets go
    of the GIL while SQLite works (the inserts and the full-text trigger), so on a second
    core the next batch is made meanwhile. The helper never touches the database."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def work() -> None:
        try:
            for batch in batches:
                if stop.is_set():
                    return
                q.put(batch)
        except BaseException as e:  # handed to the writer, raised there
            q.put(e)
            return
        q.put(done)

    helper = threading.Thread(target=work, name="demo-batches", daemon=True)
    helper.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while helper.is_alive():  # a helper blocked on a full queue: let it see ``stop``
            with contextlib.suppress(queue.Empty):
                q.get(timeout=0.05)
        helper.join()


def load_demo(
    ctx: Context,
    cases: int,
    *,
    seed: int = 1,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    batch_size: int = 5000,
) -> DemoReport:
    """Add ``cases`` demo cases (and their entries) to this site, spread over the year
    up to ``ctx.now()``. Deterministic for (seed, now, what the database held before).

    ``progress(done, total)`` is called after each batch (one transaction each);
    ``cancelled()`` is asked before each batch: the batches already written stay."""
    if cases < 0:
        raise ValueError("cases must be >= 0")
    auth.require(ctx, "case.create")
    started = time.perf_counter()
    info = local_site()
    site_name = info.name if info else ctx.site
    staff_added = ensure_demo_staff()
    counters = demo_rows.month_counters(ctx.site)
    next_id = demo_rows.next_case_id()
    # A second load with the same seed must not repeat the record ids (uid): what the
    # database holds already goes into the seed.
    gen = DemoGenerator(
        ctx.site, site_name, ctx.now(), seed if next_id == 1 else f"{seed}/{next_id}"
    )
    times = gen.received_times(cases)
    made = entries_total = 0
    first = last = None
    first_id: int | None = None
    if progress:
        progress(0, cases)
    for planned_cases, planned_entries, _low, _high in _ahead(
        _batches(gen, times, counters, next_id, batch_size)
    ):
        if cancelled is not None and cancelled():
            break
        with database.atomic():
            # Ids and numbers are taken under the write lock: another writer (a second demo
            # run, a clerk) may have added cases since the batch was made.
            case_rows, entry_rows, low, high = _renumber(ctx.site, planned_cases, planned_entries)
            demo_rows.insert_cases(CASE_COLUMNS, case_rows)
            demo_rows.insert_entries(ENTRY_COLUMNS, entry_rows)
            if made == 0:
                audit.record(
                    ctx, "demo.load", table="cases", note=f"演示数据 {cases} 条(种子 {seed})"
                )
        first, last = first or low, high
        if first_id is None:
            first_id = case_rows[0][_ID]
        entries_total += len(entry_rows)
        made += len(case_rows)
        if progress:
            progress(made, cases)
    sanctions = 0
    if made:
        before = demo_rows.entry_count()
        # the same seed as the cases', so a second load gets fresh record ids here too
        # the first id written, not the one planned: beside another demo run, the other's
        extra = add_demo_sanctions(ctx, seed if first_id == 1 else f"{seed}/{first_id}", ctx.now())
        sanctions = sum(extra.by_state.values())
        # the events it records: a sheet lost, a customer's praise, a silk banner
        entries_total += demo_rows.entry_count() - before
        before = demo_rows.entry_count()
        add_demo_follow_ups(ctx, seed if first_id == 1 else f"{seed}/{first_id}")
        entries_total += demo_rows.entry_count() - before  # the visits and emergency notes
        add_demo_volumes(ctx, seed)
        refresh_statistics(["cases", "entries"])  # the first searches plan with its rows
    return DemoReport(
        made, entries_total, staff_added, first, last, time.perf_counter() - started, sanctions
    )


def add_demo_volumes(ctx: Context, seed: int | str) -> int:
    """The business volume (进厂台次, 新车销售台数) of each past month with demo cases, so the
    complaint rate (投诉率) has its base: roughly 5 ‰ of service visits and 25 ‰ of new cars
    sold end in a complaint. Months the office already entered are left alone; the current
    month stays blank (its volume is known at month end). Returns the months added."""
    rng = Random(f"volumes/{seed}")
    this_month = ctx.local(ctx.now()).strftime("%Y-%m")
    counts: dict[str, dict[str, int]] = {}
    for received, business in demo_rows.received_and_business(ctx.site):
        month = ctx.local(received).strftime("%Y-%m")
        if month < this_month:
            by = counts.setdefault(month, {})
            by[business] = by.get(business, 0) + 1
    have = stats.volumes([ctx.site], list(counts))
    months: dict[str, tuple[int, int] | None] = {}
    for month in sorted(counts):
        if (ctx.site, month) in have:
            continue
        by = counts[month]
        service = by.get(Business.SERVICE.value, 0)
        sales = by.get(Business.SALES.value, 0)
        months[month] = (
            max(service, 1) * rng.randint(170, 230),
            max(sales, 1) * rng.randint(35, 45),
        )
    if months:
        stats.set_volumes(ctx, ctx.site, months)
    return len(months)
