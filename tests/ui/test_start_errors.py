"""The desktop start says its errors as every page does (ui/error_detail.py): the plain
Chinese message in the box, the system's or SQLite's own words behind 详细信息."""

from __future__ import annotations

import errno
import sqlite3
import types

import pytest
from PySide6.QtWidgets import QMainWindow, QMessageBox

from db import backup as db_backup
from desktop import after_start, app
from desktop.paths import data_paths
from desktop.single_instance import SingleInstance
from ui.error_detail import PROGRAM_ERROR

READ_ONLY = "attempt to write a readonly database"


@pytest.fixture
def boxes(monkeypatch) -> list[tuple[str, str, str]]:
    """Each message box the start would show: (title, text, 详细信息), not shown."""
    shown: list[tuple[str, str, str]] = []

    def exec_(box: QMessageBox) -> int:
        shown.append((box.windowTitle(), box.text(), box.detailedText()))
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    monkeypatch.setattr(
        QMessageBox, "warning", lambda _parent, title, text, *_a: shown.append((title, text, ""))
    )
    return shown


@pytest.mark.sqlite_only("the day's backup of this PC's SQLite file")
def test_a_daily_backup_that_fails_says_why_in_chinese_with_the_words_behind(
    qtbot, session, monkeypatch, boxes
):
    def cannot_open(path, *_a, **_k):  # the backups folder cannot be written
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(
        db_backup,
        "sqlite3",
        types.SimpleNamespace(
            connect=cannot_open, Error=sqlite3.Error, DatabaseError=sqlite3.DatabaseError
        ),
    )
    window = QMainWindow()
    qtbot.addWidget(window)
    after_start.start_backup(session, window)
    qtbot.waitUntil(lambda: bool(boxes), timeout=20_000)
    ((title, text, detail),) = boxes
    assert title == "客诉管理台" and text.startswith("启动时的自动备份未能完成:\n无法写入备份文件")
    assert "该文件夹不可写" in text and "unable to open" not in text
    assert detail == "OperationalError('unable to open database file')"


@pytest.mark.sqlite_only("the day's backup of this PC's SQLite file")
def test_a_daily_backup_the_disk_fails_says_so_in_chinese(qtbot, session, monkeypatch, boxes):
    failure = OSError(errno.EIO, "Input/output error")

    def broken_disk(*_args, **_kwargs):
        raise failure

    monkeypatch.setattr(db_backup, "_copy", broken_disk)
    window = QMainWindow()
    qtbot.addWidget(window)
    after_start.start_backup(session, window)
    qtbot.waitUntil(lambda: bool(boxes), timeout=20_000)
    ((_title, text, detail),) = boxes
    assert text.startswith("启动时的自动备份未能完成:\n无法写入备份文件")
    assert "磁盘读写出错" in text and "Input/output" not in text
    assert detail == repr(failure)


@pytest.mark.sqlite_only("this PC's SQLite file, refused at the start")
def test_a_database_that_cannot_open_says_why_in_its_box(tmp_path, monkeypatch, boxes, capsys):
    paths = data_paths(tmp_path / "data")

    def refuse(*_args, **_kwargs):
        raise sqlite3.OperationalError(READ_ONLY)

    monkeypatch.setattr(app, "open_database", refuse)
    assert app.open_data(paths, smoke=False, checks=app.StartChecks(smoke=True)) is False
    ((title, text, detail),) = boxes
    assert title == "客诉管理台"
    assert text.startswith(f"无法打开数据文件夹 {paths.root} 中的数据库:\n数据库 ")
    assert "只读" in text and "readonly" not in text
    assert detail == f"OperationalError('{READ_ONLY}')"
    err = capsys.readouterr().err  # the start's stderr keeps both, for the administrator
    assert f"错误:无法打开数据文件夹 {paths.root}" in err and f"详细信息:{detail}" in err


def test_a_folder_the_system_refuses_is_said_in_chinese(tmp_path, monkeypatch, boxes, capsys):
    paths = data_paths(tmp_path / "data")
    refused = PermissionError(errno.EACCES, "Permission denied", str(paths.database))

    def refuse(*_args, **_kwargs):
        raise refused

    monkeypatch.setattr(app, "open_database", refuse)
    assert app.open_data(paths, smoke=False, checks=app.StartChecks(smoke=True)) is False
    ((title, text, detail),) = boxes
    assert title == "客诉管理台" and "没有读写权限" in text and "Permission" not in text
    assert detail == repr(refused)
    capsys.readouterr()


def test_a_bug_at_the_start_is_a_program_error_with_its_words_behind(
    tmp_path, monkeypatch, boxes, capsys
):
    paths = data_paths(tmp_path / "data")

    def broken(*_args, **_kwargs):
        raise KeyError("schema_version")

    monkeypatch.setattr(app, "open_database", broken)
    assert app.open_data(paths, smoke=False, checks=app.StartChecks(smoke=True)) is False
    ((title, text, detail),) = boxes
    assert title == "程序出错" and text.endswith(PROGRAM_ERROR) and "KeyError" not in text
    assert detail == "KeyError('schema_version')"
    capsys.readouterr()


def test_a_data_folder_that_cannot_be_made_is_said_in_chinese(tmp_path, monkeypatch):
    instance = SingleInstance(tmp_path / "data")

    def refuse(*_args, **_kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "data"))

    monkeypatch.setattr(type(instance.data_dir), "mkdir", refuse)
    assert instance.try_lock(listen=False) and not instance.locked
    assert instance.error == f"无法创建数据文件夹 {tmp_path / 'data'}"
    assert "Permission denied" in instance.error_detail
