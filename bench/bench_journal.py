"""What the change journal (db/changes.py) costs a statement: sqlite3's own connection
against the engine's JournalConnection, with no recorder and inside one.

    .venv/bin/python bench/bench_journal.py [--number 20000]
"""

from __future__ import annotations

import argparse
import sqlite3
import timeit

from db import changes
from db.engine import JournalConnection

WRITE = "UPDATE t SET x = 2 WHERE rowid = 1"


def per_statement(conn: sqlite3.Connection, number: int) -> float:
    cur = conn.cursor()
    runs = timeit.repeat(lambda: cur.execute(WRITE), number=number, repeat=7)
    return min(runs) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--number", type=int, default=20000)
    args = parser.parse_args()
    for name, factory in (("sqlite3", sqlite3.Connection), ("journal", JournalConnection)):
        conn = sqlite3.connect(":memory:", factory=factory, isolation_level=None)
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (1)")
        idle = per_statement(conn, args.number)
        with changes.recording():
            recording = per_statement(conn, args.number)
        print(f"{name:8} no recorder {idle:5.2f} µs/statement, recording {recording:5.2f} µs")
        conn.close()


if __name__ == "__main__":
    main()
