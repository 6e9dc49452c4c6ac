"""SQLite's log after a big commit (db/wal.py): the commit copies nothing into the database
file, the checkpoint does later, and a crash in between loses nothing. On the office
server both do nothing."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from db import wal
from db.database import close_database, open_database
from db.models import database, on_server
from db.wal import Checkpointed, checkpoint, commit_unhurried

ROOT = Path(__file__).resolve().parents[2]
ROWS = 300  # of 2 KiB each: some 150 pages of the log, past the threshold set below
THRESHOLD = 20  # pages: the connection's automatic checkpoint, lowered for a small test


def _fill(rows: int = ROWS) -> None:
    database.execute_sql("CREATE TABLE IF NOT EXISTS wal_probe (n INTEGER, body TEXT)")
    with database.atomic():
        for n in range(rows):
            database.execute_sql(
                "INSERT INTO wal_probe (n, body) VALUES (?, ?)", (n, f"{n:04d}" + "x" * 2044)
            )


def _pragma(name: str) -> int:
    return int(database.execute_sql(f"PRAGMA {name}").fetchone()[0])


def _rows_in(path: Path) -> int:
    """The probe's rows as a fresh connection reads the file (and its log, if beside it)."""
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM wal_probe").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def lowered(db_path):
    """The database of db_path with its log copied out, and this connection's automatic
    checkpoint at THRESHOLD pages: a commit of ROWS rows would run one."""
    database.execute_sql("CREATE TABLE wal_probe (n INTEGER, body TEXT)")
    checkpoint()
    database.execute_sql(f"PRAGMA wal_autocheckpoint = {THRESHOLD}")
    return db_path


def test_a_plain_commit_copies_the_log_into_the_file(lowered):
    """What the import's commit did before: SQLite's automatic checkpoint at the commit."""
    before = lowered.stat().st_size
    _fill()
    assert lowered.stat().st_size > before + ROWS * 2048


def test_an_unhurried_commit_leaves_the_log_to_the_checkpoint(lowered):
    before = lowered.stat().st_size
    with commit_unhurried():
        _fill()
    assert lowered.stat().st_size == before  # every new page is still in the log only
    assert _rows_in(lowered) == ROWS  # and every connection reads them there
    done = checkpoint()
    assert done is not None and done.complete
    assert done.in_log > ROWS // 2  # pages of 4 KiB, two rows each
    assert lowered.stat().st_size > before + ROWS * 2048
    assert _rows_in(lowered) == ROWS


def test_the_connection_settings_come_back(lowered):
    level = _pragma("synchronous")
    with commit_unhurried():
        assert _pragma("wal_autocheckpoint") == 0
        assert _pragma("synchronous") == 2  # FULL: the commit syncs the log
        _fill(3)
    assert _pragma("wal_autocheckpoint") == THRESHOLD
    assert _pragma("synchronous") == level
    with pytest.raises(ZeroDivisionError), commit_unhurried(), database.atomic():
        _fill(3)
        _ = 1 / 0
    assert _pragma("wal_autocheckpoint") == THRESHOLD
    assert _pragma("synchronous") == level
    assert _rows_in(lowered) == 3  # the failed transaction rolled back


def test_a_checkpoint_waits_for_no_reader(lowered):
    """PASSIVE: a reader holding an older snapshot keeps its pages in the log; the
    checkpoint copies what it can, returns at once, and the next one copies the rest."""
    reader = sqlite3.connect(lowered)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM wal_probe").fetchone()  # its snapshot: empty
        with commit_unhurried():
            _fill()
        held = checkpoint()
        assert held is not None and not held.complete
    finally:
        reader.close()
    done = checkpoint()
    assert done is not None and done.complete


def test_the_office_server_has_no_log_to_tend(engine_ctx):
    """On PostgreSQL both do nothing; the rows are committed as on SQLite."""
    with commit_unhurried():
        _fill(5)
    assert database.execute_sql("SELECT count(*) FROM wal_probe").fetchone()[0] == 5
    done = checkpoint()
    if on_server():
        assert done is None
    else:
        assert isinstance(done, Checkpointed) and done.complete


CHILD = """
import os, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from db.database import open_database
from db.models import database, on_server
from db.wal import commit_unhurried
open_database(Path(sys.argv[1]))
database.execute_sql("CREATE TABLE wal_probe (n INTEGER, body TEXT)")
database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
database.execute_sql("PRAGMA wal_autocheckpoint = {threshold}")
with commit_unhurried(), database.atomic():
    for n in range({rows}):
        database.execute_sql("INSERT INTO wal_probe VALUES (?, ?)", (n, "x" * 2048))
print("committed", flush=True)
os._exit(0)  # a crash: no checkpoint, no close, the log left beside the file
"""


def test_a_crash_between_the_commit_and_the_checkpoint_loses_nothing(tmp_path):
    db = tmp_path / "data" / "complaintdesk.sqlite3"
    script = CHILD.format(root=str(ROOT), threshold=THRESHOLD, rows=ROWS)
    done = subprocess.run(
        [sys.executable, "-c", script, str(db)],
        check=False,  # the status is asserted below, with the stderr
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "committed"
    wal = db.with_name(db.name + "-wal")
    assert wal.stat().st_size > ROWS * 2048  # the rows are in the log the crash left
    alone = tmp_path / "alone" / db.name  # the database file without its log: not there
    alone.parent.mkdir()
    shutil.copy2(db, alone)
    assert _rows_in(alone) == 0
    open_database(db, backup_dir=tmp_path / "backups")  # the next start
    try:
        assert database.execute_sql("SELECT count(*) FROM wal_probe").fetchone()[0] == ROWS
    finally:
        close_database()


def test_the_block_s_own_error_is_heard_when_the_settings_cannot_come_back(lowered, monkeypatch):
    def broken(*_args) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    with pytest.raises(ZeroDivisionError), commit_unhurried():
        monkeypatch.setattr(wal, "_put_back", broken)
        _ = 1 / 0
