"""ledger export / ledger import through desktop.cli.main, in-process."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from complaints.usecases import signin, users
from complaints.usecases.context import CHINA_TZ
from db.database import close_database
from desktop.cli import main
from tests.conftest import database_args
from tests.ledger.helpers import ctx_for, new_case


def run(capsys, *argv):
    """The command line ``argv``; on the server with the ``--database`` of its data folder."""
    args = [str(a) for a in argv]
    if "--data-dir" in args:
        args[0:0] = database_args(args[args.index("--data-dir") + 1])
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def new_folders(open_data_folder, *roots: Path) -> None:
    """Data folders made for ``init`` (on the server, each its new database)."""
    for root in roots:
        open_data_folder(root)
        close_database()


def _add_cases(open_data_folder, d: Path, n: int) -> None:
    open_data_folder(d)
    try:
        ctx = ctx_for("SH01")
        for i in range(n):
            new_case(ctx, customer_name=f"客户{i}", phone=f"1381234{i:04d}")
    finally:
        close_database()


@pytest.fixture
def two_sites(tmp_path, capsys, open_data_folder):
    sh, hq = tmp_path / "sh01", tmp_path / "hq"
    new_folders(open_data_folder, sh, hq)
    assert run(capsys, "--data-dir", sh, "init", "--site", "SH01", "--name", "上海浦东店")[0] == 0
    _add_cases(open_data_folder, sh, 15)
    assert run(capsys, "--data-dir", hq, "init", "--site", "HQ", "--name", "总部")[0] == 0
    return sh, hq


def test_export_then_import_prints_counts_and_exit_status(two_sites, tmp_path, capsys, db_engine):
    sh, hq = two_sites
    out = tmp_path / "SH01 台账.xlsx"
    code, text, err = run(capsys, "--data-dir", sh, "ledger", "export", out, "--mask-phone")
    assert code == 0, err
    assert "投诉台账 15 行" in text and "手机号已隐藏" in text and out.exists()

    code, text, _ = run(capsys, "--data-dir", hq, "ledger", "import", out, "--dry-run")
    assert code == 0 and "投诉台账:新增 15" in text and "仅检查" in text
    code, text, _ = run(capsys, "--data-dir", hq, "ledger", "import", out)
    assert code == 0, text
    assert "投诉台账:新增 15" in text and "导入完成" in text
    # a backup file first, in this PC's backups on either engine (docs/server.md)
    assert f"导入前备份:{Path(hq).resolve() / 'backups'}" in text
    code, text, _ = run(capsys, "--data-dir", hq, "ledger", "import", out)
    assert code == 0 and "投诉台账:新增 0 更新 0 未变 15" in text
    # the server's whole database is copied once a day on this PC: the second names it
    assert ("本次沿用今天的这份" in text) == (db_engine == "postgresql")


def test_rejected_rows_give_exit_1_and_a_rejects_file(two_sites, tmp_path, capsys):
    sh, hq = two_sites
    out = tmp_path / "a.xlsx"
    assert run(capsys, "--data-dir", sh, "ledger", "export", out)[0] == 0
    wb = load_workbook(out)
    ws = wb["投诉台账"]
    headers = [c.value for c in ws[1]]
    ws.cell(2, headers.index("性质") + 1).value = "表扬"
    wb.save(out)
    rejects = tmp_path / "rejects.xlsx"
    code, text, _ = run(capsys, "--data-dir", hq, "ledger", "import", out, "--rejects", rejects)
    assert code == 1
    assert "拒绝:“投诉台账”第 2 行“性质”列" in text and "新增 14" in text
    assert rejects.exists() and "被拒绝的行已写入" in text
    code, text, _ = run(capsys, "--data-dir", hq, "ledger", "import", out, "--all-or-nothing")
    assert code == 1  # the row is still bad


def test_refused_file_and_incremental_export(two_sites, tmp_path, capsys):
    sh, hq = two_sites
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not a workbook")
    code, text, _ = run(capsys, "--data-dir", hq, "ledger", "import", junk)
    assert code == 1 and "已拒绝整个文件" in text
    out = tmp_path / "inc.xlsx"
    code, text, _ = run(capsys, "--data-dir", sh, "ledger", "export", out)
    assert code == 0 and "范围:全部" in text
    code, text, _ = run(capsys, "--data-dir", sh, "ledger", "export", out)
    assert code == 0 and "范围:增量" in text
    code, text, _ = run(
        capsys, "--data-dir", sh, "ledger", "export", tmp_path / "s.xlsx", "--since", "2999-01-01"
    )
    assert code == 0 and "投诉台账 0 行" in text
    code, _, err = run(
        capsys, "--data-dir", sh, "ledger", "export", tmp_path / "t.xlsx", "--since", "昨天"
    )
    assert code == 2 and "无法识别的时间" in err


def test_full_export_sites_and_acting_account(
    two_sites, tmp_path, capsys, monkeypatch, open_data_folder
):
    sh, hq = two_sites
    out = tmp_path / "full.xlsx"
    code, _, err = run(capsys, "--data-dir", sh, "ledger", "export", out)
    assert code == 0 and "站点管理员" in err  # no --user: the site's administrator acts
    code, text, _ = run(capsys, "--data-dir", sh, "ledger", "export", out, "--full")
    assert code == 0 and "范围:全部" in text and "投诉台账 15 行" in text
    code, text, _ = run(
        capsys,
        "--data-dir",
        sh,
        "ledger",
        "export",
        tmp_path / "x.xlsx",
        "--full",
        "--site",
        "SH02",
    )
    assert code == 0 and "站点:SH02" in text and "投诉台账 0 行" in text
    # HQ, having imported SH01, exports SH01's records (and all sites).
    assert run(capsys, "--data-dir", hq, "ledger", "import", out)[0] == 0
    code, text, _ = run(
        capsys, "--data-dir", hq, "ledger", "export", tmp_path / "b.xlsx", "--site", "sh01"
    )
    assert code == 0 and "站点:SH01" in text and "投诉台账 15 行" in text
    code, text, _ = run(
        capsys, "--data-dir", hq, "ledger", "export", tmp_path / "c.xlsx", "--all-sites"
    )
    assert code == 0 and "站点:全部" in text and "投诉台账 15 行" in text

    # A signed-in 部门经理 may neither export nor import (docs/permissions.md).
    now = datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ)
    open_data_folder(sh)
    try:
        users.create_first_admin("admin", "管理员", "admin-pass-1", now=now)
        admin = users.context_for_user(signin.sign_in("admin", "admin-pass-1", now))
        users.add_user(
            admin,
            "mgr",
            "李经理",
            ["部门经理"],
            "mgr-pass-1",
            must_change_password=False,
            department="售后服务部",
        )
    finally:
        close_database()
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", "mgr-pass-1")
    code, _, err = run(
        capsys, "--user", "mgr", "--data-dir", sh, "ledger", "export", tmp_path / "d.xlsx"
    )
    assert code == 2 and not (tmp_path / "d.xlsx").exists() and "错误" in err
    code, _, err = run(capsys, "--user", "mgr", "--data-dir", sh, "ledger", "import", out)
    assert code == 2 and "错误" in err


def test_commands_are_listed(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "ledger" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["ledger", "--help"])
    text = capsys.readouterr().out
    assert "export" in text and "import" in text
    assert Path(__file__).name


def test_an_import_keeps_the_imported_cases_stats_summaries(
    tmp_path, capsys, open_data_folder, folder_rows
):
    """After ``ledger import`` every month opens at the kept speed: the closed cases it
    brought have their 统计 summaries kept, as the demo command keeps its own."""
    sh, hq = tmp_path / "sh01", tmp_path / "hq"
    new_folders(open_data_folder, sh, hq)
    assert run(capsys, "--data-dir", sh, "demo", "--cases", "60", "--seed", "2")[0] == 0
    assert run(capsys, "--data-dir", hq, "init", "--site", "HQ", "--name", "总部")[0] == 0
    out = tmp_path / "SH01.xlsx"
    assert run(capsys, "--data-dir", sh, "ledger", "export", out)[0] == 0
    code, text, _ = run(capsys, "--data-dir", hq, "ledger", "import", out)
    assert code == 0, text
    ((closed,),) = folder_rows(hq, "SELECT count(*) FROM cases WHERE state = '已关闭'")
    ((kept,),) = folder_rows(hq, "SELECT count(*) FROM stats_summaries")
    assert closed > 0 and kept == closed and f"已汇总 {kept} 条" in text


def test_import_and_its_check_say_how_far_they_are_on_stderr(two_sites, tmp_path, capsys):
    """Not a terminal (capsys): a few whole lines on stderr, the output on stdout as ever."""
    sh, hq = two_sites
    out = tmp_path / "SH01.xlsx"
    assert run(capsys, "--data-dir", sh, "ledger", "export", out)[0] == 0
    code, text, err = run(capsys, "--data-dir", hq, "ledger", "import", out, "--dry-run")
    assert code == 0 and "正在检查" not in text and "\r" not in err
    said = [line for line in err.splitlines() if line.startswith("正在检查:")]
    assert said and len(said) <= 5 and said[-1].startswith("正在检查:100%(")
    code, text, err = run(capsys, "--data-dir", hq, "ledger", "import", out)
    assert code == 0 and "投诉台账:新增 15" in text and "正在导入" not in text
    said = [line for line in err.splitlines() if line.startswith("正在导入:")]
    assert said and len(said) <= 5 and "行)" in said[-1] and "SH01.xlsx" in said[-1]


def test_ctrl_c_during_the_import_leaves_the_database_as_before(
    two_sites, tmp_path, capsys, monkeypatch, folder_rows
):
    """Ctrl+C while the import runs (heard at its progress, inside its one transaction):
    the KeyboardInterrupt goes on as ever, nothing was imported, and on a terminal the
    progress line is ended, not left for the next words to run into."""
    from desktop.commands import ledger as ledger_command

    sh, hq = two_sites
    out = tmp_path / "SH01.xlsx"
    assert run(capsys, "--data-dir", sh, "ledger", "export", out)[0] == 0
    ((before,),) = folder_rows(hq, "SELECT count(*) FROM cases")
    terminal = _Terminal()

    class Interrupted(ledger_command.ProgressLine):
        def __init__(self, label: str, *, unit: str = "") -> None:
            super().__init__(label, unit=unit, stream=terminal)

        def __call__(self, done: int, total: int, text: str = "") -> None:
            super().__call__(done, total, text)
            raise KeyboardInterrupt

    plain = ledger_command.ProgressLine
    monkeypatch.setattr(ledger_command, "ProgressLine", Interrupted)
    with pytest.raises(KeyboardInterrupt):
        main([*database_args(str(hq)), "--data-dir", str(hq), "ledger", "import", str(out)])
    assert terminal.getvalue().startswith("\r正在导入:") and terminal.getvalue().endswith("\n")
    ((after,),) = folder_rows(hq, "SELECT count(*) FROM cases")
    assert after == before == 0
    monkeypatch.setattr(ledger_command, "ProgressLine", plain)
    code, text, err = run(capsys, "--data-dir", hq, "ledger", "import", out)
    assert code == 0, err
    assert "投诉台账:新增 15" in text  # nothing of the first was kept


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True
