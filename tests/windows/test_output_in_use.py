"""A file the person chose is open in Word/Excel (Windows refuses to replace it): a message
naming the file and offering a free name, never a traceback, and nothing overwritten.
Simulated here by making the target unwritable (tests/windows/conftest.py ``hold``) and by
Windows' refusal of the final rename (os.replace patched to fail as WinError 32 does)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from complaints.rules.permissions import ROLES
from complaints.usecases import cases, signin, site, users
from complaints.usecases.context import CHINA_TZ, Context
from complaints.usecases.output_files import OutputInUse, check_writable, other_name, writing
from db.database import close_database, open_database
from desktop.paths import data_paths
from tests.conftest import run_cli as run


def test_a_held_file_is_refused_before_anything_is_written(tmp_path, hold):
    target = tmp_path / "张 三" / "台账.xlsx"
    target.parent.mkdir()
    target.write_bytes(b"old ledger")
    (tmp_path / "张 三" / "台账 (2).xlsx").write_bytes(b"taken too")
    hold(target)
    with pytest.raises(OutputInUse) as e, writing(target):
        raise AssertionError("the work must not start")
    assert e.value.path == target
    assert e.value.alternative == tmp_path / "张 三" / "台账 (3).xlsx"
    assert str(e.value) == (
        f"无法写入文件 {target}:它可能正被 Word、Excel 或 WPS 打开,"
        "或者是只读文件。请关闭该文件后重试,或改存为 台账 (3).xlsx。"
    )
    assert target.read_bytes() == b"old ledger"


def test_a_free_or_writable_file_passes(tmp_path):
    check_writable(tmp_path / "new.docx")  # does not exist yet
    existing = tmp_path / "old.docx"
    existing.write_bytes(b"content")
    with writing(existing) as p:
        p.write_bytes(b"new")
    assert existing.read_bytes() == b"new"
    assert other_name(tmp_path / "x.csv") == tmp_path / "x (2).csv"


def test_windows_refusing_the_final_replace_is_the_same_message(tmp_path, monkeypatch):
    """Word opens a file so that it can be read by others but not replaced: the check
    before passes, the rename of the finished .part onto it fails (WinError 32)."""
    from forms.fill import _emit  # the forms' writer: a .part, then replace

    target = tmp_path / "处理表.docx"
    target.write_bytes(b"last print")
    real_replace = os.replace

    def refuse(src, dst):
        if str(dst) == str(target):
            raise PermissionError(
                13, "另一个程序正在使用此文件,进程无法访问。", str(src), None, str(dst)
            )
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OutputInUse) as e, writing(target):
        _emit(b"PK new print", target)
    assert e.value.alternative.name == "处理表 (2).docx"
    assert target.read_bytes() == b"last print"


def test_other_errors_pass_unchanged(tmp_path):
    target = tmp_path / "a.docx"
    with pytest.raises(FileNotFoundError), writing(target):
        raise FileNotFoundError(2, "No such file or directory", str(tmp_path / "gone" / "x"))


T0 = __import__("datetime").datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def data_dir(tmp_path):
    """A data folder under a path with Chinese characters and a space, with one case."""
    paths = data_paths(tmp_path / "张 三" / "AppData" / "Local" / "ComplaintDesk")
    open_database(paths.database, backup_dir=paths.backups)
    site.init_site("SH01", "上海浦东店", now=T0)
    cx = Context(
        site="SH01", actor="客服小王", clock=lambda: T0 + timedelta(hours=3), roles=frozenset(ROLES)
    )
    v = cases.blank_case(cx)
    v.update(customer_name="张伟", content="异响", channel="现场", business="售后", received_at=T0)
    cases.create_case(cx, v)
    users.create_first_admin("admin", "管理员", "admin-pass-1", now=T0)
    admin = users.context_for_user(signin.sign_in("admin", "admin-pass-1", T0))
    users.add_user(
        admin, "clerk", "王客服", ["客服专员"], "clerk-pass-1", must_change_password=False
    )
    close_database()
    return paths.root


def test_cli_todo_csv_into_a_held_file(data_dir, tmp_path, capsys, hold):
    target = tmp_path / "待办.csv"
    target.write_bytes(b"yesterday")
    hold(target)
    code, out, err = run(capsys, data_dir, "todo", "--csv", "--out", str(target))
    assert code == 2
    assert f"错误:无法写入文件 {target}" in err and "改存为 待办 (2).csv" in err
    assert "Traceback" not in err + out
    assert target.read_bytes() == b"yesterday"
    # the offered name works
    other = tmp_path / "待办 (2).csv"
    code, out, err = run(capsys, data_dir, "todo", "--csv", "--out", str(other))
    assert code == 0, err
    raw = other.read_bytes()  # CSV for Excel: a BOM, and CRLF line ends (never CR CR LF)
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == raw.count(b"\n") >= 2
    assert b"\r\r" not in raw


def test_cli_form_into_a_held_docx(data_dir, tmp_path, capsys, hold, monkeypatch):
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", "clerk-pass-1")  # the clerk prints
    target = tmp_path / "处理表.docx"
    target.write_bytes(b"printed yesterday, still open in Word")
    hold(target)
    code, out, err = run(
        capsys,
        data_dir,
        "--user",
        "clerk",
        "form",
        "handling",
        "--case",
        "SH01-202611-0001",
        "--out",
        str(target),
    )
    assert code == 2, err
    assert f"无法写入文件 {target}" in err and "改存为 处理表 (2).docx" in err
    assert "Traceback" not in err + out
    assert target.read_bytes() == b"printed yesterday, still open in Word"


def test_cli_ledger_export_into_a_held_xlsx(data_dir, tmp_path, capsys, hold):
    target = tmp_path / "台账.xlsx"
    target.write_bytes(b"open in Excel")
    hold(target)
    code, _out, err = run(capsys, data_dir, "ledger", "export", "--full", str(target))
    assert code == 2, err
    assert f"无法写入文件 {target}" in err and "改存为 台账 (2).xlsx" in err
    assert target.read_bytes() == b"open in Excel"
