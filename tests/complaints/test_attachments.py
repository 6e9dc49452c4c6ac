import dataclasses
import hashlib
import os
import stat

import pytest

from complaints.usecases import attachments as att
from complaints.usecases import cases, settings
from complaints.usecases.errors import NotFound, PermissionDenied, UseCaseError


@pytest.fixture
def case_id(ctx):
    v = cases.blank_case(ctx)
    v.update(customer_name="张伟", content="保养后发动机异响")
    return cases.create_case(ctx, v).id


@pytest.fixture
def store(tmp_path):
    return tmp_path / "data" / "attachments"


def _file(tmp_path, name, data: bytes):
    p = tmp_path / "in" / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


@pytest.mark.sqlite_only(
    "this PC's content store of files; on the server the contents live in the database "
    "(tests/db/test_server_blobs.py)"
)
def test_add_copies_by_hash_and_records(ctx, case_id, store, tmp_path):
    data = b"photo of the scratch"
    src = _file(tmp_path, "划痕照片.jpg", data)
    a = att.add_attachment(ctx, case_id, src, store, note="  前门 ")
    sha = hashlib.sha256(data).hexdigest()
    assert a["sha256"] == sha and a["size"] == len(data)
    assert a["file_name"] == "划痕照片.jpg" and a["added_by"] == "测试员"
    assert a["note"] == "前门" and a["added_at"].utcoffset() is not None
    assert a["already_attached"] is False
    assert (store / sha[:2] / sha).read_bytes() == data
    assert [x["id"] for x in att.list_attachments(case_id)] == [a["id"]]
    src.unlink()  # the original may go away: the store keeps its copy
    assert att.attachment_path(a["id"], store).read_bytes() == data


@pytest.mark.sqlite_only(
    "this PC's content store of files; on the server the contents live in the database "
    "(tests/db/test_server_blobs.py)"
)
def test_same_content_stored_once(ctx, case_id, store, tmp_path):
    v = cases.blank_case(ctx)
    v.update(customer_name="李娜", content="另一单")
    other = cases.create_case(ctx, v).id
    a = att.add_attachment(ctx, case_id, _file(tmp_path, "a.pdf", b"same"), store)
    again = att.add_attachment(ctx, case_id, _file(tmp_path, "copy.pdf", b"same"), store)
    assert again["already_attached"] is True and again["id"] == a["id"]
    b = att.add_attachment(ctx, other, _file(tmp_path, "b.pdf", b"same"), store)
    assert b["id"] != a["id"]
    blobs = [p for p in store.rglob("*") if p.is_file()]
    assert len(blobs) == 1
    # Removing one record keeps the file the other still references.
    att.remove_attachment(ctx, a["id"], store)
    assert att.list_attachments(case_id) == []
    assert att.attachment_path(b["id"], store).read_bytes() == b"same"
    att.remove_attachment(ctx, b["id"], store)
    assert [p for p in store.rglob("*") if p.is_file()] == []


def test_missing_file_refused(ctx, case_id, store, tmp_path):
    with pytest.raises(UseCaseError, match="找不到文件"):
        att.add_attachment(ctx, case_id, tmp_path / "nope.jpg", store)
    with pytest.raises(UseCaseError, match="不是一个文件"):
        att.add_attachment(ctx, case_id, tmp_path, store)
    assert att.list_attachments(case_id) == []


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file_refused(ctx, case_id, store, tmp_path):
    src = _file(tmp_path, "secret.txt", b"x")
    src.chmod(0)
    try:
        with pytest.raises(UseCaseError, match="无法读取"):
            att.add_attachment(ctx, case_id, src, store)
    finally:
        src.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert att.list_attachments(case_id) == []


def test_size_limit_is_a_setting(ctx, case_id, store, tmp_path):
    settings.set_("attachments.max_mb", 1)
    big = _file(tmp_path, "video.mp4", b"\0" * (1024 * 1024 + 1))
    with pytest.raises(UseCaseError, match=r"太大.*最大 1 MB"):
        att.add_attachment(ctx, case_id, big, store)
    assert att.list_attachments(case_id) == []
    assert not store.exists() or [p for p in store.rglob("*") if p.is_file()] == []


def test_unknown_case_refused(ctx, store, tmp_path):
    with pytest.raises(NotFound):
        att.add_attachment(ctx, 9999, _file(tmp_path, "a.txt", b"a"), store)


@pytest.mark.sqlite_only(
    "this PC's content store of files; on the server the contents live in the database "
    "(tests/db/test_server_blobs.py)"
)
def test_changed_or_missing_store_file_is_named(ctx, case_id, store, tmp_path):
    a = att.add_attachment(ctx, case_id, _file(tmp_path, "单据.pdf", b"original"), store)
    blob = att.blob_path(store, a["sha256"])
    blob.chmod(stat.S_IREAD | stat.S_IWRITE)
    blob.write_bytes(b"tampered")
    with pytest.raises(UseCaseError, match=r"单据.pdf.*已被改动"):
        att.attachment_path(a["id"], store)
    blob.unlink()
    with pytest.raises(UseCaseError, match=r"单据.pdf.*不见了"):
        att.attachment_path(a["id"], store)


def test_viewing_copy_has_original_name(ctx, case_id, store, tmp_path):
    a = att.add_attachment(ctx, case_id, _file(tmp_path, "维修单.pdf", b"%PDF-1.4"), store)
    p = att.viewing_copy(a["id"], store, tmp_path / "open")
    assert p.name == "维修单.pdf" and p.read_bytes() == b"%PDF-1.4"
    assert att.viewing_copy(a["id"], store, tmp_path / "open") == p  # again: replaced


def test_remove_unknown(ctx):
    with pytest.raises(NotFound):
        att.remove_attachment(ctx, 12345)


def test_permission_and_audit_are_called(ctx, case_id, store, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(att.auth, "require", lambda c, perm, **k: calls.append(perm))
    monkeypatch.setattr(att.audit, "record", lambda c, event, **k: calls.append(event))
    a = att.add_attachment(ctx, case_id, _file(tmp_path, "a.txt", b"a"), store)
    att.remove_attachment(ctx, a["id"], store)
    assert calls == ["attachment.add", "attachment.add", "attachment.remove", "attachment.remove"]


def test_roles_are_checked_and_a_refusal_changes_nothing(ctx, case_id, store, tmp_path):
    clerk = dataclasses.replace(ctx, roles=frozenset({"客服专员"}))
    gm = dataclasses.replace(ctx, roles=frozenset({"总经理"}))
    with pytest.raises(PermissionDenied):
        att.add_attachment(gm, case_id, _file(tmp_path, "a.txt", b"a"), store)
    assert att.list_attachments(case_id) == []
    a = att.add_attachment(clerk, case_id, _file(tmp_path, "a.txt", b"a"), store)
    with pytest.raises(PermissionDenied):
        att.remove_attachment(clerk, a["id"], store)  # only the 客服经理 removes evidence
    assert att.attachment_path(a["id"], store).read_bytes() == b"a"
    assert att.refusals(clerk, case_id)["remove"] and att.refusals(clerk, case_id)["add"] is None
