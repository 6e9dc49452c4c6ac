"""``migrate-to``: a demo office's data folder onto an empty office server and back, on the
throwaway cluster. Every table is copied (the list is the change journal's), the counts
agree, the audit chain verifies on the server and back, a case's attachment and a sheet's
scan open, and the ledger export is the same from either engine."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest

from complaints.rules.permissions import ROLES
from complaints.usecases import attachments, cases, printed_forms, printing, site
from db import server_move
from db.database import close_database, open_database, open_server
from db.fts import BIGRAM_INDEXES, TRIGRAM_INDEXES
from db.models import database
from tests.conftest import run_cli

PHOTO = b"\xff\xd8 the bulge on the tyre"
SCAN = b"%PDF-1.4 the signed handling sheet"


def _office(capsys, pc: Path) -> tuple[int, int]:
    """A demo folder of 200 cases with users, an attachment and a stored scan: (the case of
    the attachment, the sheet of the scan)."""
    code, _out, err = run_cli(capsys, pc, "demo", "--cases", "200", "--with-users")
    assert code == 0, err
    open_database(pc / "complaintdesk.sqlite3")
    try:
        ctx = dataclasses.replace(site.context_for("测试员"), roles=frozenset(ROLES))
        case_id = cases.search("")[0] if cases.search("") else 1
        photo = pc.parent / "鼓包.jpg"
        photo.write_bytes(PHOTO)
        attachments.add_attachment(ctx, case_id, photo, pc / "attachments")
        res = printing.print_case_form(
            ctx, case_id, "A", templates_dir=None, printed_dir=pc / "printed"
        )
        scan = pc.parent / "scan.pdf"
        scan.write_bytes(SCAN)
        printed_forms.mark_signed_returned(
            ctx,
            res.printed_ids[0],
            ctx.now() + timedelta(hours=1),
            scan,
            printed_dir=pc / "printed",
        )
        return case_id, res.printed_ids[0]
    finally:
        close_database()


def _file_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {t: server_move.file_count(conn, t) for t in server_move.copied_tables(conn)}
    finally:
        conn.close()


def _ledger_rows(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return {
            ws.title: sorted(map(tuple, ws.iter_rows(values_only=True)), key=repr)
            for ws in book.worksheets
        }
    finally:
        book.close()


def test_an_office_moves_onto_the_server_and_back(capsys, tmp_path, server_address):
    pc = tmp_path / "pc"
    case_id, sheet_id = _office(capsys, pc)
    url = str(server_address)
    before = _file_counts(pc / "complaintdesk.sqlite3")
    assert before["cases"] == 200 and before["users"] >= 4 and before["audit_log"] > 0

    code, out, err = run_cli(capsys, pc, "migrate-to", url)
    assert code == 0, out + err
    assert "  cases:200 → 200" in out and "迁移完成" in out
    assert "已复制 cases:200 行" in out  # each table's progress line says its rows
    for table in before:  # every table's count is said
        assert f"  {table}:" in out

    seat = tmp_path / "seat2"
    code, out, err = run_cli(capsys, seat, "--database", url, "check")
    assert code == 0, out + err

    # the ledger exchange works the same from either engine
    here, there = tmp_path / "from-sqlite.xlsx", tmp_path / "from-server.xlsx"
    assert run_cli(capsys, pc, "ledger", "export", str(here), "--full")[0] == 0
    code, out, err = run_cli(
        capsys, seat, "--database", url, "ledger", "export", str(there), "--full"
    )
    assert code == 0, out + err
    mine, theirs = _ledger_rows(here), _ledger_rows(there)
    assert mine.keys() == theirs.keys()
    for sheet in mine:
        if sheet != "说明":  # the file's own notes: when and where it was written
            assert mine[sheet] == theirs[sheet], sheet
    assert len(mine["投诉台账"]) == 201

    open_server(server_address)
    try:
        # the planner has the copied rows' statistics at once (not an empty database's)
        analysed = database.execute_sql(
            "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
        ).fetchall()
        assert {"cases", "cases_fts"} <= {r[0] for r in analysed}
        [att] = attachments.list_attachments(case_id)
        opened = attachments.attachment_path(att["id"], seat / "attachments")
        assert opened.read_bytes() == PHOTO
        assert printed_forms.scan_file(sheet_id, seat / "printed").read_bytes() == SCAN
        # the copy built the indexes it left out while copying (the search's among them)
        indexes = {r[0] for r in database.execute_sql("SELECT indexname FROM pg_indexes")}
        assert {"cases_fts_doc", "entries_case_at"} <= indexes
        # the audit trail's head is at the last entry copied, and moves with the next one
        last = "SELECT max(id), (SELECT last_id FROM audit_head) FROM audit_log"
        copied_last, head = database.execute_sql(last).fetchone()
        assert head == copied_last
        ctx = dataclasses.replace(site.context_for("测试员"), roles=frozenset(ROLES))
        values = cases.blank_case(ctx)
        values.update(customer_name="新客户", content="迁移后新建的投诉单")
        new_id = cases.create_case(ctx, values).id
        newest, head = database.execute_sql(last).fetchone()
        assert head == newest > copied_last
        assert new_id > max(before.get("cases", 0), 200)  # the sequence is past the copied ids
        database.execute_sql("DELETE FROM cases WHERE id = ?", (new_id,))
    finally:
        close_database()

    open_server(server_address)
    try:
        on_server = {t: server_move.count(t) for t in before}
    finally:
        close_database()
    back = tmp_path / "back"
    code, out, err = run_cli(capsys, seat, "--database", url, "migrate-to", f"sqlite:{back}")
    assert code == 0, out + err
    assert "迁移完成" in out
    code, out, err = run_cli(capsys, back, "check")
    assert code == 0, out + err
    after = _file_counts(back / "complaintdesk.sqlite3")
    moved = {t: n for t, n in after.items() if t != "blobs"}
    assert moved == {t: n for t, n in on_server.items() if t != "blobs"}
    assert on_server["blobs"] == 2  # the attachment and the scan, files again when back
    open_database(back / "complaintdesk.sqlite3")
    try:
        [att] = attachments.list_attachments(case_id)
        assert attachments.attachment_path(att["id"], back / "attachments").read_bytes() == PHOTO
        assert printed_forms.scan_file(sheet_id, back / "printed").read_bytes() == SCAN
        assert database.execute_sql("SELECT count(*) FROM blobs").fetchone()[0] == 0  # files
    finally:
        close_database()


def test_a_server_database_that_is_not_empty_is_refused_naming_what_it_holds(
    capsys, tmp_path, server_address
):
    url = str(server_address)
    code, _out, err = run_cli(
        capsys, tmp_path / "srv", "--database", url, "init", "--site", "SH09", "--name", "店"
    )
    assert code == 0, err
    pc = tmp_path / "pc"
    assert run_cli(capsys, pc, "init", "--site", "SH01", "--name", "上海浦东店")[0] == 0
    code, _out, err = run_cli(capsys, pc, "migrate-to", url)
    assert code == 2
    assert "不是空的" in err and "settings" in err and "未作任何改动" in err


def test_a_failed_copy_leaves_the_server_empty(capsys, tmp_path, server_address, monkeypatch):
    pc = tmp_path / "pc"
    assert run_cli(capsys, pc, "init", "--site", "SH01", "--name", "上海浦东店")[0] == 0
    # the seeded ledger row copied over the server's own: the server refuses the duplicate
    monkeypatch.setattr(server_move, "SEEDED", ())
    code, out, err = run_cli(capsys, pc, "migrate-to", str(server_address))
    assert code == 2
    assert "迁移失败" in err and "ledger_meta" in err and "未作任何改动" in err
    assert server_move.what_it_holds(server_address) == []  # nothing half-copied
    monkeypatch.undo()
    code, out, err = run_cli(capsys, pc, "migrate-to", str(server_address))
    assert code == 0, out + err


def test_every_table_is_copied_or_said_why_not(db_path):
    conn = sqlite3.connect(db_path)
    try:
        names = {
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith(
                ("sqlite_", *(f"{i}_" for i in (*TRIGRAM_INDEXES, *BIGRAM_INDEXES)))
            )
        }
        copied = set(server_move.copied_tables(conn))
        assert copied | set(server_move.NOT_COPIED) == names
        assert {"cases", "entries", "sanctions", "users", "blobs", "attachments"} <= copied
        conn.execute("CREATE TABLE gadgets (id INTEGER PRIMARY KEY)")
        with pytest.raises(server_move.UnknownTable, match="gadgets"):
            server_move.copied_tables(conn)
    finally:
        conn.close()


def test_the_way_back_needs_a_server_and_a_new_folder(capsys, tmp_path, server_address):
    pc = tmp_path / "pc"
    assert run_cli(capsys, pc, "init", "--site", "SH01", "--name", "上海浦东店")[0] == 0
    code, _out, err = run_cli(capsys, pc, "migrate-to", f"sqlite:{tmp_path / 'new'}")
    assert code == 2 and "--database" in err
    url = str(server_address)
    code, _out, err = run_cli(capsys, pc, "--database", url, "migrate-to", url)
    assert code == 2 and "不要同时" in err
    assert run_cli(capsys, pc, "migrate-to", url)[0] == 0
    code, _out, err = run_cli(
        capsys, tmp_path / "s", "--database", url, "migrate-to", f"sqlite:{pc}"
    )
    assert code == 2 and "已有数据库" in err
    code, _out, err = run_cli(capsys, pc, "migrate-to", "mysql://u@h/d")
    assert code == 2 and "sqlite:" in err
