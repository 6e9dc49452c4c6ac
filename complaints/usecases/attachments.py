"""Evidence files of a case: copied into the data folder, named by their SHA-256.

The store is content-addressed (``<store>/ab/abcdef…``), so the same photo attached
twice, or to two cases, takes the disk once, and a file that changed or vanished
behind the app's back is noticed when it is opened (the hash no longer matches).

The ``attachments`` table of schema 1 has no ledger keys (uid/site/revision/deleted),
so an attachment does not travel and removal deletes its row; ``stored_name`` holds a
UUID per record (it is UNIQUE, so it cannot be the shared blob name). The blob is
deleted only when no other record references it.

On the office server the content is kept in the database (``db.blob_rows``) so every seat
opens it; the data folder's store is then this PC's copy, written on first opening.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
import uuid
from pathlib import Path
from typing import Any

from complaints.usecases import audit, auth, settings
from complaints.usecases.context import Context
from complaints.usecases.errors import NotFound, UseCaseError
from db import attachment_rows, blob_rows, case_rows
from db.models import database
from db.retry import retried

DEFAULT_MAX_MB = 50
_CHUNK = 1024 * 1024


def max_bytes() -> int:
    """The size limit of one attachment (setting ``attachments.max_mb``)."""
    mb = settings.get("attachments.max_mb") if "attachments.max_mb" in settings.OPTIONS else None
    try:
        mb = int(mb) if mb is not None else DEFAULT_MAX_MB
    except (TypeError, ValueError):
        mb = DEFAULT_MAX_MB
    return max(1, mb) * 1024 * 1024


def blob_path(store_dir: Path, sha256: str) -> Path:
    return Path(store_dir) / sha256[:2] / sha256


def _hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _copy_into_store(src: Path, store_dir: Path, limit: int) -> tuple[str, int, bool]:
    """Copy ``src`` to a temp file in the store while hashing it, then move it to its
    content address. Returns (sha256, size, created)."""
    store_dir.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=store_dir)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
            while chunk := inp.read(_CHUNK):
                size += len(chunk)
                if size > limit:  # the file grew after the size check
                    raise UseCaseError(_too_big(src, size, limit))
                h.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha = h.hexdigest()
        dest = blob_path(store_dir, sha)
        if dest.exists() and _hash_file(dest) == sha:
            tmp.unlink()
            return sha, size, False
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, dest)
        with contextlib.suppress(OSError):  # a file system without modes keeps the copy as is
            dest.chmod(stat.S_IREAD)  # evidence is not edited; its owner alone reads it
        return sha, size, True
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _read_limited(src: Path, limit: int) -> tuple[str, bytes]:
    """The content of ``src`` and its SHA-256, refused past ``limit`` bytes."""
    with open(src, "rb") as inp:
        data = inp.read(limit + 1)
    if len(data) > limit:  # the file grew after the size check
        raise UseCaseError(_too_big(src, len(data), limit))
    return hashlib.sha256(data).hexdigest(), data


def _write_into_store(store_dir: Path, sha: str, data: bytes) -> Path:
    """This PC's copy of a content kept in the database, at its content address."""
    dest = blob_path(store_dir, sha)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        if dest.exists():
            dest.chmod(stat.S_IREAD | stat.S_IWRITE)
        os.replace(tmp, dest)
        with contextlib.suppress(OSError):  # a file system without modes keeps the copy as is
            dest.chmod(stat.S_IREAD)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest


def _too_big(src: Path, size: int, limit: int) -> str:
    return f"文件“{src.name}”太大({size / 1024 / 1024:.1f} MB),附件最大 {limit // (1024 * 1024)} MB"


def add_attachment(
    ctx: Context, case_id: int, src: Path, store_dir: Path, note: str = ""
) -> dict[str, Any]:
    """Attach a copy of ``src`` to the case. The same content attached to the same case
    again returns the existing record (``already_attached`` True) and adds nothing."""
    src = Path(src)
    case = case_rows.get(case_id)
    if case is None or case.deleted:
        raise NotFound(f"找不到投诉单(id {case_id}),无法添加附件")
    auth.require(ctx, "attachment.add", department=case.department)
    try:
        st = src.stat()
    except FileNotFoundError:
        raise UseCaseError(f"找不到文件“{src}”") from None
    except OSError as e:
        raise UseCaseError(f"无法读取文件“{src}”:{e.strerror or e}") from None
    if not stat.S_ISREG(st.st_mode):
        raise UseCaseError(f"“{src}”不是一个文件,只能添加文件作为附件")
    limit = max_bytes()
    if st.st_size > limit:
        raise UseCaseError(_too_big(src, st.st_size, limit))
    content: bytes | None = None  # kept in the database (the office server)
    try:
        if blob_rows.in_database():
            sha, content = _read_limited(src, limit)
            size, created = len(content), False
        else:
            sha, size, created = _copy_into_store(src, Path(store_dir), limit)
    except UseCaseError:
        raise
    except OSError as e:
        raise UseCaseError(f"无法读取或保存文件“{src.name}”:{e.strerror or e}") from None

    @retried  # the file is copied into the store above, once; this transaction runs again
    def save() -> dict[str, Any]:
        with database.atomic():
            existing = attachment_rows.of_case_with_hash(case_id, sha)
            if existing is not None:
                return {**attachment_rows.to_dict(existing), "already_attached": True}
            if content is not None:
                blob_rows.put(sha, content)
            att = attachment_rows.add(
                case=case_id,
                file_name=src.name,
                stored_name=str(uuid.uuid4()),
                sha256=sha,
                size=size,
                added_at=ctx.now(),
                added_by=ctx.actor,
                note=note.strip(),
            )
            audit.record(
                ctx,
                "attachment.add",
                table="attachments",
                uid=att.stored_name,
                changes={"file_name": (None, src.name), "sha256": (None, sha)},
                note=f"{case.number}: {src.name}",
            )
        return {**attachment_rows.to_dict(att), "already_attached": False}

    try:
        return save()
    except BaseException:
        if created and not _referenced(sha):
            blob_path(Path(store_dir), sha).unlink(missing_ok=True)
        raise


def _referenced(sha256: str) -> bool:
    return attachment_rows.referenced(sha256)


def list_attachments(case_id: int) -> list[dict[str, Any]]:
    """A case's attachments, oldest first."""
    return [attachment_rows.to_dict(a) for a in attachment_rows.of_case(case_id)]


def refusals(ctx: Context, case_id: int) -> dict[str, str | None]:
    """Why ``ctx`` may not add / remove attachments of this case (None: allowed), for
    enabling buttons; the use cases still check."""
    case = case_rows.get(case_id)
    dept = case.department if case is not None else None
    out: dict[str, str | None] = {}
    for action in ("add", "remove"):
        d = auth.decide(ctx, f"attachment.{action}", department=dept)
        out[action] = None if d.allowed else d.reason
    return out


def get_attachment(att_id: int) -> dict[str, Any]:
    a = attachment_rows.get(att_id)
    if a is None:
        raise NotFound(f"找不到附件(id {att_id})")
    return attachment_rows.to_dict(a)


def attachment_path(att_id: int, store_dir: Path) -> Path:
    """The stored copy, after checking it is still the file that was attached. A content
    the database keeps (the office server's, or a server backup's) is written to this PC's
    store when the store has no sound copy."""
    a = get_attachment(att_id)
    path = blob_path(Path(store_dir), a["sha256"])
    try:
        actual = _hash_file(path) if path.is_file() else None
    except OSError as e:
        raise UseCaseError(f"无法读取附件“{a['file_name']}”:{e.strerror or e}") from None
    if actual == a["sha256"]:
        return path
    kept = blob_rows.get(a["sha256"])
    if kept is not None and hashlib.sha256(kept).hexdigest() == a["sha256"]:
        try:
            return _write_into_store(Path(store_dir), a["sha256"], kept)
        except OSError as e:
            raise UseCaseError(f"无法保存附件“{a['file_name']}”:{e.strerror or e}") from None
    if actual is None:
        raise UseCaseError(f"附件“{a['file_name']}”的存档文件不见了({path}),请从备份恢复或重新添加")
    raise UseCaseError(
        f"附件“{a['file_name']}”的存档文件已被改动(校验值不符),请从备份恢复或重新添加"
    )


def viewing_copy(att_id: int, store_dir: Path, dest_dir: Path) -> Path:
    """A read-only copy under the original file name, for opening in another program
    (the stored copy has no extension, and a program that saves over it would break it)."""
    a = get_attachment(att_id)
    src = attachment_path(att_id, store_dir)
    folder = Path(dest_dir) / str(att_id)
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(a["file_name"]).name or a["sha256"]
    dest = folder / name
    if dest.exists():
        dest.chmod(stat.S_IREAD | stat.S_IWRITE)
        dest.unlink()
    shutil.copyfile(src, dest)
    dest.chmod(stat.S_IREAD)  # read-only, its owner alone: evidence is not edited
    return dest


@retried  # one transaction: run again if the office server undid it
def remove_attachment(ctx: Context, att_id: int, store_dir: Path | None = None) -> None:
    """Remove an attachment's record; with ``store_dir``, also its stored file once no
    other record references the same content."""
    a = attachment_rows.get(att_id)
    if a is None:
        raise NotFound(f"找不到附件(id {att_id})")
    auth.require(ctx, "attachment.remove", department=attachment_rows.case_department(a))
    with database.atomic():
        a = attachment_rows.get(att_id)
        if a is None:
            raise NotFound(f"找不到附件(id {att_id})")
        sha, name, uid = a.sha256, a.file_name, a.stored_name
        a.delete_instance()
        audit.record(
            ctx,
            "attachment.remove",
            table="attachments",
            uid=uid,
            changes={"file_name": (name, None)},
            note=name,
        )
        still_used = blob_rows.referenced(sha)
        if not still_used:
            blob_rows.forget_unreferenced(sha)
    if store_dir is not None and not still_used:
        p = blob_path(Path(store_dir), sha)
        try:
            if p.exists():
                p.chmod(stat.S_IREAD | stat.S_IWRITE)
                p.unlink()
        except OSError:
            pass  # an orphan blob harms nothing; never fail a committed removal
