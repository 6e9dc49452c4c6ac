"""A ledger import's commit leaves its pages in SQLite's log (db/wal.py); the checkpoint
after it (complaints/usecases/checkpoint.py) copies them into the database file. On the
office server nothing of this runs."""

from __future__ import annotations

import sqlite3

import pytest

from complaints.usecases import checkpoint, ledger_export, ledger_import
from db.models import database
from tests.ledger.helpers import counts, new_case

THRESHOLD = 10  # pages: this connection's automatic checkpoint, low for a small import


@pytest.fixture
def sh01_file(sites, tmp_path):
    ctx = sites.use("SH01")
    for i in range(30):
        new_case(ctx, customer_name=f"客户{i:02d}", content=f"变速箱顿挫{i:02d}号")
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    return out


def _cases_read_by_another_connection(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM cases WHERE site = 'SH01'").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.sqlite_only("SQLite's log and its checkpoint")
def test_the_import_commit_leaves_the_copy_to_the_checkpoint(sites, sh01_file, tmp_path):
    hq = sites.use("HQ")
    path = sites.path("HQ")
    done = checkpoint.after_import()  # what HQ's set-up wrote: in the file
    assert done is not None and done.complete
    database.execute_sql(f"PRAGMA wal_autocheckpoint = {THRESHOLD}")
    before = path.stat().st_size

    report = ledger_import.apply_import(hq, [sh01_file], backup_dir=tmp_path / "backups")

    assert report.applied and report.checkpoint_due
    assert path.stat().st_size == before  # the import's pages: in the log only
    assert database.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0] == THRESHOLD
    assert _cases_read_by_another_connection(path) == 30  # read from the log

    done = checkpoint.after_import()
    assert done is not None and done.complete and done.in_log > THRESHOLD
    assert path.stat().st_size > before
    assert counts()[0] == 30


@pytest.mark.sqlite_only("SQLite's log and its checkpoint")
def test_nothing_is_due_when_nothing_was_applied(sites, sh01_file, tmp_path):
    hq = sites.use("HQ")
    preview = ledger_import.check_import(hq, [sh01_file])
    assert not preview.rejected
    report = ledger_import.apply_import(
        hq, [sh01_file], backup_dir=tmp_path / "backups", cancelled=lambda: True
    )
    assert report.cancelled and not report.checkpoint_due


@pytest.mark.server_only("the office server's import, untouched")
def test_the_server_import_has_no_checkpoint(sites, sh01_file, tmp_path):
    hq = sites.use("HQ")
    report = ledger_import.apply_import(hq, [sh01_file], backup_dir=tmp_path / "backups")
    assert report.applied and not report.checkpoint_due
    assert checkpoint.after_import() is None
    assert counts()[0] == 30
