"""``ledger import`` copies SQLite's log into the database file as soon as the import
returns, before it says 导入完成 (complaints/usecases/checkpoint.py); on the office server
there is nothing to copy and nothing runs."""

from __future__ import annotations

from pathlib import Path

from complaints.usecases import checkpoint
from db.database import close_database
from db.wal import Checkpointed
from tests.cli.test_ledger_cli import new_folders, run
from tests.ledger.helpers import ctx_for, new_case


def _folders(tmp_path: Path, capsys, open_data_folder) -> tuple[Path, Path]:
    sh, hq = tmp_path / "sh01", tmp_path / "hq"
    new_folders(open_data_folder, sh, hq)
    assert run(capsys, "--data-dir", sh, "init", "--site", "SH01", "--name", "上海浦东店")[0] == 0
    open_data_folder(sh)
    try:
        for i in range(5):
            new_case(ctx_for("SH01"), customer_name=f"客户{i}")
    finally:
        close_database()
    assert run(capsys, "--data-dir", hq, "init", "--site", "HQ", "--name", "总部")[0] == 0
    return sh, hq


def test_the_import_command_checkpoints_before_it_says_done(
    tmp_path, capsys, open_data_folder, monkeypatch, db_engine
):
    sh, hq = _folders(tmp_path, capsys, open_data_folder)
    out = tmp_path / "SH01.xlsx"
    assert run(capsys, "--data-dir", sh, "ledger", "export", out)[0] == 0
    done: list[Checkpointed | None] = []
    real = checkpoint.after_import

    def spied() -> Checkpointed | None:
        done.append(real())
        print("[checkpoint]")
        return done[-1]

    monkeypatch.setattr(checkpoint, "after_import", spied)
    code, text, err = run(capsys, "--data-dir", hq, "ledger", "import", out)
    assert code == 0, err
    if db_engine == "sqlite":
        assert len(done) == 1 and done[0] is not None and done[0].complete
        assert text.index("[checkpoint]") < text.index("导入完成")
    else:
        assert done == [] and "导入完成" in text


def test_a_failed_checkpoint_leaves_the_import_standing(
    tmp_path, capsys, open_data_folder, monkeypatch, folder_rows, db_engine
):
    sh, hq = _folders(tmp_path, capsys, open_data_folder)
    out = tmp_path / "SH01.xlsx"
    assert run(capsys, "--data-dir", sh, "ledger", "export", out)[0] == 0

    def failing() -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(checkpoint, "after_import", failing)
    code, text, err = run(capsys, "--data-dir", hq, "ledger", "import", out)
    assert code == 0, err
    assert "导入完成" in text
    assert ("数据库文件未能整理" in text) == (db_engine == "sqlite")
    ((imported,),) = folder_rows(hq, "SELECT count(*) FROM cases WHERE site = 'SH01'")
    assert imported == 5
