"""Office-time deadlines vs calendar-time ones (issue 20 §2): the cost of judging every rule of
many open cases when every rule counts office time, as a ratio against the same cases with
the default calendar clocks, measured alternately in the same run.

    .venv/bin/python bench/bench_officetime.py [--cases 20000] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from complaints.rules.deadline_rules import all_deadlines
from complaints.rules.deadlines import CST
from complaints.rules.policy import RULE_NAMES, Policy

CHANNELS = ("现场", "电话热线", "销售回访", "售后回访", "厂家转发")


def cases(n: int, seed: int = 1):
    rnd = random.Random(seed)
    t0 = datetime(2026, 9, 1, tzinfo=CST)
    out = []
    for _ in range(n):
        received = t0 + timedelta(minutes=rnd.randrange(0, 90 * 24 * 60))
        channel = rnd.choice(CHANNELS)
        es = [{"at": received, "action": "登记", "note": ""}]
        if rnd.random() < 0.7:
            es.append(
                {
                    "at": received + timedelta(hours=rnd.uniform(0.1, 30)),
                    "action": "派单",
                    "note": "",
                }
            )
        if rnd.random() < 0.5:
            es.append(
                {
                    "at": received + timedelta(hours=rnd.uniform(20, 60)),
                    "action": "处理完成",
                    "note": "",
                }
            )
        es.sort(key=lambda e: e["at"])
        out.append(
            (
                {
                    "received_at": received,
                    "channel": channel,
                    "severity": rnd.choice(("一般投诉", "重大投诉")),
                    "media": False,
                    "needs_oem": False,
                    "state": "处理中",
                },
                es,
            )
        )
    return out


def judge(data, policy, now):
    for c, es in data:
        all_deadlines(c, es, policy, now, CST)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    data = cases(a.cases)
    now = datetime(2026, 12, 1, 9, tzinfo=CST)
    calendar = Policy()
    office = Policy().with_(**{f"{r.lower()}_clock": "office" for r in RULE_NAMES})
    judge(data, office, now)  # warm both caches
    judge(data, calendar, now)
    t_cal, t_off = [], []
    for _ in range(a.runs):
        for policy, out in ((calendar, t_cal), (office, t_off)):
            t = time.perf_counter()
            judge(data, policy, now)
            out.append(time.perf_counter() - t)
    ratios = [o / c for o, c in zip(t_off, t_cal, strict=True)]
    print(
        f"{a.cases} cases, all 11 rules: calendar {statistics.median(t_cal):.3f} s, "
        f"office {statistics.median(t_off):.3f} s, office/calendar "
        f"{statistics.median(ratios):.2f}× (median of {a.runs} alternating runs)"
    )


if __name__ == "__main__":
    main()
