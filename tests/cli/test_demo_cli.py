"""``python -m desktop demo`` end to end: a new data folder, the site, the cases, the checks."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime

import pytest

from complaints.usecases import signin
from db.database import close_database
from desktop.cli import main
from tests.conftest import passwords_changed


@pytest.fixture
def new_folder(tmp_path, db_engine, open_data_folder):
    """``new_folder(name)``: a data folder not made yet on SQLite; on the server, its
    database new (the schema only), as the office's administrator hands it over."""

    def make(name: str):
        root = tmp_path / name
        if db_engine == "postgresql":
            open_data_folder(root)
            close_database()
        return root

    return make


def test_demo_initialises_a_new_folder_and_passes_check(new_folder, capsys, folder_rows):
    data = new_folder("data")
    assert (
        main(
            [
                "--data-dir",
                str(data),
                "demo",
                "--cases",
                "250",
                "--seed",
                "4",
                "--site",
                "BJ02",
                "--name",
                "北京朝阳店",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "已初始化站点 BJ02" in out and "已生成 250 条投诉单" in out and "250/250" in out
    assert main(["--data-dir", str(data), "check"]) == 0
    assert folder_rows(data, "SELECT count(*) FROM cases WHERE site = 'BJ02'") == [(250,)]
    plates = [p for (p,) in folder_rows(data, "SELECT plate FROM cases WHERE plate IS NOT NULL")]
    assert sum(p.startswith("京") for p in plates) > len(plates) * 0.8  # Beijing plates
    assert folder_rows(data, "SELECT count(*) FROM entries")[0][0] > 250 * 4
    # every closed case's 统计 summary is kept: any month opens at the kept speed
    ((closed,),) = folder_rows(data, "SELECT count(*) FROM cases WHERE state = '已关闭'")
    ((kept,),) = folder_rows(data, "SELECT count(*) FROM stats_summaries")
    assert closed > 0 and kept == closed and f"已汇总 {kept} 条" in out
    # Again into the same folder: more cases, numbers go on; another site code is refused.
    assert main(["--data-dir", str(data), "demo", "--cases", "20"]) == 0
    assert main(["--data-dir", str(data), "demo", "--cases", "5", "--site", "SH01"]) == 2
    assert "BJ02" in capsys.readouterr().err
    ((n, distinct),) = folder_rows(data, "SELECT count(*), count(DISTINCT number) FROM cases")
    assert n == distinct == 270


def test_demo_defaults_and_bad_count(new_folder, capsys):
    data = new_folder("d")
    assert main(["--data-dir", str(data), "demo", "--cases", "0"]) == 0
    assert "已初始化站点 SH01" in capsys.readouterr().out
    assert main(["--data-dir", str(data), "demo", "--cases", "-3"]) == 2


def test_demo_with_users_prints_a_login_per_role_that_signs_in(
    new_folder, capsys, open_data_folder
):
    """One demo account per working role, each printed with its temporary password, which
    signs in (and must be changed); a second run keeps the accounts."""
    data = new_folder("data")
    assert main(["--data-dir", str(data), "demo", "--cases", "10", "--with-users"]) == 0
    out = capsys.readouterr().out
    found = re.findall(r"^  (\S+)\t登录名 (\S+)\t临时密码 (\S+)$", out, re.M)
    assert [r for r, _l, _p in found] == [
        "客服专员",
        "客服经理",
        "部门经理(售后服务部)",
        "部门经理(销售部)",
        "总经理",
        "管理员",
    ]
    assert all(len(p) >= 12 for _r, _l, p in found)
    open_data_folder(data)
    try:
        for role, login, password in found:
            u = signin.sign_in(login, password, datetime.now(UTC))
            assert u.must_change_password
            assert role.split("(")[0] in u.roles
    finally:
        close_database()
    # accounts exist now: a second demo runs as the administrator (who changed the password)
    assert main(["--data-dir", str(data), "demo", "--cases", "0", "--with-users"]) != 0
    capsys.readouterr()
    passwords_changed(data, "demo.admin")
    admin_password = next(p for r, _l, p in found if r == "管理员")
    os.environ["COMPLAINTDESK_PASSWORD"] = admin_password
    try:
        assert (
            main(
                [
                    "--data-dir",
                    str(data),
                    "--user",
                    "demo.admin",
                    "demo",
                    "--cases",
                    "0",
                    "--with-users",
                ]
            )
            == 0
        )
    finally:
        del os.environ["COMPLAINTDESK_PASSWORD"]
    assert out.count("demo.zjl") == 1 and "账户已存在" in capsys.readouterr().out
