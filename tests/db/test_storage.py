"""Backups at start, backups by hand, restore, and the composed checks."""

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from complaints.usecases import cases, settings, storage
from complaints.usecases.context import CHINA_TZ
from complaints.usecases.errors import UseCaseError
from db import backup as db_backup
from db import restore_files
from db.backup import list_backups
from db.errors import BackupError
from db.models import Case, database
from desktop.paths import data_paths

pytestmark = pytest.mark.sqlite_only(
    "backups and restores of this PC's SQLite file and data folder"
)


def _new_case(ctx, name="赵敏", content="维修后仪表盘报警灯常亮,客户要求返修"):
    v = cases.blank_case(ctx)
    v.update(customer_name=name, content=content, phone="13700002222")
    return cases.create_case(ctx, v)


def _count(path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def paths(site_db):
    return data_paths(site_db.parent)


# --- automatic backups ------------------------------------------------------------------


def test_auto_backup_once_per_local_day(ctx, paths):
    evening = datetime(2026, 11, 20, 23, 30, tzinfo=CHINA_TZ)
    first = storage.auto_backup(paths.backups, evening)
    assert first is not None and first.exists()
    assert storage.auto_backup(paths.backups, evening + timedelta(minutes=20)) is None
    assert settings.get("backup.last_auto") == evening.isoformat(timespec="seconds")
    # 00:10 the next local day is still the same UTC day: a new day for the office.
    after_midnight = datetime(2026, 11, 21, 0, 10, tzinfo=CHINA_TZ)
    second = storage.auto_backup(paths.backups, after_midnight)
    assert second is not None and second != first
    assert db_backup.integrity_problems(second) == []


def test_auto_backup_prunes_auto_but_not_safety_copies(ctx, paths):
    now = datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ)
    paths.backups.mkdir(parents=True, exist_ok=True)

    def touch(at, reason):
        p = paths.backups / f"complaintdesk-{at.astimezone(UTC):%Y%m%dT%H%M%SZ}-{reason}.sqlite3"
        p.write_bytes(b"x")
        return p

    old_autos = [touch(now - timedelta(days=400 + i), "auto") for i in range(3)]
    mig = touch(now - timedelta(days=500), "before-migration-v1")
    manual = touch(now - timedelta(days=900), "manual")
    settings.set_("backup.keep_monthly", 0)
    settings.set_("backup.keep_weekly", 0)
    settings.set_("backup.keep_daily", 1)
    made = storage.auto_backup(paths.backups, now)
    assert made.exists() and mig.exists() and manual.exists()
    assert not any(p.exists() for p in old_autos)
    assert [b.reason for b in list_backups(paths.backups)].count("auto") == 1


def test_failed_verification_deletes_the_file(ctx, paths, monkeypatch):
    monkeypatch.setattr(db_backup, "integrity_problems", lambda p: ["page 3: btree bad"])
    with pytest.raises(BackupError, match=r"备份校验失败.*已删除"):
        storage.auto_backup(paths.backups, datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ))
    assert list(paths.backups.iterdir()) == []
    assert settings.get("backup.last_auto") == ""


# --- backups by hand --------------------------------------------------------------------


def test_backup_now_default_folder_file_and_folder(ctx, paths, tmp_path):
    _new_case(ctx)
    a = storage.backup_now()
    assert a.parent == paths.backups and a.name.endswith("-manual.sqlite3")
    b = storage.backup_now(tmp_path / "拷贝.sqlite3")
    assert b == tmp_path / "拷贝.sqlite3" and _count(b) == 1
    folder = tmp_path / "u盘"
    folder.mkdir()
    c = storage.backup_now(folder)
    assert c.parent == folder and _count(c) == 1
    with pytest.raises(UseCaseError, match="已存在"):
        storage.backup_now(b)
    with pytest.raises(UseCaseError, match="正在使用的数据库"):
        storage.backup_now(paths.database)


# --- restore ----------------------------------------------------------------------------


def test_restore_replaces_and_keeps_what_it_replaced(ctx, paths, tmp_path):
    _new_case(ctx, name="甲")
    saved = storage.backup_now(tmp_path / "saved.sqlite3")
    _new_case(ctx, name="乙")
    report = storage.restore(saved, paths, "test")
    assert [c.customer_name for c in Case.select()] == ["甲"]
    assert report.kept is not None and report.kept_verified
    assert report.kept.name.endswith("-before-restore.sqlite3")
    assert _count(report.kept) == 2
    assert report.problems == [] and report.version_restored == report.version_now
    # the database is open and writable after the restore
    _new_case(ctx, name="丙")
    assert Case.select().count() == 2


def test_restore_over_a_damaged_database_keeps_a_raw_copy(ctx, paths, tmp_path):
    _new_case(ctx)
    saved = storage.backup_now(tmp_path / "saved.sqlite3")
    from db.database import close_database

    close_database()
    _corrupt(paths.database)
    report = storage.restore(saved, paths)
    assert not report.kept_verified and report.kept.exists()
    assert Case.select().count() == 1 and storage.run_checks() == []


def _corrupt(path, pages=None):
    """Scramble the pages after the first (or only the last ``pages`` of them)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(path.read_bytes())
    page = 4096
    first = 1 if pages is None else len(data) // page - pages
    for off in range(first * page, len(data), page):
        data[off : off + 400] = b"\xa5" * 400
    path.write_bytes(bytes(data))


def _refused(src, paths, match):
    before = Case.select().count()
    files = sorted(p.name for p in paths.database.parent.rglob("*"))
    with pytest.raises(storage.RestoreRefused, match=match) as e:
        storage.restore(src, paths)
    assert str(src) in str(e.value)
    assert Case.select().count() == before  # still open, unchanged
    assert sorted(p.name for p in paths.database.parent.rglob("*")) == files
    return str(e.value)


def test_restore_refuses_bad_files_and_changes_nothing(ctx, paths, tmp_path):
    _new_case(ctx)
    text = tmp_path / "notes.sqlite3"
    text.write_text("这不是数据库" * 200, encoding="utf-8")
    _refused(text, paths, "不是 SQLite 数据库文件")

    _refused(tmp_path / "missing.sqlite3", paths, "找不到")

    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    _refused(other, paths, "不是客诉管理台的数据库")

    newer = storage.backup_now(tmp_path / "newer.sqlite3")
    conn = sqlite3.connect(newer)
    conn.execute("INSERT INTO schema_version VALUES (99, '2030-01-01', 'future', '9.0')")
    conn.commit()
    conn.close()
    _refused(newer, paths, "版本为 99")

    for i in range(300):
        _new_case(ctx, content=f"第{i}次投诉:车门异响,维修后仍未解决" * 5)
    broken = storage.backup_now(tmp_path / "broken.sqlite3")
    damaged = storage.backup_now(tmp_path / "damaged.sqlite3")
    _corrupt(broken)
    _refused(broken, paths, "已损坏")
    _corrupt(damaged, pages=3)  # readable, but integrity_check fails
    assert "integrity_check" in _refused(damaged, paths, "已损坏")


def test_restore_refuses_another_sites_backup_unless_asked(ctx, paths, tmp_path):
    _new_case(ctx)
    theirs = storage.backup_now(tmp_path / "bj.sqlite3")
    conn = sqlite3.connect(theirs)
    conn.execute("UPDATE settings SET value = '\"BJ02\"' WHERE key = 'site.code'")
    conn.commit()
    conn.close()
    msg = _refused(theirs, paths, "属于站点 BJ02")
    assert "SH01" in msg
    storage.restore(theirs, paths, allow_other_site=True)
    assert settings.get("site.code") == "BJ02"


# --- checks -----------------------------------------------------------------------------


def test_run_checks_composes_the_list(ctx, monkeypatch):
    _new_case(ctx)
    assert storage.run_checks() == []
    monkeypatch.setattr(storage, "CHECKS", [*storage.CHECKS, lambda: ["审计链第 3 条被改动"]])
    assert storage.run_checks() == ["审计链第 3 条被改动"]
    database.execute_sql("DELETE FROM cases_fts")
    assert len(storage.run_checks()) == 2


def test_restore_and_backup_need_permission_and_are_audited(ctx, paths, tmp_path):
    from dataclasses import replace

    from complaints.usecases.errors import PermissionDenied

    _new_case(ctx)
    saved = storage.backup_now(tmp_path / "s.sqlite3", ctx=ctx)
    clerk = replace(ctx, roles=frozenset({"客服专员"}))
    with pytest.raises(PermissionDenied):
        storage.restore(saved, paths, ctx=clerk)
    with pytest.raises(PermissionDenied):
        storage.backup_now(tmp_path / "t.sqlite3", ctx=clerk)
    assert not (tmp_path / "t.sqlite3").exists()
    assert not any("before-restore" in p.name for p in paths.backups.glob("*"))
    report = storage.restore(saved, paths, ctx=ctx)
    events = [r[0] for r in database.execute_sql("SELECT event FROM audit_log ORDER BY id")]
    assert events == ["case.create", "data.restore"]  # the restored file's log, plus this
    conn = sqlite3.connect(report.kept)
    kept_events = [r[0] for r in conn.execute("SELECT event FROM audit_log ORDER BY id")]
    conn.close()
    assert kept_events[-3:] == ["data.backup", "permission.denied", "permission.denied"]
    assert storage.run_checks() == []


def test_a_failed_replacement_changes_nothing(ctx, paths, tmp_path, monkeypatch):
    _new_case(ctx, name="甲")
    saved = storage.backup_now(tmp_path / "s.sqlite3")
    _new_case(ctx, name="乙")

    def disk_error(*a, **k):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(restore_files, "replace_live", disk_error)
    with pytest.raises(UseCaseError, match="原来的数据未改动,另有一份保存在"):
        storage.restore(saved, paths)
    assert Case.select().count() == 2


def test_reopen_failure_after_replacing_puts_the_old_data_back(ctx, paths, tmp_path, monkeypatch):
    _new_case(ctx, name="甲")
    saved = storage.backup_now(tmp_path / "s.sqlite3")
    _new_case(ctx, name="乙")
    real_open, calls = storage.open_database, []

    def flaky_open(*a, **k):
        calls.append(a)
        if len(calls) == 1:
            raise sqlite3.OperationalError("migration step failed")
        return real_open(*a, **k)

    monkeypatch.setattr(storage, "open_database", flaky_open)
    with pytest.raises(UseCaseError, match="已放回原来的数据"):
        storage.restore(saved, paths)
    assert sorted(c.customer_name for c in Case.select()) == ["乙", "甲"]
    assert storage.run_checks() == []
