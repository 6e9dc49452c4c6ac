"""Every command answers to the permission table (issue 15 §7): the table covers every
sub-command, the CLI checks it before running, demo and init are guarded, passwords are
sound and never logged, a temporary password is changed first, the data folder is private."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from complaints.rules import permissions as P
from complaints.usecases import audit
from db.database import close_database
from desktop.cli import build_parser, command_parsers
from tests.conftest import passwords_changed
from tests.conftest import run_cli as run


@pytest.fixture
def office(tmp_path, capsys, monkeypatch, open_data_folder):
    """A site with an administrator (admin) and a clerk (clerk), passwords settled."""
    data = tmp_path / "data"
    open_data_folder(data)
    close_database()
    monkeypatch.setenv("COMPLAINTDESK_NEW_PASSWORD", "start-pass-1")
    monkeypatch.delenv("COMPLAINTDESK_PASSWORD", raising=False)
    assert run(capsys, data, "init", "--site", "SH01", "--name", "上海浦东店")[0] == 0
    assert run(capsys, data, "user", "add", "admin", "--name", "张管理", "--role", "管理员")[0] == 0
    assert (
        run(capsys, data, "user", "add", "clerk", "--name", "李专员", "--role", "客服专员")[0] == 0
    )
    passwords_changed(data, "admin", "clerk")
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", "start-pass-1")
    return data


def _events(folder_rows, data, event: str) -> list[tuple[str, str]]:
    assert event.replace(".", "").replace("_", "").isalpha()  # spelt into the SQL below
    return folder_rows(
        data, f"SELECT actor, note FROM audit_log WHERE event = '{event}' ORDER BY id"
    )


def test_every_cli_command_is_in_the_permission_table():
    names = [name for name, _ in command_parsers(build_parser())]
    assert "sanctions sweep" in names and "todo" in names and "form handling" in names
    missing = [n for n in names if n not in P.COMMANDS_BY_NAME]
    assert missing == [], f"add these commands to complaints.rules.permissions.COMMANDS: {missing}"
    stale = [c.name for c in P.COMMANDS if c.name not in names]
    assert stale == []
    assert all(c.permission in P.BY_NAME for c in P.COMMANDS)


def test_a_command_is_refused_before_it_runs_and_the_refusal_is_audited(
    office, capsys, folder_rows
):
    code, _, err = run(capsys, office, "--user", "clerk", "audit", "--verify")
    assert code == 2 and "无权查看审计日志" in err
    code, _, err = run(
        capsys, office, "--user", "clerk", "sanctions", "totals", "--month", "2026-11"
    )
    assert code == 0, err
    assert any(
        "audit.view" in note for _, note in _events(folder_rows, office, "permission.denied")
    )


def test_demo_needs_an_administrator_where_the_database_has_users(office, capsys, folder_rows):
    code, _, err = run(capsys, office, "demo", "--cases", "1")
    assert code == 2 and "--user" in err
    code, _, err = run(capsys, office, "--user", "clerk", "demo", "--cases", "1")
    assert code == 2 and "无权生成演示数据" in err
    assert folder_rows(office, "SELECT count(*) FROM cases") == [(0,)]
    code, out, err = run(capsys, office, "--user", "admin", "demo", "--cases", "2")
    assert code == 0 and "已生成 2 条投诉单" in out, err


def test_init_on_an_existing_site_needs_settings_site_and_is_audited(office, capsys, folder_rows):
    code, _, err = run(
        capsys, office, "--user", "clerk", "init", "--site", "SH01", "--name", "别的名字"
    )
    assert code == 2 and "无权修改站点设置" in err
    code, out, err = run(
        capsys, office, "--user", "admin", "init", "--site", "SH01", "--name", "上海浦东新店"
    )
    assert code == 0 and "改为“上海浦东新店”" in out, err
    code, _, err = run(
        capsys, office, "--user", "admin", "init", "--site", "BJ02", "--name", "北京店"
    )
    assert code == 2 and "SH01" in err
    (entry,) = _events(folder_rows, office, "settings.update")
    assert entry[0] == "张管理"


def test_temporary_password_must_be_changed_before_any_command(office, capsys, monkeypatch):
    code, out, _ = run(capsys, office, "user", "passwd", "clerk", "--temp-password")
    temp = out.split("临时密码:")[1].strip()
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", temp)
    for argv in (("todo",), ("sanctions", "list"), ("user", "passwd", "admin")):
        code, _, err = run(capsys, office, "--user", "clerk", *argv)
        assert code == 2 and "user passwd clerk" in err and "临时" in err
    monkeypatch.setenv("COMPLAINTDESK_NEW_PASSWORD", "clerk-own-pass-9")
    code, out, err = run(capsys, office, "--user", "clerk", "user", "passwd", "clerk")
    assert code == 0 and "密码已修改" in out, err
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", "clerk-own-pass-9")
    assert run(capsys, office, "--user", "clerk", "todo")[0] == 0


@pytest.mark.parametrize(
    "password",
    ["123456", "password", "12345678", "88888888", "qwerty", "Password1", "aaaaaaaaaa", "short-1"],
)
def test_common_and_short_passwords_are_refused(office, capsys, monkeypatch, password):
    monkeypatch.setenv("COMPLAINTDESK_NEW_PASSWORD", password)
    code, _, err = run(capsys, office, "--user", "admin", "user", "passwd", "clerk")
    assert code == 2 and ("太常见" in err or "至少 8 个字符" in err)


def test_unknown_login_and_wrong_password_say_the_same(office, capsys, monkeypatch):
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", "not-the-password")
    _, _, wrong = run(capsys, office, "--user", "clerk", "todo")
    _, _, unknown = run(capsys, office, "--user", "nobody-here", "todo")
    assert wrong == unknown and "用户名或密码不正确" in wrong and "再错" not in wrong


def test_no_typed_password_in_the_audit_log(office, capsys, monkeypatch, folder_rows):
    secrets = ["Zebra-Secret-17", "Otter-Secret-28", "Heron-Secret-39"]
    # a password typed in the login box, a wrong password, a reset and an own change
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", secrets[0])
    run(capsys, office, "--user", secrets[0], "todo")
    run(capsys, office, "--user", "clerk", "todo")
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", "start-pass-1")
    monkeypatch.setenv("COMPLAINTDESK_NEW_PASSWORD", secrets[1])
    assert run(capsys, office, "--user", "admin", "user", "passwd", "clerk")[0] == 0
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", secrets[1])
    monkeypatch.setenv("COMPLAINTDESK_NEW_PASSWORD", secrets[2])
    assert run(capsys, office, "--user", "clerk", "user", "passwd", "clerk")[0] == 0
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", "start-pass-1")
    monkeypatch.setenv("COMPLAINTDESK_NEW_PASSWORD", "Fresh-User-Pass-4")
    assert (
        run(
            capsys,
            office,
            "--user",
            "admin",
            "user",
            "add",
            "wu",
            "--name",
            "吴",
            "--role",
            "客服专员",
        )[0]
        == 0
    )
    text = "\n".join(
        " ".join(str(v) for v in r) for r in folder_rows(office, "SELECT * FROM audit_log")
    )
    assert "sign_in.failed" in text and "user.password_change" in text
    for s in [*secrets, "Fresh-User-Pass-4", "start-pass-1"]:
        assert s not in text


@pytest.mark.sqlite_only("the modes of the SQLite file and the data folder's backups")
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_data_folder_is_0700_and_its_files_0600(tmp_path, capsys):
    data = tmp_path / "data"
    assert run(capsys, data, "init", "--site", "SH01", "--name", "上海浦东店")[0] == 0
    assert run(capsys, data, "backup")[0] == 0
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
    assert mode(data) == 0o700 and mode(data / "backups") == 0o700
    assert mode(data / "complaintdesk.sqlite3") == 0o600
    assert all(mode(p) == 0o600 for p in (data / "backups").iterdir())
    assert [p for p in data.rglob("*") if mode(p) & 0o077] == []  # nothing for the others
    # a folder left open by an older version is closed again at the next command
    os.chmod(data, 0o755)
    os.chmod(data / "complaintdesk.sqlite3", 0o644)
    assert run(capsys, data, "check")[0] == 0
    assert mode(data) == 0o700 and mode(data / "complaintdesk.sqlite3") == 0o600
    # and the test process's own umask is given back
    old = os.umask(0o022)
    os.umask(old)
    assert old != 0o077


def test_a_password_field_change_is_never_logged_in_clear():
    text = audit.changes_json(
        {"password": ("old-secret-1", "new-secret-2"), "new_password": (None, "typed-3")}
    )
    assert "secret" not in text and "typed" not in text and "******" in text
