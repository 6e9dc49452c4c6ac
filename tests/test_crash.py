"""Crash test: kill -9 a process part-way through writing 10,000 cases in one transaction;
afterwards `check` passes and the batch is all absent. A run that completes has them all.

The child inserts with executemany into the cases table, so the search-index triggers
run for every row. Its page cache is kept small so that the
uncommitted transaction spills into the WAL file before the kill: recovery must ignore it.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BATCH = 10_000
SIGNAL_AT = 3_000


def child(data_dir: str, signal_at: int) -> None:
    """Write BATCH cases and their 登记 entries in ONE transaction with executemany (the
    way demo data is written: create_case per row would take ~30 s), through the
    triggers that keep the search index; say so on stdout after ``signal_at`` rows."""
    sys.path.insert(0, str(ROOT))
    import uuid
    from datetime import datetime, timedelta

    from complaints.usecases.context import CHINA_TZ
    from db.database import open_database
    from db.models import database
    from db.timeutil import to_db

    open_database(Path(data_dir) / "complaintdesk.sqlite3")
    database.execute_sql("PRAGMA cache_size = 100")  # pages: spill early to the WAL
    conn = database.connection()
    start = datetime(2026, 1, 1, 9, 0, tzinfo=CHINA_TZ)
    chunk = 500
    with database.atomic():
        for first in range(0, BATCH, chunk):
            rows, entries = [], []
            for i in range(first, first + chunk):
                at = to_db(start + timedelta(minutes=37 * i))
                number = f"SH01-CRASH-{i + 1:05d}"
                rows.append(
                    (
                        str(uuid.uuid4()),
                        at,
                        number,
                        at,
                        f"客户{i}",
                        "13800001234",
                        f"第{i}号投诉:车辆行驶中变速箱顿挫,多次维修未果,要求更换",
                    )
                )
                entries.append((str(uuid.uuid4()), at, number, at, at))
            conn.executemany(
                "INSERT INTO cases (uid, site, modified_at, number, received_at, channel, kind,"
                " severity, business, customer_name, phone, content) VALUES"
                " (?, 'SH01', ?, ?, ?, '现场', '投诉', '一般投诉', '售后', ?, ?, ?)",
                rows,
            )
            conn.executemany(
                "INSERT INTO entries (uid, site, modified_at, case_id, at, action, recorded_at)"
                " VALUES (?, 'SH01', ?, (SELECT id FROM cases WHERE site = 'SH01' AND number = ?),"
                " ?, '登记', ?)",
                entries,
            )
            if first + chunk == signal_at:
                print(f"wrote {signal_at}", flush=True)
    print("committed", flush=True)


def _spawn(data_dir: Path, signal_at: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, __file__, "child", str(data_dir), str(signal_at)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def data_dir(tmp_path):
    from desktop.cli import main

    d = tmp_path / "data"
    assert main(["--data-dir", str(d), "init", "--site", "SH01", "--name", "上海浦东店"]) == 0
    return d


def _check(data_dir, capsys) -> None:
    from desktop.cli import main

    code = main(["--data-dir", str(data_dir), "check"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "检查通过" in out


@pytest.mark.slow
def test_kill_9_mid_transaction_leaves_nothing_and_a_sound_database(data_dir, capsys):
    db = data_dir / "complaintdesk.sqlite3"
    proc = _spawn(data_dir, SIGNAL_AT)
    try:
        line = proc.stdout.readline()
        assert line.strip() == f"wrote {SIGNAL_AT}", proc.stderr.read()
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    wal = db.with_name(db.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 100 * 4096  # uncommitted pages reached disk
    _check(data_dir, capsys)
    assert _count(db) == 0


@pytest.mark.slow
def test_a_completed_batch_is_all_there(data_dir, capsys):
    proc = _spawn(data_dir, SIGNAL_AT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert out.splitlines() == [f"wrote {SIGNAL_AT}", "committed"]
    _check(data_dir, capsys)
    assert _count(data_dir / "complaintdesk.sqlite3") == BATCH
    from complaints.usecases import cases
    from db.database import close_database, open_database

    open_database(data_dir / "complaintdesk.sqlite3")
    try:
        assert len(cases.search("4321号投诉")) == 1  # the index holds the batch
    finally:
        close_database()


if __name__ == "__main__" and sys.argv[1:2] == ["child"]:
    child(sys.argv[2], int(sys.argv[3]))
