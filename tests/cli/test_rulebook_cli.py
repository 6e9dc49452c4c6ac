"""``policy export`` at headquarters, ``policy import`` at a branch (issue 20 §4–§6): the
preview printed, the start honoured, a binding rulebook refusing ``policy set``, a bad file
changing nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from complaints.usecases import site
from db.database import close_database
from tests.conftest import passwords_changed
from tests.conftest import run_cli as run

# Far ahead so the test means the same whenever it runs.
START = "2099-01-01T00:00+08:00"


@pytest.fixture(autouse=True)
def passwords(monkeypatch):
    monkeypatch.setenv("COMPLAINTDESK_NEW_PASSWORD", "start-pass-1")
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", "start-pass-1")


def _folder(capsys, tmp_path, open_data_folder, name, code):
    """A data folder with a 客服经理 (the policy-setting permission) as ``--user cs``."""
    root = tmp_path / name
    open_data_folder(root)
    site.init_site(code, code, now=datetime.now(UTC))
    close_database()
    for login, role in (("admin", "管理员"), ("cs", "客服经理")):
        assert run(capsys, root, "user", "add", login, "--name", login, "--role", role)[0] == 0
    passwords_changed(root, "cs")
    return root


def cli(capsys, root, *argv):
    return run(capsys, root, "--user", "cs", *argv)


def test_round_trip_through_the_commands(capsys, tmp_path, open_data_folder):
    hq = _folder(capsys, tmp_path, open_data_folder, "hq", "HQ")
    branch = _folder(capsys, tmp_path, open_data_folder, "branch", "SZ01")
    assert cli(capsys, hq, "policy", "set", "D1", "3h", "--from", START)[0] == 0
    assert cli(capsys, hq, "policy", "set", "D7.clock", "office", "--from", START)[0] == 0
    out_file = tmp_path / "rules.zip"
    code, out, err = cli(
        capsys, hq, "policy", "export", str(out_file), "--binding", "--reason", "集团统一"
    )
    assert code == 0, err
    assert out_file.exists() and "约束性" in out

    code, out, err = cli(capsys, branch, "policy", "import", str(out_file), "--dry-run")
    assert code == 0, err
    assert (
        "D1 一般投诉联系客户时限:2h → 3h" in out
        and "D7.clock 计时方式:自然时间(calendar) → 工作时间(office)" in out
    )
    assert "2099-01-01 00:00 起登记的投诉单(按总部文件所定的生效时间)" in out
    assert "未导入" in out
    assert "D1 = 2h" in cli(capsys, branch, "policy", "show", "--at", "2099-01-02")[1]

    code, out, err = cli(capsys, branch, "policy", "import", str(out_file))
    assert code == 0, err
    assert "已导入" in out and "备份" in out
    assert list((branch / "backups").glob("*manual*"))
    assert "D1 = 2h" in cli(capsys, branch, "policy", "show")[1]  # before the start: unchanged
    later = cli(capsys, branch, "policy", "show", "--at", "2099-01-02")[1]
    assert "D1 = 3h" in later and "D7.clock = office" in later

    code, out, err = cli(capsys, branch, "policy", "set", "D1", "4h", "--from", "2099-02-01")
    assert code != 0
    assert "制度参数由总部统一规定,本站不能修改(原因:集团统一)" in err


def test_a_bad_file_changes_nothing(capsys, tmp_path, open_data_folder):
    branch = _folder(capsys, tmp_path, open_data_folder, "branch", "SZ01")
    bad = tmp_path / "rules.zip"
    bad.write_bytes(b"PK\x03\x04 broken")
    before = cli(capsys, branch, "policy", "show")[1]
    code, _out, err = cli(capsys, branch, "policy", "import", str(bad))
    assert code != 0 and "不是总部制度文件" in err
    assert cli(capsys, branch, "policy", "show")[1] == before
    assert not (branch / "backups").exists() or not list((branch / "backups").glob("*manual*"))
