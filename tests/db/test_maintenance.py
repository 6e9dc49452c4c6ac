"""Maintenance off the person's path: a backup copies from one read snapshot on its own
connection (a save meanwhile goes on), stops cleanly when cancelled, the backups stay
within a size limit, and the checks come in a quick and a full kind."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest

from complaints.usecases import audit, cases, settings, storage
from db import audit_rows, check, engine
from db.backup import BackupCancelled, list_backups, prune_by_size, sizes_to_keep
from db.models import Case, database
from desktop.paths import data_paths

NOW = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)


pytestmark = pytest.mark.sqlite_only("the daily backup and quick check of this PC's SQLite file")


def _new_case(ctx, name="赵敏"):
    v = cases.blank_case(ctx)
    v.update(customer_name=name, content="维修后仪表盘报警灯常亮,客户要求返修", phone="13700002222")
    return cases.create_case(ctx, v)


def _count(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def paths(site_db):
    return data_paths(site_db.parent)


def _in_thread(fn):
    """Run ``fn`` on a thread of its own (its own connection, closed after), as the
    maintenance runner does; returns (thread, outcome dict)."""
    outcome: dict = {}

    def body() -> None:
        try:
            outcome["result"] = storage.in_own_connection(fn)
        except BaseException as e:
            outcome["error"] = e

    t = threading.Thread(target=body)
    t.start()
    return t, outcome


def test_a_save_during_a_backup_goes_on_without_waiting(ctx, paths):
    _new_case(ctx, "甲")
    started, release = threading.Event(), threading.Event()

    def held(done: int, total: int, _text: str) -> None:
        started.set()
        release.wait()  # the backup stands still mid-copy until the save is through

    t, outcome = _in_thread(lambda: storage.auto_backup(paths.backups, NOW, progress=held))
    assert started.wait(60)
    engine.set_thread_wait_limit(5.0)  # a save that had to wait would fail, not hang
    try:
        _new_case(ctx, "乙")  # the person's save, while the backup holds its snapshot
    finally:
        engine.set_thread_wait_limit(None)
        release.set()
        t.join()
    assert "error" not in outcome, outcome
    backup = outcome["result"]
    assert _count(backup) == 1  # the copy is the snapshot taken before the save
    assert Case.select().count() == 2


def test_cancel_leaves_no_partial_file_and_counts_nothing(ctx, paths):
    _new_case(ctx)
    stop = threading.Event()

    def first_step(_done: int, _total: int, _text: str) -> None:
        stop.set()  # the program closes while the copy runs

    with pytest.raises(BackupCancelled):
        storage.auto_backup(paths.backups, NOW, progress=first_step, cancelled=stop.is_set)
    assert list(paths.backups.iterdir()) == []  # no .part, no backup
    assert settings.get("backup.last_auto") == ""  # the day's backup is still to do
    assert storage.daily_maintenance(paths.backups, NOW, cancelled=lambda: True) is None
    assert list(paths.backups.iterdir()) == []


def test_daily_maintenance_backs_up_and_checks_quickly_once_a_day(ctx, paths):
    _new_case(ctx)
    report = storage.daily_maintenance(paths.backups, NOW)
    assert report is not None and report.backup is not None and report.problems == []
    again = storage.daily_maintenance(paths.backups, NOW + timedelta(minutes=5))
    assert again is not None and again.backup is None


# --- rotation by size ---------------------------------------------------------------------


def test_sizes_to_keep_keeps_the_newest_and_drops_the_oldest():
    t = [NOW - timedelta(days=d) for d in range(6)]  # t[0] newest
    files = [(t[i], "auto", 100) for i in range(6)] + [(t[5], "before-import", 100)]
    kept = sizes_to_keep(files, 400)
    # the newest of each series, then newest first while within 400 bytes
    assert kept == {0, 6, 1, 2}
    assert sizes_to_keep(files, 0) == {0, 6}  # the newest of each series is always kept


def _fake_backup(folder, at: datetime, reason: str, size: int):
    path = folder / f"complaintdesk-{at:%Y%m%dT%H%M%SZ}-{reason}.sqlite3"
    path.write_bytes(b"x" * size)
    return path


def test_prune_by_size_drops_the_oldest_and_spares_manual(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    autos = [_fake_backup(folder, NOW - timedelta(days=d), "auto", 1000) for d in range(5)]
    manual = _fake_backup(folder, NOW - timedelta(days=30), "manual", 5000)
    deleted = prune_by_size(folder, 2500)
    assert set(deleted) == set(autos[2:])
    assert {b.path for b in list_backups(folder)} == {*autos[:2], manual}


def test_auto_backup_keeps_the_backups_within_the_size_setting(ctx, paths):
    _new_case(ctx)
    settings.set_("backup.max_size_factor", 1)
    live = check.database_bytes()
    paths.backups.mkdir(parents=True, exist_ok=True)
    old = [_fake_backup(paths.backups, NOW - timedelta(days=d), "auto", live) for d in (1, 2)]
    made = storage.auto_backup(paths.backups, NOW)
    left = [b.path for b in list_backups(paths.backups)]
    assert made in left and not any(p in left for p in old)
    assert sum(p.stat().st_size for p in left) <= max(live, made.stat().st_size)


def test_size_factor_is_a_setting_changed_with_its_audit(ctx):
    assert storage.size_factor() == 5
    storage.set_size_factor(ctx, 3)
    assert storage.size_factor() == 3
    assert any(
        e["record_uid"] == "backup.max_size_factor"
        for batch in audit_rows.stored_batches()
        for e in batch
    )


# --- checks -------------------------------------------------------------------------------


def test_quick_check_skips_what_the_full_one_finds(ctx):
    a = _new_case(ctx)
    database.execute_sql("UPDATE cases_fts SET doc = 'old' WHERE rowid = ?", (a.id,))
    assert storage.run_checks(quick=True) == []
    assert any("过时" in p for p in storage.run_checks())
    said: list[str] = []
    storage.run_checks(quick=True, progress=lambda d, t, text: said.append(text))
    assert said[0].startswith("检查约需 ") and said[0].endswith(" 秒")


def test_the_audit_chain_is_read_in_batches(ctx, monkeypatch):
    for i in range(7):
        audit.record(ctx, "test.event", note=f"第{i}条")
    monkeypatch.setattr(audit_rows, "BATCH", 3)
    batches = list(audit_rows.stored_batches())
    assert all(len(b) <= 3 for b in batches)
    ids = [e["id"] for b in batches for e in b]
    assert ids == sorted(ids) and len(ids) == audit_rows.count_from(1)
    assert audit.verify_chain() == []


def test_a_changed_entry_is_found_across_batches(ctx, db_path, monkeypatch):
    for i in range(7):
        audit.record(ctx, "test.event", note=f"第{i}条")
    database.close()
    conn = sqlite3.connect(db_path)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET note = '改过' WHERE id = 5")
    conn.commit()
    conn.close()
    database.connect()
    monkeypatch.setattr(audit_rows, "BATCH", 2)
    problems = audit.verify_chain()
    assert any("第 5 条" in p and "被改动" in p for p in problems)
    assert [p for p in audit.verify_head() if "触发器" in p]  # the quick look sees the trigger
