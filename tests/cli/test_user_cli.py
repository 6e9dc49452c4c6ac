"""The user and audit commands, and --user: who the CLI runs as."""

import sqlite3

import pytest

from complaints.usecases import site
from db.database import close_database
from desktop.paths import data_paths
from tests.conftest import FIXED_NOW
from tests.conftest import run_cli as run


@pytest.fixture
def data_dir(tmp_path, monkeypatch, open_data_folder):
    root = tmp_path / "data"
    paths = data_paths(root)
    open_data_folder(paths.root)
    site.init_site("SH01", "上海浦东店", now=FIXED_NOW)
    close_database()
    monkeypatch.delenv("COMPLAINTDESK_PASSWORD", raising=False)
    monkeypatch.setenv("COMPLAINTDESK_NEW_PASSWORD", "start-pass-1")
    return root


def test_first_admin_then_users(capsys, data_dir, monkeypatch):
    code, out, err = run(
        capsys, data_dir, "user", "add", "wang", "--name", "王", "--role", "客服专员"
    )
    assert code == 2 and "第一个账户必须是管理员" in err
    code, out, err = run(
        capsys, data_dir, "user", "add", "admin", "--name", "张管理", "--role", "管理员"
    )
    assert code == 0, err
    assert "以 管理员(站点管理员,尚无用户账户)身份运行" in err
    code, out, err = run(
        capsys,
        data_dir,
        "user",
        "add",
        "wang",
        "--name",
        "王经理",
        "--role",
        "部门经理",
        "--role",
        "客服专员",
        "--department",
        "车间",
    )
    assert code == 0, err
    assert err.count("身份运行") == 1 and "以 张管理(站点管理员)身份运行" in err
    assert "王经理" in out and "车间" in out
    code, out, err = run(capsys, data_dir, "user", "list")
    assert code == 0 and "wang" in out and "客服专员、部门经理" in out and "须改密码" in out

    # as wang: the temporary password must be changed before anything else runs
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", "start-pass-1")
    code, out, err = run(capsys, data_dir, "--user", "wang", "todo")
    assert code == 2 and "临时" in err and "user passwd wang" in err
    monkeypatch.setenv("COMPLAINTDESK_NEW_PASSWORD", "wang-own-pass-3")
    code, out, err = run(capsys, data_dir, "--user", "wang", "user", "passwd", "wang")
    assert code == 0 and "密码已修改" in out, err
    # a clerk/department manager may not manage users
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", "wang-own-pass-3")
    code, out, err = run(capsys, data_dir, "--user", "wang", "user", "list")
    assert code == 2
    assert "以 王经理(wang,客服专员、部门经理)身份运行" in err
    assert "无权管理用户" in err and "管理员" in err


def test_lockout_unlock_and_reset(capsys, data_dir, monkeypatch):
    run(capsys, data_dir, "user", "add", "admin", "--name", "张管理", "--role", "管理员")
    run(capsys, data_dir, "user", "add", "li", "--name", "李", "--role", "客服专员")
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", "wrong-pass")
    for _ in range(4):
        code, _, err = run(capsys, data_dir, "--user", "li", "user", "list")
        assert code == 2 and "用户名或密码不正确" in err
    code, _, err = run(capsys, data_dir, "--user", "li", "user", "list")
    assert code == 2 and "用户名或密码不正确" in err  # locked: the same message (§7)
    code, out, _ = run(capsys, data_dir, "user", "list")
    assert "锁定至" in out
    code, out, _ = run(capsys, data_dir, "user", "unlock", "li")
    assert code == 0 and "已解除" in out
    code, out, _ = run(capsys, data_dir, "user", "passwd", "li", "--temp-password")
    temp = out.split("临时密码:")[1].strip()
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", temp)
    monkeypatch.setenv("COMPLAINTDESK_NEW_PASSWORD", "my-own-pass-2")
    code, out, err = run(capsys, data_dir, "--user", "li", "user", "passwd", "li")
    assert code == 0, err
    assert "密码已修改" in out
    code, out, _ = run(capsys, data_dir, "user", "disable", "li")
    assert code == 0
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", "my-own-pass-2")
    code, _, err = run(capsys, data_dir, "--user", "li", "user", "list")
    assert "已停用" in err


@pytest.mark.sqlite_only("tampers with the audit log in the SQLite file")
def test_audit_listing_filters_export_and_verify(capsys, data_dir, tmp_path):
    run(capsys, data_dir, "user", "add", "admin", "--name", "张管理", "--role", "管理员")
    run(capsys, data_dir, "user", "add", "li", "--name", "李", "--role", "客服专员")
    code, out, _ = run(capsys, data_dir, "audit")
    assert code == 0 and "新增用户" in out and "users/li" in out
    code, out, _ = run(capsys, data_dir, "audit", "--user", "admin", "--event", "user")
    assert out.count("新增用户") == 2
    code, out, _ = run(capsys, data_dir, "audit", "--since", "2999-01-01")
    assert "没有符合条件" in out
    code, out, _ = run(capsys, data_dir, "audit", "--xlsx", str(tmp_path / "a.xlsx"))
    assert code == 0 and (tmp_path / "a.xlsx").exists()
    code, out, _ = run(capsys, data_dir, "audit", "--verify")
    assert code == 0 and "审计日志完整" in out

    db = data_paths(data_dir).database
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET note = '篡改' WHERE id = 1")
    conn.commit()
    conn.close()
    code, out, _err = run(capsys, data_dir, "audit", "--verify")
    assert code == 1 and "第 1 条" in out and "被改动" in out


def test_anonymise_asks_first(capsys, data_dir):
    run(capsys, data_dir, "user", "add", "admin", "--name", "张管理", "--role", "管理员")
    code, out, _ = run(capsys, data_dir, "anonymise", "--years", "2")
    assert code == 0 and "将匿名化 0 张" in out and "--yes" in out
    code, out, err = run(capsys, data_dir, "anonymise", "--years", "2", "--yes")
    assert code == 0 and "已匿名化 0 张" in out and "正在匿名化" not in out
    said = [line for line in err.splitlines() if line.startswith("正在匿名化:")]
    assert said == [  # its three steps, on stderr
        "正在匿名化:0% 读取要匿名化的投诉单",
        "正在匿名化:33% 写入 0 条审计记录",
        "正在匿名化:66% 匿名化 0 张投诉单及其搜索索引",
    ]
    code, out, _ = run(capsys, data_dir, "audit", "--event", "privacy")
    assert "匿名化关闭超过 2 年" in out


def test_no_terminal_and_no_password_variable_is_a_clear_error(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLAINTDESK_")}
    run = [sys.executable, "-m", "desktop", "--data-dir", str(tmp_path)]
    subprocess.run(
        [*run, "init", "--site", "SH01", "--name", "测试"], env=env, check=True, capture_output=True
    )
    r = subprocess.run(
        [*run, "user", "add", "x", "--name", "甲", "--role", "客服专员"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "COMPLAINTDESK_NEW_PASSWORD" in r.stderr


def test_a_first_administrator_with_a_temporary_password_must_change_it(capsys, data_dir):
    code, out, _err = run(
        capsys,
        data_dir,
        "user",
        "add",
        "admin",
        "--name",
        "张管理",
        "--role",
        "管理员",
        "--temp-password",
    )
    assert code == 0 and "临时密码" in out
    code, out, _err = run(capsys, data_dir, "user", "list")
    assert "须改密码" in out  # someone else has seen it: changed at the first sign-in
