"""What a command writes of the office server goes into this PC's data folder (``--data-dir``),
never the working directory: the server's database has no file to sit beside."""

from __future__ import annotations

from pathlib import Path

import pytest

from complaints.usecases import ledger_export, storage
from complaints.usecases.errors import UseCaseError
from db import partfiles
from db.backup import integrity_problems
from db.database import close_database, open_server
from tests.conftest import run_cli


@pytest.fixture
def office(capsys, tmp_path, server_address, monkeypatch):
    """A server database with site SH01, and the working directory an empty folder of its own."""
    pc = tmp_path / "pc"
    url = str(server_address)
    assert run_cli(capsys, pc, "--database", url, "init", "--site", "SH01", "--name", "店")[0] == 0
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return pc, url, cwd


def test_backup_on_the_server_goes_to_the_data_folders_backups(capsys, office):
    pc, url, cwd = office
    code, out, err = run_cli(capsys, pc, "--database", url, "backup")
    assert code == 0, err
    made = sorted((pc / "backups").glob("complaintdesk-*-manual.sqlite3"))
    assert len(made) == 1 and integrity_problems(made[0]) == []
    assert f"已备份到 {made[0]}" in out  # the message says where, in full
    assert list(cwd.iterdir()) == []


def test_a_backup_with_no_data_folder_known_is_refused_not_put_in_the_working_directory(
    office, server_address
):
    pc, _url, cwd = office
    open_server(server_address)  # no data folder named
    try:
        with pytest.raises(UseCaseError, match=r"--data-dir"):
            storage.backup_now()
    finally:
        close_database()
    open_server(server_address, data_folder=pc)
    try:
        path = storage.backup_now()
    finally:
        close_database()
    assert path.parent == pc / "backups" and path.exists()
    assert list(cwd.iterdir()) == []


def test_a_ledger_exports_half_written_marker_is_in_the_data_folder(capsys, office, monkeypatch):
    pc, url, cwd = office
    registries: list[Path | None] = []

    class Recorded(partfiles.Partial):
        def __enter__(self) -> Path:
            registries.append(self.registry)
            return super().__enter__()

    monkeypatch.setattr(ledger_export, "Partial", Recorded)
    out_file = pc.parent / "ledger.xlsx"
    code, _out, err = run_cli(capsys, pc, "--database", url, "ledger", "export", str(out_file))
    assert code == 0, err
    assert out_file.exists() and list(cwd.iterdir()) == []
    assert registries == [pc / partfiles.REGISTRY]
