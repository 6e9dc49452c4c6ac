"""A backup that fails for any reason says why in Chinese (db/backup.py failure_reason,
db/errors.py OS_WORDS), the system's own words kept behind 详细信息: never its English in
the message."""

from __future__ import annotations

import errno
import os
import re
import sqlite3
from pathlib import Path

import pytest

from complaints.usecases import import_backup, storage
from complaints.usecases.errors import UseCaseError
from db import backup as db_backup
from db.errors import OS_WORDS, OTHER_OS_TROUBLE, BackupError, os_trouble
from desktop.cli import main
from tests.conftest import FIXED_NOW

UNLISTED = errno.ELOOP  # a failure no table entry names


def _failing_copy(monkeypatch, error: BaseException) -> None:
    def copy(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(db_backup, "_copy", copy)


def _english_of(error: BaseException) -> str:
    return getattr(error, "strerror", None) or str(error)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.EIO, "磁盘读写出错"),
        (errno.ENAMETOOLONG, "文件名或路径太长"),
        (errno.ENOENT, "找不到该文件或文件夹"),
        (errno.EDQUOT, "磁盘配额已用完"),
        (errno.EFBIG, "文件超过了该磁盘允许的大小"),
        (errno.ENOSPC, "磁盘空间已满"),
        (errno.EACCES, "该文件夹不可写"),
    ],
)
def test_a_system_failure_is_said_in_chinese(db_path, tmp_path, monkeypatch, code, words):
    error = OSError(code, os.strerror(code))
    _failing_copy(monkeypatch, error)
    with pytest.raises(BackupError) as failed:
        db_backup.make_backup(tmp_path / "backups", reason="manual")
    message = str(failed.value)
    assert message.startswith("无法写入备份文件 ") and words in message
    assert os.strerror(code) not in message
    assert failed.value.detail == repr(error)  # the system's words, behind 详细信息
    assert not any(p.name.endswith(".part") for p in (tmp_path / "backups").iterdir())


def test_a_failure_no_table_names_is_a_chinese_sentence_with_the_words_behind(
    db_path, tmp_path, monkeypatch
):
    error = OSError(UNLISTED, os.strerror(UNLISTED))
    assert os_trouble(error) is None
    _failing_copy(monkeypatch, error)
    with pytest.raises(BackupError) as failed:
        db_backup.make_backup(tmp_path / "backups", reason="manual")
    assert str(failed.value).endswith(OTHER_OS_TROUBLE)
    assert os.strerror(UNLISTED) not in str(failed.value)
    assert os.strerror(UNLISTED) in failed.value.detail


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (sqlite3.OperationalError("disk I/O error"), "磁盘读写出错"),
        (sqlite3.DatabaseError("database disk image is malformed"), "数据库文件已损坏"),
        (sqlite3.OperationalError("interrupted"), OTHER_OS_TROUBLE),
    ],
)
def test_sqlite_failures_are_said_in_chinese(db_path, tmp_path, monkeypatch, error, words):
    _failing_copy(monkeypatch, error)
    with pytest.raises(BackupError) as failed:
        db_backup.make_backup(tmp_path / "backups", reason="manual")
    assert words in str(failed.value) and str(error) not in str(failed.value)
    assert failed.value.detail == repr(error)


def test_every_word_of_the_table_is_chinese():
    for code, words in OS_WORDS.items():
        latin = re.findall(r"[A-Za-z]+", words)
        assert set(latin) <= {"U", "FAT", "GB"}, (errno.errorcode.get(code), words)


def test_a_backup_to_a_named_file_says_the_system_s_refusal_in_chinese(
    db_path, tmp_path, monkeypatch
):
    error = OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG))

    def refuse(*_args, **_kwargs) -> Path:
        raise error

    monkeypatch.setattr(storage, "backup_to", refuse)
    with pytest.raises(UseCaseError) as failed:
        storage.backup_now(tmp_path / "copy.sqlite3")
    assert "文件名或路径太长" in str(failed.value)
    assert os.strerror(errno.ENAMETOOLONG) not in str(failed.value)
    assert failed.value.detail == repr(error)


def test_the_backup_before_an_import_says_the_system_s_refusal_in_chinese(
    db_path, tmp_path, monkeypatch
):
    error = OSError(errno.EIO, os.strerror(errno.EIO))

    def refuse(*_args, **_kwargs) -> Path:
        raise error

    monkeypatch.setattr(import_backup, "make_backup", refuse)
    with pytest.raises(UseCaseError, match="导入前备份失败,未导入任何数据:磁盘读写出错") as e:
        import_backup.before_import(tmp_path / "backups", FIXED_NOW, FIXED_NOW.tzinfo)
    assert os.strerror(errno.EIO) not in str(e.value)
    assert e.value.detail == repr(error)


@pytest.mark.sqlite_only("the data folder's backup of its SQLite file")
def test_the_backup_command_says_it_in_chinese_and_the_words_on_their_own_line(
    tmp_path, capsys, monkeypatch
):
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "init", "--site", "SH01", "--name", "上海浦东店"]) == 0
    capsys.readouterr()
    error = OSError(errno.EIO, os.strerror(errno.EIO))
    _failing_copy(monkeypatch, error)
    code = main(["--data-dir", str(data), "backup"])
    err = capsys.readouterr().err
    *_, said, detail = err.strip().splitlines()  # after the line naming who runs it
    assert code == 2 and said.startswith("错误:无法写入备份文件 ") and "磁盘读写出错" in said
    assert os.strerror(errno.EIO) not in said
    assert detail == f"详细信息:{error!r}"
