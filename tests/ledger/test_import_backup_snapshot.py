"""The office server's backup before an import is written from a snapshot fixed before the
import's transaction, while the import runs and commits: the file holds exactly the office
as it was before the import, whatever commits meanwhile; a failure or a quit mid-way leaves
no half-written file and is said."""

from __future__ import annotations

import sqlite3

import pytest

from complaints.usecases import import_backup, ledger_export, ledger_import
from complaints.usecases.errors import UseCaseError
from db.backup import BackupCancelled, integrity_problems, list_backups
from db.models import database
from tests.conftest import run_cli
from tests.ledger.helpers import ctx_for, new_case

# the snapshot is the office server's; SQLite copies its pages before the import
pytestmark = pytest.mark.server_only("the backup beside the import is the server's")


@pytest.fixture
def exported(sites, tmp_path):
    ctx = sites.use("SH01")
    new_case(ctx, customer_name="甲")
    new_case(ctx, customer_name="乙")
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    sites.use("HQ")
    return out


def _customers_on_server() -> set[str]:
    return {r[0] for r in database.execute_sql("SELECT customer_name FROM cases").fetchall()}


def _customers_in(path) -> set[str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return {r[0] for r in db.execute("SELECT customer_name FROM cases")}


def _import_holding_the_backup(sites, exported):
    """Import with the backup begun but not written; returns (report, pending)."""
    held: list[import_backup.PendingBackup] = []
    report = ledger_import.apply_import(
        ctx_for("HQ"),
        [exported],
        backup_dir=sites.root / "HQ" / "backups",
        backup_later=held.append,
    )
    assert report.applied and len(held) == 1
    assert "正在后台写入" in report.backup_said
    return report, held[0]


def test_the_backup_holds_the_office_as_before_the_import(exported, sites, tmp_path, capsys):
    new_case(ctx_for("HQ"), customer_name="总部原有")
    before = _customers_on_server()
    report, pending = _import_holding_the_backup(sites, exported)
    # the import committed, and another seat writes meanwhile
    new_case(ctx_for("HQ"), customer_name="另一座位")
    assert {"甲", "乙", "另一座位"} <= _customers_on_server()
    assert list_backups(report.backup.parent) == []  # not a backup until it is whole

    path = pending.write()
    assert path == report.backup and integrity_problems(path, quick=True) == []
    assert _customers_in(path) == before
    assert [b.path for b in list_backups(path.parent)] == [path]

    pc = tmp_path / "other-pc"  # restored on a PC: the office before the import
    code, _out, err = run_cli(capsys, pc, "restore", str(path))
    assert code == 0, err
    code, out, err = run_cli(capsys, pc, "check")
    assert code == 0, out + err


def test_a_bulk_import_waits_for_the_backup_written_beside_it(exported, sites):
    before = _customers_on_server()
    report = ledger_import.apply_import(
        ctx_for("HQ"), [exported], backup_dir=sites.root / "HQ" / "backups", bulk=True
    )
    assert report.applied and not report.backup_failed
    assert report.backup_said == f"导入前备份:{report.backup}"
    assert _customers_in(report.backup) == before
    assert {"甲", "乙"} <= _customers_on_server()


def test_a_backup_that_fails_after_the_import_is_said(exported, sites):
    report, pending = _import_holding_the_backup(sites, exported)
    pid = pending._snapshot.conn.info.backend_pid
    killed = []

    def progress(_done: int, _total: int) -> None:
        if not killed:  # the server drops the backup's connection mid-way
            database.execute_sql("SELECT pg_terminate_backend(?)", (pid,))
            killed.append(pid)

    with pytest.raises(UseCaseError, match="导入本身不受影响") as e:
        pending.write(progress=progress)
    assert "pg_dump" in str(e.value)
    folder = report.backup.parent
    assert list_backups(folder) == [] and not list(folder.glob("*.part*"))
    assert {"甲", "乙"} <= _customers_on_server()  # the import stands


def test_a_backup_given_up_at_exit_leaves_nothing_and_is_said_next_start(exported, sites):
    report, pending = _import_holding_the_backup(sites, exported)
    with pytest.raises(BackupCancelled):
        pending.write(progress=lambda *_: None, cancelled=lambda: True)
    folder = report.backup.parent
    assert list_backups(folder) == [] and not list(folder.glob("*.part*"))
    names = import_backup.take_abandoned(folder)
    assert names == [report.backup.name]
    assert report.backup.name in import_backup.abandoned_said(names)
    assert import_backup.take_abandoned(folder) == []  # said once


def test_a_backup_never_started_is_said_next_start(exported, sites):
    report, pending = _import_holding_the_backup(sites, exported)
    pending.abandon()
    assert pending._snapshot.conn.closed
    assert import_backup.take_abandoned(report.backup.parent) == [report.backup.name]
