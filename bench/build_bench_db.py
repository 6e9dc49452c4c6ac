"""The benchmark database, built once and reused:
``python bench/build_bench_db.py --cases 1000000 --dir /tmp/cd-bench-1m``.

1. Demo cases (``bench_demo.load``: site SH01, ``complaints.usecases.demo.load_demo``), unless
   the folder already holds a database with that many cases (one made by ``bench_demo.py``
   is adopted as it is).
2. A realistic audit log, since the demo writes almost none: what the app writes for that
   history, one ``case.create`` per case and one ``case.track`` per tracking entry (as
   ``tracking.record_action`` writes it: the action and the state it moved to, the case
   number and action in the note), plus a ``sign_in`` each time a person first acts on a day
   (~1.06 M entries at 100k cases, ~10.6 M at 1M), in time order, hash-chained exactly as
   ``complaints.usecases.audit`` chains them (``check`` verifies them). The audit indexes
   are dropped during the load and created again after it (their SQL kept from the schema).
3. ``bench-build.json`` in the folder records what was built: a second run with the same
   ``--cases`` and ``--seed`` only migrates it to this checkout's schema, without the
   pre-migration backup ("reusing"). ``--rebuild`` starts afresh.

At 1M this takes ~10–15 min of one core and ~10 GB of disk; run it once, with ``nice``.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from pathlib import Path

from _common import DEFAULT_DIR, ROOT  # noqa: F401  (puts the repo on sys.path)

MARKER = "bench-build.json"
_AUDIT_INDEXES = ("audit_log_at", "audit_log_record", "audit_log_actor")
_BATCH = 50_000


def _database(folder: Path) -> Path:
    from desktop.paths import data_paths

    return data_paths(folder).database


def _count(db: Path) -> int | None:
    if not db.exists():
        return None
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        try:
            return conn.execute("SELECT count(*) FROM cases").fetchone()[0]
        except sqlite3.Error:
            return None


def bring_schema_up(db: Path) -> int:
    """Migrate a bench database to this checkout's schema without the verified backup
    ``open_database`` makes first (gigabytes at 1M; a bench database can be rebuilt), so
    the bench scripts open it straight away. Returns the version it had."""
    from db.database import PRAGMAS, _migrate, schema_version
    from db.migrations import STEPS
    from db.models import database

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as probe:
        before = schema_version(probe)
        have = {v for (v,) in probe.execute("SELECT version FROM schema_version")}
    # A folder built by a branch whose steps were numbered before others merged can hold a
    # later step without an earlier one: apply each missing step, not only those above the
    # highest.
    missing = [version for version, _d, _s in STEPS if version not in have]
    if before > 0 and missing:
        database.init(str(db), pragmas=PRAGMAS)
        database.connect(reuse_if_open=True)
        try:
            for version, description, step in STEPS:
                if version < before and version in missing:
                    with database.atomic():
                        step(database.execute_sql)
                        database.execute_sql(
                            "INSERT INTO schema_version (version, applied_at, description, "
                            "app_version) VALUES (?, datetime('now'), ?, 'bench')",
                            (version, description),
                        )
            _migrate(before, "bench")
        finally:
            database.close()
    return before


def add_audit_log(db: Path, *, quiet: bool = False) -> int:
    """Append the history's audit entries (see the module doc); returns how many."""
    from complaints.rules import workflow
    from complaints.usecases.audit import changes_json, entry_hash
    from db.audit_rows import COLUMNS, GENESIS

    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -200000")
    users = {name: uid for uid, name in conn.execute("SELECT id, display_name FROM users")}
    index_sql = [
        r[0]
        for r in conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name IN "
            f"({', '.join('?' * len(_AUDIT_INDEXES))})",
            _AUDIT_INDEXES,
        )
    ]
    last = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    last_id, prev = (last[0], last[1]) if last else (0, GENESIS)
    insert = (
        f"INSERT INTO audit_log ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    )
    total = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    conn.execute("BEGIN")
    for name in _AUDIT_INDEXES:
        conn.execute(f"DROP INDEX IF EXISTS {name}")
    seen_day: dict[str, str] = {}
    state: dict[int, str] = {}
    rows: list[tuple] = []
    done = 0
    t0 = time.perf_counter()

    def add(
        at: str,
        site: str,
        actor: str,
        event: str,
        table: str | None,
        uid: str | None,
        changes: dict,
        note: str,
    ) -> None:
        nonlocal last_id, prev
        last_id += 1
        row = {
            "id": last_id,
            "at": at,
            "site": site,
            "user_id": users.get(actor),
            "actor": actor,
            "event": event,
            "tbl": table,
            "record_uid": uid,
            "changes": changes_json(changes),
            "note": note,
            "prev_hash": prev,
        }
        row["hash"] = prev = entry_hash(row)
        rows.append(tuple(row[k] for k in COLUMNS))

    # The entries in the order they were written (entries_modified index: no sort).
    for done, (case_id, uid, site, at, action, actor, number, case_uid) in enumerate(
        conn.execute(
            "SELECT e.case_id, e.uid, e.site, e.modified_at, e.action, e.actor, c.number, "
            "c.uid FROM entries e INDEXED BY entries_modified JOIN cases c ON c.id = e.case_id "
            "ORDER BY e.modified_at"
        ),
        start=1,
    ):
        day = at[:10]
        if seen_day.get(actor) != day:
            seen_day[actor] = day
            add(at, site, actor, "sign_in", "users", actor, {}, "")
        if action == "登记":
            state[case_id] = "登记"
            add(
                at,
                site,
                actor,
                "case.create",
                "cases",
                case_uid,
                {"number": (None, number), "state": (None, "登记")},
                number,
            )
        else:
            old = state.get(case_id, "登记")
            try:
                new = workflow.next_state({"state": old}, action)
            except Exception:
                new = old
            state[case_id] = new
            changes = {"action": (None, action)}
            if new != old:
                changes["state"] = (old, new)
            add(at, site, actor, "case.track", "entries", uid, changes, f"{number} {action}")
        if len(rows) >= _BATCH:
            conn.executemany(insert, rows)
            rows.clear()
            if not quiet:
                print(
                    f"  audit: {done}/{total} entries, {time.perf_counter() - t0:.0f} s", flush=True
                )
    if rows:
        conn.executemany(insert, rows)
    for sql in index_sql:
        conn.execute(sql)
    conn.execute("COMMIT")
    n = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    conn.close()
    return n


def build(
    folder: Path,
    cases: int,
    seed: int = 1,
    *,
    rebuild: bool = False,
    audit: bool = True,
    quiet: bool = False,
) -> Path:
    """The database of ``cases`` demo cases (and, with ``audit``, its audit log) in
    ``folder``, built unless already there; returns its path."""
    import bench_demo

    folder = Path(folder)
    db = _database(folder)
    marker = folder / MARKER
    want = {"cases": cases, "seed": seed, "audit": audit}
    have = json.loads(marker.read_text()) if marker.exists() and not rebuild else None
    if have and {k: have.get(k) for k in want} == want and _count(db) == cases:
        bring_schema_up(db)
        if not quiet:
            print(f"reusing {db} ({cases} cases, built {have.get('built')})")
        return db
    t = time.perf_counter()
    if rebuild or _count(db) != cases:
        report, seconds, _size = bench_demo.load(folder, cases, seed, quiet=quiet)
        if not quiet:
            print(f"demo: {report.cases} cases, {report.entries} entries in {seconds:.0f} s")
    elif not quiet:
        print(f"adopting the {cases} demo cases already in {db}")
    bring_schema_up(db)
    n = add_audit_log(db, quiet=quiet) if audit else 0
    marker.write_text(
        json.dumps({**want, "audit_entries": n, "built": time.strftime("%Y-%m-%d %H:%M")})
    )
    if not quiet:
        print(
            f"built {db} in {time.perf_counter() - t:.0f} s: {n} audit entries, "
            f"{db.stat().st_size / 2**20:.0f} MB"
        )
    return db


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--cases", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--dir", default=str(DEFAULT_DIR))
    p.add_argument("--rebuild", action="store_true")
    p.add_argument("--no-audit", action="store_true")
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args()
    build(Path(a.dir), a.cases, a.seed, rebuild=a.rebuild, audit=not a.no_audit, quiet=a.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
