"""``restore`` onto the office server: a backup file (the server's own, or a PC's) replaces
every row of the server after a confirmation, the server's data before it is kept as a
backup file, the counts agree and the audit chain verifies afterwards."""

from __future__ import annotations

import sqlite3

from complaints.usecases import attachments, cases
from db.database import close_database, open_server
from db.models import database
from tests.conftest import run_cli, sh01_context


def _new_case(content: str) -> int:
    ctx = sh01_context()
    values = cases.blank_case(ctx)
    values.update(customer_name="张伟", content=content)
    return cases.create_case(ctx, values).id


def test_a_backup_restored_onto_the_server(capsys, tmp_path, server_address):
    url, pc = str(server_address), tmp_path / "pc"
    assert run_cli(capsys, pc, "--database", url, "init", "--site", "SH01", "--name", "店")[0] == 0
    open_server(server_address)
    try:
        kept_id = _new_case("锦旗表扬服务顾问")
        photo = tmp_path / "锦旗.jpg"
        photo.write_bytes(b"\xff\xd8 the banner")
        attachments.add_attachment(sh01_context(), kept_id, photo, pc / "attachments")
    finally:
        close_database()
    backup = tmp_path / "server.sqlite3"
    assert run_cli(capsys, pc, "--database", url, "backup", "--out", str(backup))[0] == 0
    open_server(server_address)
    try:
        later_id = _new_case("备份之后的投诉")
    finally:
        close_database()

    code, _out, err = run_cli(capsys, pc, "--database", url, "restore", str(backup))
    assert code == 2 and "--yes" in err  # nobody to confirm: nothing done
    open_server(server_address)
    try:
        assert cases.get_case(later_id)["content"] == "备份之后的投诉"
    finally:
        close_database()

    code, out, err = run_cli(capsys, pc, "--database", url, "restore", str(backup), "--yes")
    assert code == 0, out + err
    assert "  cases:1 → 1" in out and "服务器上原来的数据已保存为" in out
    assert run_cli(capsys, pc, "--database", url, "check")[0] == 0  # the audit chain among them
    open_server(server_address)
    try:
        assert [c for c in cases.search("") if c == later_id] == []
        assert cases.get_case(kept_id)["content"] == "锦旗表扬服务顾问"
        assert _new_case("恢复后的新投诉") > kept_id  # the sequence is past the restored ids
        [att] = attachments.list_attachments(kept_id)
        seat = tmp_path / "seat2" / "attachments"
        assert attachments.attachment_path(att["id"], seat).read_bytes() == photo.read_bytes()
        events = [r[0] for r in database.execute_sql("SELECT event FROM audit_log")]
        assert events[-2] == "data.restore"
    finally:
        close_database()
    [kept] = (pc / "backups").glob("*before-restore*")
    old = sqlite3.connect(kept)
    try:  # what the restore replaced, kept whole
        assert old.execute("SELECT count(*) FROM cases").fetchone()[0] == 2
    finally:
        old.close()


def test_another_sites_backup_is_refused_onto_the_server(capsys, tmp_path, server_address):
    url, pc = str(server_address), tmp_path / "pc"
    assert run_cli(capsys, pc, "--database", url, "init", "--site", "SH01", "--name", "店")[0] == 0
    other = tmp_path / "other"
    assert run_cli(capsys, other, "init", "--site", "BJ02", "--name", "北京店")[0] == 0
    backup = tmp_path / "bj02.sqlite3"
    assert run_cli(capsys, other, "backup", "--out", str(backup))[0] == 0
    code, _out, err = run_cli(capsys, pc, "--database", url, "restore", str(backup), "--yes")
    assert code == 2 and "BJ02" in err and "--other-site" in err
    code, out, err = run_cli(
        capsys, pc, "--database", url, "restore", str(backup), "--yes", "--other-site"
    )
    assert code == 0, out + err
    assert run_cli(capsys, pc, "--database", url, "check")[0] == 0
