"""Every later schema must open the committed schema-1 database (tests/fixtures/schema1,
made by tests/fixtures/make_schema1.py); a database newer than the program is refused."""

import shutil
import sqlite3
from pathlib import Path

import pytest

from complaints.usecases import cases, storage
from db.backup import integrity_problems
from db.database import close_database, open_database
from db.errors import DatabaseTooNew
from db.migrations import LATEST_VERSION
from desktop.cli import main

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "schema1" / "complaintdesk.sqlite3"


@pytest.fixture
def old_db(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURE, data / "complaintdesk.sqlite3")
    yield data / "complaintdesk.sqlite3"
    close_database()


def _version(path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    finally:
        conn.close()


def test_fixture_is_schema_1():
    assert _version(FIXTURE) == 1
    assert integrity_problems(FIXTURE) == []


def test_current_app_opens_schema1_with_a_backup_first(old_db):
    report = open_database(old_db, backup_dir=old_db.parent / "backups", app_version="test")
    assert report.version_before == 1 and report.version_after == LATEST_VERSION
    if LATEST_VERSION > 1:
        assert report.backup is not None and report.backup.exists()
        assert "before-migration-v1" in report.backup.name
        assert _version(report.backup) == 1  # the copy is of the data before migrating
        assert integrity_problems(report.backup) == []
    assert storage.run_checks() == []
    found = cases.search("发动机异响")
    assert len(found) == 1
    got = cases.get_case(found[0])
    assert got["customer_name"] == "张伟" and got["number"] == "SH01-202609-0001"
    assert got["received_at"].utcoffset() is not None
    assert [cases.get_case(i)["customer_name"] for i in cases.search("漆面")] == ["王芳"]


def test_check_command_passes_on_schema1(old_db, capsys):
    code = main(["--data-dir", str(old_db.parent), "check"])
    out = capsys.readouterr().out
    assert code == 0 and "检查通过" in out
    assert _version(old_db) == LATEST_VERSION
    if LATEST_VERSION > 1:
        assert f"数据库已从版本 1 升级到 {LATEST_VERSION}" in out


def test_restoring_a_schema1_backup_migrates_it(site_db, tmp_path):
    from desktop.paths import data_paths

    report = storage.restore(FIXTURE, data_paths(site_db.parent), "test")
    assert report.version_restored == 1 and report.version_now == LATEST_VERSION
    assert report.problems == []
    assert len(cases.search("空调不制冷")) == 1


def test_newer_database_is_refused_and_left_alone(old_db, capsys):
    conn = sqlite3.connect(old_db)
    conn.execute(
        "INSERT INTO schema_version VALUES (?, '2030-01-01', 'future', '9.9')",
        (LATEST_VERSION + 1,),
    )
    conn.commit()
    conn.close()
    before = old_db.read_bytes()
    with pytest.raises(DatabaseTooNew, match=f"数据库版本为 {LATEST_VERSION + 1}"):
        open_database(old_db)
    code = main(["--data-dir", str(old_db.parent), "check"])
    err = capsys.readouterr().err
    assert code == 2 and "请安装新版" in err and str(old_db) in err
    assert old_db.read_bytes() == before
    assert not (old_db.parent / "backups").exists()
    assert sorted(p.name for p in old_db.parent.iterdir()) == ["complaintdesk.sqlite3"]
