"""Attachments and signed sheets' scans on the office server: their contents live in the
database, so a second seat (another session, another PC's folder) opens them; check and the
server's backup cover them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from complaints.usecases import attachments, cases, printed_forms, printing, storage
from db.database import close_database, open_database, open_server
from db.models import database
from tests.conftest import FIXED_NOW, run_cli, sh01_context

T = TypeVar("T")


def _on_other_seat(job: Callable[[], T]) -> T:
    """``job`` on another thread: its own session on the server, as another seat's."""
    out: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            out.append(job())
        except BaseException as e:
            errors.append(e)
        finally:
            database.close()

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if errors:
        raise errors[0]
    return out[0]


def _case(ctx) -> int:
    values = cases.blank_case(ctx)
    values.update(customer_name="张伟", content="保养后发动机异响", vin="LSVAU2180N2183456")
    return cases.create_case(ctx, values).id


def test_an_attachment_added_on_one_seat_opens_on_another(server_ctx, tmp_path):
    case_id = _case(server_ctx)
    photo = tmp_path / "in" / "鼓包.jpg"
    photo.parent.mkdir()
    photo.write_bytes(b"\xff\xd8 a photo of the bulge")
    here, there = tmp_path / "pc1" / "attachments", tmp_path / "pc2" / "attachments"
    a = attachments.add_attachment(server_ctx, case_id, photo, here)
    assert not here.exists() or not any(p.is_file() for p in here.rglob("*"))  # in the database

    def open_it() -> bytes:
        [row] = attachments.list_attachments(case_id)
        return attachments.viewing_copy(row["id"], there, tmp_path / "pc2" / "open").read_bytes()

    assert _on_other_seat(open_it) == photo.read_bytes()
    assert storage.run_checks() == []
    attachments.remove_attachment(server_ctx, a["id"], here)
    assert database.execute_sql("SELECT count(*) FROM blobs").fetchone()[0] == 0


def test_a_scan_stored_on_one_seat_opens_on_another(server_ctx, tmp_path):
    case_id = _case(server_ctx)
    res = printing.print_case_form(
        server_ctx, case_id, "A", templates_dir=None, printed_dir=tmp_path / "pc1" / "printed"
    )
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 the signed sheet")
    when = FIXED_NOW + timedelta(days=1)
    row = printed_forms.mark_signed_returned(
        server_ctx, res.printed_ids[0], when, scan, printed_dir=tmp_path / "pc1" / "printed"
    )
    other = tmp_path / "pc2" / "printed"
    path = _on_other_seat(lambda: printed_forms.scan_file(row["id"], other))
    assert path.is_relative_to(other) and path.read_bytes() == scan.read_bytes()


def test_check_on_the_server_says_a_missing_content(server_ctx, tmp_path):
    case_id = _case(server_ctx)
    photo = tmp_path / "发票.pdf"
    photo.write_bytes(b"%PDF invoice")
    attachments.add_attachment(server_ctx, case_id, photo, tmp_path / "store")
    database.execute_sql("DELETE FROM blobs")
    [problem] = storage.run_checks()
    assert "附件“发票.pdf”" in problem and "不在服务器上" in problem


def test_a_server_backup_restored_on_a_pc_keeps_the_attachments(capsys, tmp_path, server_address):
    url = str(server_address)
    pc = tmp_path / "pc"
    assert run_cli(capsys, pc, "--database", url, "init", "--site", "SH01", "--name", "店")[0] == 0
    open_server(server_address)
    try:
        case_id = _case(sh01_context())
        photo = tmp_path / "灯.jpg"
        photo.write_bytes(b"\xff\xd8 the lamp")
        attachments.add_attachment(sh01_context(), case_id, photo, pc / "attachments")
    finally:
        close_database()
    out_file = tmp_path / "server-backup.sqlite3"
    code, _out, err = run_cli(capsys, pc, "--database", url, "backup", "--out", str(out_file))
    assert code == 0, err
    other = tmp_path / "other-pc"
    code, _out, err = run_cli(capsys, other, "restore", str(out_file))
    assert code == 0, err
    open_database(other / "complaintdesk.sqlite3")
    try:
        [row] = attachments.list_attachments(case_id)
        store = Path(other / "attachments")
        assert attachments.attachment_path(row["id"], store).read_bytes() == photo.read_bytes()
    finally:
        close_database()
