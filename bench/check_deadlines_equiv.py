"""Equivalence check for speed work on the deadline engine: same cases in, same deadlines out.

    .venv/bin/python bench/check_deadlines_equiv.py --save [--db PATH] [--out /tmp/dl_before.pkl]
    .venv/bin/python bench/check_deadlines_equiv.py        [--db PATH] [--out /tmp/dl_before.pkl]

Reads every case and entry of a (demo) database READ-ONLY (sqlite ``mode=ro``), then computes
``all_deadlines``, ``open_deadlines_of`` and single ``deadline`` calls under several scenarios
(the bench clock, an earlier "as of" moment that hides later entries, another time zone with a
non-default policy, entries in shuffled order). ``--save`` pickles every Deadline's fields;
without it the results are compared with the saved ones and the first differences printed.
Exit 0 when identical.
"""

from __future__ import annotations

import argparse
import pickle
import random
import sqlite3
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

_CASE_COLUMNS = (
    "id",
    "number",
    "site",
    "received_at",
    "channel",
    "severity",
    "kind",
    "business",
    "area",
    "media",
    "needs_oem",
    "state",
    "closed_at",
    "department",
    "responsible",
    "customer_name",
    "satisfaction",
    "satisfaction2",
)


def load(db: Path, sample: int | None) -> list[tuple[dict, list[dict]]]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    parse = datetime.fromisoformat
    cases: dict[int, dict] = {}
    for row in con.execute(
        f"SELECT {', '.join(_CASE_COLUMNS)} FROM cases WHERE deleted = 0 ORDER BY id"
    ):
        c = dict(zip(_CASE_COLUMNS, row, strict=True))
        for k in ("received_at", "closed_at"):
            c[k] = parse(c[k]) if c[k] else None
        for k in ("media", "needs_oem"):
            c[k] = bool(c[k])
        cases[c["id"]] = c
    if sample:
        keep = set(random.Random(7).sample(sorted(cases), min(sample, len(cases))))
        cases = {k: v for k, v in cases.items() if k in keep}
    entries: dict[int, list[dict]] = defaultdict(list)
    for cid, at, action, note in con.execute(
        "SELECT case_id, at, action, note FROM entries WHERE deleted = 0 ORDER BY case_id, rowid"
    ):
        if cid in cases:
            entries[cid].append({"at": parse(at), "action": action, "note": note})
    con.close()
    return [(c, entries.get(cid, [])) for cid, c in cases.items()]


def fields(d) -> tuple:
    return (
        d.rule,
        d.what,
        d.start,
        d.due,
        d.met_at,
        str(d.status),
        type(d.status).__name__,
        d.limit,
    )


def run(loaded) -> dict[str, list]:
    from complaints.rules import deadline_rules as dl
    from complaints.rules import deadlines
    from complaints.rules.policy import Policy

    cst = timezone(timedelta(hours=8))
    other = Policy(
        d1_hours=3,
        d2_media_hours=1,
        d3_minutes=7,
        d4_cutoff="18:30",
        d5_hours=2,
        d6_hours=5,
        d7_hours=30,
        d8_hours=48,
        d9_minutes=45,
        d10_days=2,
        d11_onsite_hours=20,
        d11_other_days=4,
        at_risk_fraction=0.5,
        onsite_channels=("现场", "电话热线", "售后回访"),
    )
    shuffled = []
    rnd = random.Random(11)
    for c, es in loaded:
        es2 = list(es)
        rnd.shuffle(es2)
        shuffled.append((c, es2))
    scenarios = (
        ("bench clock", loaded, Policy(), datetime(2026, 11, 20, 9, 30, tzinfo=cst), cst),
        ("as of 2026-06-15", loaded, Policy(), datetime(2026, 6, 15, 12, 0, tzinfo=cst), cst),
        ("other policy, UTC", loaded, other, datetime(2026, 11, 23, 1, 0, tzinfo=UTC), UTC),
        (
            "shuffled entries",
            shuffled,
            Policy(),
            datetime(2026, 11, 22, 20, 0, tzinfo=cst),
            deadlines.CST,
        ),
    )
    out: dict[str, list] = {}
    for name, data, pol, now, tz in scenarios:
        t = time.perf_counter()
        out[f"{name}: all"] = [
            (c["id"], tuple(fields(d) for d in dl.all_deadlines(c, es, pol, now, tz)))
            for c, es in data
        ]
        t1 = time.perf_counter()
        out[f"{name}: open"] = [
            (c["id"], tuple(fields(d) for d in dl.open_deadlines_of(c, es, pol, now, tz)))
            for c, es in data
        ]
        t2 = time.perf_counter()
        out[f"{name}: single"] = [
            (c["id"], fields(dl.deadline(f"D{1 + c['id'] % 11}", c, es, pol, now, tz)))
            for c, es in data[::7]
        ]
        print(
            f"{name}: all_deadlines {t1 - t:.2f} s, open_deadlines_of {t2 - t1:.2f} s "
            f"({len(data)} cases)"
        )
        # What the to-do list reads (only RULE_ACTIONS entries, only NOTE_ACTIONS notes) must
        # give the same deadlines as every entry.
        if hasattr(deadlines, "RULE_ACTIONS"):
            few = [
                (
                    c,
                    [
                        e if e["action"] in deadlines.NOTE_ACTIONS else {**e, "note": None}
                        for e in es
                        if e["action"] in deadlines.RULE_ACTIONS
                    ],
                )
                for c, es in data
            ]
            out[f"{name}: all"].extend(
                (
                    "rule entries only",
                    c["id"],
                    tuple(fields(d) for d in dl.all_deadlines(c, es, pol, now, tz)),
                )
                for c, es in few
            )
            out[f"{name}: open"].extend(
                (
                    "rule entries only",
                    c["id"],
                    tuple(fields(d) for d in dl.open_deadlines_of(c, es, pol, now, tz)),
                )
                for c, es in few
            )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=Path("/tmp/lead-bench/complaintdesk.sqlite3"))
    ap.add_argument("--out", type=Path, default=Path("/tmp/dl_before.pkl"))
    ap.add_argument("--sample", type=int, help="only this many cases (random, fixed seed)")
    ap.add_argument("--save", action="store_true", help="store the results (before a change)")
    args = ap.parse_args()
    loaded = load(args.db, args.sample)
    results = run(loaded)
    if args.save:
        with args.out.open("wb") as fh:
            pickle.dump(results, fh, protocol=pickle.HIGHEST_PROTOCOL)
        print(f"saved {sum(len(v) for v in results.values())} results to {args.out}")
        return 0
    with args.out.open("rb") as fh:
        before = pickle.load(fh)
    bad = 0
    for key, rows_before in before.items():
        rows = rows_before
        now_rows = results.get(key) or []
        if len(now_rows) == 2 * len(rows) and now_rows[len(rows)][0] == "rule entries only":
            # the same results again from the rule entries only
            now_rows = now_rows[: len(rows)] + [r[1:] for r in now_rows[len(rows) :]]
            rows = rows_before + rows_before
        if now_rows == rows:
            print(f"{key}: identical ({len(rows)})")
            continue
        diffs = [(a, b) for a, b in zip(rows, now_rows or [], strict=False) if a != b]
        bad += len(diffs) or 1
        print(f"{key}: {len(diffs)} DIFFERENT (of {len(rows)})")
        for a, b in diffs[:3]:
            print(f"  before {a}\n  after  {b}")
    print("EQUIVALENT" if not bad else f"DIFFERENCES: {bad}")
    return 0 if not bad else 1


if __name__ == "__main__":
    raise SystemExit(main())
