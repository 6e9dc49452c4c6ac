"""Ten seats on one office server at once (issue 19 §3, §7):
``python bench/bench_seats.py [--clients 10] [--cases 100000] [--seconds 60] [--hot N]
[--database postgresql://USER@HOST:PORT/DBNAME]``.

Without ``--database`` a throwaway PostgreSQL cluster is started (tests/pg_cluster.py: a
temporary folder, a Unix socket; fsync off, as in the tests) and filled with ``--cases`` demo
cases; a ``--database`` that already holds that many cases is used as it is (a second run
costs no fill).

Each client is a process of its own (a seat), acting as a person on random cases (with
``--hot N``: on N of them only, so that the seats meet on the same cases) until the time is
up: four times in five it records a 备注 (``tracking.record_action``), once in five
it opens a case, and saves an edit of its 处理方案 against the version it opened
(``cases.update_case(expected_version=…)``), as the case window does. Then it reports what it
wrote. The script prints the throughput and checks, on the database:

- no lost entry: every entry a client was told was saved is there, and the clients' entries
  on the cases they touched are exactly those;
- no lost update: the saves of one case got distinct revisions, the case's revision is at
  least the highest, and its 处理方案 is the one of the save with the highest revision;
- the audit chain is intact (``audit.verify_chain``);
- no error reached a person: every failure other than the optimistic lock's refusal (the
  designed outcome: "已被他人修改", counted apart) is counted as an error; the transactions the
  server undid and db/retry.py ran again are counted too.

Meanwhile the script itself is one more seat that listens (db/server_listen.py) and, once a
second, commits a setting that the clients never write: the time from its commit to hearing
it is how long another seat's change takes to reach a page under that load.

Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from _common import ROOT  # puts the repo on sys.path

from complaints.query import CaseFilter
from complaints.rules.permissions import ROLES
from complaints.types import Action
from complaints.usecases import audit, cases, demo, site, tracking
from complaints.usecases.context import CHINA_TZ, Context
from complaints.usecases.errors import StaleRecord
from db import seats, settings_rows
from db.database import close_database, open_server
from db.server_address import ServerAddress, parse_address
from db.server_listen import ChangeListener

EDIT_SHARE = 0.2  # of the actions, the case edits (the rest: 备注 entries)


def _ctx(actor: str) -> Context:
    return Context(
        site="SH01",
        actor=actor,
        clock=lambda: datetime.now(CHINA_TZ),
        roles=frozenset(ROLES),
        department="客服部",
    )


class _Retries(logging.Handler):
    """Counts the transactions db/retry.py ran again."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "undone by the server" in record.getMessage():
            self.count += 1


def client(address: ServerAddress, number: int, seconds: float, start_at: float, hot: int) -> int:
    """One seat: act until the time is up, then print what was written (one JSON line)."""
    retries = _Retries()
    logging.getLogger("db.retry").addHandler(retries)
    logging.getLogger("db.retry").setLevel(logging.INFO)
    open_server(address)
    run = int(start_at)  # a run of its own: a second run on the same database is told apart
    actor = f"压测坐席{number:02d}-{run}"
    ctx = _ctx(actor)
    ids = cases.case_ids(CaseFilter())
    ids = ids[:hot] if hot else ids
    rng = random.Random(f"{run}-{number}")
    entries: list[tuple[int, str]] = []  # (case id, entry uid) saved
    saves: list[tuple[int, int, str]] = []  # (case id, revision, plan) saved
    stale = 0
    errors: list[str] = []
    took: dict[str, list[float]] = {"entry": [], "edit": []}
    time.sleep(max(0.0, start_at - time.time()))  # every client starts at once
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
        case_id = rng.choice(ids)
        t = time.perf_counter()
        try:
            if rng.random() < EDIT_SHARE:
                kind = "edit"
                opened = cases.version_of(cases.get_case(case_id))
                plan = f"{actor} 第 {n} 次修改的处理方案"
                saved = cases.update_case(ctx, case_id, {"plan": plan}, expected_version=opened)
                saves.append((case_id, saved.revision, plan))
            else:
                kind = "entry"
                entry = tracking.record_action(ctx, case_id, Action.NOTE, note=f"{actor} 备注 {n}")
                entries.append((case_id, str(entry["uid"])))
            took[kind].append((time.perf_counter() - t) * 1000)
        except StaleRecord:
            stale += 1  # the designed outcome: the person is told who changed it, keeps text
        except Exception as e:
            errors.append(f"{type(e).__name__}: {e}")
    close_database()
    print(
        json.dumps(
            {
                "client": number,
                "actor": actor,
                "entries": entries,
                "saves": saves,
                "stale": stale,
                "errors": errors,
                "retried": retries.count,
                "took": took,
            },
            ensure_ascii=False,
        )
    )
    return 0


def fill(address: ServerAddress, wanted: int) -> int:
    """Bring the database to ``wanted`` cases (demo cases of site SH01); returns how many
    were added."""
    open_server(address)
    try:
        if not site.is_initialised():
            site.init_site("SH01", "上海浦东店", now=datetime.now(CHINA_TZ))
        have = len(cases.case_ids(CaseFilter()))
        if have >= wanted:
            return 0
        demo.load_demo(_ctx("压测准备"), wanted - have, seed=7)
        return wanted - have
    finally:
        close_database()


def check(address: ServerAddress, reports: list[dict[str, Any]]) -> list[str]:
    """What the database says against what the clients were told: the problems found."""
    problems: list[str] = []
    open_server(address)
    try:
        actors = {r["actor"] for r in reports}
        told: dict[int, set[str]] = defaultdict(set)
        for r in reports:
            for case_id, uid in r["entries"]:
                told[case_id].add(uid)
        for case_id, uids in told.items():
            there = {
                str(e["uid"])
                for e in cases.list_entries(case_id)
                if e["actor"] in actors and e["action"] == Action.NOTE.value
            }
            if there != uids:
                problems.append(f"case {case_id}: entries told {len(uids)}, stored {len(there)}")
        saves: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for r in reports:
            for case_id, revision, plan in r["saves"]:
                saves[case_id].append((revision, plan))
        for case_id, done in saves.items():
            revisions = [rev for rev, _ in done]
            if len(set(revisions)) != len(revisions):
                problems.append(f"case {case_id}: two saves got one revision {sorted(revisions)}")
            case = cases.get_case(case_id)
            last = max(done)
            if case["revision"] < last[0] or case["plan"] != last[1]:
                problems.append(
                    f"case {case_id}: revision {case['revision']} / plan {case['plan']!r}, "
                    f"last save told revision {last[0]} / {last[1]!r}"
                )
        problems += [f"audit chain: {p}" for p in audit.verify_chain()]
    finally:
        close_database()
    return problems


def probe(address: ServerAddress, until: float) -> list[float]:
    """Until ``until`` (time.time()), once a second: commit a setting as a seat of its own,
    and time how long until a listening seat hears it (ms)."""
    heard = threading.Event()

    def on_topics(topics: frozenset[str]) -> None:
        if "settings" in topics:
            heard.set()

    listener = ChangeListener(address, on_topics, seat="bench-watcher")
    listener.start()
    delays: list[float] = []
    open_server(address)
    seats.set_thread_seat("bench-probe")
    try:
        if not listener.listening.wait(30):
            return delays
        n = 0
        while time.time() < until:
            n += 1
            heard.clear()
            settings_rows.store("bench.probe", n)
            t = time.perf_counter()
            if heard.wait(30):
                delays.append((time.perf_counter() - t) * 1000)
            time.sleep(max(0.0, 1.0 - (time.perf_counter() - t)))
    finally:
        seats.set_thread_seat(None)
        close_database()
        listener.stop()
    return delays


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(address: ServerAddress, a: argparse.Namespace) -> int:
    t = time.perf_counter()
    added = fill(address, a.cases)
    print(f"database: {a.cases} cases ({added} added in {time.perf_counter() - t:.0f} s)")
    start_at = time.time() + 3.0 + 0.3 * a.clients  # every client connected by then
    argv = [sys.executable, __file__, "--client-of", str(address), "--seconds", str(a.seconds)]
    argv += ["--hot", str(a.hot)]
    procs = [
        subprocess.Popen(
            [*argv, "--client", str(n), "--start-at", str(start_at)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for n in range(1, a.clients + 1)
    ]
    time.sleep(max(0.0, start_at - time.time()))
    delays = probe(address, start_at + a.seconds)
    reports = []
    for p in procs:
        out, _ = p.communicate(timeout=a.seconds + 600)
        if p.returncode:
            print(f"a client exited {p.returncode}")
            return 1
        reports.append(json.loads(out.strip().splitlines()[-1]))
    entries = sum(len(r["entries"]) for r in reports)
    saves = sum(len(r["saves"]) for r in reports)
    stale = sum(r["stale"] for r in reports)
    errors = [e for r in reports for e in r["errors"]]
    retried = sum(r["retried"] for r in reports)
    took: dict[str, list[float]] = {"entry": [], "edit": []}
    for r in reports:
        for kind, values in r["took"].items():
            took[kind] += values
    done = entries + saves
    where = f"on {a.hot} cases" if a.hot else "on random cases"
    print(
        f"{a.clients} clients {where}, {a.seconds:g} s: {done} actions saved "
        f"({done / a.seconds:.1f}/s): {entries} entries, {saves} edits"
    )
    for kind, values in took.items():
        if values:
            print(
                f"  {kind:5s} median {statistics.median(values):.1f} ms, "
                f"p95 {_pct(values, 0.95):.1f} ms, max {max(values):.1f} ms"
            )
    if delays:
        print(
            f"another seat's change heard after: median {statistics.median(delays):.0f} ms, "
            f"max {max(delays):.0f} ms ({len(delays)} probes)"
        )
    print(f"optimistic-lock refusals (told who changed the case, text kept): {stale}")
    print(f"transactions the server undid and that were run again: {retried}")
    print(f"errors shown to a person: {len(errors)}")
    for e, n in Counter(errors).most_common(5):
        print(f"  {n} × {e}")
    problems = check(address, reports)
    print(f"lost entries / updates, audit chain: {len(problems)} problems")
    for p in problems[:10]:
        print(f"  {p}")
    return 1 if errors or problems else 0


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--clients", type=int, default=10)
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--hot", type=int, default=0, help="act on this many cases only")
    p.add_argument("--database", help="an office server to use (default: a throwaway one)")
    p.add_argument("--client", type=int, help=argparse.SUPPRESS)
    p.add_argument("--client-of", help=argparse.SUPPRESS)
    p.add_argument("--start-at", type=float, default=0.0, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.client is not None:
        return client(parse_address(a.client_of), a.client, a.seconds, a.start_at, a.hot)
    if a.database:
        return run(parse_address(a.database), a)
    from tests import pg_cluster  # the throwaway cluster of the tests, only when asked for

    with tempfile.TemporaryDirectory(prefix="complaintdesk-bench-seats-") as d:
        folder = Path(d)
        folder.chmod(0o755)  # under root the server runs as postgres
        cluster = pg_cluster.start_cluster(folder)
        if cluster is None:
            print(pg_cluster.HOW_TO_GET)
            return 0
        try:
            cluster.admin(
                "CREATE DATABASE bench TEMPLATE template0 ENCODING 'UTF8' "
                "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
            )
            address = ServerAddress(pg_cluster.SUPERUSER, cluster.socket_dir, cluster.port, "bench")
            return run(address, a)
        finally:
            cluster.stop()


if __name__ == "__main__":
    raise SystemExit(main())
