"""Disk full, read-only folder (issue 15 §9): a clear message naming the place, no
traceback, no half-written or empty output file left behind, the data as it was.

A full disk is simulated with SQLite's own limit (``PRAGMA max_page_count``): SQLite then
fails exactly as on a full disk (SQLITE_FULL, "database or disk is full"). A read-only
folder is a real one (chmod); when the tests run as root, who writes anywhere, the command
runs in a child process whose capability bounding set lacks CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH, so the folder's rights hold for it as for anyone."""

from __future__ import annotations

import ctypes
import dataclasses
import errno
import os
import sqlite3
import stat
import subprocess
import sys
import types
from datetime import date
from pathlib import Path

import pytest
from openpyxl.workbook.workbook import Workbook

from complaints.rules.permissions import ROLES
from complaints.usecases import site, users
from db import backup as db_backup
from db import database as db_database
from db.database import close_database
from desktop.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _files(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): p.stat().st_size
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


@pytest.mark.sqlite_only("SQLite's own full disk (max_page_count) in the data folder's file")
def test_demo_on_a_full_disk_says_so_and_keeps_the_database(tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"
    # room for the site and a few batches, not for 3,000 cases
    monkeypatch.setattr(db_database, "PRAGMAS", {**db_database.PRAGMAS, "max_page_count": 1500})
    code = main(["--data-dir", str(data), "demo", "--cases", "3000", "--seed", "3"])
    err = capsys.readouterr().err
    assert code == 2
    assert "磁盘空间已满" in err and str(data / "complaintdesk.sqlite3") in err
    assert "cannot rollback" not in err and "Traceback" not in err
    monkeypatch.undo()
    # what was written before the disk filled is whole: the checks pass
    assert main(["--data-dir", str(data), "check"]) == 0, capsys.readouterr()
    conn = sqlite3.connect(data / "complaintdesk.sqlite3")
    try:
        n = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    finally:
        conn.close()
    assert n < 3000


@pytest.mark.sqlite_only("the data folder's backup of its SQLite file")
def test_backup_on_a_full_disk_leaves_no_file(tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "demo", "--cases", "200"]) == 0
    capsys.readouterr()
    out = tmp_path / "usb" / "copy.sqlite3"

    def small_disk(path, *a, **k):  # the backup's target fills up after 5 pages
        conn = sqlite3.connect(path, *a, **k)
        conn.execute("PRAGMA max_page_count = 5")
        return conn

    monkeypatch.setattr(
        db_backup,
        "sqlite3",
        types.SimpleNamespace(
            connect=small_disk, Error=sqlite3.Error, DatabaseError=sqlite3.DatabaseError
        ),
    )
    code = main(["--data-dir", str(data), "backup", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "磁盘空间已满" in err and str(out) in err and "Traceback" not in err
    assert list(out.parent.iterdir()) == []  # neither the copy nor a .part of it


def _without_dac_override() -> None:  # runs in the child, before exec
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _as_someone_bound_by_rights(folder: Path, *argv: str) -> subprocess.CompletedProcess:
    if os.name == "nt":
        pytest.skip("folder rights are ACLs on Windows, not chmod")
    preexec = None
    if os.geteuid() == 0:
        if not sys.platform.startswith("linux"):
            pytest.skip("root ignores folder rights here, and no capability to drop")
        preexec = _without_dac_override
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("COMPLAINTDESK_PASSWORD", None)
    try:
        return subprocess.run(
            [sys.executable, "-m", "desktop", "--data-dir", str(folder), *argv],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=preexec,
            check=False,
        )
    except subprocess.SubprocessError as e:
        if "prctl" in str(e):
            pytest.skip(f"cannot drop CAP_DAC_OVERRIDE here: {e}")
        raise


@pytest.fixture
def demo_folder(tmp_path):
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "demo", "--cases", "20"]) == 0
    return data


@pytest.mark.sqlite_only("a read-only data folder holding the SQLite file")
@pytest.mark.parametrize(
    "argv", [("check",), ("demo", "--cases", "5"), ("backup",)], ids=["check", "demo", "backup"]
)
def test_read_only_data_folder_is_named_as_such(demo_folder, argv):
    before = _files(demo_folder)
    mode = demo_folder.stat().st_mode
    os.chmod(
        demo_folder,
        stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH,
    )
    try:
        r = _as_someone_bound_by_rights(demo_folder, *argv)
    finally:
        os.chmod(demo_folder, mode)
    said = r.stdout + r.stderr
    assert r.returncode != 0
    assert f"数据文件夹 {demo_folder} 不可写" in said, said
    assert "不是客诉管理台的数据库" not in said and "Traceback" not in said
    assert _files(demo_folder) == before


@pytest.mark.sqlite_only("a read-only SQLite file")
def test_read_only_database_file_is_named_as_such(demo_folder):
    db = demo_folder / "complaintdesk.sqlite3"
    before = _files(demo_folder)
    os.chmod(db, 0o444)
    try:
        r = _as_someone_bound_by_rights(demo_folder, "demo", "--cases", "5")
    finally:
        os.chmod(db, 0o644)
    said = r.stdout + r.stderr
    assert r.returncode == 2 and f"数据库文件 {db} 是只读的" in said, said
    assert "生成中" not in said and "Traceback" not in said
    assert _files(demo_folder) == before


GM_PASSWORD = "Xu-zhenbang-7391"


@pytest.fixture
def gm_folder(tmp_path, open_data_folder):
    """A demo data folder of 20 cases on the test's engine."""
    data = tmp_path / "data"
    open_data_folder(data)
    close_database()
    assert main(["--data-dir", str(data), "demo", "--cases", "20"]) == 0
    return data


@pytest.fixture
def as_gm(gm_folder, monkeypatch, open_data_folder):
    """A general manager (prints forms, makes reports) signs in for the command."""
    open_data_folder(gm_folder)
    cx = dataclasses.replace(site.context_for("测试"), roles=frozenset(ROLES))
    for login, name, role in (("admin", "张管理", "管理员"), ("gm", "许振邦", "总经理")):
        users.add_user(cx, login, name, [role], GM_PASSWORD, must_change_password=False)
    close_database()
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", GM_PASSWORD)
    return ["--data-dir", str(gm_folder), "--user", "gm"]


def _enospc(path) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def test_a_form_on_a_full_disk_leaves_no_file(
    gm_folder, as_gm, tmp_path, capsys, monkeypatch, folder_rows
):
    ((number,),) = folder_rows(gm_folder, "SELECT number FROM cases ORDER BY id LIMIT 1")
    out = tmp_path / "forms" / "处理单.docx"
    real = Path.write_bytes

    def half_then_full(self, data):  # the disk fills up half-way through the file
        real(self, data[: len(data) // 2])
        raise _enospc(self)

    monkeypatch.setattr(Path, "write_bytes", half_then_full)
    code = main([*as_gm, "form", "handling", "--case", number, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "磁盘空间已满" in err and "Traceback" not in err
    # the form is made in the data folder's printed/ first, then copied to --out
    assert not out.exists()
    assert [p for p in (gm_folder / "printed").rglob("*") if p.is_file()] == []


def test_a_report_on_a_full_disk_leaves_no_file(as_gm, tmp_path, capsys, monkeypatch):
    out = tmp_path / "reports" / "月报.xlsx"

    def half_then_full(self, filename):
        Path(filename).write_bytes(b"PK\3\4 half a workbook")
        raise _enospc(filename)

    monkeypatch.setattr(Workbook, "save", half_then_full)
    code = main([*as_gm, "report", "--period", date.today().strftime("%Y-%m"), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "磁盘空间已满" in err and "Traceback" not in err
    assert not out.exists() and list(out.parent.glob("*")) == []


@pytest.mark.sqlite_only("restores a backup of the SQLite file into a data folder")
def test_restore_into_a_read_only_folder_blames_the_folder_not_the_file(demo_folder, tmp_path):
    saved = tmp_path / "saved.sqlite3"
    assert main(["--data-dir", str(demo_folder), "backup", "--out", str(saved)]) == 0
    empty = tmp_path / "new-pc"
    empty.mkdir()
    os.chmod(empty, 0o555)
    try:
        r = _as_someone_bound_by_rights(empty, "restore", str(saved))
    finally:
        os.chmod(empty, 0o755)
    said = r.stdout + r.stderr
    assert r.returncode == 2 and f"数据文件夹 {empty}" in said and "不可写" in said, said
    assert "已损坏" not in said and "Traceback" not in said
    assert list(empty.iterdir()) == []
