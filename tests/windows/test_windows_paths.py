"""Windows paths, tested on any system: a data folder under a path with Chinese characters
and spaces (C:\\Users\\张 三\\AppData\\Local\\ComplaintDesk in spirit), --data-dir beyond
Windows' 260-character limit, the single-instance line and the network-drive warning with
UNC paths (\\\\server\\share) and mapped drives (Windows' functions patched)."""

from __future__ import annotations

import sys

import pytest

from db.location import DRIVE_REMOTE, network_drive_warning
from desktop import cli
from desktop.app import pin_singletons
from desktop.paths import ROOM_INSIDE, WINDOWS_MAX_PATH, data_dir_problem
from desktop.single_instance import SingleInstance, server_name

pin_singletons()  # PySide6 6.12 on Python 3.11 (see there)

CN_DIR = ("张 三", "AppData", "Local", "ComplaintDesk")


def run(capsys, *argv):
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_data_folder_under_chinese_characters_and_spaces(tmp_path, capsys):
    root = tmp_path.joinpath(*CN_DIR)
    d = ["--data-dir", str(root)]
    assert run(capsys, *d, "init", "--site", "W01", "--name", "张三的店")[0] == 0
    code, out, err = run(capsys, *d, "demo", "--cases", "12")
    assert code == 0, err
    code, out, err = run(capsys, *d, "check")
    assert code == 0 and f"检查通过:{root / 'complaintdesk.sqlite3'}" in out
    backup = tmp_path / "张 三" / "备份 副本.sqlite3"
    code, out, err = run(capsys, *d, "backup", "--out", str(backup))
    assert code == 0, err
    assert backup.stat().st_size > 0


def test_the_lock_and_line_in_a_chinese_folder(qtbot, tmp_path):
    root = tmp_path.joinpath(*CN_DIR)
    first = SingleInstance(root)
    assert first.try_lock() and first.locked
    assert first.name.isascii()
    second = SingleInstance(
        tmp_path / "张 三" / "AppData" / ".." / "AppData" / "Local" / "ComplaintDesk"
    )
    assert not second.try_lock()
    with qtbot.waitSignal(first.raise_requested, timeout=5_000):
        assert second.notify_running()
    first.release()


@pytest.mark.parametrize(
    "a,b",
    [
        (r"\\server\share\ComplaintDesk", r"\\SERVER\Share\complaintdesk"),
        (r"\\server\share\ComplaintDesk", "//server/share/ComplaintDesk/"),
        (r"Z:\客诉 数据", r"z:\客诉 数据\.\\"),
        (
            r"C:\Users\张 三\AppData\Local\ComplaintDesk",
            r"c:\users\张 三\appdata\local\complaintdesk",
        ),
    ],
)
def test_one_line_name_per_windows_folder_however_spelled(a, b):
    assert server_name(a, platform="win32") == server_name(b, platform="win32")
    assert server_name(a, platform="win32").isascii()


def test_other_windows_folders_other_names():
    names = {
        server_name(p, platform="win32")
        for p in (
            r"\\server\share\ComplaintDesk",
            r"\\server\other\ComplaintDesk",
            r"Z:\ComplaintDesk",
            r"Y:\ComplaintDesk",
            r"C:\Users\张 三\AppData\Local\ComplaintDesk",
        )
    }
    assert len(names) == 5


@pytest.mark.parametrize(
    "path", [r"\\server\share\张 三\ComplaintDesk", r"\\?\UNC\nas\客诉", "//nas/客诉/数据"]
)
def test_unc_data_folders_warn(path):
    w = network_drive_warning(path, platform="win32", drive_type=lambda root: 3)
    assert w and "UNC" in w and path in w


@pytest.mark.parametrize("path", [r"z:\客诉数据", r"Z:/客诉 数据", r"\\?\Z:\客诉数据"])
def test_mapped_drives_warn_in_any_spelling(path):
    seen = []

    def drive_type(root):
        seen.append(root)
        return DRIVE_REMOTE if root.upper() == "Z:\\" else 3

    w = network_drive_warning(path, platform="win32", drive_type=drive_type)
    assert w and "映射的网络驱动器 Z:" in w
    assert seen and seen[0].upper() == "Z:\\"


def test_a_local_chinese_folder_does_not_warn():
    assert (
        network_drive_warning(
            r"C:\Users\张 三\AppData\Local\ComplaintDesk",
            platform="win32",
            drive_type=lambda root: 3,
        )
        is None
    )


def test_data_dir_problem_on_windows():
    limit = WINDOWS_MAX_PATH - ROOM_INSIDE
    ok = "C:\\" + "数" * (limit - 3)
    assert data_dir_problem(ok, platform="win32") is None
    long = "C:\\Users\\张 三\\" + "x" * 260
    problem = data_dir_problem(long, platform="win32")
    assert problem and long in problem and "260" in problem and f"最多 {limit} 个字符" in problem
    assert data_dir_problem(long, platform="linux") is None  # Linux has no such limit


def test_the_cli_refuses_a_long_data_dir_on_windows(tmp_path, capsys, monkeypatch):
    long = tmp_path.joinpath(*["客诉 数据"] * 50)  # ~300 characters
    monkeypatch.setattr(sys, "platform", "win32")
    code, _out, err = run(capsys, "--data-dir", str(long), "init", "--site", "W01", "--name", "x")
    monkeypatch.undo()
    assert code == 2
    assert err.startswith("错误:数据文件夹路径太长") and "260" in err and "Traceback" not in err
    assert not (tmp_path / "客诉 数据").exists()  # nothing created


def test_the_gui_refuses_a_long_data_dir_on_windows(qapp, tmp_path, capsys, monkeypatch):
    import argparse

    from desktop.app import run_gui

    long = tmp_path.joinpath(*["客诉 数据"] * 50)
    monkeypatch.setattr(sys, "platform", "win32")
    code = run_gui(argparse.Namespace(data_dir=long, smoke=True))  # smoke: no message box
    monkeypatch.undo()
    assert code == 2
    assert "数据文件夹路径太长" in capsys.readouterr().err
    assert not (tmp_path / "客诉 数据").exists()


def test_todo_csv_for_excel_ends_lines_with_crlf():
    from complaints.usecases.context import CHINA_TZ
    from complaints.usecases.todo import todo_csv

    text = todo_csv([], CHINA_TZ)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
