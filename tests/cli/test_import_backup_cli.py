"""``ledger import`` on the office server writes its backup of the office as it was beside
the import and waits for it before it ends, saying so; on SQLite the page copy comes first
as before."""

from __future__ import annotations

import sqlite3

from db.backup import list_backups
from db.models import on_server
from tests.cli.test_audit_chain_cli import _add_cases
from tests.cli.test_ledger_cli import new_folders, run


def test_the_import_says_where_its_backup_is_and_when_it_is_written(
    tmp_path, capsys, open_data_folder
):
    sh, hq = tmp_path / "sh01", tmp_path / "hq"
    new_folders(open_data_folder, sh, hq)
    out = tmp_path / "SH01.xlsx"
    assert run(capsys, "--data-dir", sh, "init", "--site", "SH01", "--name", "上海浦东店")[0] == 0
    assert run(capsys, "--data-dir", hq, "init", "--site", "HQ", "--name", "总部")[0] == 0
    _add_cases(open_data_folder, sh, 3)
    assert run(capsys, "--data-dir", sh, "ledger", "export", out)[0] == 0

    code, text, err = run(capsys, "--data-dir", hq, "ledger", "import", out)
    assert code == 0, text + err
    (backup,) = [b.path for b in list_backups(hq / "backups")]
    if on_server():
        said = text.splitlines()
        begun = said.index(f"导入前备份:{backup}(与导入同时写入导入前的数据,本命令结束前等它写完)")
        waiting = said.index("正在等待导入前备份写完……")
        assert begun < waiting < said.index(f"导入前备份已写完:{backup}")
    else:
        assert f"导入前备份:{backup}" in text
    with sqlite3.connect(f"file:{backup}?mode=ro", uri=True) as db:  # HQ before the import
        assert db.execute("SELECT count(*) FROM cases").fetchone() == (0,)
