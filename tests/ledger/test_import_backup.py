"""The backup a ledger import writes before it changes anything, on both engines: a file
the same ``restore`` reads, in this PC's backups folder (on the server the first import of
the day on this PC makes it, later ones that day name it)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from complaints.usecases import ledger_export, ledger_import
from complaints.usecases.errors import UseCaseError
from db.backup import integrity_problems, list_backups
from db.models import on_server
from tests.conftest import run_cli
from tests.ledger.helpers import T0, ctx_for, new_case


@pytest.fixture
def exported(sites, tmp_path):
    ctx = sites.use("SH01")
    new_case(ctx, customer_name="甲")
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    sites.use("HQ")
    return out


def _before_import(folder):
    return [b.path for b in list_backups(folder) if b.reason == "before-import"]


def test_an_import_stands_on_a_backup_restore_reads(exported, sites, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing may land in the working directory
    backups = sites.root / "HQ" / "backups"
    first = ledger_import.apply_import(ctx_for("HQ"), [exported])
    assert first.applied and first.backup is not None
    assert first.backup.parent == backups and first.backup.exists()
    assert integrity_problems(first.backup, quick=True) == []
    assert first.backup_said == f"导入前备份:{first.backup}"
    assert not (tmp_path / "backups").exists() and not (tmp_path / "partial").exists()

    later = ctx_for("HQ", T0 + timedelta(hours=2))  # the same day
    second = ledger_import.apply_import(later, [exported])
    if on_server():  # the office's whole database copied once a day on this PC
        assert second.backup == first.backup
        assert "本次沿用今天的这份" in second.backup_said
        assert _before_import(backups) == [first.backup]
    else:  # a page copy before every import
        assert second.backup != first.backup and len(_before_import(backups)) == 2

    next_day = ctx_for("HQ", T0 + timedelta(days=1))
    third = ledger_import.apply_import(next_day, [exported])
    assert third.backup not in (first.backup, second.backup)
    assert third.backup is not None and third.backup_said == f"导入前备份:{third.backup}"


def test_the_servers_import_backup_is_restored_on_a_pc(exported, sites, tmp_path, capsys):
    report = ledger_import.apply_import(ctx_for("HQ"), [exported])
    assert report.backup is not None
    pc = tmp_path / "other-pc"
    code, _out, err = run_cli(capsys, pc, "restore", str(report.backup))
    assert code == 0, err
    code, out, err = run_cli(capsys, pc, "check")
    assert code == 0, out + err


def test_an_import_whose_backup_cannot_be_written_imports_nothing(exported, sites, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the backups folder should be")
    with pytest.raises(UseCaseError, match="导入前备份失败,未导入任何数据"):
        ledger_import.apply_import(ctx_for("HQ"), [exported], backup_dir=blocked)
