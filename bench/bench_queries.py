"""List and search speed on the demo database: ``python bench/bench_queries.py [--dir D]``.

Run bench_demo.py first (100,000 cases). Each figure is the median of 7 warm runs after
a first (cold-ish) run, both printed. Targets (issue 2 §8): page ≤ 5 ms, 3-character
search ≤ 20 ms rare / ≤ 50 ms common, 2-character search ≤ 300 ms, RSS ≤ 150 MB.
"""

from __future__ import annotations

import argparse
import resource
import sys

from _common import DEFAULT_DIR, timed

from complaints.query import CaseFilter
from complaints.usecases import cases
from db import queries
from db.database import open_database
from db.models import database
from desktop.paths import data_paths


def count(text: str) -> int:
    return queries.case_count(CaseFilter(text=text))


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--dir", default=str(DEFAULT_DIR))
    a = p.parse_args()
    paths = data_paths(a.dir)
    if not paths.database.exists():
        print(f"no database in {paths.root}: run bench/bench_demo.py first", file=sys.stderr)
        return 2
    open_database(paths.database, backup_dir=paths.backups)
    total = database.execute_sql("SELECT count(*) FROM cases").fetchone()[0]
    print(f"{total} cases in {paths.database}")
    rows: list[tuple[str, float, float, str]] = []

    first, med, ids = timed(lambda: cases.case_ids(CaseFilter()))
    rows.append(("list: every id, newest first (case_ids)", first, med, f"{len(ids)} ids"))
    page = ids[:100]
    first, med, got = timed(lambda: cases.case_rows(page))
    rows.append(("first page: case_rows(100 ids)", first, med, "target ≤ 5 ms"))
    mid = ids[len(ids) // 2 : len(ids) // 2 + 100]
    first, med, got = timed(lambda: cases.case_rows(mid))
    rows.append(("a page in the middle: case_rows(100 ids)", first, med, "target ≤ 5 ms"))

    # Rare: a full customer name with a rare surname; common: words of many complaint texts.
    rare = database.execute_sql(
        "SELECT customer_name, count(*) n FROM cases WHERE customer_name LIKE '欧阳%' "
        "AND length(customer_name) = 3 GROUP BY 1 ORDER BY n LIMIT 1"
    ).fetchone()
    rare_text = rare[0] if rare else "欧阳帆"
    for label, text, target in (
        ("3-char search, rare", rare_text, "≤ 20 ms"),
        ("3-char search, common", "客户反", "≤ 50 ms"),
        ("3-char search, very common", "回访时", "≤ 50 ms"),
    ):
        if len(text) < 3:
            continue
        first, med, got = timed(lambda t=text: cases.search(t, 100))
        rows.append(
            (
                f"{label} “{text}” (top 100 by date)",
                first,
                med,
                f"{count(text)} matches; target {target}",
            )
        )
    for label, text in (
        ("2-char search, common", "异响"),
        ("2-char search, rare", "欧阳"),
        ("2-char search, no match (whole table)", "锦旗"),
    ):
        first, med, got = timed(lambda t=text: cases.search(t, 100), repeat=3)
        rows.append(
            (
                f"{label} “{text}” (top 100 by date)",
                first,
                med,
                f"{count(text)} matches; target ≤ 300 ms",
            )
        )
    first, med, got = timed(lambda: cases.search("SH01-202611-00", 100))
    rows.append(("search by case number prefix", first, med, f"{len(got)} shown"))

    width = max(len(r[0]) for r in rows)
    for name, f, m, note in rows:
        print(f"{name:<{width}}  first {f:8.2f} ms  median {m:8.2f} ms  {note}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {rss:.0f} MB (target ≤ 150 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
