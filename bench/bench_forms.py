"""How fast the Word forms fill: one form warm, and a month's batch of 500 notices.

    .venv/bin/python bench/bench_forms.py [--cases 2000] [--notices 500] [--dir DIR]

Makes a fresh data folder (demo cases), then times what the GUI and the ``form`` command
run: ``printing.print_case_form`` (form A, form B) and ``printing.print_sanction_notice``
(notice C), each the first call and the median of the next ones (warm: templates kept), and
``printing.print_month_notices`` over ``--notices`` approved sanctions of one month, three to
an A4 page and one per page. The .docx is written and recorded as printed each time, as in
the app; no PDF (LibreOffice's time is its own). Targets of issue 4: one form ≤ 100 ms warm,
a batch of 500 notices ≤ 20 s.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import time
from datetime import UTC, date, datetime
from pathlib import Path

from _common import timed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--notices", type=int, default=500)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/complaintdesk-bench-forms"))
    args = ap.parse_args()

    from complaints.rules.permissions import ROLES
    from complaints.usecases import demo, printing, site
    from complaints.usecases import sanctions as S
    from db.database import open_database
    from desktop.paths import DataPaths

    shutil.rmtree(args.dir, ignore_errors=True)
    paths = DataPaths(args.dir)
    paths.root.mkdir(parents=True)
    open_database(paths.database, backup_dir=paths.backups)
    site.init_site("SH01", "上海浦东店", now=datetime.now(UTC))
    ctx = dataclasses.replace(site.context_for("bench"), roles=frozenset(ROLES))
    demo.load_demo(ctx, args.cases, seed=1)
    printed = paths.printed
    printed.mkdir(parents=True, exist_ok=True)

    from db.models import Case

    a_case = Case.select(Case.id).where(Case.deleted == False).first().id  # noqa: E712
    b_case = (
        Case.select(Case.id)
        .where((Case.channel == "厂家转发") & (Case.deleted == False))  # noqa: E712
        .first()
        .id
    )
    rows = []
    for label, fn in (
        (
            "form A (处理表)",
            lambda: printing.print_case_form(
                ctx, a_case, "A", templates_dir=None, printed_dir=printed
            ),
        ),
        (
            "form B (厂家跟踪表)",
            lambda: printing.print_case_form(
                ctx, b_case, "B", templates_dir=None, printed_dir=printed
            ),
        ),
    ):
        first, median, _ = timed(fn, repeat=9)
        rows.append((label, first, median))

    month = "2026-01"
    made = []
    for i in range(args.notices):
        s = S.add_manual(
            ctx,
            type="罚款" if i % 3 else "奖励",
            person=f"员工{i % 40:02d}",
            department="车间",
            amount=50 + 10 * (i % 5),
            reason=f"测试通知单 {i}",
            on=date(2026, 1, 1 + i % 28),
        )
        S.approve(ctx, s["uid"])
        made.append(s["uid"])
    sid = printing.find_sanction_id(made[0])
    first, median, _ = timed(
        lambda: printing.print_sanction_notice(ctx, sid, templates_dir=None, printed_dir=printed),
        repeat=9,
    )
    rows.append(("notice C/D (one)", first, median))

    for label, target_ms in (
        ("form A (处理表)", 100),
        ("form B (厂家跟踪表)", 100),
        ("notice C/D (one)", 100),
    ):
        _, first, median = next(r for r in rows if r[0] == label)
        print(
            f"{label}: first {first:.0f} ms, warm median {median:.1f} ms "
            f"(target ≤ {target_ms} ms warm)"
        )
    for per_page in (3, 1):
        t = time.perf_counter()
        res = printing.print_month_notices(
            ctx, month, templates_dir=None, printed_dir=printed, per_page=per_page
        )
        secs = time.perf_counter() - t
        size = res.docx.stat().st_size / 1e6
        print(
            f"batch of {len(res.printed_ids)} notices, {per_page} per page: {secs:.1f} s "
            f"(target ≤ 20 s), {size:.1f} MB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
