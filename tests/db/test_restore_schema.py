"""A foreign or tampered backup is refused by restore before anything is replaced (issue 15
§5): the file's whole schema (every table, column, index and trigger) must be what the
migrations build for its version."""

from __future__ import annotations

import sqlite3

import pytest

from complaints.usecases import cases, storage
from db import check
from db.database import build_schema
from db.models import Case, database
from desktop.paths import data_paths

pytestmark = pytest.mark.sqlite_only("a SQLite backup file's schema checked before a restore")


@pytest.fixture
def paths(site_db):
    return data_paths(site_db.parent)


def _new_case(ctx, name="赵敏"):
    v = cases.blank_case(ctx)
    v.update(customer_name=name, content="维修后仪表盘报警灯常亮", phone="13700002222")
    return cases.create_case(ctx, v)


def _live_state(paths):
    """What a refused restore must leave as it was: the files and the data."""
    files = sorted(
        (p.name, p.stat().st_size)
        for p in paths.database.parent.rglob("*")
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    )
    return files, [(c.uid, c.customer_name, c.revision) for c in Case.select()]


def _refused(src, paths, *needles):
    before = _live_state(paths)
    with pytest.raises(storage.RestoreRefused) as e:
        storage.restore(src, paths)
    msg = str(e.value)
    assert str(src) in msg and "未作任何改动" in msg
    for n in needles:
        assert n in msg, msg
    assert _live_state(paths) == before
    return msg


def _tamper(path, *sql):
    conn = sqlite3.connect(path)
    try:
        for s in sql:
            conn.execute(s)
        conn.commit()
    finally:
        conn.close()


def test_restore_refuses_a_file_with_only_cases_and_schema_version(ctx, paths, tmp_path):
    _new_case(ctx)
    foreign = tmp_path / "foreign.sqlite3"
    _tamper(
        foreign,
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT, "
        "description TEXT, app_version TEXT)",
        "INSERT INTO schema_version VALUES (7, '2026-01-01', 'x', '1.0')",
        "CREATE TABLE cases (id INTEGER PRIMARY KEY, number TEXT)",
        "INSERT INTO cases (number) VALUES ('X-1')",
    )
    msg = _refused(foreign, paths, "缺少表 sites、", "audit_log", "第 7 版")
    assert "cases 缺少列" in msg


def test_restore_refuses_a_planted_trigger(ctx, paths, tmp_path):
    _new_case(ctx)
    planted = storage.backup_now(tmp_path / "planted.sqlite3")
    _tamper(planted, "CREATE TRIGGER wipe AFTER INSERT ON entries BEGIN DELETE FROM audit_log; END")
    _refused(planted, paths, "多出触发器 wipe(属于表 entries)")


def test_restore_refuses_a_changed_trigger(ctx, paths, tmp_path):
    _new_case(ctx)
    changed = storage.backup_now(tmp_path / "changed.sqlite3")
    _tamper(
        changed,
        "DROP TRIGGER audit_log_no_delete",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT 1; END",
    )
    _refused(changed, paths, "触发器 audit_log_no_delete(属于表 audit_log)的定义与应有的不同")


def test_restore_refuses_a_renamed_column(ctx, paths, tmp_path):
    _new_case(ctx)
    renamed = storage.backup_now(tmp_path / "renamed.sqlite3")
    _tamper(renamed, "ALTER TABLE sanctions RENAME COLUMN amount TO amount_yuan")
    _refused(renamed, paths, "表 sanctions 缺少列 amount", "多出列 amount_yuan")


def test_restore_refuses_a_dropped_index_and_an_extra_table(ctx, paths, tmp_path):
    _new_case(ctx)
    odd = storage.backup_now(tmp_path / "odd.sqlite3")
    _tamper(odd, "DROP INDEX cases_phone", "CREATE TABLE notes (x TEXT)")
    _refused(odd, paths, "缺少索引 cases_phone(属于表 cases)", "多出表 notes")


def test_restore_accepts_a_genuine_older_version_and_migrates_it(ctx, paths, tmp_path):
    _new_case(ctx)
    old = tmp_path / "v3.sqlite3"
    conn = sqlite3.connect(old)
    build_schema(conn, 3)
    conn.executemany(
        "INSERT INTO schema_version VALUES (?, '2026-01-01', 'old', '0.9')", [(1,), (2,), (3,)]
    )
    conn.execute("""INSERT INTO settings (key, value) VALUES ('site.code', '"SH01"')""")
    conn.commit()
    conn.close()
    assert check.schema_differences(sqlite3.connect(old), 3) == []
    report = storage.restore(old, paths)
    from db.migrations import LATEST_VERSION

    assert report.version_restored == 3 and report.version_now == LATEST_VERSION
    assert Case.select().count() == 0
    assert check.schema() == []


def test_check_finds_a_trigger_planted_in_the_live_database(ctx):
    assert check.schema() == []
    database.execute_sql("CREATE TRIGGER spy AFTER UPDATE ON cases BEGIN SELECT 1; END")
    found = storage.run_checks()
    assert any("多出触发器 spy" in p for p in found), found
