"""``sanctions list/approve/reject/totals``: the GM decides, others are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from complaints.rules.permissions import ROLES
from complaints.usecases import cases, proposals, site
from complaints.usecases.context import Context
from db.database import close_database
from desktop.paths import data_paths
from tests.conftest import FIXED_NOW, passwords_changed
from tests.conftest import run_cli as run


@pytest.fixture
def data_dir(tmp_path, monkeypatch, open_data_folder):
    root = tmp_path / "data"
    paths = data_paths(root)
    open_data_folder(paths.root)
    site.init_site("SH01", "上海浦东店", now=FIXED_NOW)
    cx = Context(site="SH01", actor="客服小王", clock=lambda: FIXED_NOW, roles=frozenset(ROLES))
    v = cases.blank_case(cx)
    v.update(
        customer_name="张伟",
        content="异响",
        department="车间",
        responsible="张海涛",
        received_at=FIXED_NOW - timedelta(hours=1),
    )
    cid = cases.create_case(cx, v).id
    cases.update_case(cx, cid, {"liability": "有责"})
    proposals.sync_proposals(cx, cid)
    close_database()
    monkeypatch.delenv("COMPLAINTDESK_PASSWORD", raising=False)
    monkeypatch.setenv("COMPLAINTDESK_NEW_PASSWORD", "start-pass-1")
    return root


def uids(capsys, data_dir, *extra):
    code, out, err = run(capsys, data_dir, "sanctions", "list", *extra)
    assert code == 0, err
    return [line.split()[0] for line in out.splitlines()[2:]], out


def test_list_approve_reject_totals(capsys, data_dir, monkeypatch):
    _ids, out = uids(capsys, data_dir, "--state", "待审批", "--month", "2026-11")
    assert "共 2 条" in out and "S1" in out and "S3" in out and "张海涛" in out
    s1 = next(line.split()[0] for line in out.splitlines() if " S1 " in line)
    s3 = next(line.split()[0] for line in out.splitlines() if " S3 " in line)

    # the administrator may not approve: only the general manager
    code, out, err = run(capsys, data_dir, "sanctions", "approve", s1)
    assert code == 2 and "总经理" in err
    assert (
        run(capsys, data_dir, "user", "add", "admin", "--name", "张管理", "--role", "管理员")[0]
        == 0
    )
    assert (
        run(capsys, data_dir, "user", "add", "gm", "--name", "许振邦", "--role", "总经理")[0] == 0
    )
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", "start-pass-1")
    passwords_changed(data_dir, "gm")
    code, out, err = run(
        capsys, data_dir, "--user", "gm", "sanctions", "approve", s1, "--amount", "80"
    )
    assert code == 2 and "超出 S1 规定的范围(100 元)" in err  # S1 is 100 only
    code, out, err = run(capsys, data_dir, "--user", "gm", "sanctions", "approve", s1)
    assert code == 0 and "已批准" in out and "100 元" in out
    code, out, err = run(
        capsys, data_dir, "--user", "gm", "sanctions", "reject", s3, "--reason", "经理已尽力"
    )
    assert code == 0 and "已驳回" in out and "经理已尽力" in out
    code, out, err = run(capsys, data_dir, "sanctions", "totals", "--month", "2026-11")
    assert code == 0 and "罚款 100 元" in out and "张海涛" in out and "车间" in out
    _ids, out = uids(capsys, data_dir, "--state", "已驳回")
    assert "共 1 条" in out


def test_bad_month_and_unknown_uid(capsys, data_dir, monkeypatch):
    code, _, err = run(capsys, data_dir, "sanctions", "list", "--month", "2026/11")
    assert code == 2 and "月份" in err
    # the command's permission is checked before the record is looked for
    code, _, err = run(capsys, data_dir, "sanctions", "reject", "deadbeef", "--reason", "x")
    assert code == 2 and "无权审批奖惩" in err
    run(capsys, data_dir, "user", "add", "admin", "--name", "张管理", "--role", "管理员")
    run(capsys, data_dir, "user", "add", "gm", "--name", "许振邦", "--role", "总经理")
    passwords_changed(data_dir, "gm")
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", "start-pass-1")
    code, _, err = run(
        capsys, data_dir, "--user", "gm", "sanctions", "reject", "deadbeef", "--reason", "x"
    )
    assert code == 2 and "找不到" in err


def test_add_event_sweep(capsys, data_dir, monkeypatch):
    run(capsys, data_dir, "user", "add", "admin", "--name", "张管理", "--role", "管理员")
    run(capsys, data_dir, "user", "add", "cs", "--name", "沈佳琪", "--role", "客服经理")
    passwords_changed(data_dir, "cs")
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", "start-pass-1")
    code, out, err = run(
        capsys,
        data_dir,
        "--user",
        "cs",
        "sanctions",
        "add",
        "--type",
        "奖励",
        "--person",
        "姜思远",
        "--department",
        "服务前台",
        "--amount",
        "200",
        "--reason",
        "协助处理群体投诉",
    )
    assert code == 0, err
    assert "已提交审批" in out
    code, out, err = run(
        capsys, data_dir, "--user", "cs", "sanctions", "event", "SH01-202611-0001", "锦旗"
    )
    assert code == 0, err
    assert "已登记“锦旗”" in out
    code, out, err = run(capsys, data_dir, "sanctions", "sweep")
    assert code == 0 and "新提出 0 条" in out
    _ids, out = uids(capsys, data_dir, "--type", "奖励")
    assert "共 2 条" in out and "S11" in out and "手工" in out
