"""The printed sheets' history: what went out for a case or a sanction, and when the signed
paper came back, with its scan. The GUI and the CLI both call these.

A scan is named by its SHA-256; on the office server its content is kept in the database
(``db.blob_rows``), so every seat opens it (``scan_file``), and the file beside the printed
one is this PC's copy.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from complaints.usecases import audit, auth
from complaints.usecases.context import Context
from complaints.usecases.errors import NotFound, UseCaseError
from db import blob_rows, case_rows, printed_rows, sanction_rows
from db.models import database
from db.models_forms import PrintedForm
from db.retry import retried
from forms.templates import FORM_TITLES


def _row(p: PrintedForm) -> dict[str, Any]:
    return {**printed_rows.to_dict(p), "title": FORM_TITLES.get(p.form, p.form)}


def history(
    *, case_id: int | None = None, sanction_id: int | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """What was printed for a case (its sanctions' notices too) or a sanction, newest first.
    Paths are relative to the data folder's ``printed/``."""
    return [_row(p) for p in printed_rows.history(case_id, sanction_id, limit)]


def awaiting_return(limit: int = 500) -> list[dict[str, Any]]:
    """Printed forms whose signed paper has not come back yet, oldest first."""
    return [_row(p) for p in printed_rows.awaiting_return(limit)]


def mark_signed_returned(
    ctx: Context,
    printed_id: int,
    when: datetime,
    scan_path: Path | str | None = None,
    *,
    printed_dir: Path | None = None,
) -> dict[str, Any]:
    """Record that the signed sheet came back; with ``printed_dir``, the scan is copied
    beside the printed file (its stored path then relative to ``printed/``)."""
    if when.tzinfo is None:
        raise UseCaseError("回收时间需要带时区")
    p = printed_rows.get(printed_id)
    if p is None:
        raise NotFound(f"找不到打印记录(id {printed_id})")
    case_id = p.case_id
    sanction_id = p.sanction_id
    case = case_rows.get(case_id) if case_id else None
    department = case.department if case else None
    auth.require(ctx, "form.print", department=department)
    stored_scan: str | None = None
    copied: Path | None = None
    content: bytes | None = None
    scan_sha: str | None = None
    if scan_path is not None:
        src = Path(scan_path)
        if not src.is_file():
            raise UseCaseError(f"找不到扫描件:{src}")
        try:
            content = src.read_bytes()
        except OSError as e:
            raise UseCaseError(f"无法读取扫描件 {src}:{e.strerror or e}") from None
        scan_sha = hashlib.sha256(content).hexdigest()
        if printed_dir is not None:
            dest = (Path(printed_dir) / p.file_path).with_name(
                Path(p.file_path).stem + f"_签字扫描件{src.suffix.lower()}"
            )
            n = 1
            while dest.exists():
                dest = dest.with_name(
                    Path(p.file_path).stem + f"_签字扫描件-{n}{src.suffix.lower()}"
                )
                n += 1
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
            copied = dest
            stored_scan = dest.relative_to(printed_dir).as_posix()
        else:
            stored_scan = str(src.resolve())
    old = (p.signed_returned_at, p.scan_path)

    @retried  # the scan is copied beside the printed file above, once; this runs again
    def record() -> None:
        with database.atomic():
            if content is not None and scan_sha is not None and blob_rows.in_database():
                blob_rows.put(scan_sha, content)
            printed_rows.mark_returned(p, when, stored_scan, scan_sha)
            rec_uid = None
            table = None
            if sanction_id:
                s = sanction_rows.get(sanction_id)
                rec_uid, table = (s.uid if s else None), "sanctions"
            elif case_id:
                rec_uid, table = (case.uid if case else None), "cases"
            audit.record(
                ctx,
                "form.signed_returned",
                table=table,
                uid=rec_uid,
                changes={"signed_returned_at": (old[0], when), "scan_path": (old[1], p.scan_path)},
                note=f"{p.form} {FORM_TITLES.get(p.form, '')} {p.file_path}",
            )

    try:
        record()
    except Exception:
        if copied is not None:
            copied.unlink(missing_ok=True)
        raise
    return _row(p)


def printed_files(rows: Sequence[dict[str, Any]], printed_dir: Path) -> list[Path]:
    """Absolute paths of history rows' files (for opening them)."""
    return [Path(printed_dir) / r["file_path"] for r in rows]


def scan_file(printed_id: int, printed_dir: Path) -> Path:
    """The signed sheet's scan as a file of this PC: the copy beside the printed file when it
    is still the scan that was stored, else the content the database keeps (the office
    server's, another seat's scan) written there."""
    p = printed_rows.get(printed_id)
    if p is None:
        raise NotFound(f"找不到打印记录(id {printed_id})")
    if not p.scan_path:
        raise UseCaseError("这张签字单还没有登记扫描件")
    path = Path(p.scan_path)
    if not path.is_absolute():
        path = Path(printed_dir) / path
    sha = p.scan_sha256
    try:
        sound = path.is_file() and (
            sha is None or hashlib.sha256(path.read_bytes()).hexdigest() == sha
        )
    except OSError as e:
        raise UseCaseError(f"无法读取扫描件 {path}:{e.strerror or e}") from None
    if sound:
        return path
    kept = blob_rows.get(sha) if sha else None
    if kept is None or hashlib.sha256(kept).hexdigest() != sha:
        raise UseCaseError(f"扫描件 {p.scan_path} 不在本机,数据库中也没有:请从备份恢复")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(kept)
    except OSError as e:
        raise UseCaseError(f"无法保存扫描件 {path}:{e.strerror or e}") from None
    return path
