"""init / check / backup / restore run in-process through desktop.cli.main."""

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import db.location
from complaints.rules.permissions import ROLES
from complaints.usecases import cases
from complaints.usecases.context import Context
from db.database import close_database, open_database
from desktop.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def data(tmp_path, capsys, open_data_folder):
    """A data folder initialised by ``init``; on the server its database is the test's."""
    d = tmp_path / "数据"
    open_data_folder(d)
    close_database()
    code, out, _ = run(capsys, "--data-dir", d, "init", "--site", "SH01", "--name", "上海浦东店")
    assert code == 0, out
    return d


def _add_cases(d, n=3):
    open_database(d / "complaintdesk.sqlite3")
    ctx = Context(site="SH01", actor="测试员", roles=frozenset(ROLES), department="客服部")
    for i in range(n):
        v = cases.blank_case(ctx)
        v.update(
            customer_name=f"客户{i}", content=f"第{i}号:空调不制冷,要求检修", phone="13600003333"
        )
        cases.create_case(ctx, v)
    close_database()


def _count(d):
    conn = sqlite3.connect(d / "complaintdesk.sqlite3")
    try:
        return conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.sqlite_only("the SQLite file init makes in the data folder")
def test_init_creates_folder_and_prints_where(tmp_path, capsys):
    d = tmp_path / "new"
    code, out, err = run(capsys, "--data-dir", d, "init", "--site", "sh01", "--name", "上海浦东店")
    assert code == 0
    assert "已初始化站点 SH01 上海浦东店" in out and str(d) in out
    assert (d / "complaintdesk.sqlite3").exists() and (d / "backups").is_dir()
    assert err == ""  # tmp is not a network drive


def test_init_again_same_site_is_fine_other_site_refused(data, capsys, db_engine):
    code, out, _ = run(capsys, "--data-dir", data, "init", "--site", "SH01", "--name", "浦东店")
    assert code == 0 and "改为“浦东店”" in out
    code, _, err = run(capsys, "--data-dir", data, "init", "--site", "BJ02", "--name", "北京店")
    assert code == 2 and "已属于站点 SH01" in err
    assert ("complaintdesk.sqlite3" if db_engine == "sqlite" else "服务器 本机套接字/") in err


@pytest.mark.sqlite_only("no data folder made: on the server the folder is made first")
def test_init_bad_code_creates_nothing(tmp_path, capsys):
    d = tmp_path / "x"
    code, _, err = run(capsys, "--data-dir", d, "init", "--site", "1!", "--name", "店")
    assert code == 2 and "站点代码" in err
    assert not d.exists()


@pytest.mark.sqlite_only("the SQLite file on a network drive")
def test_init_warns_on_network_drive(tmp_path, capsys, monkeypatch):
    mounts = [("/", "ext4"), (str(tmp_path), "cifs")]
    monkeypatch.setattr(db.location, "read_mounts", lambda: mounts)
    code, _, err = run(
        capsys, "--data-dir", tmp_path / "d", "init", "--site", "SH01", "--name", "上海浦东店"
    )
    assert code == 0 and err.startswith("警告:") and "cifs" in err


@pytest.mark.sqlite_only("SQLite's search index (cases_fts), damaged in the file")
def test_check_clean_and_with_problems(data, capsys):
    _add_cases(data)
    code, out, _ = run(capsys, "--data-dir", data, "check")
    assert code == 0 and "检查通过" in out
    conn = sqlite3.connect(data / "complaintdesk.sqlite3")
    conn.execute("DELETE FROM cases_fts WHERE rowid = 2")
    conn.commit()
    conn.close()
    code, out, _ = run(capsys, "--data-dir", data, "check")
    assert code == 1
    assert "(cases 表 id 2)在搜索索引 cases_fts 中缺失" in out and "1 个问题" in out
    assert "check --rebuild-index" in out
    code, out, _ = run(capsys, "--data-dir", data, "check", "--rebuild-index")
    assert code == 0 and "已重建搜索索引" in out and "检查通过" in out


@pytest.mark.sqlite_only("SQLite's search index (cases_fts), damaged in the file")
def test_check_quick_says_its_cost_and_leaves_the_index_to_the_full_check(data, capsys):
    _add_cases(data)
    conn = sqlite3.connect(data / "complaintdesk.sqlite3")
    conn.execute("UPDATE cases_fts SET doc = 'old' WHERE rowid = 2")
    conn.commit()
    conn.close()
    code, out, _ = run(capsys, "--data-dir", data, "check", "--quick")
    assert code == 0 and out.startswith("检查约需 ") and "快速检查通过" in out
    code, out, _ = run(capsys, "--data-dir", data, "check")
    assert code == 1 and out.startswith("检查约需 ") and "搜索索引内容已过时" in out


def test_check_says_how_far_it_is_on_stderr(data, capsys):
    """Not a terminal: a line per part (or per 5 %) on stderr, the output on stdout as ever."""
    _add_cases(data)
    code, out, err = run(capsys, "--data-dir", data, "check")
    assert code == 0 and "检查通过" in out and "正在检查" not in out
    said = [line for line in err.splitlines() if line.startswith("正在检查:")]
    assert 2 <= len(said) <= 25 and said[-1].startswith("正在检查:100%")
    assert "\r" not in err


@pytest.mark.sqlite_only("a data folder without its SQLite file")
def test_check_without_database_is_a_user_error(tmp_path, capsys):
    code, _, err = run(capsys, "--data-dir", tmp_path, "check")
    assert code == 2 and "请先运行 init" in err


@pytest.mark.sqlite_only("a data folder whose SQLite file is not a database")
def test_check_reports_a_file_that_is_not_ours(tmp_path, capsys):
    (tmp_path / "complaintdesk.sqlite3").write_bytes(b"garbage" * 1000)
    code, out, _ = run(capsys, "--data-dir", tmp_path, "check")
    assert code == 1 and "complaintdesk.sqlite3" in out


@pytest.mark.sqlite_only("the data folder's own backups of its SQLite file")
def test_backup_and_restore_round_trip(data, tmp_path, capsys):
    _add_cases(data, 2)
    out_file = tmp_path / "备份.sqlite3"
    code, out, _ = run(capsys, "--data-dir", data, "backup", "--out", out_file)
    assert code == 0 and str(out_file) in out and out_file.exists()
    code, _, err = run(capsys, "--data-dir", data, "backup", "--out", out_file)
    assert code == 2 and "已存在" in err
    code, out, _ = run(capsys, "--data-dir", data, "backup")
    assert code == 0 and "backups" in out
    _add_cases(data, 3)
    assert _count(data) == 5
    code, out, _ = run(capsys, "--data-dir", data, "restore", out_file)
    assert code == 0, out
    assert _count(data) == 2
    kept = next(line.split(":", 1)[1] for line in out.splitlines() if "保存为" in line)
    assert kept.endswith("-before-restore.sqlite3") and Path(kept).exists()
    code, out, _ = run(capsys, "--data-dir", data, "check")
    assert code == 0


@pytest.mark.sqlite_only("the data folder's own backups of its SQLite file")
def test_restore_refusals_name_the_file_and_change_nothing(data, tmp_path, capsys):
    _add_cases(data, 2)
    bad = tmp_path / "坏文件.sqlite3"
    bad.write_text("not a database", encoding="utf-8")
    code, _, err = run(capsys, "--data-dir", data, "restore", bad)
    assert code == 2 and str(bad) in err and "不是 SQLite 数据库文件" in err
    code, _, err = run(capsys, "--data-dir", data, "restore", tmp_path / "nope.sqlite3")
    assert code == 2 and "找不到" in err
    assert _count(data) == 2
    assert not any("before-restore" in p.name for p in (data / "backups").iterdir())


@pytest.mark.sqlite_only("the data folder's own backups of its SQLite file")
def test_restore_into_an_empty_data_folder(data, tmp_path, capsys):
    _add_cases(data, 1)
    f = tmp_path / "b.sqlite3"
    assert run(capsys, "--data-dir", data, "backup", "--out", f)[0] == 0
    fresh = tmp_path / "新电脑"
    code, out, _ = run(capsys, "--data-dir", fresh, "restore", f)
    assert code == 0 and "原来没有数据库" in out
    assert _count(fresh) == 1


def test_commands_through_python_m_desktop(tmp_path, open_data_folder):
    d = tmp_path / "d"
    open_data_folder(d)  # on the server the child process finds it by COMPLAINTDESK_DATABASE
    close_database()
    env_cmd = [sys.executable, "-m", "desktop", "--data-dir", str(d)]
    r = subprocess.run(
        [*env_cmd, "init", "--site", "GZ03", "--name", "广州天河店"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    r = subprocess.run(
        [*env_cmd, "check"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert r.returncode == 0 and "检查通过" in r.stdout
    assert "PySide6" not in r.stderr


def test_storage_commands_load_no_qt(tmp_path, open_data_folder):
    open_data_folder(tmp_path / "q")  # on the server the child finds it as above
    close_database()
    code = (
        "import sys\n"
        "from desktop.cli import main\n"
        f"d = {str(tmp_path / 'q')!r}\n"
        "assert main(['--data-dir', d, 'init', '--site', 'SH01', '--name', '店']) == 0\n"
        "assert main(['--data-dir', d, 'backup']) == 0\n"
        "assert main(['--data-dir', d, 'check']) == 0\n"
        "print(sorted(m for m in sys.modules if m.startswith('PySide6')))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.sqlite_only("the data folder's own backups of its SQLite file")
def test_restore_of_another_sites_backup_needs_other_site(data, tmp_path, capsys):
    _add_cases(data, 1)
    f = tmp_path / "bj.sqlite3"
    assert run(capsys, "--data-dir", data, "backup", "--out", f)[0] == 0
    conn = sqlite3.connect(f)
    conn.execute("UPDATE settings SET value = '\"BJ02\"' WHERE key = 'site.code'")
    conn.commit()
    conn.close()
    code, _, err = run(capsys, "--data-dir", data, "restore", f)
    assert code == 2 and "属于站点 BJ02" in err and "--other-site" in err
    code, out, _ = run(capsys, "--data-dir", data, "restore", f, "--other-site")
    assert code == 0 and "保存为" in out
